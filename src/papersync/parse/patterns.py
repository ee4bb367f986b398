"""The configurable parts of a log's shape, validated once and compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LINK_HINT = re.compile(r"\[|https?:|10\.\d|[aA][rR][xX][iI][vV]")
"""Something on a line that may be a link, a URL or an id."""


@dataclass(frozen=True)
class Patterns:
    """The configurable parts of a log's shape (config key `notes_patterns`).

    `title_markers`: (open, close) literal pairs around a title, e.g. ("《", "》"),
    ("<u>", "</u>"), ("**", "**"). `date_headings`: regexes for dates the built-in
    recognisers (`dates.py`) do not know, tried before them at the start of a heading, a
    date line or a table cell, with named groups `year`, `month` and optionally `day`.
    `infer_bare_titles`: whether to look for bare-title entries at all.
    """

    title_markers: tuple[tuple[str, str], ...] = (("《", "》"),)
    date_headings: tuple[str, ...] = ()
    infer_bare_titles: bool = True

    def __post_init__(self) -> None:
        # Lists from YAML are welcome; tuples keep the value hashable and immutable.
        markers = tuple(tuple(pair) for pair in self.title_markers)
        object.__setattr__(self, "title_markers", markers)
        object.__setattr__(self, "date_headings", tuple(self.date_headings))
        for i, pair in enumerate(markers):
            if len(pair) != 2 or not all(isinstance(m, str) and m for m in pair):
                raise ValueError(f"title_markers[{i}]: expected two non-empty strings")
        for i, source in enumerate(self.date_headings):
            if not isinstance(source, str):
                raise ValueError(f"date_headings[{i}]: expected a string")
            try:
                groups = re.compile(source).groupindex
            except re.error as exc:
                raise ValueError(f"date_headings[{i}]: not a regular expression ({exc})") from exc
            if "year" not in groups or "month" not in groups:
                raise ValueError(f"date_headings[{i}]: needs named groups 'year' and 'month'")


DEFAULT_PATTERNS = Patterns()


@dataclass(frozen=True)
class Compiled:
    marker: re.Pattern[str] | None
    hint: re.Pattern[str]
    """Finds lines that may hold any mention at all; most note lines hold none."""
    date_headings: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=16)
def compile_patterns(patterns: Patterns) -> Compiled:
    openers = [re.escape(open_) for open_, _ in patterns.title_markers]
    alternatives = [
        f"{re.escape(open_)}(?P<m{i}>.+?){re.escape(close)}"
        for i, (open_, close) in enumerate(patterns.title_markers)
    ]
    return Compiled(
        marker=re.compile("|".join(alternatives)) if alternatives else None,
        hint=re.compile("|".join([*openers, LINK_HINT.pattern])),
        date_headings=tuple(re.compile(source) for source in patterns.date_headings),
    )
