"""What every command opens: the run lock, the sweep, the lock file, the catalog, the sources.

One `Session` per command run. Opening it takes the state folder's run lock (one run at a
time), clears what a killed run left half-written, and reads the lock file; the command then
resolves through it and saves the lock through it. Commands never repeat that wrapper.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from papersync import atomic, registry
from papersync import lock as lockfile
from papersync.config import Config
from papersync.errors import CatalogError, ConfigError, LockError, RunLockedError
from papersync.lock import Lock
from papersync.model import Mention
from papersync.names import is_name_only
from papersync.resolve import Resolution
from papersync.resolve import resolve as resolve_groups
from papersync.sources.catalog import Catalog
from papersync.sources.schedule import Progress

RUN_LOCK_NAME = ".papersync.run.lock"
CATALOG_NAME = "catalog.sqlite"
LAST_GOOD_NAME = ".papersync.notes"
LAST_GOOD_SUFFIX = ".last-good"
"""Not `.md`: a notes glob such as `**/*.md` must never find papersync's own copies."""


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


def require_catalog(config: Config) -> Catalog:
    catalog = open_catalog(config)
    if catalog is None:
        raise ConfigError(f"{config.where}: sources.catalog.enabled: the catalog is disabled")
    return catalog


def check_paths(
    config: Config, also: Sequence[tuple[str, Path]] = (), instead_of: str | None = None
) -> None:
    """No output is an input, and no two outputs share a place: else a `ConfigError`.

    An output that is (or, for a folder, contains) a configured note file would overwrite
    the reading log; two targets in one place would overwrite each other. `also` names
    outputs a command was given (`--out`), written instead of the configured `instead_of`.
    """
    written = [
        *((key, path.resolve()) for key, path in also),
        *((key, path.resolve()) for key, path in registry.outputs(config) if key != instead_of),
    ]
    for i, (key, path) in enumerate(written):
        for other, there in written[i + 1 :]:
            if path == there or path in there.parents or there in path.parents:
                raise ConfigError(f"{config.where}: {key} and {other} overlap ({path})")
    state = ("state_dir", config.state_dir.resolve())  # a folder of notes, never a note
    for index, note, globbed in config.note_entries():
        found = note.resolve()
        for key, path in [*written, state]:
            if found == path or (key != "state_dir" and path in found.parents and not globbed):
                raise ConfigError(
                    f"{config.where}: {key} and notes[{index}] name the same file ({note}): "
                    "an output would overwrite the notes"
                )


def sweep(config: Config) -> None:
    """Clear what a killed run may have left half-written, before writing anything."""
    for target in [*(path for _, path in registry.outputs(config)), LastGood(config).folder]:
        atomic.sweep(target)


@dataclass(frozen=True)
class LastGood:
    """The last readable copy of each note file, kept in the state folder.

    A note file that is missing, unreadable or not UTF-8 for a run is read from here
    instead, so what was derived from it stays in force until it can be read again.
    """

    config: Config
    writable: bool = True

    @property
    def folder(self) -> Path:
        return self.config.state_dir / LAST_GOOD_NAME

    def _slot(self, note: Path) -> Path:
        name = hashlib.sha256(str(note.resolve()).encode()).hexdigest()[:24]
        return self.folder / f"{name}{LAST_GOOD_SUFFIX}"

    def recall(self, note: Path) -> bytes | None:
        try:
            return self._slot(note).read_bytes()
        except OSError:
            return None

    def keep(self, note: Path, data: bytes) -> None:
        """Keep a copy; one that cannot be written (a full disk) only loses this safety net."""
        if self.writable:
            with contextlib.suppress(OSError):
                atomic.write_bytes(self._slot(note), data, durable=False)

    def forget_all_but(self, notes: Sequence[Path]) -> None:
        """Drop the copies of files no longer configured."""
        kept = {self._slot(note) for note in notes}
        for slot in self.folder.glob(f"*{LAST_GOOD_SUFFIX}") if self.writable else ():
            if slot not in kept:
                slot.unlink(missing_ok=True)


@dataclass
class Session:
    """One command's hold on the state folder: the lock file as read, saved as it changes."""

    config: Config
    dry_run: bool = False
    """Decide and plan as usual, but never write the lock file."""
    _lock: Lock | None = field(default=None, repr=False)

    @property
    def lock_path(self) -> Path:
        return lockfile.lock_path(self.config.state_dir)

    @property
    def lock(self) -> Lock:
        """The lock file, read when first needed (a run with nothing to do never reads it)."""
        if self._lock is None:
            self._lock = lockfile.load(self.lock_path)
        return self._lock

    @classmethod
    @contextlib.contextmanager
    def open(
        cls,
        config: Config,
        *,
        dry_run: bool = False,
        writes: Sequence[tuple[str, Path]] = (),
        instead_of: str | None = None,
    ) -> Iterator[Session]:
        """Hold the state folder for one command; `writes` are outputs it was given, written
        instead of the configured output `instead_of`."""
        check_paths(config, writes, instead_of)
        with run_lock(config.state_dir):
            sweep(config)
            yield cls(config, dry_run)

    def save(self, lock: Lock) -> None:
        """Record `lock` as the current one, writing the file when it changed."""
        if lock != self.lock and not self.dry_run:
            try:
                lockfile.save(self.lock_path, lock)
            except OSError as exc:
                raise LockError(
                    f"{self.lock_path}: cannot write the lock file ({exc.strerror}); "
                    "it is as the last save left it"
                ) from exc
        self._lock = lock

    @property
    def last_good(self) -> LastGood:
        return LastGood(self.config, writable=not self.dry_run)

    @cached_property
    def catalog(self) -> Catalog | None:
        return open_catalog(self.config)

    def resolve(
        self,
        groups: Mapping[str, Sequence[Mention]],
        *,
        offline: bool,
        refresh: bool = False,
        progress: Progress | None = None,
    ) -> Resolution:
        """Decide every group from the lock, the catalog and (unless offline) the sources,
        heeding the names a person gave papers in the targets (a vault note's `aliases`)."""
        named = any(is_name_only(m) for group in groups.values() for m in group)
        aliases = registry.person_aliases(self.config, self.lock) if named else ()
        if offline:
            return resolve_groups(
                groups, self.lock, catalog=self.catalog, progress=progress, aliases=aliases
            )
        with registry.connect(self.config, refresh=refresh) as services:
            return resolve_groups(
                groups,
                self.lock,
                catalog=self.catalog,
                online=services.sources,
                enrich=services.enrich,
                refresh=refresh,
                progress=progress,
                aliases=aliases,
            )


def read_lock(config: Config) -> Lock:
    """The lock file as it is, without taking the run lock (for read-only commands)."""
    return lockfile.load(lockfile.lock_path(config.state_dir))


__all__ = [
    "CATALOG_NAME",
    "RUN_LOCK_NAME",
    "LastGood",
    "Progress",
    "Session",
    "check_paths",
    "open_catalog",
    "read_lock",
    "require_catalog",
    "run_lock",
    "sweep",
]
