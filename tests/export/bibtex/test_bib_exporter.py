"""The .bib exporter: stable keys, no rewrite of identical bytes, and LaTeX compiling the result.

The compile tests are the real check: a document citing every exported key must build with
pdflatex + bibtex (plain and natbib) and with pdflatex + biber (biblatex), with no error and no
bibtex/biber warning.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from bib_papers import (
    COMPILABLE,
    HANDWRITTEN,
    HANDWRITTEN_KEYS,
    UNRESOLVED,
    VAE,
    hostile,
    hostile_references,
    hostile_with_ambiguous,
    mention,
    reference,
)
from tex_build import compile_with_biber, compile_with_bibtex

from papersync import fingerprint, registry
from papersync.citekey import assign
from papersync.config import load
from papersync.errors import ConfigError, ExportError
from papersync.export.bibtex import BibtexExporter, entry_keys, merge, render
from papersync.export.csl import CslExporter
from papersync.lock import Lock, Pins
from papersync.model import Ids, Paper, Reference
from papersync.report import Report, outcome_line


def test_second_run_writes_nothing_and_keeps_mtime(tmp_path: Path) -> None:
    path = tmp_path / "out" / "refs.bib"
    refs = hostile_references()
    exporter = BibtexExporter(path, dialect="biblatex")
    first = exporter.export(refs, UNRESOLVED, Lock())
    assert first.written == (str(path),)
    assert first.counts == {"entries added": len(refs), "entries updated": 0, "entries removed": 0}
    assert {k: p.citekey for k, p in first.pins.items()} == {r.key: r.citekey for r in refs}
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    lock = Lock().with_pins(first.pins)
    second = exporter.export(refs, UNRESOLVED, lock)
    assert second.written == () and second.unchanged == 1 and not second.pins
    assert set(second.counts.values()) == {0}
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert not list(tmp_path.glob("out/.*"))  # no temp file left behind


def test_unreadable_target_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@misc{x, title = {caf\xe9}}\n")
    outcome = BibtexExporter(path).export(hostile_references(), (), Lock())
    assert outcome.written == () and "UTF-8" in outcome.problems[0]
    assert path.read_bytes() == b"@misc{x, title = {caf\xe9}}\n"


def test_hand_written_keys_are_what_is_not_pinned(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN + "@misc{ours, title={x}}\n", encoding="utf-8")
    lock = Lock(papers={"arxiv:1": Pins(citekey="ours")})
    assert BibtexExporter(path).hand_written_keys(lock) == frozenset(HANDWRITTEN_KEYS)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'apa'"):
        BibtexExporter(Path("x.bib"), dialect="apa")


def test_citation_keys_survive_changed_metadata_formula_and_a_colliding_newcomer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "refs.bib"
    papers = {p.ids.key() or "": p for p in hostile()}
    keys = assign(papers, {})
    outcome = BibtexExporter(path).export(
        [reference(p, keys[k]) for k, p in papers.items()], (), Lock()
    )
    lock = Lock().with_pins(outcome.pins)
    before = set(entry_keys(path.read_text(encoding="utf-8")))
    # better metadata, a new formula, and a newcomer whose key would collide
    papers["arxiv:1312.6114"] = replace(VAE, title="Variational Autoencoders", year=2014)
    newcomer = replace(VAE, ids=Ids(arxiv="9999.99999"), title="Auto-Encoding Again")
    papers["arxiv:9999.99999"] = newcomer
    pinned = {k: p.citekey for k, p in lock.papers.items() if p.citekey}
    new_keys = assign(
        papers, pinned, "authors(2) + year", BibtexExporter(path).hand_written_keys(lock)
    )
    assert {k: new_keys[k] for k in keys} == keys
    BibtexExporter(path).export([reference(p, new_keys[k]) for k, p in papers.items()], (), lock)
    after = set(entry_keys(path.read_text(encoding="utf-8")))
    assert before < after and len(after - before) == 1


def _keyed(papers: dict[str, Paper], lock: Lock, exporter: BibtexExporter) -> list[Reference]:
    """References keyed as a sync keys them: pins kept, the file's own keys reserved."""
    pinned = {k: p.citekey for k, p in lock.papers.items() if p.citekey}
    keys = assign(papers, pinned, reserved=exporter.hand_written_keys(lock))
    return [reference(p, keys[k]) for k, p in papers.items()]


