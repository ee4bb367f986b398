"""The dates a log states, in every common spelling: `2022/05/06`, `2022.5.6`, `2022-05-06`,
`2022年5月6日`, `May 6, 2022`, `6 May 2022`, `3/30/23`, with or without a weekday; a month
alone (`2015-12`, `May 2022`); or a part that a parent heading completes (`## 5.6` under
`# 2022`). Pure: text in, `StatedDate` out. Nothing is invented: a month-only date says so,
and a part no parent completes is no date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_Y = r"(?P<year>(?:19|20)\d\d)"
_M = r"(?P<month>1[0-2]|0?[1-9])"
_D = r"(?P<day>3[01]|[12]\d|0?[1-9])"
_SEP = r"\s*[./-]\s*"
_MONTH_NAME = (
    r"(?P<name>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_NUMERIC_YEAR_LAST = (
    r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d|\d\d)"
)
_FULL = tuple(re.compile(shape, re.IGNORECASE) for shape in (
    rf"{_Y}\s*年\s*{_M}\s*月(?:\s*{_D}\s*[日号])?",
    rf"{_Y}{_SEP}{_M}{_SEP}{_D}(?!\d)",
    rf"{_Y}{_SEP}{_M}(?!\s*[./-]?\s*\d)",
    rf"{_MONTH_NAME}\s*{_D}{_ORDINAL},?\s+{_Y}(?!\d)",
    rf"{_D}{_ORDINAL}\s+{_MONTH_NAME},?\s+{_Y}(?!\d)",
    rf"{_MONTH_NAME},?\s+{_Y}(?!\d)",
    rf"{_NUMERIC_YEAR_LAST}(?!\d)",
))
"""Dates that state their year (day or month precision)."""
_PARTIAL = tuple(re.compile(shape, re.IGNORECASE) for shape in (
    rf"{_M}\s*月\s*{_D}\s*[日号]",
    rf"{_MONTH_NAME}\s*{_D}{_ORDINAL}(?!\d)",
    rf"{_D}{_ORDINAL}\s+{_MONTH_NAME}",
    rf"{_M}[./-]{_D}(?![\d./-])",
    rf"{_D}\s*[日号]",
    rf"{_M}\s*月",
    _MONTH_NAME,
    rf"{_Y}\s*年?(?![\d./-])",
))
"""Parts of a date that a parent heading completes; a year alone dates nothing by itself."""
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = (
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|(?:周|星期|礼拜)[一二三四五六日天])"
)
_FILLER = r"[\s,.;:()（）\[\]、，。|/*_~-]*"
_ONLY_WEEKDAY = re.compile(rf"^{_FILLER}(?:{_WEEKDAY})?{_FILLER}$", re.IGNORECASE)
_LINE_PREFIX = re.compile(
    r"^\s*(?:[-*+>]\s+|\d+[.)]\s+)?(?:\*\*|__|\*|_|<b>|<strong>)?\s*"
    r"(?:(?:date|day|日期|时间)\s*[:：]\s*)?(?:\*\*|__|\*|_)?\s*",
    re.IGNORECASE,
)
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_MAY_OPEN_A_DATE = re.compile(
    r"^\s*(?:[-*+>]\s+)?(?:\*\*|__|\*|_|<b>|<strong>)?\s*"
    r"(?:\d{1,4}\s*[./年月日号-]?\s*\d|\d{1,2}\s*[日号月]|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3}"
    r"|[A-Za-z]{3}|日期|时间)"
)
"""A cheap look at a line before the date shapes are tried: most note lines are prose."""
_DATE_LIKE = re.compile(
    rf"(?<!\d)\d{{1,4}}\s*[./年_-]\s*\d{{1,2}}(?!\d)|(?<!\d)(?:19|20)\d\d\s+\d{{1,2}}\s+\d{{1,2}}"
    rf"|\b{_MONTH_WORD}\s+\d{{1,2}}\b|\b\d{{1,2}}{_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD}"
    r"|\d{1,2}\s*月\s*\d{1,2}",
    re.IGNORECASE,
)
_LEADING_WEEKDAY = re.compile(rf"^{_WEEKDAY}[\s,，]+", re.IGNORECASE)


@dataclass(frozen=True)
class StatedDate:
    """A date as far as the log states it: a year alone, a month, or a day."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def within(self, context: StatedDate | None) -> StatedDate:
        """This date with the parts it leaves out taken from its parent (`5.6` in `2022`)."""
        if context is None or self.year is not None:
            return self
        if self.month is None:
            if context.month is None or self.day is None:
                return StatedDate(year=context.year)
            return StatedDate(context.year, context.month, self.day)
        return StatedDate(context.year, self.month, self.day)

    @property
    def date(self) -> dt.date | None:
        """The day, or the first of the month for a month-only date; None without both."""
        if self.year is None or self.month is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day or 1)
        except ValueError:  # 2024.2.31
            return None

    @property
    def month_only(self) -> bool:
        return self.date is not None and self.day is None


