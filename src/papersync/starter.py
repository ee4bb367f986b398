"""A first config from what a folder holds: the Markdown files that mention papers.

`papersync init` reads every Markdown file under the folder (hidden folders and papersync's
own notes left out), keeps those the parser finds mentions in, and writes the example
config with exactly those files as `notes`, so the first `sync` reads the person's logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from papersync import parse

OWN_NOTE_MARK = "%% papersync:begin"
"""What every note papersync writes carries: such files are outputs, never logs."""
LARGEST = 5_000_000
"""Bytes; a bigger Markdown file is an export or a dump, not a log someone writes by hand."""
LOG_SUFFIXES = (".md", ".markdown", ".txt")
"""Markdown, also when saved as plain text; a `.txt` is proposed only if it mentions papers."""


@dataclass(frozen=True)
class Found:
    path: Path
    """Relative to the folder."""
    mentions: int


@dataclass(frozen=True)
class Started:
    config: Path
    found: tuple[Found, ...]


def markdown_files(folder: Path) -> Iterator[Path]:
    """Every possible log under `folder` (see LOG_SUFFIXES), hidden folders left out, sorted."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(LOG_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def find_logs(folder: Path) -> list[Found]:
    """The Markdown files under `folder` that mention papers, most mentions first."""
    found = []
    for path in markdown_files(folder):
        try:
            if path.stat().st_size > LARGEST:
                continue
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if OWN_NOTE_MARK in text:
            continue
        count = len(parse.parse(text, path.name, parse.DEFAULT_PATTERNS))
        if count:
            found.append(Found(path.relative_to(folder), count))
    return sorted(found, key=lambda f: (-f.mentions, str(f.path)))


def with_notes(example: str, found: list[Found]) -> str:
    """The example config with `notes:` listing `found` (kept as it is when nothing was)."""
    if not found:
        return example
    start = example.index("\nnotes:\n") + 1
    end = example.index("\n\n", start)
    entries = "".join(f"  - {json.dumps(f.path.as_posix())}\n" for f in found)
    return example[:start] + "notes:\n" + entries.rstrip("\n") + example[end:]
