"""The notes a command reads: which files (never papersync's own outputs), and their mentions.

A file that cannot be read this time is read as it last could be (`LastGood`), so a broken
or missing log never makes a run remove what was derived from it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from papersync import match, parse, registry
from papersync.config import Config
from papersync.errors import ConfigError
from papersync.model import Mention
from papersync.names import learn, teach
from papersync.session import LastGood, check_paths


@dataclass(frozen=True)
class NotesRead:
    mentions: tuple[Mention, ...]
    problems: tuple[str, ...] = ()
    """One line per file that could not be read (missing, empty, not UTF-8)."""
    unread: tuple[str, ...] = ()
    """Files that could be read neither now nor from a last good copy: what came from them
    is unknown, so no output may be written as if they held nothing."""

    def groups(self) -> dict[str, tuple[Mention, ...]]:
        """Mentions gathered by identity: the same paper met on several days is one entry."""
        return match.group(self.mentions)


def note_files(config: Config) -> list[Path]:
    """The configured note files, never one of papersync's own outputs (a vault in `**/*.md`)."""
    check_paths(config)
    return config.note_files(skip=[path for _, path in registry.outputs(config)])


def read_notes(
    paths: Sequence[Path],
    patterns: parse.Patterns = parse.DEFAULT_PATTERNS,
    base: Path | None = None,
    last_good: LastGood | None = None,
    ignore: Collection[str] = (),
) -> NotesRead:
    """Parse every file; a file that cannot be read is a problem line, never a stop, and so
    is what the parser could not make out (a log whose dates it cannot read). `ignore`: the
    names of the vault's own notes, which a `[[link]]` to is not a mention.

    With `last_good`, a file that cannot be read this time is read as it last could be, so
    nothing derived from it is removed; each file read is kept there for next time. Files
    under `base` are named relative to it, so outputs that cite `file:line` read the same
    wherever the notes folder lives.
    """
    mentions: list[Mention] = []
    problems: list[str] = []
    unread: list[str] = []
    for path in paths:
        data, why = _read(path)
        if data is None and last_good is not None and (kept := last_good.recall(path)):
            data, why = kept, f"{why}; its mentions from the last good read are kept"
        elif data is not None and last_good is not None:
            last_good.keep(path, data)
        if why is not None:
            problems.append(why)
        if data is None:
            unread.append(str(path))
            continue
        log = parse.parse_log(data.decode("utf-8-sig"), _label(path, base), patterns, ignore)
        mentions.extend(log.mentions)
        problems.extend(log.problems)
    taught = teach(mentions, learn(mentions))  # the log teaches names
    return NotesRead(taught, tuple(problems), tuple(unread))


def _read(path: Path) -> tuple[bytes | None, str | None]:
    """A note file's bytes if they are UTF-8 text (else None), and what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, f"{path}: no such file"
    except IsADirectoryError:
        return None, f"{path}: a folder, not a note file"
    except OSError as exc:
        return None, f"{path}: cannot read ({exc.strerror})"
    if not data.strip():  # emptied on purpose, or not: it is read, and says so
        return data, f"{path}: empty file, no mentions"
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
    files = note_files(config)
    if not config.notes:
        raise ConfigError(
            f"{config.where}: notes: no note files configured (or give them on the command line)"
        )
    if not files:
        entries = ", ".join(f"`{entry}`" for entry in config.notes)
        raise ConfigError(
            f"{config.where}: notes: {entries} matches no file (relative to {config.folder})"
        )
    return files


def read_configured(
    config: Config, given: Sequence[str] = (), last_good: LastGood | None = None
) -> NotesRead:
    """The notes a command works on, parsed with the config's patterns."""
    read = read_notes(
        require_notes(config, given),
        patterns_of(config),
        config.folder,
        last_good,
        ignore=registry.own_notes(config),
    )
    return read if given else with_unmatched(config, read)


def with_unmatched(config: Config, read: NotesRead) -> NotesRead:
    """`read` with a problem line for each `notes` glob that matches no file (a typo, a
    folder moved), so one empty glob among others that match is not silently skipped."""
    matched = {index for index, _, globbed in config.note_entries() if globbed}
    unmatched = tuple(
        f"{config.where}: notes[{index}]: `{entry}` matches no file"
        for index, entry in enumerate(config.notes)
        if any(ch in entry for ch in "*?[") and index not in matched
    )
    return replace(read, problems=unmatched + read.problems) if unmatched else read
