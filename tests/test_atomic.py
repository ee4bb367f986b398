"""Atomic writes: no half files, no rewrite of identical bytes, leftovers of a killed run swept."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from papersync import atomic
from papersync.atomic import TEMP_SUFFIX, sweep, write_text
from papersync.errors import ExportError


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


def test_bytes_are_written_exactly_crlf_included(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    assert write_text(target, "% mine\r\n@misc{a,}\r\n")
    assert target.read_bytes() == b"% mine\r\n@misc{a,}\r\n"


def test_a_symlink_stays_a_symlink_and_its_target_is_written(tmp_path: Path) -> None:
    (tmp_path / "overleaf").mkdir()
    real = tmp_path / "overleaf" / "refs.bib"
    real.write_text("old\n")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    assert write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n"
    assert sorted(p.name for p in (tmp_path / "overleaf").iterdir()) == ["refs.bib"]
    killed = tmp_path / "overleaf" / f".refs.bib.x1y2{TEMP_SUFFIX}"  # a killed run's leftover
    killed.write_text("half")
    assert sweep(link) == 1 and not killed.exists()


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    shared = tmp_path / "shared.bib"
    shared.write_text("old\n")
    shared.chmod(0o664)
    assert write_text(shared, "new\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    mask = os.umask(0o027)
    try:
        atomic._umask.cache_clear()
        fresh = tmp_path / "fresh.bib"
        assert write_text(fresh, "x\n")
    finally:
        os.umask(mask)
        atomic._umask.cache_clear()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def test_a_full_disk_is_one_line_naming_the_file_with_the_original_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("the person's file\n")
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        """Writes half of what a temp file is given, then fails as a full disk does."""
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(TEMP_SUFFIX):
            return real_write(fd, data)
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(ExportError) as failure:
        write_text(target, "a much longer replacement\n" * 100)
    monkeypatch.undo()
    message = str(failure.value)
    assert message.startswith(f"{target}: cannot write it (No space left on device)")
    assert "\n" not in message
    assert target.read_text() == "the person's file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]  # the temp file is gone
