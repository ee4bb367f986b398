"""The whole run: read the notes, resolve, export every configured target.

The one module where stages meet and touch the world (files, cache, network, lock file).
Each step saves the lock file before the next begins, so a run killed anywhere can simply be
run again: decisions already made are reused, writes are atomic, Zotero writes idempotent.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from papersync import __version__, atomic, citekey, notes
from papersync.config import Config
from papersync.errors import CatalogError, ConfigError, RunLockedError
from papersync.export import Exporter, Outcome
from papersync.lock import Lock, lock_path
from papersync.model import Match, Mention, Paper, Reference, Status
from papersync.resolve import Resolution
from papersync.sources.catalog import Catalog

RUN_LOCK_NAME = ".papersync.run.lock"
CATALOG_NAME = "catalog.sqlite"



@dataclass(frozen=True)
class NotesRead:
    mentions: tuple[Mention, ...]
    problems: tuple[str, ...] = ()
    """One line per file that could not be read (missing, empty, not UTF-8)."""

    def groups(self) -> dict[str, tuple[Mention, ...]]:
        """Mentions gathered by identity: the same paper met on several days is one entry."""
        return notes.group(self.mentions)


@dataclass(frozen=True)
class Library:
    """What the exporters receive: matched papers with their keys, and what is still open."""

    references: tuple[Reference, ...]
    unresolved: tuple[Match, ...]
    lock: Lock


@dataclass(frozen=True)
class Report:
    mentions: int = 0
    statuses: Mapping[str, int] = field(default_factory=dict)
    """Distinct mentions per status: matched, ambiguous, unresolved, not-a-paper."""
    papers: int = 0
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    failures: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """Exit 3 territory: something is unresolved, a source failed, or an item failed."""
        open_ = self.statuses.get(Status.AMBIGUOUS, 0) + self.statuses.get(Status.UNRESOLVED, 0)
        failed = any(o.counts.get("failed", 0) or o.problems for o in self.outcomes.values())
        return bool(open_ or self.failures or self.problems or failed)


def read_notes(
    paths: Sequence[Path],
    patterns: notes.Patterns = notes.DEFAULT_PATTERNS,
    base: Path | None = None,
) -> NotesRead:
    """Parse every file; a file that cannot be read is a problem line, never a stop.

    Files under `base` are named relative to it, so outputs that cite `file:line` read the
    same wherever the notes folder lives.
    """
    mentions: list[Mention] = []
    problems: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{path}: no such file")
            continue
        except OSError as exc:
            problems.append(f"{path}: cannot read ({exc.strerror})")
            continue
        if not data.strip():
            problems.append(f"{path}: empty file, no mentions")
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            problems.append(f"{path}:{line}: not UTF-8 text (byte {exc.start}); file skipped")
            continue
        mentions.extend(notes.parse(text, _label(path, base), patterns))
    return NotesRead(tuple(mentions), tuple(problems))


def _label(path: Path, base: Path | None) -> str:
    if base is not None:
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(base.resolve()))
    return str(path)


def patterns_of(config: Config) -> notes.Patterns:
    """The parser's patterns from `patterns.*`: each title marker is `OPEN CLOSE`."""
    chosen = config.patterns
    where = config.source_file or "papersync.yaml"
    markers = []
    for i, marker in enumerate(chosen.title_markers):
        pair = marker.split()
        if len(pair) != 2:
            raise ConfigError(
                f"{where}: patterns.title_markers[{i}]: expected `OPEN CLOSE`, e.g. `<u> </u>`"
            )
        markers.append((pair[0], pair[1]))
    try:
        return notes.Patterns(
            title_markers=tuple(markers) or notes.DEFAULT_PATTERNS.title_markers,
            date_headings=chosen.date_headings or notes.DEFAULT_PATTERNS.date_headings,
            infer_bare_titles=chosen.infer_bare_titles,
        )
    except ValueError as exc:
        raise ConfigError(f"{where}: patterns.{exc}") from exc


