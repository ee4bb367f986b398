"""Walk a reading log's lines: headings and the dates they state, date lines, tables and
their date column, fences, and every mention on the way; then give each mention its date,
section and body. Pure: text in, `ParsedLog` out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace

from papersync.model import Ids, Mention, MentionKind
from papersync.parse.bodies import Stop, body_text, opening_line
from papersync.parse.cues import in_table_cell
from papersync.parse.dates import (
    StatedDate,
    cell_date,
    heading_date,
    line_date,
    looks_dated,
    opening_date,
)
from papersync.parse.draft import Draft
from papersync.parse.links import REFERENCE, is_table_row, label, links, reference
from papersync.parse.mentions import (
    CHECKBOX,
    WIKILINK,
    checkbox,
    checkbox_kind,
    emphasised,
    marked,
    wikilinks,
)
from papersync.parse.patterns import (
    DEFAULT_PATTERNS,
    Compiled,
    Patterns,
    compile_patterns,
)
from papersync.parse.titles import looks_like_title, read_title
from papersync.parse.titles import year_hint as stated_year

_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_DATE_HEADER = re.compile(r"date|day|when|日期|时间|时期", re.IGNORECASE)
_MAX_DATE_LINE = 60
_DIGIT = re.compile(r"\d")
_EXAMPLES = 3


@dataclass(frozen=True)
class ParsedLog:
    """What one log says: its mentions, and problems a person should hear about."""

    mentions: tuple[Mention, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Frame:
    """A heading or a date line: the date it states holds until a heading of its level."""

    level: float
    stated: StatedDate | None


@dataclass
class _Section:
    heading: str
    level: int
    first_line: int
    last_line: int = 0
    dated: bool = False
    has_marked: bool = False
    fenced: set[int] = field(default_factory=set)


@dataclass
class _Walk:
    """The state of one pass over a log's lines."""

    lines: list[str]
    compiled: Compiled
    ignore: frozenset[str]
    frames: list[_Frame] = field(default_factory=list)
    sections: list[_Section] = field(default_factory=list)
    drafts: list[tuple[Draft, _Section]] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    references: dict[str, Ids] = field(default_factory=dict)
    date_column: int | None = None
    dated_lines: int = 0
    undated_lines: list[int] = field(default_factory=list)
    dates: list[StatedDate | None] = field(default_factory=list)
    """The date in force at each line, for mentions found after the walk."""
    current: StatedDate | None = None
    """The date in force now: the nearest frame's that states a day or a month."""

    def date_at(self, index: int) -> StatedDate | None:
        return self.dates[index] if index < len(self.dates) else None

    def run(self) -> None:
        self.sections.append(_Section(heading="", level=0, first_line=0))
        in_fence = False
        for index, line in enumerate(self.lines):
            fence = ("```" in line or "~~~" in line) and _FENCE.match(line) is not None
            if fence or in_fence:
                in_fence = in_fence != fence
                self.sections[-1].fenced.add(index)
            else:
                self._line(index, line)
            self.dates.append(self.current)
        self.sections[-1].last_line = len(self.lines)

    def _line(self, index: int, line: str) -> None:
        found = _HEADING.match(line) if line.startswith("#") else None
        if found:
            self._heading(index, len(found["hashes"]), found["text"].strip(), found)
        elif line.lstrip().startswith("|"):
            self._table_line(index, line)
        else:
            self.date_column = None
            if not self._date_line(index, line):
                self._scan_line(index, line, None)

    # --- dates -----------------------------------------------------------------------------

    def _context(self, below: float = 7) -> StatedDate | None:
        """The nearest year (and month) stated by a heading or date line shallower than
        `below`: what completes `5.6` or `6日`; a sibling heading's year is no parent's."""
        return next(
            (f.stated for f in reversed(self.frames)
             if f.level < below and f.stated and f.stated.year),
            None,
        )

    def _pop_to(self, level: float) -> None:
        while self.frames and self.frames[-1].level >= level:
            self.frames.pop()
        self.current = next(
            (f.stated for f in reversed(self.frames) if f.stated and f.stated.date), None
        )

    def _push(self, frame: _Frame) -> None:
        self._pop_to(frame.level)
        self.frames.append(frame)
        if frame.stated is not None and frame.stated.date is not None:
            self.current = frame.stated
        if frame.stated is not None and frame.stated.date is not None:
            self.dated_lines += 1
            self.sections[-1].dated = True

    def _heading(self, index: int, level: int, text: str, found: re.Match[str]) -> None:
        """A heading states a date, or names a paper (an entry: `### 2024 - 《Title》`, which
        the date of a heading of its own level still covers), or starts an undated section."""
        self.date_column = None
        self._pop_to(level + 0.5)
        stated = heading_date(text, self.compiled.date_headings, self._context(below=level))
        if stated is None and len(self.undated_lines) < _EXAMPLES and looks_dated(text):
            self.undated_lines.append(index)
        self.sections[-1].last_line = index
        self.sections.append(_Section(heading=text, level=level, first_line=index + 1))
        if stated is not None or not self._names_a_paper(text):
            self._push(_Frame(level, stated))
        self.sections[-1].dated = self.current is not None
        new_day = stated is not None and stated.date is not None
        self.stops.append(Stop(index, 0, 0 if new_day else level))
        self._scan_line(index, found.string, None, level=level, only_marked=True)

    def _names_a_paper(self, text: str) -> bool:
        marker = self.compiled.marker
        return (marker is not None and marker.search(text) is not None) or (
            "[[" in text and WIKILINK.search(text) is not None
        )

    def _date_line(self, index: int, line: str) -> bool:
        if len(line) > _MAX_DATE_LINE or not _DIGIT.search(line):
            return False
        stated = line_date(line, self.compiled.date_headings, self._context())
        if stated is None:
            if len(self.undated_lines) < _EXAMPLES and line.strip() and looks_dated(line):
                self.undated_lines.append(index)
            return False
        self._push(_Frame(self.sections[-1].level + 0.5, stated))
        self.stops.append(Stop(index, 0))
        return True

    # --- tables ----------------------------------------------------------------------------

    def _table_line(self, index: int, line: str) -> None:
        following = self.lines[index + 1] if index + 1 < len(self.lines) else ""
        if _SEPARATOR_ROW.match(line):
            return
        cells = _cells(line)
        if _SEPARATOR_ROW.match(following):  # a header row names the date column
            self.date_column = next(
                (i for i, cell in enumerate(cells) if _DATE_HEADER.search(cell)), None
            )
            return
        row_date = None
        if self.date_column is not None and self.date_column < len(cells):
            row_date = cell_date(cells[self.date_column], self.compiled.date_headings)
        if row_date is None:
            row_date = next(
                (d for d in (cell_date(c, self.compiled.date_headings) for c in cells) if d),
                None,
            )
        if row_date is not None:
            self.dated_lines += 1
        self._scan_line(index, line, row_date)

    # --- mentions --------------------------------------------------------------------------

    def _scan_line(
        self, index: int, line: str, row_date: StatedDate | None, *, level: int | None = None,
        only_marked: bool = False,
    ) -> None:
        drafts, ends_entry = _line_mentions(index, line, self, only_marked)
        in_table = bool(drafts) and is_table_row(line.strip())
        if drafts and row_date is None and level is None:
            row_date = opening_date(line, self.compiled.date_headings)  # `- 2022.5.6 《T》`
        section = self.sections[-1]
        for draft in drafts:
            draft.date = row_date or self.current
            draft.level = section.level if level is None else level
            if in_table:
                in_table_cell(draft, line)
            if draft.cuts_body:
                self.stops.append(Stop(index, draft.start))
            self.drafts.append((draft, section))
        if ends_entry:
            self.stops.append(Stop(index, 0))


