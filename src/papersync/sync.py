"""The whole run: parse → resolve → library → export → remember.

The one module where the stages meet. Each step saves the lock file (through the `Session`)
before the next begins, so a run killed anywhere can simply be run again: decisions already
made are reused, writes are atomic, Zotero writes idempotent.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from papersync import citekey, fingerprint, parse, registry
from papersync.config import Config
from papersync.errors import CommandError, ConfigError, ZoteroError
from papersync.export import Exporter, Outcome
from papersync.lock import Lock
from papersync.model import DecidedBy, Match, Mention, Paper, Reference, Status
from papersync.names import learn, teach
from papersync.report import Report, statuses
from papersync.resolve import Resolution
from papersync.session import LastGood, Progress, Session
from papersync.sources.schedule import Tick


@dataclass(frozen=True)
class NotesRead:
    mentions: tuple[Mention, ...]
    problems: tuple[str, ...] = ()
    """One line per file that could not be read (missing, empty, not UTF-8)."""

    def groups(self) -> dict[str, tuple[Mention, ...]]:
        """Mentions gathered by identity: the same paper met on several days is one entry."""
        return parse.group(self.mentions)


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


# --- parse -----------------------------------------------------------------------------------


def read_notes(
    paths: Sequence[Path],
    patterns: parse.Patterns = parse.DEFAULT_PATTERNS,
    base: Path | None = None,
    last_good: LastGood | None = None,
) -> NotesRead:
    """Parse every file; a file that cannot be read is a problem line, never a stop.

    With `last_good`, a file that cannot be read this time is read as it last could be, so
    nothing derived from it is removed; each file read is kept there for next time. Files
    under `base` are named relative to it, so outputs that cite `file:line` read the same
    wherever the notes folder lives.
    """
    mentions: list[Mention] = []
    problems: list[str] = []
    for path in paths:
        data, why = _read(path)
        if why is not None and last_good is not None and (kept := last_good.recall(path)):
            data, why = kept, f"{why}; its mentions from the last good read are kept"
        elif data is not None and last_good is not None:
            last_good.keep(path, data)
        if why is not None:
            problems.append(why)
        if data is not None:
            mentions.extend(parse.parse(data.decode("utf-8-sig"), _label(path, base), patterns))
    return NotesRead(teach(mentions, learn(mentions)), tuple(problems))  # the log teaches names


def _read(path: Path) -> tuple[bytes | None, str | None]:
    """A note file's bytes if they are UTF-8 text, else why not, as a problem line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, f"{path}: no such file"
    except IsADirectoryError:
        return None, f"{path}: a folder, not a note file"
    except OSError as exc:
        return None, f"{path}: cannot read ({exc.strerror})"
    if not data.strip():
        return None, f"{path}: empty file, no mentions"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"{path}:{line}: not UTF-8 text (byte {exc.start}); file skipped"
    return data, None


def _label(path: Path, base: Path | None) -> str:
    if base is not None:
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(base.resolve()))
    return str(path)


def patterns_of(config: Config) -> parse.Patterns:
    """The parser's patterns from `patterns.*`: each title marker is `OPEN CLOSE`."""
    chosen = config.patterns
    markers = []
    for i, marker in enumerate(chosen.title_markers):
        pair = marker.split()
        if len(pair) != 2:
            raise ConfigError(
                f"{config.where}: patterns.title_markers[{i}]: expected `OPEN CLOSE`, "
                "e.g. `<u> </u>`"
            )
        markers.append((pair[0], pair[1]))
    try:
        return parse.Patterns(
            title_markers=tuple(markers) or parse.DEFAULT_PATTERNS.title_markers,
            date_headings=chosen.date_headings or parse.DEFAULT_PATTERNS.date_headings,
            infer_bare_titles=chosen.infer_bare_titles,
        )
    except ValueError as exc:
        raise ConfigError(f"{config.where}: patterns.{exc}") from exc


def require_notes(config: Config, given: Sequence[str]) -> list[Path]:
    """The note files to read: those given on the command line, else the config's `notes`."""
    if given:
        return [Path(p) for p in given]
    files = registry.note_files(config)
    if not files:
        raise ConfigError(f"{config.where}: notes: no note files given or configured")
    return files


def read_configured(
    config: Config, given: Sequence[str] = (), last_good: LastGood | None = None
) -> NotesRead:
    """The notes a command works on, parsed with the config's patterns."""
    return read_notes(require_notes(config, given), patterns_of(config), config.folder, last_good)


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
    _refuse_to_downgrade(config, resolution)

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
        read = read_notes(notes_files, patterns_of(config), config.folder, session.last_good)
        session.last_good.forget_all_but(notes_files)
        resolution, built = library(
            session, read, offline=options.offline, refresh=options.refresh, progress=progress
        )
        session.save(built.lock)
        outcomes = _write_targets(session, built, options, say, stage)
        report = Report(
            mentions=len(read.mentions),
            statuses=statuses(resolution.matches),
            papers=len(built.references),
            outcomes=outcomes,
            failures=resolution.failures,
            problems=read.problems + tuple(p for o in outcomes.values() for p in o.problems),
            notices=(f"lock rebuilt from outputs: names of {built.recovered} paper(s) recovered",)
            if built.recovered
            else (),
        )
        if not options.dry_run:
            after = fingerprint.inputs_digest(config, notes_files, offline=options.offline)
            fingerprint.remember(config, after, report)
    return report