@contextlib.contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """One run at a time per state folder; the OS frees the lock when a killed run dies."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / RUN_LOCK_NAME
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLockedError(
                f"{path}: another papersync run ({holder}) is using {state_dir}; "
                "wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_catalog(config: Config) -> Catalog | None:
    """The local catalog; a corrupt one is moved aside and rebuilt (it is only a cache)."""
    if not config.sources.catalog.enabled:
        return None
    path = config.cache_dir / CATALOG_NAME
    try:
        return Catalog(path)
    except CatalogError:
        path.replace(path.with_suffix(".corrupt"))
        return Catalog(path)


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
        papers.setdefault(paper.key, paper)
        mentions.setdefault(paper.key, []).extend(groups.get(key, (m.mention,)))
        if m.status is Status.MATCHED or paper.key not in status:
            status[paper.key] = m.status
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


def export_all(
    library: Library,
    exporters: Sequence[Exporter],
    save: Callable[[Lock], None],
    stopping: tuple[type[Exception], ...] = (),
) -> tuple[dict[str, Outcome], Lock]:
    """Run each exporter in turn, saving the pins it hands back before the next one starts.

    An exporter that stops with one of the `stopping` errors (Zotero unreachable, say) becomes
    a problem line in its outcome; the other targets are still written.
    """
    outcomes: dict[str, Outcome] = {}
    current = library.lock
    for exporter in exporters:
        try:
            outcome = exporter.export(library.references, library.unresolved, current)
        except stopping as exc:
            outcomes[exporter.name] = Outcome(problems=(f"{exporter.name}: {exc}",))
            continue
        outcomes[exporter.name] = outcome
        if outcome.pins:
            current = current.with_pins(outcome.pins)
            save(current)
    return outcomes, current


def statuses(matches: Mapping[str, Match]) -> dict[str, int]:
    counted = Counter(str(m.status) for m in matches.values())
    return {str(s): counted.get(str(s), 0) for s in Status}


def require_notes(config: Config, given: Sequence[str]) -> list[Path]:
    """The note files to read: those given on the command line, else the config's `notes`."""
    if given:
        return [Path(p) for p in given]
    files = config.note_files()
    if not files:
        where = config.source_file or "papersync.yaml"
        raise ConfigError(f"{where}: notes: no note files given or configured")
    return files


FINGERPRINT_NAME = ".papersync.fingerprint.json"
_URL_VARIABLES = (
    "PAPERSYNC_ARXIV_URL",
    "PAPERSYNC_S2_URL",
    "PAPERSYNC_CROSSREF_URL",
    "PAPERSYNC_ZOTERO_URL",
    "PAPERSYNC_CACHE_DIR",
)


def inputs_digest(config: Config, notes_files: Sequence[Path], *, offline: bool) -> str:
    """A digest of everything a sync reads: config, notes, lock, catalog, templates, version.

    Equal digests (and untouched outputs) mean a run would change nothing: the warm no-op
    of an evening sync costs a few file reads instead of re-deciding and re-rendering.
    """
    digest = hashlib.sha256(f"{__version__}|offline={offline}".encode())
    for name in _URL_VARIABLES:
        digest.update(f"|{name}={os.environ.get(name, '')}".encode())
    templates = config.export.vault.templates
    extra = sorted(templates.rglob("*")) if templates and templates.is_dir() else []
    state = [config.source_file, lock_path(config.state_dir), *notes_files, *extra]
    for path in state:
        digest.update(f"|{path}=".encode())
        if path is not None and path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    catalog = config.cache_dir / CATALOG_NAME
    for part in (catalog, catalog.with_name(catalog.name + "-wal")):
        with contextlib.suppress(OSError):
            info = part.stat()
            digest.update(f"|{part}={info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def outputs_state(config: Config) -> dict[str, list[int]]:
    """Size and mtime of every file the exporters own, to notice a person's edits to them."""
    e = config.export
    files = [p for p in (e.bibtex.path, e.csl.path) if p is not None and p.is_file()]
    if e.vault.path is not None and e.vault.path.is_dir():
        files += [
            p
            for p in e.vault.path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.parts)
        ]
    state = {}
    for path in sorted(files):
        info = path.stat()
        state[str(path)] = [info.st_size, info.st_mtime_ns]
    return state


def remembered_report(config: Config, digest: str) -> Report | None:
    """The last run's report, if its inputs and outputs are exactly as they are now."""
    try:
        saved = json.loads((config.state_dir / FINGERPRINT_NAME).read_text(encoding="utf-8"))
        if saved["inputs"] != digest or saved["outputs"] != outputs_state(config):
            return None
        outcomes = {
            name: Outcome(unchanged=int(o["files"]), counts=dict.fromkeys(o["counts"], 0))
            for name, o in saved["outcomes"].items()
        }
        return Report(
            mentions=int(saved["mentions"]),
            statuses={str(s): int(saved["statuses"].get(str(s), 0)) for s in Status},
            papers=int(saved["papers"]),
            outcomes=outcomes,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(config: Config, digest: str, report: Report) -> None:
    """Record a clean run so the next one can tell that nothing changed."""
    path = config.state_dir / FINGERPRINT_NAME
    if report.failures or report.problems:
        path.unlink(missing_ok=True)
        return
    saved = {
        "inputs": digest,
        "outputs": outputs_state(config),
        "mentions": report.mentions,
        "statuses": dict(report.statuses),
        "papers": report.papers,
        "outcomes": {
            name: {"files": len(o.written) + o.unchanged, "counts": dict(o.counts)}
            for name, o in report.outcomes.items()
        },
    }
    atomic.write_text(path, json.dumps(saved, sort_keys=True))