def heading_date(
    text: str, custom: tuple[re.Pattern[str], ...] = (), context: StatedDate | None = None
) -> StatedDate | None:
    """The date a heading's text opens with. A date stating its year may be followed by
    anything (`2020-10 (14)`); a year alone or a part of a date only by a weekday."""
    text = _LEADING_WEEKDAY.sub("", _strip_emphasis(text))
    found = _read(text, custom)
    if found is None:
        return None
    stated, end, complete = found
    if not complete or stated.month is None:
        if not _ONLY_WEEKDAY.match(text[end:]):
            return None
        return stated.within(context) if not complete else stated
    return stated


def line_date(
    line: str, custom: tuple[re.Pattern[str], ...] = (), context: StatedDate | None = None
) -> StatedDate | None:
    """The date of a line that is only a date: `2018.04.18`, `- **2022/05/06, Friday.**`,
    `Date: May 6, 2022`; a part of a date counts when `context` completes it to a day."""
    if not _MAY_OPEN_A_DATE.match(line):
        return None
    prefix = _LINE_PREFIX.match(line)
    text = _LEADING_WEEKDAY.sub("", line[prefix.end():] if prefix else line)
    found = _read(text, custom)
    if found is None or not _ONLY_WEEKDAY.match(text[found[1]:]):
        return None
    stated = found[0] if found[2] else found[0].within(context)
    return stated if stated.date is not None else None


def opening_date(line: str, custom: tuple[re.Pattern[str], ...] = ()) -> StatedDate | None:
    """A day, with its year, at the start of a line that goes on (`- 2022.05.06 《T》`); a
    month there (`2018.10 Google 的文章`) is more often the paper's than the reading's."""
    if not _MAY_OPEN_A_DATE.match(line):
        return None
    prefix = _LINE_PREFIX.match(line)
    text = _LEADING_WEEKDAY.sub("", line[prefix.end():] if prefix else line)
    found = _read(text, custom)
    if found is None or not found[2] or found[0].day is None:
        return None
    return found[0] if found[0].date is not None else None


def cell_date(cell: str, custom: tuple[re.Pattern[str], ...] = ()) -> StatedDate | None:
    """A table cell that is a date stating its year (`3/30/23`)."""
    found = _read(_strip_emphasis(cell.strip()), custom)
    if found is None or not found[2] or not _ONLY_WEEKDAY.match(cell.strip()[found[1]:]):
        return None
    return found[0] if found[0].date is not None else None


def looks_dated(line: str) -> bool:
    """Whether a line has something like a date in it, for telling a person what we missed."""
    return _DATE_LIKE.search(line) is not None


def _read(
    text: str, custom: tuple[re.Pattern[str], ...]
) -> tuple[StatedDate, int, bool] | None:
    """(date, where it ends, whether it states its year) for a date opening `text`."""
    for pattern in custom:
        found = pattern.match(text)
        if found:
            parts = found.groupdict()
            try:
                day = int(parts["day"]) if parts.get("day") else None
                return StatedDate(int(parts["year"]), int(parts["month"]), day), found.end(), True
            except (TypeError, ValueError):  # a group that did not take part
                return None
    for complete, shapes in ((True, _FULL), (False, _PARTIAL)):
        for shape in shapes:
            found = shape.match(text)
            if found:
                return _stated(found), found.end(), complete
    return None


def _stated(found: re.Match[str]) -> StatedDate:
    parts = found.groupdict()
    if parts.get("a"):
        return _year_last(int(parts["a"]), int(parts["b"]), parts["sep"], parts["y"])
    month = int(parts["month"]) if parts.get("month") else None
    if parts.get("name"):
        month = _MONTHS.index(parts["name"][:3].lower()) + 1
    return StatedDate(
        year=int(parts["year"]) if parts.get("year") else None,
        month=month,
        day=int(parts["day"]) if parts.get("day") else None,
    )


def _year_last(a: int, b: int, sep: str, written: str) -> StatedDate:
    """`3/30/23` (month first, as with slashes) or `30.3.2023` (day first, as with dots and
    dashes); whichever number cannot be a month decides when one cannot."""
    year = int(written) if len(written) == 4 else 2000 + int(written)
    month, day = (a, b) if sep == "/" else (b, a)
    if month > 12 >= day:
        month, day = day, month
    return StatedDate(year, month, day)


def _strip_emphasis(text: str) -> str:
    return text.strip().strip("*_~`").strip()
