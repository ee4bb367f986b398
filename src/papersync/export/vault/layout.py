"""Where papersync's notes live in a vault, which properties it owns, and the rule that no
path it derives from data (the lock, a title, a template) leaves the vault folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

PAPERS_DIR = "Papers"
UNRESOLVED_DIR = "Papers/Unresolved"
DAYS_DIR = "Reading log"
INDEX_NOTE = "Reading index.md"
CONFLICT_SUFFIX = ".papersync-conflict"

PAPER_KEYS = (
    "title", "aliases", "authors", "year", "citekey", "arxiv", "doi", "dblp", "url", "venue",
    "tags", "status", "read", "zotero", "resolved", "in_log",
)  # fmt: skip
"""Frontmatter keys papersync owns in a paper note, in the order it writes them."""
DAY_KEYS = ("date", "tags", "in_log")
ID_KEYS = ("arxiv", "doi", "dblp")
"""The paper ids a note's properties carry: what finds a paper's note without the lock."""


def day_path(day: dt.date) -> str:
    return f"{DAYS_DIR}/{day}.md"


def paper_path(name: str) -> str:
    return f"{PAPERS_DIR}/{name}.md"


def conflict_path(path: str) -> str:
    pure = PurePosixPath(path)
    return str(pure.with_name(f"{pure.stem}{CONFLICT_SUFFIX}.md"))


def is_inside(path: str) -> bool:
    """Whether a vault-relative path names a file inside the vault: relative, no `..`, no
    empty or hidden part. Decided on the text alone, so a symlinked folder the person made
    inside their vault is still theirs to use."""
    parts = path.split("/")
    return "\\" not in path and all(part and not part.startswith(".") for part in parts)


def note_stem(path: str) -> str:
    """`Papers/X.md` → `X`: a note's name, as links use it (string work: this runs for every
    link of every note, where `PurePosixPath` was most of a warm export)."""
    return path.rpartition("/")[2].removesuffix(".md")
