"""Walk a reading log's lines: headings and their dates, fences, marked and checkbox
mentions, bare-title entries, links; then give every mention its date, section and body."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from papersync.ids import extract_ids
from papersync.match import identity
from papersync.model import Ids, Mention, MentionKind
from papersync.parse.bodies import body_text, opening_line
from papersync.parse.dates import heading_date
from papersync.parse.draft import Draft
from papersync.parse.links import REFERENCE, label, links, reference
from papersync.parse.patterns import (
    DEFAULT_PATTERNS,
    LINK_HINT,
    Compiled,
    Patterns,
    compile_patterns,
)
from papersync.parse.titles import GLUED_YEAR, clean_title, looks_like_title, remark_start
from papersync.parse.titles import year_hint as stated_year

_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_CHECKBOX = re.compile(r"^(?P<indent>\s*)[-*+][ \t]+\[(?P<mark>[ xX])\][ \t]+(?P<item>\S.*?)\s*$")


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    date: dt.date | None


@dataclass
class _Section:
    heading: _Heading | None
    first_line: int
    last_line: int = 0
    has_marked: bool = False
    drafts: list[Draft] = field(default_factory=list)
    stops: list[tuple[int, int]] = field(default_factory=list)
    """Where a body ends without a mention starting: a to-do that is not a paper."""
    fenced: set[int] = field(default_factory=set)


def parse(text: str, file: str, patterns: Patterns = DEFAULT_PATTERNS) -> tuple[Mention, ...]:
    """Every mention of a paper in one reading log, in the order the log has them."""
    compiled = compile_patterns(patterns)
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    sections, references = _scan(lines, compiled)
    stops: list[tuple[int, int]] = []
    drafts: list[tuple[Draft, _Section]] = []
    for section in sections:
        if section.heading is not None and section.first_line > 0:
            stops.append((section.first_line - 1, 0))
        if patterns.infer_bare_titles and not section.has_marked and _date(section):
            section.drafts.extend(_bare_titles(lines, section))
        stops.extend(section.stops)
        for draft in section.drafts:
            if draft.reference is not None and not draft.ids:
                draft.ids = references.get(label(draft.reference), draft.ids)
            drafts.append((draft, section))
            if draft.cuts_body:
                stops.append((draft.line, draft.start))
    stops.sort()
    drafts.sort(key=lambda pair: (pair[0].line, pair[0].start))
    return tuple(_finish(draft, section, lines, stops, file) for draft, section in drafts)


def _date(section: _Section) -> dt.date | None:
    return section.heading.date if section.heading else None


def _scan(lines: list[str], compiled: Compiled) -> tuple[list[_Section], dict[str, Ids]]:
    """Split the log into sections at headings, collecting each section's explicit mentions.

    Also returns the ids of every reference definition (`[VGG]: https://arxiv.org/abs/…`),
    by label, for the `[VGG]` links that use them anywhere in the file.
    """
    references: dict[str, Ids] = {}
    stack: list[_Heading] = []
    sections = [_Section(heading=None, first_line=0)]
    in_fence = False
    for index, line in enumerate(lines):
        fence = ("```" in line or "~~~" in line) and _FENCE.match(line) is not None
        if fence or in_fence:
            in_fence = in_fence != fence
            sections[-1].fenced.add(index)
            continue
        if line.startswith("#"):
            heading = _heading(line, stack, compiled)
            if heading is not None:
                sections[-1].last_line = index
                sections.append(_Section(heading=heading, first_line=index + 1))
                continue
        if compiled.hint.search(line):
            _scan_line(index, line, compiled, sections[-1], references)
    sections[-1].last_line = len(lines)
    return sections, references


def _heading(line: str, stack: list[_Heading], compiled: Compiled) -> _Heading | None:
    found = _HEADING.match(line)
    if not found:
        return None
    level, text = len(found["hashes"]), found["text"].strip()
    while stack and stack[-1].level >= level:
        stack.pop()
    date = heading_date(text, compiled.date_headings)
    if date is None and stack:
        date = stack[-1].date
    heading = _Heading(level=level, text=text, date=date)
    stack.append(heading)
    return heading


def _scan_line(
    index: int, line: str, compiled: Compiled, section: _Section, references: dict[str, Ids]
) -> None:
    checkbox = _CHECKBOX.match(line) if "[" in line else None
    if compiled.marker is not None:
        marked = list(_marked(index, line, compiled.marker, checkbox))
        if marked:
            section.has_marked = True
            section.drafts.extend(marked)
            return
    if checkbox:
        draft = _checkbox(index, checkbox)
        if draft is None:  # a to-do that is not a paper still ends the entry above it
            section.stops.append((index, 0))
        else:
            section.drafts.append(draft)
        return
    definition = REFERENCE.match(line) if "]:" in line else None
    if definition:
        draft = reference(index, definition)
        if draft is not None:
            references.setdefault(label(definition["label"]), draft.ids)
            section.drafts.append(draft)
        return
    if LINK_HINT.search(line):
        section.drafts.extend(links(index, line))


def _marked(
    index: int, line: str, marker: re.Pattern[str], checkbox: re.Match[str] | None
) -> Iterator[Draft]:
    kind = _checkbox_kind(checkbox) if checkbox else MentionKind.READ
    ids: Ids | None = None
    for found in marker.finditer(line):
        group_name = found.lastgroup or ""
        raw = found[group_name]
        title, alias = clean_title(raw)
        if not title:
            continue
        ids = extract_ids(line) if ids is None else ids
        yield Draft(
            line=index, start=found.start(), body_from=found.end(), raw=raw,
            kind=kind, ids=ids, title=title, alias=alias,
        )


def _checkbox_kind(found: re.Match[str]) -> MentionKind:
    return MentionKind.TO_READ if found["mark"] == " " else MentionKind.READ


def _checkbox(index: int, found: re.Match[str]) -> Draft | None:
    raw = found["item"]
    kind = _checkbox_kind(found)
    cut = remark_start(raw)
    title, alias = clean_title(raw[:cut])
    title = GLUED_YEAR.sub("", title).rstrip() if cut < len(raw) else title
    ids = extract_ids(raw)
    if not ids and not looks_like_title(title):
        return None
    start = found.start("item")
    return Draft(
        line=index, start=start, body_from=start + cut, raw=raw, kind=kind, ids=ids,
        title=title, alias=alias, year_hint=stated_year(raw[cut:]) if cut < len(raw) else None,
    )


def _bare_titles(lines: list[str], section: _Section) -> Iterator[Draft]:
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
            kind=MentionKind.READ, inferred=True,
        )


def _finish(
    draft: Draft, section: _Section, lines: list[str], stops: list[tuple[int, int]], file: str
) -> Mention:
    if draft.title is None:
        title, alias = clean_title(draft.raw)
    else:
        title, alias = draft.title, draft.alias
    body = draft.body
    if body is None:
        body = body_text(lines, draft.line, draft.body_from, stops)
    year_hint = draft.year_hint
    if year_hint is None and draft.kind is not MentionKind.LINK:
        year_hint = stated_year(opening_line(body))
    return Mention(
        raw=draft.raw,
        title=title,
        file=file,
        line=draft.line + 1,
        kind=draft.kind,
        alias=alias,
        ids=draft.ids,
        date=_date(section),
        section=section.heading.text if section.heading else "",
        body=body,
        year_hint=year_hint,
        inferred=draft.inferred,
    )


def group(mentions: Iterable[Mention]) -> dict[str, tuple[Mention, ...]]:
    """Mentions gathered under `match.identity`, first-seen order kept."""
    grouped: dict[str, list[Mention]] = {}
    for mention in mentions:
        grouped.setdefault(identity(mention), []).append(mention)
    return {key: tuple(found) for key, found in grouped.items()}