def _line_mentions(
    index: int, line: str, walk: _Walk, only_marked: bool
) -> tuple[list[Draft], bool]:
    """The mentions a line writes, and whether the line ends the entry above it anyway (a
    to-do that is not a paper). Marked titles first; then wikilinks (these two in headings
    too), emphasised titles with their link, a to-do, reference definitions, other links."""
    compiled = walk.compiled
    if not compiled.hint.search(line):
        return [], False
    checkbox_found = CHECKBOX.match(line) if "[" in line else None
    kind = checkbox_kind(checkbox_found) if checkbox_found else MentionKind.READ
    if compiled.marker is not None:
        found = marked(index, line, compiled.marker, checkbox_found)
        if found:
            walk.sections[-1].has_marked = True
            return found, False
    if "[[" in line:
        found = list(wikilinks(index, line, kind, walk.ignore))
        if found:
            return found, False
    if only_marked:
        return [], False
    if "](" in line and any(mark in line for mark in "*_<"):
        found = list(emphasised(index, line, kind))
        if found:
            return found, False
    if checkbox_found:
        draft = checkbox(index, checkbox_found)
        return ([draft], False) if draft else ([], True)
    definition = REFERENCE.match(line) if "]:" in line else None
    if definition:
        draft = reference(index, definition)
        if draft is None:
            return [], False
        walk.references.setdefault(label(definition["label"]), draft.ids)
        return [draft], False
    return list(links(index, line)), False


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


