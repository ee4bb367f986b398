"""The managed region of a note (`%% papersync:begin … %%` … `%% papersync:end %%`) and how a
note on disk is merged with what papersync would write: outside the region (and for keys it
does not own) every byte is the person's; inside, a hash tells whether they edited it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from papersync.export.vault.frontmatter import (
    dump_properties,
    frontmatter_blocks,
    frontmatter_fences,
    merge_frontmatter,
    split_frontmatter,
)

_BEGIN = re.compile(r"^%% papersync:begin(?: hash=(?P<hash>[0-9a-f]*))? %%[ \t]*\r?$", re.M)
_END = re.compile(r"^%% papersync:end %%[ \t]*\r?$", re.M)
_MARKER_LIKE = re.compile(r"^(?=%% papersync:)", re.M)
"""A line that could be read as a marker: the only lines a region's content may not hold."""


def escape_markers(content: str) -> str:
    """Text that cannot open or close a region: a line starting `%% papersync:` (a log quoting
    Obsidian syntax) is indented by one space, which Markdown ignores and the markers do not."""
    return _MARKER_LIKE.sub(" ", content)


def region_hash(content: str) -> str:
    return hashlib.sha256(content.replace("\r\n", "\n").encode()).hexdigest()[:12]


def region_block(content: str, newline: str = "\n") -> str:
    text = f"%% papersync:begin hash={region_hash(content)} %%\n{content}%% papersync:end %%\n"
    return text.replace("\n", newline) if newline != "\n" else text


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    """`text[start:end]` is the whole region, marker lines included."""
    content: str
    hash: str | None

    @property
    def edited(self) -> bool:
        """True when a person changed the text since papersync last wrote it."""
        return self.hash != region_hash(self.content)


def find_region(body: str) -> Region | None:
    begin = _BEGIN.search(body)
    if begin is None:
        return None
    end = _END.search(body, begin.end())
    if end is None:
        return None
    content_start = begin.end() + 1 if body[begin.end() : begin.end() + 1] == "\n" else begin.end()
    stop = end.end() + 1 if body[end.end() : end.end() + 1] == "\n" else end.end()
    return Region(begin.start(), stop, body[content_start : end.start()], begin["hash"])


def is_managed(text: str) -> bool:
    """Whether a note holds a papersync region (in its body, not its frontmatter)."""
    return find_region(split_frontmatter(text)[1]) is not None


@dataclass(frozen=True)
class Merged:
    text: str
    conflict: bool = False
    """The person edited the managed region: their text was kept, ours goes beside it."""


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_properties(
    existing: str,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> tuple[str, str]:
    """`(head, body)`: the frontmatter with the owned keys set, and the body untouched."""
    newline = newline_of(existing)
    inner, body = split_frontmatter(existing)
    if inner is None:
        return dump_properties(properties, owned, newline), body
    opening, closing = frontmatter_fences(existing)
    merged = merge_frontmatter(inner, properties, owned, newline, withdrawn)
    return opening + merged + closing, body


def merge_note(
    existing: str | None,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    region: str,
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> Merged:
    """The note as it should be on disk: the person's text kept, papersync's parts refreshed.

    The note keeps its line endings: a CRLF note gets CRLF in what papersync writes too.
    """
    if existing is None:
        return Merged(dump_properties(properties, owned) + region_block(region))
    newline = newline_of(existing)
    head, body = _with_properties(existing, properties, owned, withdrawn)
    found = find_region(body)
    if found is None:
        gap = "" if not body or body.endswith("\n") else newline
        return Merged(head + body + gap + region_block(region, newline))
    current = found.content.replace("\r\n", "\n")
    if found.edited and current != region:
        return Merged(head + body, conflict=True)
    return Merged(head + body[: found.start] + region_block(region, newline) + body[found.end :])


def retire_note(existing: str, notice: str, owned: Collection[str]) -> str | None:
    """A note whose paper or day left the log: None to delete it, else the text to keep.

    Kept (marked `in_log: false`) when it holds any of the person's writing: text outside the
    region, frontmatter keys papersync does not own (`owned`), or edits inside the region —
    which stay marked as edits, so a paper that comes back cannot overwrite them.
    """
    inner, body = split_frontmatter(existing)
    theirs = [b for b in frontmatter_blocks(inner or "") if b.key not in owned]
    found = find_region(body)
    outside = body if found is None else body[: found.start] + body[found.end :]
    personal = outside.strip() or any(b.text.strip() for b in theirs)
    if found is not None and not found.edited and not personal:
        return None
    if found is None or found.edited:
        return "".join(_with_properties(existing, {"in_log": False}, ("in_log",)))
    return merge_note(existing, {"in_log": False}, ("in_log",), notice).text
