"""Atomic, change-aware file writes: a killed run never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".papersync.tmp"


def sweep(target: Path) -> int:
    """Remove temp files a killed run left behind: beside a file, or anywhere in a folder.

    Only papersync's own (`.NAME.XXXX.papersync.tmp`) are touched; returns how many went.
    """
    if target.is_dir():
        leftovers = list(target.rglob(f".*{TEMP_SUFFIX}"))
    else:
        leftovers = list(target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return len(leftovers)


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` via a temp file and rename; skip when the bytes are already there.

    Returns whether the file was written, so an unchanged output keeps its mtime. The rename
    alone survives a killed process; `durable` also flushes to disk against power loss — a
    caller writing thousands of files may skip it per file and `os.sync()` once at the end.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_text(path: Path, text: str, *, durable: bool = True) -> bool:
    """`write_bytes` for UTF-8 text with the newlines exactly as given."""
    return write_bytes(path, text.encode("utf-8"), durable=durable)