@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_a_lost_lock_is_recovered_from_the_bib_without_a_duplicate_entry(
    tmp_path: Path, dialect: str
) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN, encoding="utf-8")
    exporter = BibtexExporter(path, dialect=dialect)
    papers = {p.ids.key() or "": p for p in hostile()}
    papers["arxiv:9999.99999"] = replace(VAE, ids=Ids(arxiv="9999.99999"))  # same base key
    first = exporter.export(_keyed(papers, Lock(), exporter), (), Lock())
    written = path.read_bytes()
    # the lock file is gone: without recovery, every paper would get a second, suffixed key
    fresh = {r.key: r.citekey for r in _keyed(papers, Lock(), exporter)}
    assert set(fresh.values()).isdisjoint(entry_keys(written.decode()))
    recovered = Lock(papers=exporter.recover_pins())
    assert recovered.papers == {k: Pins(citekey=p.citekey) for k, p in first.pins.items()}
    again = exporter.export(_keyed(papers, recovered, exporter), (), recovered)
    assert again.written == () and path.read_bytes() == written
    assert set(again.counts.values()) == {0}


def test_a_full_disk_fails_the_export_in_one_line_and_keeps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN, encoding="utf-8")

    def full_disk(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(ExportError, match=rf"^{re.escape(str(path))}: cannot write it \(No space"):
        BibtexExporter(path).export(hostile_references(), (), Lock())
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == HANDWRITTEN
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_a_symlinked_crlf_bib_stays_a_symlink_and_crlf_with_its_mode(tmp_path: Path) -> None:
    (tmp_path / "Dropbox").mkdir()
    real = tmp_path / "Dropbox" / "refs.bib"
    real.write_bytes(HANDWRITTEN.replace("\n", "\r\n").encode())
    real.chmod(0o644)
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    outcome = BibtexExporter(link).export(hostile_references()[:2], (), Lock())
    assert outcome.written == (str(link),)
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o644
    data = real.read_bytes()
    assert data.startswith(HANDWRITTEN.rstrip("\n").replace("\n", "\r\n").encode())
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("style", ["plain", "plainnat"])
def test_pdflatex_and_bibtex_compile_every_key_without_warnings(tmp_path: Path, style: str) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    BibtexExporter(path, include_ambiguous=True).export(
        hostile_with_ambiguous(), UNRESOLVED, Lock()
    )
    text = path.read_text(encoding="utf-8")
    assert "annote = {papersync: uncertain match" in text
    ours = text[len(COMPILABLE) :]
    assert {c for c in ours if not c.isascii()} <= set("深度学习中文的计算机学报王小明")  # CJK only
    warnings, bbl = compile_with_bibtex(tmp_path, text, style)
    if style == "plainnat":
        # plainnat demands a year of every entry; papersync will not invent one
        undated = [r.citekey for r in hostile_references() if r.paper.year is None]
        assert warnings == [f"Warning--empty year in {k}" for k in undated]
    else:
        assert warnings == []
    assert "深度学习" in bbl


def test_pdflatex_and_biber_compile_every_key_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    exporter = BibtexExporter(path, dialect="biblatex", include_ambiguous=True)
    exporter.export(hostile_with_ambiguous(), UNRESOLVED, Lock())
    text = path.read_text(encoding="utf-8")
    assert "Schrödinger" in text  # biber reads UTF-8: no LaTeX accents needed
    assert "深度学习" in compile_with_biber(tmp_path, text)


def test_real_titles_get_unique_keys_and_compile(shared: Path, tmp_path: Path) -> None:
    """Every catalog title gets a distinct key; the odd ones (symbols, accents) compile."""
    rows = [json.loads(line) for line in (shared / "eval" / "catalog.jsonl").open(encoding="utf-8")]
    papers = {f"arxiv:{r['id']}": Paper(Ids(arxiv=r["id"]), r["title"], "catalog") for r in rows}
    keys = assign(papers, {})
    assert len({k.casefold() for k in keys.values()}) == len(papers)
    odd = {k for k, p in papers.items() if re.search(r"[^A-Za-z0-9 :,.'?!()/+-]", p.title)}
    assert odd
    refs = [reference(papers[k], keys[k]) for k in sorted(odd)]
    merged = merge("", refs, (), Lock())
    assert not merged.problems  # every character had an ASCII LaTeX spelling
    warnings, _ = compile_with_bibtex(tmp_path / "bibtex", merged.text, "plain")
    assert warnings == []
    compile_with_biber(tmp_path / "biber", render("", refs, (), Lock(), dialect="biblatex"))


def test_a_work_is_one_published_entry_with_its_eprint_and_compiles(
    tmp_path: Path, resnet: Paper
) -> None:
    ref = Reference("arxiv:1512.03385", resnet, "he2016deep", (mention(resnet.title),))
    for dialect in ("bibtex", "biblatex"):
        path = tmp_path / dialect / "refs.bib"
        BibtexExporter(path, dialect=dialect).export([ref], (), Lock())
        text = path.read_text(encoding="utf-8")
        assert entry_keys(text) == ("he2016deep",)
        assert text.startswith("@inproceedings{he2016deep,")
        assert (
            "booktitle = {2016 IEEE Conference on Computer Vision and Pattern Recognition" in text
        )
        assert "doi = {10.1109/cvpr.2016.90}" in text and "eprint = {1512.03385}" in text
        assert ("year = {2016}" if dialect == "bibtex" else "date = {2016}") in text
        if dialect == "bibtex":
            for style in ("plain", "plainnat"):
                warnings, bbl = compile_with_bibtex(tmp_path / style, text, style)
                assert warnings == [] and "Deep residual learning" in bbl
        else:
            assert "Deep Residual Learning" in compile_with_biber(tmp_path / "biber", text)


def test_the_preferred_version_is_a_config_key_both_file_targets_follow(tmp_path: Path) -> None:
    config_file = tmp_path / "papersync.yaml"
    config_file.write_text(
        "export:\n  bibtex: {path: refs.bib, prefer: preprint}\n  csl: {path: papers.json}\n",
        encoding="utf-8",
    )
    config = load(config_file)
    bib, csl = registry.exporter(config, "bibtex"), registry.exporter(config, "csl")
    assert isinstance(bib, BibtexExporter) and isinstance(csl, CslExporter)
    assert (bib.prefer, csl.prefer) == ("preprint", "preprint")
    config_file.write_text("export:\n  bibtex: {prefer: journal}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"papersync.yaml: export.bibtex.prefer: expected"):
        load(config_file)


def test_a_byte_order_mark_before_the_first_entry_hides_nothing(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    refs = hostile_references()[:3]
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in refs})
    notepad = "\ufeff" + render("", refs, (), lock).replace("\n", "\r\n")  # Windows Notepad
    path.write_bytes(notepad.encode())
    exporter = BibtexExporter(path)
    assert exporter.recover_pins() == lock.papers
    assert exporter.hand_written_keys(lock) == frozenset()
    assert exporter.export(refs, (), lock).written == ()
    assert path.read_bytes() == notepad.encode()


def test_a_no_op_run_and_a_remembered_one_report_the_same_line(tmp_path: Path) -> None:
    config_file = tmp_path / "papersync.yaml"
    config_file.write_text("export:\n  bibtex: {path: refs.bib}\n", encoding="utf-8")
    config = load(config_file)
    refs = hostile_references()
    exporter = BibtexExporter(tmp_path / "refs.bib")
    first = exporter.export(refs, UNRESOLVED, Lock())
    assert outcome_line("bibtex", first) == (
        f"bibtex: 1 written, 0 unchanged, {len(refs)} entries added, 0 entries removed, "
        "0 entries updated"
    )
    fingerprint.remember(config, "inputs", Report(outcomes={"bibtex": first}))
    remembered = fingerprint.remembered(config, "inputs")
    assert remembered is not None
    again = exporter.export(refs, UNRESOLVED, Lock().with_pins(first.pins))
    line = "bibtex: 0 written, 1 unchanged, 0 entries added, 0 entries removed, 0 entries updated"
    assert outcome_line("bibtex", again) == line
    assert outcome_line("bibtex", remembered.outcomes["bibtex"]) == line
