"""The Obsidian vault: a note per paper, a note per reading day, an index, all linked both ways.

Rendering (names, properties, Jinja2 templates, merging into what is on disk) is pure; `scan`
reads the vault back and only `VaultExporter` writes. papersync owns the frontmatter keys it
writes and the text between its region markers; everything else in the vault is the person's.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from papersync import atomic
from papersync.errors import ExportError
from papersync.export import Outcome
from papersync.export.vault.content import Note
from papersync.export.vault.layout import (
    DAY_KEYS,
    DAYS_DIR,
    INDEX_NOTE,
    PAPER_KEYS,
    PAPERS_DIR,
    conflict_path,
    is_inside,
    note_stem,
    paper_path,
)
from papersync.export.vault.names import fold, is_plain_name
from papersync.export.vault.plan import pinned_note, plan, stale_paths
from papersync.export.vault.regions import is_managed, merge_note, retire_note
from papersync.export.vault.render import Renderer
from papersync.export.vault.scan import (
    StrayFile,
    locate,
    paper_notes,
    person_aliases,
    read_note,
    vault_files,
)
from papersync.lock import LOCK_NAME, Lock, Pins
from papersync.model import Match, Reference

__all__ = ["DAYS_DIR", "INDEX_NOTE", "PAPERS_DIR", "VaultExporter"]

_DISK_WIDE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""Write failures no other note would escape: they stop the export at the first."""
_FSYNC_THREADS = 32
"""Waiting on the disk, not the CPU: enough for the journal to group the commits."""


def _conflict_text(path: str, region: str) -> str:
    return (
        f"%% papersync: this is what papersync would have written in the managed region of "
        f"[[{note_stem(path)}]]; you edited that region, so your version was kept. "
        "To settle it, move your own text out of the region (or delete the region, markers "
        "included): papersync then writes its version there again. Delete this file when "
        "done. %%\n\n" + region
    )


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # gone since, or a folder the platform cannot open
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _flush(root: Path, written: Iterable[str], folders: Iterable[str]) -> None:
    """Make this run's writes durable: each written note, then each folder it was renamed
    into or removed from — these files only, never every filesystem on the machine.

    Batched after the writes and issued from a pool of threads, so the filesystem's
    journal commits them together: one by one, an fsync per note cost more than the rest of
    a cold export (about 5 ms each on a busy disk; 30 times less in parallel)."""
    notes = [root / rel for rel in written]
    with ThreadPoolExecutor(max_workers=_FSYNC_THREADS) as pool:
        list(pool.map(_fsync, notes))
    for folder in sorted(set(folders)):
        _fsync(root / folder)


@dataclass
class _Report:
    """What one export did, gathered as it goes."""

    written: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    unchanged: int = 0
    folders: set[str] = dataclasses.field(default_factory=set)
    """Folders a note was written to or removed from: their entries are flushed too."""
    strays: set[str] = dataclasses.field(default_factory=set)

    def skip(self, stray: StrayFile) -> None:
        """One problem line per stray file, however many steps stumble on it."""
        if stray.rel not in self.strays:
            self.strays.add(stray.rel)
            self.problems.append(str(stray))


