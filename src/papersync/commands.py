"""What each command does, as functions of the config: the CLI only parses and prints.

Kept apart from `cli.py` so tests and scripts can drive papersync without a subprocess.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from papersync import atomic, registry
from papersync import lock as lockfile
from papersync.config import CONFIG_NAME, Config
from papersync.errors import CommandError, ConfigError, ZoteroError
from papersync.export import Exporter, Outcome
from papersync.export.bibtex import BibtexExporter
from papersync.ids import extract_ids
from papersync.lock import Decision, Lock
from papersync.model import DecidedBy, Ids, Match, Reference, Status
from papersync.resolve import Resolution
from papersync.resolve import resolve as resolve_groups
from papersync.sources.arxiv import bare_id, is_arxiv_id
from papersync.sources.catalog import ImportReport
from papersync.sync import (
    Library,
    NotesRead,
    Report,
    build_library,
    export_all,
    inputs_digest,
    open_catalog,
    patterns_of,
    read_notes,
    remember,
    remembered_report,
    require_notes,
    run_lock,
    statuses,
)

Ask = Callable[[Match, str], str]



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


def scan(config: Config, paths: Sequence[Path]) -> NotesRead:
    return read_notes(paths, patterns_of(config))


def _save(path: Path, lock: Lock) -> None:
    lockfile.save(path, lock)


def _sweep(config: Config) -> None:
    """Clear what a killed run may have left half-written, before writing anything."""
    e = config.export
    targets = [lockfile.lock_path(config.state_dir), e.bibtex.path, e.vault.path, e.csl.path]
    for target in targets:
        if target is not None:
            atomic.sweep(target)


def catalog_import(config: Config, file: Path, fmt: str | None) -> ImportReport:
    catalog = open_catalog(config)
    if catalog is None:
        raise ConfigError(f"{config.source_file}: sources.catalog.enabled: the catalog is disabled")
    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    return catalog.import_file(file, fmt or _format_of(file))


def _format_of(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".bib":
        return "bibtex"
    if suffix == ".json":
        return "csl-json"
    return "arxiv-jsonl"


def resolve(
    config: Config,
    notes: Sequence[str] = (),
    *,
    offline: bool = False,
    refresh: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ResolveRun:
    """Resolve every distinct mention and record the decisions in the lock file."""
    read = read_notes(require_notes(config, notes), patterns_of(config), config.folder)
    path = lockfile.lock_path(config.state_dir)
    with run_lock(config.state_dir):
        current = lockfile.load(path)
        resolution = _resolve(
            config, read, current, offline=offline, refresh=refresh, progress=progress
        )
        lockfile.save(path, resolution.lock)
    return ResolveRun(read, resolution)


def _resolve(
    config: Config,
    read: NotesRead,
    current: Lock,
    *,
    offline: bool,
    refresh: bool,
    progress: Callable[[str, int], None] | None = None,
) -> Resolution:
    catalog = open_catalog(config)
    if offline:
        return resolve_groups(read.groups(), current, catalog=catalog, progress=progress)
    with registry.connect(config, refresh=refresh) as services:
        return resolve_groups(
            read.groups(),
            current,
            catalog=catalog,
            online=services.sources,
            enrich=services.enrich,
            refresh=refresh,
            progress=progress,
        )


def review(
    config: Config,
    *,
    accept_best: bool = False,
    not_papers: Sequence[str] = (),
    ask: Ask | None = None,
) -> int:
    """Turn open mentions into `decided_by: user` decisions; returns how many were recorded."""
    read = read_notes(require_notes(config, ()), patterns_of(config), config.folder)
    path = lockfile.lock_path(config.state_dir)
    with run_lock(config.state_dir):
        current = lockfile.load(path)
        resolution = _resolve(config, read, current, offline=True, refresh=False)
        decisions: dict[str, Decision] = {}
        wanted = set(not_papers)
        for key, m in sorted(resolution.matches.items()):
            if m.mention.raw in wanted or m.mention.title in wanted:
                decisions[key] = Decision(
                    Status.NOT_A_PAPER, raw=m.mention.raw, decided_by=DecidedBy.USER
                )
                wanted -= {m.mention.raw, m.mention.title}
                continue
            if m.status not in (Status.AMBIGUOUS, Status.UNRESOLVED):
                continue
            if accept_best and m.candidates:
                decisions[key] = _chose(m, m.candidates[0].paper.ids, m.candidates[0].paper.title)
            elif ask is not None:
                answer = ask(m, f"{m.mention.file}:{m.mention.line}")
                if answer == "q":
                    break
                decision = _answer(m, answer)
                if decision is not None:
                    decisions[key] = decision
        if wanted:
            raise CommandError(f"no mention has the raw text {sorted(wanted)[0]!r}")
        lockfile.save(path, resolution.lock.with_decisions(decisions))
    return len(decisions)


def _chose(m: Match, ids: Ids, title: str | None) -> Decision:
    return Decision(
        Status.MATCHED,
        raw=m.mention.raw,
        ids=Ids(arxiv=ids.arxiv, doi=ids.doi),
        title=title,
        score=1.0,
        decided_by=DecidedBy.USER,
    )


def _answer(m: Match, answer: str) -> Decision | None:
    """Read one review answer: a candidate number, an arXiv id, a DOI, `n`, or nothing."""
    if not answer:
        return None
    if answer.lower() == "n":
        return Decision(Status.NOT_A_PAPER, raw=m.mention.raw, decided_by=DecidedBy.USER)
    if answer.isdigit() and 1 <= int(answer) <= len(m.candidates):
        chosen = m.candidates[int(answer) - 1].paper
        return _chose(m, chosen.ids, chosen.title)
    if is_arxiv_id(bare_id(answer)):
        return _chose(m, Ids(arxiv=bare_id(answer)), None)
    ids = extract_ids(answer)
    if ids:
        return _chose(m, ids, None)
    return None


def library(
    config: Config,
    current: Lock,
    *,
    offline: bool,
    refresh: bool = False,
    include_ambiguous: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[NotesRead, Resolution, Library]:
    read = read_notes(require_notes(config, ()), patterns_of(config), config.folder)
    resolution = _resolve(
        config, read, current, offline=offline, refresh=refresh, progress=progress
    )
    _refuse_to_downgrade(config, resolution)
    bib = config.export.bibtex.path
    built = build_library(
        read.groups(),
        resolution,
        formula=config.export.bibtex.citekey,
        include_ambiguous=include_ambiguous,
        reserved=BibtexExporter(bib).hand_written_keys(current) if bib else frozenset(),
    )
    return read, resolution, built


def _refuse_to_downgrade(config: Config, resolution: Resolution) -> None:
    """Stop before exporting when papers matched earlier have lost their metadata.

    That happens when the cache was deleted or rebuilt and no source could be asked: writing
    then would strip authors and years from entries a person already cites.
    """
    lost = [
        m
        for m in resolution.matches.values()
        if m.paper is not None and m.paper.source == "lock" and m.decided_by is DecidedBy.LOCK
    ]
    if lost:
        raise CommandError(
            f"{len(lost)} matched paper(s), e.g. {lost[0].mention.raw!r}, are not in the "
            f"catalog in {config.cache_dir} (deleted or rebuilt?): re-import your catalog or "
            "run online to fetch them again; nothing was exported"
        )


def export(
    config: Config,
    target: str,
    *,
    out: Path | None = None,
    include_ambiguous: bool = False,
    include_unresolved: bool = False,
) -> Outcome:
    """Write one target from the lock file (offline: only decisions already made are used)."""
    path = lockfile.lock_path(config.state_dir)
    with run_lock(config.state_dir):
        _sweep(config)
        current = lockfile.load(path)
        _, _, built = library(config, current, offline=True, include_ambiguous=include_ambiguous)
        lockfile.save(path, built.lock)
        exporter = registry.exporter(
            config,
            target,
            out=out,
            include_ambiguous=include_ambiguous,
            include_unresolved=include_unresolved,
        )
        outcomes, _ = export_all(built, [exporter], lambda lk: _save(path, lk))
    return outcomes[exporter.name]


def zotero_push(config: Config, *, dry_run: bool = False) -> ZoteroPush:
    """Push matched papers to Zotero; with `dry_run`, only say what a push would do."""
    path = lockfile.lock_path(config.state_dir)
    with run_lock(config.state_dir):
        current = lockfile.load(path)
        _, _, built = library(config, current, offline=True)
        exporter = registry.zotero_exporter(config, dry_run=dry_run)
        if dry_run:
            try:
                return ZoteroPush(Outcome(), exporter.plan(built.references, built.lock).lines())
            except ZoteroError as exc:
                plan = exporter.plan_unread(built.references, built.lock)
                note = f"library not read ({exc}); assuming it holds none of these papers"
                return ZoteroPush(Outcome(), [note, *plan.lines()])
        lockfile.save(path, built.lock)
        try:
            outcomes, _ = export_all(built, [exporter], lambda lk: _save(path, lk))
        except ZoteroError as exc:
            raise CommandError(str(exc)) from exc
    return ZoteroPush(outcomes[exporter.name], [])


@dataclass(frozen=True)
class ZoteroPush:
    outcome: Outcome
    plan: list[str]
    """What a dry run would do, one line per paper, then the tallies."""

    def describe(self) -> str:
        if self.plan:
            return "zotero plan (dry run, nothing written):\n  " + "\n  ".join(self.plan)
        tallies = {**self.outcome.counts, "unchanged": self.outcome.unchanged}
        counts = ", ".join(f"{n} {k}" for k, n in sorted(tallies.items()))
        return f"zotero: {counts}"


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
    """The evening run: notes → decisions → every configured target.

    `say` gets lines for the person (skipped targets, files written); `stage` is told when a
    slow step starts (each source asked, each target written), for a progress display.
    """
    path = lockfile.lock_path(config.state_dir)

    def progress(source: str, count: int) -> None:
        if stage is not None:
            stage(f"resolving: asking {source} about {count} title(s)")

    with run_lock(config.state_dir):
        _sweep(config)
        notes_files = require_notes(config, ())
        digest = inputs_digest(config, notes_files, offline=offline)
        if not (refresh or dry_run) and (same := remembered_report(config, digest)) is not None:
            return same
        current = lockfile.load(path)
        read, resolution, built = library(
            config, current, offline=offline, refresh=refresh, progress=progress
        )
        save: Callable[[Lock], None] = (
            (lambda lk: None) if dry_run else (lambda lk: _save(path, lk))
        )
        if built.lock != current:
            save(built.lock)
        names = registry.configured_targets(config)
        if offline and "zotero" in names:
            names.remove("zotero")
            say("zotero: skipped (offline); `papersync zotero push --dry-run` shows the plan")
        with tempfile.TemporaryDirectory(prefix="papersync-dry-run-") as scratch:
            targets: list[Exporter] = [
                _announced(
                    _rehearsal(config, name, Path(scratch))
                    if dry_run and name != "zotero"
                    else registry.exporter(config, name, dry_run=dry_run),
                    stage,
                )
                for name in names
            ]
            outcomes, _ = export_all(built, targets, save, stopping=(ZoteroError,))
            if dry_run:
                outcomes = {n: _as_planned(o, Path(scratch), config) for n, o in outcomes.items()}
        for name, outcome in outcomes.items():
            for written in outcome.written if verbose or dry_run else ():
                say(f"{name}: {'would write' if dry_run else 'wrote'} {written}")
        report = Report(
            mentions=len(read.mentions),
            statuses=statuses(resolution.matches),
            papers=len(built.references),
            outcomes=outcomes,
            failures=resolution.failures,
            problems=read.problems + tuple(p for o in outcomes.values() for p in o.problems),
        )
        if not dry_run:
            remember(config, inputs_digest(config, notes_files, offline=offline), report)
    return report


def _rehearsal(config: Config, name: str, scratch: Path) -> Exporter:
    """An exporter writing into a copy of its target, so a dry run shows what would change."""
    original = registry.target_path(config, name)
    copy = scratch / name / original.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    if original.is_dir():
        shutil.copytree(original, copy, symlinks=True)
    elif original.is_file():
        shutil.copy2(original, copy)
    return registry.exporter(config, name, out=copy)


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


def _announced(exporter: Exporter, stage: Callable[[str], None] | None) -> Exporter:
    return exporter if stage is None else _Announced(exporter, stage)


def describe(report: Report) -> str:
    s = report.statuses
    lines = [
        f"mentions: {report.mentions}; papers exported: {report.papers}",
        "distinct mentions: " + ", ".join(f"{n} {k}" for k, n in s.items()),
    ]
    for name, o in report.outcomes.items():
        extra = "".join(f", {n} {k}" for k, n in sorted(o.counts.items()))
        lines.append(f"{name}: {len(o.written)} written, {o.unchanged} unchanged{extra}")
    for source, why in sorted(report.failures.items()):
        lines.append(f"source {source} failed: {why}")
    lines.extend(f"problem: {p}" for p in report.problems)
    open_ = s.get(Status.AMBIGUOUS, 0) + s.get(Status.UNRESOLVED, 0)
    if open_:
        lines.append(f"{open_} mention(s) need review: run `papersync review`")
    return "\n".join(lines)


def status(config: Config) -> str:
    """Counts from the notes and the lock file, without asking any source."""
    current = lockfile.load(lockfile.lock_path(config.state_dir))
    lines = []
    try:
        read = read_notes(require_notes(config, ()), patterns_of(config), config.folder)
    except ConfigError:
        read = None
    if read is not None:
        groups = read.groups()
        undecided = sum(1 for k in groups if k not in current.decisions)
        lines.append(
            f"notes: {len(read.mentions)} mentions of {len(groups)} distinct papers, "
            f"{undecided} not yet resolved"
        )
    counted = {str(s): 0 for s in Status}
    for decision in current.decisions.values():
        counted[str(decision.status)] += 1
    lines.append("lock: " + ", ".join(f"{n} {k}" for k, n in counted.items()))
    pins = current.papers.values()
    lines.append(
        f"papers: {sum(1 for p in pins if p.citekey)} with citation keys, "
        f"{sum(1 for p in pins if p.note)} vault notes, "
        f"{sum(1 for p in pins if p.zotero_key)} in Zotero"
    )
    return "\n".join(lines)


def doctor(config: Config) -> list[tuple[bool, str]]:
    checks: list[tuple[bool, str]] = [(True, f"config: {config.source_file or 'defaults'}")]
    for note in config.note_files():
        checks.append((note.is_file(), f"notes: {note}"))
    if not config.notes:
        checks.append((False, "notes: none configured"))
    checks.append(_writable(config.state_dir, "state_dir"))
    checks.append(_writable(config.cache_dir, "cache_dir"))
    checks.extend(registry.check_services(config))
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


def init(folder: Path) -> Path:
    """Write a commented starter config for a notes folder; never overwrite one."""
    target = folder / CONFIG_NAME
    if target.exists():
        raise CommandError(f"{target}: already exists; edit it instead")
    example = Path(__file__).with_name("config.example.yaml")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(example, target)
    return target


__all__ = [
    "CommandError",
    "ResolveRun",
    "catalog_import",
    "describe",
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
