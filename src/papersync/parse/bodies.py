"""The text that belongs to a mention, as the person wrote it: from the mention's end to the
next mention, date line or heading of its level or higher; dedented so indentation never
turns into a code block; log link syntax that breaks in a vault rewritten; nothing kept
when nothing but punctuation is left."""

from __future__ import annotations

import bisect
import re
import textwrap
from dataclasses import dataclass

from papersync.parse.titles import MD_LINK_TEXT

URL = re.compile(r"https?://[^\s<>()\[\]\"'《》，。；、]+", re.IGNORECASE)
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_WIKILINK_WITH_URL = re.compile(r"(?<!!)\[\[([^\[\]|]+)(?:\|([^\[\]]+))?\]\]\(")
_ORPHANS = re.compile(r"^[\s)\]）】}、，,;；:：|。.>》]+")
_ALWAYS = 0
_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d{1,3}[.)])\s")
_CONNECTIVE = 4
"""Text shorter than this between two mentions on a line joins them (`和`, `, and`)."""


@dataclass(frozen=True, order=True)
class Stop:
    """Where a body may end: `strength` 0 ends every body (a mention, a date line); a
    heading's strength is its level, ending the bodies of mentions at that level or deeper."""

    line: int
    column: int
    strength: int = _ALWAYS


def body_text(lines: list[str], line: int, column: int, level: int, stops: list[Stop]) -> str:
    """The body of a mention ending at (`line`, `column`), under a heading of `level`; a
    mention in a list item keeps to its item."""
    limit = level or 6
    at = bisect.bisect_left(stops, Stop(line, column, -1))
    while at < len(stops) and stops[at].strength > limit:
        at += 1
    end = stops[at] if at < len(stops) else Stop(len(lines), 0)
    if end.line == line:
        between = tidy(lines[line][column:end.column], ())
        return between if len(between) >= _CONNECTIVE else ""  # `《A》和《B》`: no note
    last = min(end.line, _item_end(lines, line))
    return tidy(lines[line][column:], lines[line + 1 : last])


def _item_end(lines: list[str], line: int) -> int:
    """Where the list item on `line` ends: the first line after it, past blank lines, that is
    not indented deeper and is no lazy continuation of the item's last paragraph."""
    item = _LIST_ITEM.match(lines[line])
    if item is None:
        return len(lines)
    indent = len(item["indent"].expandtabs(4))
    previous_blank = False
    for index in range(line + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            previous_blank = True
            continue
        deeper = len(text) - len(text.lstrip()) > indent
        lazy = not previous_blank and not _LIST_ITEM.match(text) and not text.startswith("#")
        if not (deeper or lazy):
            return index
        previous_blank = False
    return len(lines)


def tidy(first: str, following: list[str] | tuple[str, ...]) -> str:
    """A body fit for a note: the rest of the mention's line with leftover punctuation cut,
    the lines after it dedented together, `[[PDF]](url)` made `[PDF](url)`."""
    first = _ORPHANS.sub("", first).strip()
    rest = textwrap.dedent("\n".join(following)).strip("\n")
    text = "\n".join(part for part in (first, rest) if part).strip()
    text = _WIKILINK_WITH_URL.sub(lambda found: f"[{found[2] or found[1]}](", text)
    return text if any(ch.isalnum() for ch in text) else ""


def rest_of_row(rest: str) -> str:
    """The rest of a link's line as note text: links reduced to their text, cells joined."""
    rest = MD_LINK_TEXT.sub(r"\1", TEMPLATE_TAG.sub("", rest))
    cells = (cell.strip() for cell in rest.split("|"))
    return " | ".join(cell for cell in cells if any(ch.isalnum() for ch in cell))


def opening_line(body: str) -> str:
    """The note's first line of prose: where a log states the paper's year, if anywhere."""
    for line in body.split("\n", 5)[:5]:
        if any(ch.isalnum() for ch in URL.sub("", line)):
            return line
    return ""
