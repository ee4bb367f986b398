"""The whole run: parse (`reading`) → resolve → library → export → remember.

The one module where the stages meet. Each step saves the lock file (through the `Session`)
before the next begins, so a run killed anywhere can simply be run again: decisions already
made are reused, writes are atomic, Zotero writes idempotent.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from papersync import citekey, fingerprint, registry
from papersync.config import Config
from papersync.errors import CommandError, ZoteroError
from papersync.export import Exporter, Outcome
from papersync.lock import Lock
from papersync.model import DecidedBy, Match, Mention, Paper, Reference, Status
from papersync.reading import NotesRead, patterns_of, read_notes, require_notes, with_unmatched
from papersync.report import Report, statuses
from papersync.resolve import Resolution
from papersync.session import Progress, Session
from papersync.sources.schedule import Tick


@dataclass(frozen=True)
class Library:
    """What the exporters receive: matched papers with their keys, and what is still open."""

    references: tuple[Reference, ...]
    unresolved: tuple[Match, ...]
    lock: Lock
    recovered: int = 0
    """Papers whose names were read back from the outputs because the lock had none."""


@dataclass(frozen=True)
class RunOptions:
    offline: bool = False
    refresh: bool = False
    dry_run: bool = False
    verbose: bool = False


# --- library ---------------------------------------------------------------------------------


def build_library(
    groups: Mapping[str, Sequence[Mention]],
    resolution: Resolution,
    *,
    formula: str | None = None,
    include_ambiguous: bool = False,
    reserved: Collection[str] = (),
) -> Library:
    """Gather matches by paper and give each paper its citation key, pinned in the lock."""
    papers: dict[str, Paper] = {}
    mentions: dict[str, list[Mention]] = {}
    status: dict[str, Status] = {}
    unresolved: list[Match] = []
    for key, m in sorted(resolution.matches.items()):
        paper = m.paper
        if m.status is Status.AMBIGUOUS and include_ambiguous and m.candidates:
            paper = m.candidates[0].paper
        if (
            paper is None
            or paper.key is None
            or m.status is Status.NOT_A_PAPER
            or (m.status is not Status.MATCHED and not include_ambiguous)
        ):
            if m.status is not Status.NOT_A_PAPER:
                unresolved.append(m)
            continue
        pinned_key = resolution.lock.key_for(paper.ids) or paper.key
        papers.setdefault(pinned_key, paper)
        mentions.setdefault(pinned_key, []).extend(groups.get(key, (m.mention,)))
        if m.status is Status.MATCHED or pinned_key not in status:
            status[pinned_key] = m.status
    current = resolution.lock
    pinned = {k: p.citekey for k, p in current.papers.items() if p.citekey}
    first_read = {
        k: min((m.date.isoformat() for m in found if m.date), default="9999")
        for k, found in mentions.items()
    }
    keys = citekey.assign(
        papers,
        pinned,
        formula or citekey.DEFAULT_FORMULA,
        reserved=reserved,
        seniority=first_read,
    )
    current = current.with_pins(
        {k: replace(current.pins(k), citekey=keys[k]) for k in papers if keys[k] != pinned.get(k)}
    )
    references = tuple(
        Reference(
            key=k,
            paper=papers[k],
            citekey=keys[k],
            mentions=tuple(
                sorted(mentions[k], key=lambda m: (m.date is None, m.date, m.file, m.line))
            ),
            status=status[k],
        )
        for k in sorted(papers, key=lambda k: keys[k])
    )
    return Library(references, tuple(unresolved), current)


def library(
    session: Session,
    read: NotesRead,
    *,
    offline: bool,
    refresh: bool = False,
    include_ambiguous: bool = False,
    progress: Progress | None = None,
) -> tuple[Resolution, Library]:
    """Resolve the notes and gather them into the library the exporters write.

    Papers the lock file holds no names for (it was lost, emptied or cut short) get the
    names their outputs already show, so no paper gains a second entry or note.
    """
    config = session.config
    groups = read.groups()
    resolution = session.resolve(groups, offline=offline, refresh=refresh, progress=progress)

    def build(lock: Lock) -> Library:
        return build_library(
            groups,
            replace(resolution, lock=lock),
            formula=config.export.bibtex.citekey,
            include_ambiguous=include_ambiguous,
            reserved=_hand_written_keys(config, lock),
        )

    built = build(resolution.lock)
    unpinned = [r for r in built.references if r.key not in resolution.lock.papers]
    recovered = {
        key: pins
        for key, pins in registry.recover_pins(config, unpinned).items()
        if key not in resolution.lock.papers
    }
    if recovered:
        built = replace(build(resolution.lock.with_pins(recovered)), recovered=len(recovered))
    return resolution, built


def _hand_written_keys(config: Config, lock: Lock) -> frozenset[str]:
    """Keys a person wrote in the target `.bib` (a new paper is never given one of them)."""
    if config.export.bibtex.path is None:
        return frozenset()
    bib = registry.exporter(config, "bibtex")
    return bib.hand_written_keys(lock) if isinstance(bib, registry.KeepsHandKeys) else frozenset()


def stale(config: Config, resolution: Resolution) -> str | None:
    """Why exporting now would strip metadata, if it would: else None.

    Papers matched earlier come back with only the lock's ids and title when the catalog
    was deleted or rebuilt and no source could be asked. Writing then would strip authors
    and years from entries a person already cites, so nothing is exported.
    """
    lost = [
        m
        for m in resolution.matches.values()
        if m.paper is not None and m.paper.source == "lock" and m.decided_by is DecidedBy.LOCK
    ]
    if not lost:
        return None
    return (
        f"{len(lost)} matched paper(s), e.g. {lost[0].mention.raw!r}, are not in the catalog "
        f"in {config.cache_dir} and no source could be asked: re-import your catalog or run "
        "online to fetch them again; nothing was exported, every output kept"
    )


def held_back(config: Config, read: NotesRead, resolution: Resolution) -> str | None:
    """Why no output may be written now, if there is a reason: a note file that could be read
    neither now nor from its last good copy (what came from it is unknown, and writing would
    remove it), or a stale library (see `stale`)."""
    if read.unread:
        return (
            f"{read.unread[0]} cannot be read and has no last good copy"
            f"{f' (and {len(read.unread) - 1} more)' if len(read.unread) > 1 else ''}: "
            "nothing was exported, every output kept, until it can be read or leaves `notes:`"
        )
    return stale(config, resolution)


def refuse_held_back(config: Config, read: NotesRead, resolution: Resolution) -> None:
    """For commands that export one target: a reason to hold back is an error."""
    if (why := held_back(config, read, resolution)) is not None:
        raise CommandError(why)


# --- export ----------------------------------------------------------------------------------


def export_all(
    built: Library,
    exporters: Sequence[Exporter],
    save: Callable[[Lock], None],
    stopping: tuple[type[Exception], ...] = (),
) -> dict[str, Outcome]:
    """Run each exporter in turn, saving the pins it hands back before the next one starts.

    An exporter that stops with one of the `stopping` errors (Zotero unreachable, say) becomes
    a problem line in its outcome; the other targets are still written.
    """
    outcomes: dict[str, Outcome] = {}
    current = built.lock
    for exporter in exporters:
        try:
            outcome = exporter.export(built.references, built.unresolved, current)
        except stopping as exc:
            outcomes[exporter.name] = Outcome(problems=(f"{exporter.name}: {exc}",))
            continue
        outcomes[exporter.name] = outcome
        if outcome.pins:
            current = current.with_pins(outcome.pins)
            save(current)
    return outcomes


def _rehearsal(config: Config, name: str, scratch: Path) -> Exporter:
    """An exporter writing into a copy of its target, so a dry run shows what would change."""
    original = registry.target_path(config, name)
    copy = scratch / name / original.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    if original.is_dir():
        shutil.copytree(original, copy, symlinks=True)
    elif original.is_file():
        shutil.copy2(original, copy)
    return registry.exporter(config, name, registry.Options(out=copy))


def _as_planned(outcome: Outcome, scratch: Path, config: Config) -> Outcome:
    """A rehearsal's outcome with the paths it would have written in the real place."""
    written = []
    for path in outcome.written:
        rel = Path(path).relative_to(scratch) if Path(path).is_relative_to(scratch) else None
        if rel is None:
            written.append(path)
            continue
        name, _, *rest = rel.parts
        written.append(str(registry.target_path(config, name).joinpath(*rest)))
    return replace(outcome, written=tuple(written), pins={})