class VaultExporter:
    """Writes the vault under `out`; `templates` may override any of the three templates.

    `zotero_library` names the Zotero library the `zotero` links open: `library` for a
    user's own, `groups/<id>` for a group library.
    """

    name = "vault"

    def __init__(
        self,
        out: Path,
        templates: Path | None = None,
        include_unresolved: bool = False,
        *,
        zotero_library: str = "library",
    ) -> None:
        self.out = out
        self.renderer = Renderer(templates)
        self.include_unresolved = include_unresolved
        self.zotero_library = zotero_library

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        files, strays = vault_files(self.out)
        report = _Report(problems=_refused_pins(lock))
        located = self._locate(references, lock, files, strays)
        for stray in strays:
            report.skip(stray)
        notes, paths = plan(
            references,
            unresolved,
            lock,
            files,
            self.renderer,
            include_unresolved=self.include_unresolved,
            located=located,
            zotero_library=self.zotero_library,
        )
        for note in notes:
            self._write(note, report)
        for rel in sorted(set(stale_paths(lock, paths, files)) - {note.path for note in notes}):
            self._retire(rel, report)
        _flush(self.out, report.written, report.folders)
        pins = {
            key: dataclasses.replace(lock.pins(key), note=note_stem(path))
            for key, path in paths.items()
            if not key.startswith("unresolved:") and lock.pins(key).note != note_stem(path)
        }
        return Outcome(
            written=tuple(report.written),
            unchanged=report.unchanged,
            pins=pins,
            problems=tuple(report.problems),
            counts=dict(report.counts),
            totals={
                "papers": len(references),
                "days": sum(1 for n in notes if n.owned == DAY_KEYS),
            },
        )

    def recover_pins(self, references: Sequence[Reference]) -> dict[str, Pins]:
        """Paper key → the note the vault already holds for it, found by the ids, citekey or
        title in the notes' properties: what rebuilds a lost or emptied lock, so no paper
        gets a second note and the person's notes go on being updated."""
        files, _ = vault_files(self.out)
        located = locate(paper_notes(self.out, files), references, {})
        return {key: Pins(note=note_stem(path)) for key, path in located.items()}

    def aliases(self, lock: Lock) -> dict[str, str]:
        """Name → paper key: the names the person gave papers in their notes' `aliases`, for
        the resolver (see `scan.person_aliases` for what is left out, and why)."""
        files, _ = vault_files(self.out)
        notes = paper_notes(self.out, files)
        keys = {fold(n): key for key in lock.papers if (n := pinned_note(lock, key))}
        return person_aliases(notes, keys, lock.decisions.values())

    def own_notes(self) -> frozenset[str]:
        """Names of the vault's notes that are not paper notes (the person's own, the day
        notes, the index): a log's `[[link]]` to one of them names no paper. Only notes
        outside papersync's folders are read, to find paper notes a person moved there;
        the notes of unresolved titles are named after the log's links, so never count."""
        files, _ = vault_files(self.out)
        ours = [rel for rel in files if rel.startswith(f"{DAYS_DIR}/") or rel == INDEX_NOTE]
        theirs = [
            rel
            for rel in files
            if not rel.startswith((f"{PAPERS_DIR}/", f"{DAYS_DIR}/")) and rel != INDEX_NOTE
        ]
        moved = {note.path for note in paper_notes(self.out, theirs)}
        return frozenset(note_stem(rel) for rel in [*ours, *theirs] if rel not in moved)

    def _locate(
        self,
        references: Sequence[Reference],
        lock: Lock,
        files: Sequence[str],
        strays: list[StrayFile],
    ) -> dict[str, str]:
        """Paper notes not where the lock says (moved or renamed in Obsidian, or the lock was
        lost), found so they are not re-created; see `scan.locate`."""
        present = set(files)
        pinned = {r.key: pinned_note(lock, r.key) for r in references}
        missing = [
            r for r in references if not (pin := pinned[r.key]) or paper_path(pin) not in present
        ]
        if not missing:
            return {}
        return locate(paper_notes(self.out, files, strays), missing, pinned)

    def _write(self, note: Note, report: _Report) -> None:
        if not is_inside(note.path):
            report.problems.append(f"{note.path}: would leave the vault folder; not written")
            return
        try:
            existing = read_note(self.out, note.path)
        except StrayFile as exc:
            report.skip(exc)
            return
        if existing is not None and note.owned != PAPER_KEYS and not is_managed(existing):
            report.problems.append(f"{note.path}: not a papersync note; left as it is")
            return
        merged = merge_note(existing, note.properties, note.owned, note.region, note.withdrawn)
        if merged.conflict:
            report.counts["conflicts"] += 1
            conflict = conflict_path(note.path)
            report.problems.append(
                f"{note.path}: you edited papersync's region; kept yours, ours is in {conflict}"
            )
            self._put(conflict, _conflict_text(note.path, note.region), report)
        if self._put(note.path, merged.text, report) is False:
            report.unchanged += 1

    def _put(self, rel: str, text: str, report: _Report) -> bool | None:
        """Write one note (atomically, flushed with the rest at the end) if it changed: True
        when written, False when unchanged, None when it could not be (a problem line; the
        other notes go on, unless the whole disk is full or read-only)."""
        try:
            if not atomic.write_text(self.out / rel, text, durable=False):
                return False
        except ExportError as exc:
            if isinstance(exc.__cause__, OSError) and exc.__cause__.errno in _DISK_WIDE:
                raise
            report.problems.append(str(exc))
            report.counts["failed"] += 1
            return None
        report.written.append(rel)
        report.folders.add(rel.rpartition("/")[0] or ".")
        return True

    def _retire(self, rel: str, report: _Report) -> None:
        if not is_inside(rel):
            return
        try:
            text = read_note(self.out, rel)
        except StrayFile as exc:
            report.skip(exc)
            return
        if text is None or not is_managed(text):
            return
        kept = retire_note(text, "No longer in the reading log.\n", (*PAPER_KEYS, *DAY_KEYS))
        if kept is None:
            try:
                (self.out / rel).unlink()
            except OSError as exc:
                report.problems.append(f"{rel}: cannot remove it ({exc.strerror or exc})")
                return
            report.folders.add(rel.rpartition("/")[0] or ".")
            report.counts["removed"] += 1
        else:
            report.counts["kept"] += 1
            self._put(rel, kept, report)


def _refused_pins(lock: Lock) -> list[str]:
    """A problem line per note name in the lock that is not a plain file name (`../x`): the
    paper is given a fresh name instead, and nothing is written or removed by that name."""
    return [
        f"{LOCK_NAME}: papers.{key}.note: {pins.note!r} is not a plain note name; ignored"
        for key, pins in sorted(lock.papers.items())
        if pins.note and not is_plain_name(pins.note)
    ]
