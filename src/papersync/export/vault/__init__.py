"""The Obsidian vault: a note per paper, a note per reading day, an index, all linked both ways.

Rendering (names, properties, Jinja2 templates, merging into what is on disk) is pure; only
`VaultExporter` reads and writes files. papersync owns the frontmatter keys it writes and
the text between its region markers; everything else in the vault is the person's.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from papersync import atomic
from papersync.export import Outcome
from papersync.export.vault.content import Note
from papersync.export.vault.layout import (
    CONFLICT_SUFFIX,
    DAY_KEYS,
    DAYS_DIR,
    INDEX_NOTE,
    PAPER_KEYS,
    PAPERS_DIR,
    conflict_path,
    is_inside,
    paper_path,
)
from papersync.export.vault.names import fold, is_plain_name
from papersync.export.vault.plan import pinned_note, plan, stale_paths
from papersync.export.vault.regions import is_managed, merge_note, retire_note
from papersync.export.vault.render import Renderer
from papersync.export.vault.scan import (
    StrayFile,
    locate,
    note_aliases_by_key,
    paper_notes,
    read_note,
    vault_files,
)
from papersync.lock import Lock, Pins
from papersync.model import Match, Reference

__all__ = ["DAYS_DIR", "INDEX_NOTE", "PAPERS_DIR", "VaultExporter"]


def _conflict_text(path: str, region: str) -> str:
    return (
        f"%% papersync: this is what papersync would have written in the managed region of "
        f"[[{PurePosixPath(path).stem}]]; you edited that region, so your version was kept. "
        "To settle it, move your own text out of the region (or delete the region, markers "
        "included): papersync then writes its version there again. Delete this file when "
        "done. %%\n\n" + region
    )


def _flush(root: Path, written: Iterable[str], folders: Iterable[str]) -> None:
    """Make this run's writes durable: each written note, then each folder it was renamed
    into or removed from, once. Batched after the writes (a quarter of the cost of syncing
    each as it is written), and only these files: never every filesystem on the machine."""
    for rel in written:
        fd = os.open(root / rel, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in sorted(set(folders)):
        try:
            fd = os.open(root / folder, os.O_RDONLY)
        except OSError:  # the folder itself went, or the platform cannot open folders
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


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
        stale = stale_paths(lock, paths, files)
        stale = [p for p in stale if not PurePosixPath(p).stem.endswith(CONFLICT_SUFFIX)]
        for rel in sorted(set(stale) - {note.path for note in notes}):
            self._retire(rel, report)
        _flush(self.out, report.written, report.folders)
        pins = {
            key: dataclasses.replace(lock.pins(key), note=PurePosixPath(path).stem)
            for key, path in paths.items()
            if not key.startswith("unresolved:") and lock.pins(key).note != PurePosixPath(path).stem
        }
        report.counts["papers"] = len(references)
        report.counts["days"] = sum(1 for n in notes if n.owned == DAY_KEYS)
        return Outcome(
            written=tuple(report.written),
            unchanged=report.unchanged,
            pins=pins,
            problems=tuple(report.problems),
            counts=dict(report.counts),
        )

    def recover_pins(self, references: Sequence[Reference]) -> dict[str, Pins]:
        """Paper key → the note the vault already holds for it, found by the ids, citekey
        and name in the notes' properties: what rebuilds a lost or emptied lock, so no
        paper gets a second note and the person's notes go on being updated."""
        files, _ = vault_files(self.out)
        located = locate(paper_notes(self.out, files), references, {})
        return {key: Pins(note=PurePosixPath(path).stem) for key, path in located.items()}

    def aliases(self, lock: Lock) -> dict[str, str]:
        """Name → paper key from every paper note's `aliases` property: the names the person
        gave papers in Obsidian (and the log's own, which agree with the lock), for the
        resolver. Citekeys, and a name two notes claim, are left out."""
        files, _ = vault_files(self.out)
        notes = paper_notes(self.out, files)
        keys = {fold(n): key for key in lock.papers if (n := pinned_note(lock, key))}
        return note_aliases_by_key(notes, keys)

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
        if not self._put(note.path, merged.text, report):
            report.unchanged += 1

    def _put(self, rel: str, text: str, report: _Report) -> bool:
        """Write one note (atomically, flushed with the rest at the end) if it changed."""
        if not atomic.write_text(self.out / rel, text, durable=False):
            return False
        report.written.append(rel)
        report.folders.add(str(PurePosixPath(rel).parent))
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
            (self.out / rel).unlink()
            report.folders.add(str(PurePosixPath(rel).parent))
            report.counts["removed"] += 1
        else:
            report.counts["kept"] += 1
            self._put(rel, kept, report)


def _refused_pins(lock: Lock) -> list[str]:
    """A problem line per note name in the lock that is not a plain file name (`../x`): the
    paper is given a fresh name instead, and nothing is written or removed by that name."""
    return [
        f"lock: papers.{key}.note: {pins.note!r} is not a plain note name; ignored"
        for key, pins in sorted(lock.papers.items())
        if pins.note and not is_plain_name(pins.note)
    ]