class _Announced:
    """An exporter that tells the progress display when it starts."""

    def __init__(self, inner: Exporter, stage: Callable[[str], None]) -> None:
        self.inner = inner
        self.stage = stage
        self.name = inner.name

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        self.stage(f"writing {self.name}: {len(references)} paper(s)")
        return self.inner.export(references, unresolved, lock)


def _write_targets(
    session: Session,
    built: Library,
    options: RunOptions,
    say: Callable[[str], None],
    stage: Callable[[str], None],
) -> dict[str, Outcome]:
    """Every configured target, or in a dry run a rehearsal of each in a scratch copy."""
    config = session.config
    names = registry.configured_targets(config)
    if options.offline and "zotero" in names:
        names.remove("zotero")
        say("zotero: skipped (offline); `papersync zotero push --dry-run` shows the plan")
    with tempfile.TemporaryDirectory(prefix="papersync-dry-run-") as scratch:
        targets: list[Exporter] = [
            _Announced(
                _rehearsal(config, name, Path(scratch))
                if options.dry_run and name != "zotero"
                else registry.exporter(config, name, registry.Options(dry_run=options.dry_run)),
                stage,
            )
            for name in names
        ]
        outcomes = export_all(built, targets, session.save, stopping=(ZoteroError,))
        if options.dry_run:
            outcomes = {n: _as_planned(o, Path(scratch), config) for n, o in outcomes.items()}
    for name, outcome in outcomes.items():
        for written in outcome.written if options.verbose or options.dry_run else ():
            say(f"{name}: {'would write' if options.dry_run else 'wrote'} {written}")
    return outcomes


