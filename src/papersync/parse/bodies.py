"""The text that belongs to a mention: from its end to the next stop."""

from __future__ import annotations

import bisect
import re

from papersync.parse.titles import MD_LINK_TEXT

URL = re.compile(r"https?://[^\s<>()\[\]\"'《》，。；、]+", re.IGNORECASE)
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")


def body_text(lines: list[str], line: int, column: int, stops: list[tuple[int, int]]) -> str:
    """Text from (line, column) to the next stop (heading, entry, checkbox line)."""
    at = bisect.bisect_left(stops, (line, column))
    stop_line, stop_col = stops[at] if at < len(stops) else (len(lines), 0)
    if stop_line == line:
        return lines[line][column:stop_col].strip()
    parts = [lines[line][column:], *lines[line + 1 : stop_line]]
    return "\n".join(parts).strip()


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
