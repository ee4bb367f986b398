"""Dates a log states: which day (or month) a heading names."""

from __future__ import annotations

import datetime as dt
import re


def heading_date(text: str, date_headings: tuple[re.Pattern[str], ...]) -> dt.date | None:
    """The date a heading's text starts with, by the first pattern that matches it."""
    for pattern in date_headings:
        found = pattern.match(text)
        if found:
            parts = found.groupdict()
            try:
                return dt.date(int(parts["year"]), int(parts["month"]), int(parts.get("day") or 1))
            except (TypeError, ValueError):  # a group that did not take part, or 2024.2.31
                return None
    return None