def _notices(
    session: Session, built: Library, options: RunOptions, resolution: Resolution
) -> tuple[str, ...]:
    """What the person should know about this run beyond its counts."""
    notices = []
    if not registry.configured_targets(session.config):
        notices.append(
            "no export target is configured, so nothing was written: set export.bibtex.path, "
            "export.vault.path or export.csl.path (`papersync init` writes a config with them)"
        )
    if built.recovered:
        notices.append(f"lock rebuilt from outputs: names of {built.recovered} paper(s) recovered")
    open_ = any(
        m.status in (Status.AMBIGUOUS, Status.UNRESOLVED) for m in resolution.matches.values()
    )
    if options.offline and open_ and not session.catalog:
        notices.append(
            "the local catalog is empty (or off), so --offline resolved nothing new: "
            "`papersync catalog import FILE` (arXiv JSONL, .bib or CSL-JSON) fills it"
        )
    return tuple(notices)


# --- the run ---------------------------------------------------------------------------------


def run(
    config: Config,
    options: RunOptions = RunOptions(),
    *,
    say: Callable[[str], None] = print,
    stage: Callable[[str], None] = lambda description: None,
) -> Report:
    """The evening run: notes → decisions → every configured target → remembered.

    `say` gets lines for the person (skipped targets, files written); `stage` is told when a
    slow step starts (each source asked, each target written), for a progress display.
    """

    def progress(tick: Tick) -> None:
        left = f", about {tick.left:.0f} s left" if tick.left else ""
        stage(f"resolving: {tick.done}/{tick.total} titles, {tick.requests} requests{left}")

    with Session.open(config, dry_run=options.dry_run) as session:
        notes_files = require_notes(config, ())
        digest = fingerprint.inputs_digest(config, notes_files, offline=options.offline)
        reuse = not (options.refresh or options.dry_run)
        if reuse and (same := fingerprint.remembered(config, digest)) is not None:
            return same
        read = read_notes(
            notes_files,
            patterns_of(config),
            config.folder,
            session.last_good,
            ignore=registry.own_notes(config),
        )
        read = with_unmatched(config, read)
        session.last_good.forget_all_but(notes_files)
        resolution, built = library(
            session, read, offline=options.offline, refresh=options.refresh, progress=progress
        )
        session.save(built.lock)
        withheld = held_back(config, read, resolution)
        outcomes = {} if withheld else _write_targets(session, built, options, say, stage)
        report = Report(
            mentions=len(read.mentions),
            statuses=statuses(resolution.matches),
            papers=len(built.references),
            outcomes=outcomes,
            failures=resolution.failures,
            problems=read.problems
            + tuple(p for o in outcomes.values() for p in o.problems)
            + ((withheld,) if withheld else ()),
            notices=_notices(session, built, options, resolution),
            dry_run=options.dry_run,
        )
        if not options.dry_run:
            after = fingerprint.inputs_digest(config, notes_files, offline=options.offline)
            fingerprint.remember(config, after, report)
    return report
