"""Atomic, change-aware file writes: a killed run never leaves half a file behind, and a
person's file stays theirs (its symlink, its mode; line endings are the caller's bytes)."""

from __future__ import annotations

import functools
import os
import stat
import tempfile
from pathlib import Path

from papersync.errors import ExportError

TEMP_SUFFIX = ".papersync.tmp"


def sweep(target: Path) -> int:
    """Remove temp files a killed run left behind: beside a file (or its symlink's target), or
    anywhere in a folder.

    Only papersync's own (`.NAME.XXXX.papersync.tmp`) are touched; returns how many went.
    """
    if target.is_dir():
        leftovers = list(target.rglob(f".*{TEMP_SUFFIX}"))
    else:  # a symlinked file's temp files sit beside the file it points to
        places = {target, Path(os.path.realpath(target))}
        leftovers = [p for t in places for p in t.parent.glob(f".{t.name}.*{TEMP_SUFFIX}")]
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return len(leftovers)


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` via a temp file and rename; skip when the bytes are already there.

    Returns whether the file was written, so an unchanged output keeps its mtime. The rename
    alone survives a killed process; `durable` also flushes to disk against power loss — a
    caller writing thousands of files may skip it per file and sync once at the end.
    A symlink stays a symlink (its target is written), an existing file keeps its mode and a
    new one gets the umask's. Any OS failure (a full disk, a read-only folder) is an
    `ExportError` naming the file, with the original left as it was and no temp file behind.
    """
    target = Path(os.path.realpath(path))
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ExportError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    try:
        _replace(target, data, durable=durable)
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot write it ({exc.strerror or exc}); left as it was"
        ) from exc
    return True


def _replace(target: Path, data: bytes, *, durable: bool) -> None:
    """Write a temp file beside `target` with its mode, then rename it over `target`."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _umask() -> int:
    """The process umask (read once: setting it is the only way to read it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str, *, durable: bool = True) -> bool:
    """`write_bytes` for UTF-8 text with the newlines exactly as given."""
    return write_bytes(path, text.encode("utf-8"), durable=durable)
