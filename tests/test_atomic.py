"""Atomic writes: no half files, no rewrite of identical bytes, leftovers of a killed run swept."""

from __future__ import annotations

from pathlib import Path

from papersync.atomic import TEMP_SUFFIX, sweep, write_text


def test_unchanged_bytes_are_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "refs.bib"
    assert write_text(target, "@misc{a,}\n")
    before = target.stat().st_mtime_ns
    assert not write_text(target, "@misc{a,}\n")
    assert target.stat().st_mtime_ns == before
    assert write_text(target, "@misc{b,}\n")
    assert target.read_text() == "@misc{b,}\n"
    assert [p.name for p in target.parent.iterdir()] == ["refs.bib"]


def test_sweep_removes_only_papersyncs_leftovers(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "Papers").mkdir(parents=True)
    left = vault / "Papers" / f".Note.md.x1y2{TEMP_SUFFIX}"
    left.write_text("half a note")
    mine = vault / "Papers" / ".draft.tmp"
    mine.write_text("a person's own temp file")
    bib_left = tmp_path / f".refs.bib.abcd{TEMP_SUFFIX}"
    bib_left.write_text("half")
    other = tmp_path / f".other.bib.abcd{TEMP_SUFFIX}"
    other.write_text("not ours to judge here")
    assert sweep(vault) == 1
    assert sweep(tmp_path / "refs.bib") == 1
    assert not left.exists() and not bib_left.exists()
    assert mine.exists() and other.exists()
