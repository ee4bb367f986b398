"""What each command does, as functions of the config: the CLI only parses and prints.

Every command that touches the state folder does so through one `Session`; the run itself
lives in `sync.py` and the wording of results in `report.py`. Kept apart from `cli.py` so
tests and scripts can drive papersync without a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from papersync import registry, starter
from papersync import review as reviewing
from papersync.config import CONFIG_NAME, Config
from papersync.doctor import check_services
from papersync.errors import CommandError, ConfigError, ZoteroError
from papersync.export import Outcome
from papersync.lock import Decision
from papersync.model import Mention, Status
from papersync.reading import NotesRead, note_files, patterns_of, read_configured, read_notes
from papersync.report import Report, StatusCounts, statuses
from papersync.resolve import Resolution
from papersync.session import Progress, Session, read_lock, require_catalog
from papersync.sources.catalog import ImportReport, format_of
from papersync.starter import Started
from papersync.sync import RunOptions, library, refuse_held_back, run

Ask = reviewing.Ask


@dataclass(frozen=True)
class ResolveRun:
    notes: NotesRead
    resolution: Resolution

    @property
    def statuses(self) -> dict[str, int]:
        return statuses(self.resolution.matches)

    @property
    def problems(self) -> tuple[str, ...]:
        return self.notes.problems


@dataclass(frozen=True)
class ZoteroPush:
    outcome: Outcome
    plan: list[str]
    """What a dry run would do, one line per paper, then the tallies."""


def scan(config: Config, paths: Sequence[str | Path] = ()) -> NotesRead:
    """The mentions in `paths`, else in the configured notes."""
    if not paths:
        return read_configured(config)
    ignore = registry.own_notes(config)
    return read_notes([Path(p) for p in paths], patterns_of(config), ignore=ignore)


def catalog_import(config: Config, file: Path, fmt: str | None) -> ImportReport:
    catalog = require_catalog(config)
    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    return catalog.import_file(file, fmt or format_of(file))


def resolve(
    config: Config,
    notes: Sequence[str] = (),
    *,
    offline: bool = False,
    refresh: bool = False,
    progress: Progress | None = None,
) -> ResolveRun:
    """Resolve every distinct mention and record the decisions in the lock file."""
    with Session.open(config) as session:
        read = read_configured(config, notes, session.last_good)
        resolution = session.resolve(
            read.groups(), offline=offline, refresh=refresh, progress=progress
        )
        session.save(resolution.lock)
    return ResolveRun(read, resolution)


def review(
    config: Config,
    *,
    accept_best: bool = False,
    not_papers: Sequence[str] = (),
    ask: Ask | None = None,
) -> int:
    """Turn open mentions into `decided_by: user` decisions; returns how many were recorded.

    Each decision is saved as it is made, so an interrupted review keeps the answers given.
    """
    with Session.open(config) as session:
        read = read_configured(config, (), session.last_good)
        resolution = session.resolve(read.groups(), offline=True)
        marked = reviewing.not_papers(resolution.matches, not_papers)
        session.save(resolution.lock.with_decisions(marked))

        def record(key: str, decision: Decision) -> None:
            session.save(session.lock.with_decisions({key: decision}))

        chooser = reviewing.take_best if accept_best else ask
        walk = reviewing.open_matches(resolution.matches, skip=marked)
        answered = reviewing.settle(walk, record, chooser) if chooser is not None else 0
    return len(marked) + answered


def export(
    config: Config,
    target: str,
    *,
    out: Path | None = None,
    include_ambiguous: bool = False,
    include_unresolved: bool = False,
) -> Outcome:
    """Write one target from the lock file (offline: only decisions already made are used)."""
    options = registry.Options(out, include_ambiguous, include_unresolved)
    writes = [("--out", out)] if out else []
    replaced = registry.TARGETS[target].key if out else None
    with Session.open(config, writes=writes, instead_of=replaced) as session:
        read = read_configured(config, (), session.last_good)
        resolution, built = library(
            session, read, offline=True, include_ambiguous=include_ambiguous
        )
        refuse_held_back(config, read, resolution)
        session.save(built.lock)
        exporter = registry.exporter(config, target, options)
        outcome = exporter.export(built.references, built.unresolved, session.lock)
        session.save(session.lock.with_pins(outcome.pins))
    return outcome


def zotero_push(config: Config, *, dry_run: bool = False) -> ZoteroPush:
    """Push matched papers to Zotero; with `dry_run`, only say what a push would do."""
    with Session.open(config, dry_run=dry_run) as session:
        read = read_configured(config, (), session.last_good)
        resolution, built = library(session, read, offline=True)
        refuse_held_back(config, read, resolution)
        exporter = registry.zotero_exporter(config, dry_run=dry_run)
        if dry_run:
            try:
                return ZoteroPush(Outcome(), exporter.plan(built.references, built.lock).lines())
            except ZoteroError as exc:
                plan = exporter.plan_unread(built.references, built.lock)
                note = f"library not read ({exc}); the plan assumes it holds none of these papers"
                return ZoteroPush(Outcome(problems=(note,)), plan.lines())
        session.save(built.lock)
        outcome = exporter.export(built.references, built.unresolved, session.lock)
        session.save(session.lock.with_pins(outcome.pins))
    return ZoteroPush(outcome, [])


def sync(
    config: Config,
    *,
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
    stage: Callable[[str], None] | None = None,
    verbose: bool = False,
) -> Report:
    """The evening run (see `sync.run`)."""
    options = RunOptions(offline=offline, refresh=refresh, dry_run=dry_run, verbose=verbose)
    return run(config, options, say=say, stage=stage or (lambda description: None))


def status(config: Config) -> StatusCounts:
    """Counts from the notes and the lock file, without asking any source."""
    current = read_lock(config)
    try:
        groups: dict[str, tuple[Mention, ...]] | None = read_configured(config).groups()
    except ConfigError:
        groups = None
    counted = {str(s): 0 for s in Status}
    kept = 0
    for key, decision in current.decisions.items():
        if groups is None or key in groups:
            counted[str(decision.status)] += 1
        else:  # a mention no longer in the notes: its decision stays, sync does not count it
            kept += 1
    pins = current.papers.values()
    open_ = (Status.AMBIGUOUS, Status.UNRESOLVED)
    found = [current.decisions.get(k) for k in groups or {}]
    return StatusCounts(
        mentions=None if groups is None else sum(len(g) for g in groups.values()),
        distinct=len(found),
        never_asked=sum(1 for d in found if d is None),
        awaiting_review=sum(1 for d in found if d is not None and d.status in open_),
        decisions=counted,
        kept=kept,
        citekeys=sum(1 for p in pins if p.citekey),
        notes=sum(1 for p in pins if p.note),
        zotero=sum(1 for p in pins if p.zotero_key),
    )


def doctor(config: Config) -> list[tuple[bool, str]]:
    checks: list[tuple[bool, str]] = [(True, f"config: {config.source_file or 'defaults'}")]
    try:
        checks += [(note.is_file(), f"notes: {note}") for note in note_files(config)]
    except ConfigError as exc:
        checks.append((False, str(exc)))
    if not config.notes:
        checks.append((False, "notes: none configured"))
    checks.append(_writable(config.state_dir, "state_dir"))
    checks.append(_writable(config.cache_dir, "cache_dir"))
    checks.extend(check_services(config))
    return checks


def _writable(folder: Path, key: str) -> tuple[bool, str]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".papersync-probe"
        probe.write_text("ok")
        probe.unlink()
        return True, f"{key}: {folder} is writable"
    except OSError as exc:
        return False, f"{key}: {folder}: {exc.strerror}"


def init(folder: Path) -> Started:
    """Write a config for the logs found in `folder`; never overwrite one."""
    target = folder / CONFIG_NAME
    if target.exists():
        raise CommandError(f"{target}: already exists; edit it instead")
    if not folder.is_dir():
        raise CommandError(f"{folder}: no such folder")
    found = starter.find_logs(folder)
    example = Path(__file__).with_name("config.example.yaml").read_text(encoding="utf-8")
    target.write_text(starter.with_notes(example, found), encoding="utf-8")
    return Started(target, tuple(found))


__all__ = [
    "CommandError",
    "ResolveRun",
    "ZoteroPush",
    "catalog_import",
    "doctor",
    "export",
    "init",
    "resolve",
    "review",
    "scan",
    "status",
    "sync",
    "zotero_push",
]
