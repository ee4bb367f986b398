"""Atomic, change-aware file writes: a killed run never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file and rename; skip when the bytes are already there.

    Returns whether the file was written, so an unchanged output keeps its mtime.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_text(path: Path, text: str) -> bool:
    """`write_bytes` for UTF-8 text with the newlines exactly as given."""
    return write_bytes(path, text.encode("utf-8"))