# --- the whole log -----------------------------------------------------------------------


def parse(
    text: str, file: str, patterns: Patterns = DEFAULT_PATTERNS, ignore: Collection[str] = ()
) -> tuple[Mention, ...]:
    """Every mention of a paper in one reading log, in the order the log has them."""
    return parse_log(text, file, patterns, ignore).mentions


def parse_log(
    text: str, file: str, patterns: Patterns = DEFAULT_PATTERNS, ignore: Collection[str] = ()
) -> ParsedLog:
    """The mentions of one log and its problems. `ignore`: the names of the vault's own
    notes, which `[[wikilinks]]` to are never mentions of a paper."""
    walk = _Walk(
        lines=[line.removesuffix("\r") for line in text.split("\n")],
        compiled=compile_patterns(patterns),
        ignore=frozenset(name.casefold().removesuffix(".md") for name in ignore),
    )
    walk.run()
    if patterns.infer_bare_titles:
        for section in walk.sections:
            if section.dated and not section.has_marked:
                for draft in _bare_titles(walk.lines, section, walk):
                    walk.drafts.append((draft, section))
                    walk.stops.append(Stop(draft.line, draft.start))
    for draft, _ in walk.drafts:
        if draft.reference is not None and not draft.ids:
            draft.ids = walk.references.get(label(draft.reference), draft.ids)
    walk.stops.sort()
    walk.drafts.sort(key=lambda pair: (pair[0].line, pair[0].start))
    mentions = tuple(_finish(draft, section, walk, file) for draft, section in walk.drafts)
    return ParsedLog(mentions, _problems(mentions, walk, file))


def _problems(mentions: tuple[Mention, ...], walk: _Walk, file: str) -> tuple[str, ...]:
    """A log with mentions and no date at all: say which lines looked like dates."""
    if not mentions or walk.dated_lines or not walk.undated_lines:
        return ()
    shown = ", ".join(
        f"line {n + 1} `{walk.lines[n].strip()[:40]}`" for n in walk.undated_lines
    )
    return (
        f"{file}: {len(mentions)} mentions but no date recognised; lines that look like "
        f"dates: {shown}. Add a regular expression with named groups year, month and day "
        "under patterns.date_headings in the config.",
    )


def _bare_titles(lines: list[str], section: _Section, walk: _Walk) -> Iterator[Draft]:
    """Unmarked titles that open an entry and are followed at once by its note."""
    previous_blank = True
    for index in range(section.first_line, min(section.last_line, len(lines))):
        line = lines[index]
        if not line.strip():
            previous_blank = True
            continue
        starts_block = previous_blank or not lines[index - 1][:1].isspace()
        previous_blank = False
        if line[:1].isspace() or not starts_block or index in section.fenced:
            continue
        if not looks_like_title(line):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not following.strip() or (not following[:1].isspace() and looks_like_title(following)):
            continue
        raw = line.strip()
        start = line.index(raw)
        yield Draft(
            line=index, start=start, body_from=start + len(raw), raw=raw,
            kind=MentionKind.READ, inferred=True, date=walk.date_at(index),
            level=section.level,
        )


def _finish(draft: Draft, section: _Section, walk: _Walk, file: str) -> Mention:
    if draft.title is None:
        parts = read_title(draft.raw)
        title, alias, hints = parts.title, parts.alias, parts.hints
    else:
        title, alias, hints = draft.title, draft.alias, draft.hints
    body = draft.body
    if body is None:
        body = body_text(walk.lines, draft.line, draft.body_from, draft.level, walk.stops)
    year_hint = hints.year or draft.year_hint
    if year_hint is None and draft.kind is not MentionKind.LINK:
        year_hint = stated_year(opening_line(body))
    if year_hint is not None and hints.year is None:
        hints = replace(hints, year=year_hint)
    stated = draft.date
    return Mention(
        raw=draft.raw,
        title=title,
        file=file,
        line=draft.line + 1,
        kind=draft.kind,
        alias=alias,
        ids=draft.ids,
        date=stated.date if stated else None,
        section=section.heading,
        body=body,
        year_hint=year_hint,
        inferred=draft.inferred,
        hints=hints,
        url=draft.url if draft.url and "://" in draft.url else None,
        month_only=stated.month_only if stated else False,
        not_a_paper=draft.not_a_paper,
    )
