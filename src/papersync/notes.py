"""Read a Markdown reading log into `Mention`s: text in, values out, no I/O.

It knows the log's shapes: `《title》` under date headings, bare-title entries in older
sections, to-read checkboxes, and Markdown links / bare URLs that carry an arXiv id or a DOI.

Rules worth knowing (each is tested in tests/test_notes.py):

- A date heading is an ATX heading whose text starts with a date `date_headings` matches
  (`2023.12.29`, `2024-01-05`, `2024/1/5`, `2023.12`, `2024年1月5日`). A month-only heading
  dates its mentions on the first of the month; `section` keeps the heading text, so the
  real precision is never lost. A heading without a date inherits the date of the nearest
  enclosing (shallower) date heading.
- A bare title (`inferred=True`) is looked for only in dated sections that contain no marked
  mention: an unindented, title-shaped line (Latin words, 3-30 of them, no CJK, no sentence
  punctuation) that starts a block and is followed at once by its note (an indented line, or
  a line that is not itself title-shaped).
- A checkbox item (`- [ ]`, nested too) is a to-read mention (`- [x]`: read) when what is left
  after cutting the trailing remark at its first CJK character is title-shaped, or when the
  item carries an arXiv id or DOI. `写综述：GNN 论文总结` is therefore not a mention.
- Links: ids on a line that holds a marked or checkbox mention belong to that mention. Any
  other link or bare URL that embeds an arXiv id or DOI is a `link` mention; in a table row,
  every `[name]` / `[name](url)` is a `link` mention (except site decorations whose text holds a
  `{% ... %}` template tag), and a cell holding only a year gives `year_hint`. A `[name]`
  takes the ids of a reference definition `[name]: url` anywhere in the file. A link whose
  text is itself a URL, and a bare URL, get an empty `title`: only their ids identify them.
- `body` runs from the end of a mention to the next heading, checkbox line or marked/bare
  mention; link mentions do not cut the body of the entry they sit in. `year_hint` is read
  off the body's first line of prose (`2016年`, `2015 ICLR`, `2023.10 …`, `ICLR 2015`), a
  to-do's remark, or a table's year cell.
- Headings and mentions inside fenced code blocks are ignored.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from papersync.ids import extract_ids, written_ids
from papersync.match import identity
from papersync.model import Ids, Mention, MentionKind

__all__ = [
    "DEFAULT_PATTERNS",
    "Patterns",
    "clean_title",
    "group",
    "looks_like_title",
    "parse",
]

DEFAULT_DATE_HEADINGS: tuple[str, ...] = (
    r"(?P<year>\d{4})\s*[./-]\s*(?P<month>\d{1,2})(?:\s*[./-]\s*(?P<day>\d{1,2}))?(?!\d)",
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*日)?",
)


@dataclass(frozen=True)
class Patterns:
    """The configurable parts of a log's shape (config key `notes_patterns`).

    `title_markers`: (open, close) literal pairs around a title, e.g. ("《", "》"),
    ("<u>", "</u>"), ("**", "**"). `date_headings`: regexes matched at the start of a
    heading's text, with named groups `year`, `month` and optionally `day`.
    `infer_bare_titles`: whether to look for bare-title entries at all.
    """

    title_markers: tuple[tuple[str, str], ...] = (("《", "》"),)
    date_headings: tuple[str, ...] = DEFAULT_DATE_HEADINGS
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

# --- line shapes -------------------------------------------------------------------------

_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_CHECKBOX = re.compile(r"^(?P<indent>\s*)[-*+][ \t]+\[(?P<mark>[ xX])\][ \t]+(?P<item>\S.*?)\s*$")
_REFERENCE = re.compile(r"^ {0,3}\[(?P<label>[^\[\]^][^\[\]]*)\]:[ \t]*<?(?P<url>[^\s>]+)")
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\[\]]*)\](?:\((?P<target>[^()]*)\))?")
_LINK_HINT = re.compile(r"\[|https?:|10\.\d|[aA][rR][xX][iI][vV]")
_URL = re.compile(r"https?://[^\s<>()\[\]\"'《》，。；、]+", re.IGNORECASE)
_URL_TAIL = re.compile(r"[.,;:!?'\"*_]+$")
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_TABLE_SEPARATOR = re.compile(r"^\|?[\s:|-]+$")
_YEAR_CELL = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\s*$")

# --- titles ------------------------------------------------------------------------------

_CJK = re.compile(  # ideographs, kana, CJK and full-width punctuation
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_MD_LINK_TEXT = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_EMPHASIS = re.compile(r"\*+|~~|`+|(?<!\w)_+|_+(?!\w)")
_SPACES = re.compile(r"\s+")
_PAREN_ALIAS = re.compile(r"^\((?P<alias>[^()\s]{1,30})\)\s*(?P<rest>.+)$")
_COLON_ALIAS = re.compile(r"^(?P<prefix>[^:]{1,40}?)\s*:\s*(?P<rest>.+)$")
_NAME_TOKEN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9][\w.+-]*$")
_CODED_NAME = re.compile(r"^(?:[A-Za-z0-9.+-]*[A-Z][A-Za-z0-9.+-]*[A-Z0-9][A-Za-z0-9.+-]*)$")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.+-]*")
_GLUED_YEAR = re.compile(r"(?<=[A-Za-z])(?:19|20)\d\d$")
_REMARK_YEAR = re.compile(r"(?:(?<=[A-Za-z])|\s+)(?:19|20)\d\d$")
"""A year opening a to-do's remark, glued on or spaced: `…translation2014年`, `…Title  2023年`."""
_REMARK_EDGE = " \t([{（【,，;；:：-—/"
_NOT_A_TITLE_START = re.compile(r"^(?:[-*+>|#!<$`{=\[]|\d+[.)、]|https?:)")
_SENTENCE_END = re.compile(r"[.,;:。，；：、!！]$")
_MIN_TITLE_WORDS = 3
_MAX_TITLE_WORDS = 30

# --- year hints --------------------------------------------------------------------------

_YEAR_STATED = re.compile(
    # a note opening with the year: `2015 ICLR`, `2023.10 UC Berkeley`
    r"^\W*(?P<lead>(?:19|20)\d\d)"
    r"(?=\s*[年\u4e00-\u9fff]|\.(?:1[0-2]|0?[1-9])(?!\d)|\s*[A-Z]|\s*[，,：:;；]|\s*$)"
    # `2016年`, `2017 年的文章`
    r"|(?<!\d)(?P<cn>(?:19|20)\d\d)\s*年"
    # a venue acronym and its year: `ICLR 2015`, `NeurIPS2020`
    r"|\b(?=[A-Za-z]*[A-Z][A-Za-z]*[A-Z])[A-Za-z]{3,}\s*'?(?P<venue>(?:19|20)\d\d)(?!\d)"
)


# --- title cleaning ----------------------------------------------------------------------


def clean_title(raw: str) -> tuple[str, str | None]:
    """Turn the log's spelling of a title into (title, alias).

    Full-width forms are folded (NFKC), Markdown links reduced to their text, HTML and
    emphasis removed, whitespace collapsed. An alias is split off only where the log wrote a
    short name before the title: `(GenRead)Generate…`, `VAE: Auto-encoding…`, `T5/Google:
    Exploring…` (alias `T5`). A long prefix such as `Multimodal Foundation Models: From…` is
    part of the title and stays.
    """
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    if "](" in text:
        text = _MD_LINK_TEXT.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = " ".join(text.split())
    return _split_alias(text)


def _split_alias(title: str) -> tuple[str, str | None]:
    paren = _PAREN_ALIAS.match(title)
    if paren and _NAME_TOKEN.match(paren["alias"]) and _word_count(paren["rest"]) >= 2:
        return paren["rest"], paren["alias"]
    colon = _COLON_ALIAS.match(title)
    if not colon or _word_count(colon["rest"]) < 2:
        return title, None
    alias = _alias_from_prefix(colon["prefix"].strip())
    return (colon["rest"], alias) if alias else (title, None)


def _alias_from_prefix(prefix: str) -> str | None:
    """A prefix is an alias when it is a short name: one token, or two with a coded name."""
    tokens = prefix.split()
    if len(tokens) == 1:
        name = tokens[0].split("/")[0]
        return name if _NAME_TOKEN.match(name) else None
    if len(tokens) == 2 and all(_NAME_TOKEN.match(t) for t in tokens):
        return prefix if any(_CODED_NAME.match(t) for t in tokens) else None
    return None


def _word_count(text: str) -> int:
    return len(text.split())


def looks_like_title(text: str) -> bool:
    """Whether an unmarked line has the shape of a paper title rather than prose or a to-do.

    Shape only, no list of known titles: 3-30 mostly-Latin words, no CJK, starts like a title
    (not a list marker, quote, table, URL or number), no sentence-final punctuation.
    """
    text = text.strip()
    if not text or _CJK.search(text) or _NOT_A_TITLE_START.match(text):
        return False
    if _SENTENCE_END.search(text) or ". " in text or "://" in text:
        return False
    words = _LATIN_WORD.findall(text)
    if not _MIN_TITLE_WORDS <= len(words) <= _MAX_TITLE_WORDS:
        return False
    if len(text.split()) > len(words) + 2:  # symbols and numbers, not words
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


# --- parsing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    marker: re.Pattern[str] | None
    hint: re.Pattern[str]
    """Finds lines that may hold any mention at all; most note lines hold none."""
    date_headings: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=16)
def _compile(patterns: Patterns) -> _Compiled:
    openers = [re.escape(open_) for open_, _ in patterns.title_markers]
    alternatives = [
        f"{re.escape(open_)}(?P<m{i}>.+?){re.escape(close)}"
        for i, (open_, close) in enumerate(patterns.title_markers)
    ]
    return _Compiled(
        marker=re.compile("|".join(alternatives)) if alternatives else None,
        hint=re.compile("|".join([*openers, _LINK_HINT.pattern])),
        date_headings=tuple(re.compile(source) for source in patterns.date_headings),
    )


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    date: dt.date | None


@dataclass
class _Draft:
    """A mention before its body is known: where it starts and where its body begins."""

    line: int  # 0-based
    start: int
    body_from: int  # column on `line` where the body text starts
    raw: str
    kind: MentionKind
    ids: Ids = field(default_factory=Ids)
    inferred: bool = False
    title: str | None = None  # None: clean `raw`; "": no title (a bare id)
    alias: str | None = None
    year_hint: int | None = None
    body: str | None = None  # set for link mentions, whose body is their own line
    cuts_body: bool = True
    reference: str | None = None  # the label of a `[name]` that a `[name]: url` may define


@dataclass
class _Section:
    heading: _Heading | None
    first_line: int
    last_line: int = 0
    has_marked: bool = False
    drafts: list[_Draft] = field(default_factory=list)
    stops: list[tuple[int, int]] = field(default_factory=list)
    """Where a body ends without a mention starting: a to-do that is not a paper."""
    fenced: set[int] = field(default_factory=set)


def parse(text: str, file: str, patterns: Patterns = DEFAULT_PATTERNS) -> tuple[Mention, ...]:
    """Every mention of a paper in one reading log, in the order the log has them."""
    compiled = _compile(patterns)
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    sections, references = _scan(lines, compiled)
    stops: list[tuple[int, int]] = []
    drafts: list[tuple[_Draft, _Section]] = []
    for section in sections:
        if section.heading is not None and section.first_line > 0:
            stops.append((section.first_line - 1, 0))
        if patterns.infer_bare_titles and not section.has_marked and _date(section):
            section.drafts.extend(_bare_titles(lines, section))
        stops.extend(section.stops)
        for draft in section.drafts:
            if draft.reference is not None and not draft.ids:
                draft.ids = references.get(_label(draft.reference), draft.ids)
            drafts.append((draft, section))
            if draft.cuts_body:
                stops.append((draft.line, draft.start))
    stops.sort()
    drafts.sort(key=lambda pair: (pair[0].line, pair[0].start))
    return tuple(_finish(draft, section, lines, stops, file) for draft, section in drafts)


def _date(section: _Section) -> dt.date | None:
    return section.heading.date if section.heading else None


def _scan(lines: list[str], compiled: _Compiled) -> tuple[list[_Section], dict[str, Ids]]:
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


def _heading(line: str, stack: list[_Heading], compiled: _Compiled) -> _Heading | None:
    found = _HEADING.match(line)
    if not found:
        return None
    level, text = len(found["hashes"]), found["text"].strip()
    while stack and stack[-1].level >= level:
        stack.pop()
    date = _heading_date(text, compiled)
    if date is None and stack:
        date = stack[-1].date
    heading = _Heading(level=level, text=text, date=date)
    stack.append(heading)
    return heading


def _heading_date(text: str, compiled: _Compiled) -> dt.date | None:
    for pattern in compiled.date_headings:
        found = pattern.match(text)
        if found:
            parts = found.groupdict()
            try:
                return dt.date(int(parts["year"]), int(parts["month"]), int(parts.get("day") or 1))
            except (TypeError, ValueError):  # a group that did not take part, or 2024.2.31
                return None
    return None


def _scan_line(
    index: int, line: str, compiled: _Compiled, section: _Section, references: dict[str, Ids]
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
    reference = _REFERENCE.match(line) if "]:" in line else None
    if reference:
        draft = _reference(index, reference)
        if draft is not None:
            references.setdefault(_label(reference["label"]), draft.ids)
            section.drafts.append(draft)
        return
    if _LINK_HINT.search(line):
        section.drafts.extend(_links(index, line))


def _marked(
    index: int, line: str, marker: re.Pattern[str], checkbox: re.Match[str] | None
) -> Iterator[_Draft]:
    kind = _checkbox_kind(checkbox) if checkbox else MentionKind.READ
    ids: Ids | None = None
    for found in marker.finditer(line):
        group_name = found.lastgroup or ""
        raw = found[group_name]
        title, alias = clean_title(raw)
        if not title:
            continue
        ids = extract_ids(line) if ids is None else ids
        yield _Draft(
            line=index,
            start=found.start(),
            body_from=found.end(),
            raw=raw,
            kind=kind,
            ids=ids,
            title=title,
            alias=alias,
        )


def _checkbox_kind(found: re.Match[str]) -> MentionKind:
    return MentionKind.TO_READ if found["mark"] == " " else MentionKind.READ


def _checkbox(index: int, found: re.Match[str]) -> _Draft | None:
    raw = found["item"]
    kind = _checkbox_kind(found)
    cut = _remark_start(raw)
    title, alias = clean_title(raw[:cut])
    title = _GLUED_YEAR.sub("", title).rstrip() if cut < len(raw) else title
    ids = extract_ids(raw)
    if not ids and not looks_like_title(title):
        return None
    start = found.start("item")
    return _Draft(
        line=index,
        start=start,
        body_from=start + cut,
        raw=raw,
        kind=kind,
        ids=ids,
        title=title,
        alias=alias,
        year_hint=_year_hint(raw[cut:]) if cut < len(raw) else None,
    )


def _remark_start(item: str) -> int:
    """Where a to-do's trailing remark begins: its first CJK character, edges trimmed."""
    cjk = _CJK.search(item)
    if cjk is None:
        return len(item)
    cut = cjk.start()
    while cut > 0 and item[cut - 1] in _REMARK_EDGE:
        cut -= 1
    year = _REMARK_YEAR.search(item[:cut])
    return year.start() if year else cut


def _links(index: int, line: str) -> Iterator[_Draft]:
    """Link mentions on a line no marked or checkbox mention owns."""
    stripped = line.strip()
    in_table = stripped.startswith("|") and not _TABLE_SEPARATOR.match(stripped)
    year = _table_year(stripped) if in_table else None
    taken: list[tuple[int, int]] = []
    for found in _LINK.finditer(line):
        taken.append(found.span())
        draft = _link(index, line, found, in_table, year)
        if draft is not None:
            yield draft
    for found in _URL.finditer(line):
        if any(start <= found.start() < end for start, end in taken):
            continue
        url = _URL_TAIL.sub("", found.group())
        taken.append((found.start(), found.start() + len(url)))
        ids = extract_ids(url)
        if ids:
            yield _id_only(index, line, found.start(), url, ids)
    yield from _bare_ids(index, line, taken)


def _link(
    index: int, line: str, found: re.Match[str], in_table: bool, year: int | None
) -> _Draft | None:
    """A `[name](url)` or table `[name]`: a link mention when it names a paper or carries ids."""
    text, target = found["text"], found["target"] or ""
    ids = extract_ids(target) or extract_ids(text)
    if found["bang"]:  # an image is no name for a paper, but its URL may still carry an id
        return _id_only(index, line, found.start("target"), target.strip(), ids) if ids else None
    if text.startswith("^") or text.strip() in ("", "x", "X"):
        return None
    is_url = bool(_URL.fullmatch(text.strip()))
    if not ids and (not in_table or is_url or _TEMPLATE_TAG.search(text)):
        return None
    title, alias = ("", None) if is_url else clean_title(_TEMPLATE_TAG.sub("", text))
    if not title and not ids:
        return None
    start = found.start("text")
    return _Draft(
        line=index,
        start=start,
        body_from=found.end(),
        raw=text,
        kind=MentionKind.LINK,
        ids=ids,
        title=title,
        alias=alias,
        year_hint=year,
        body=_rest_of_row(line[found.end() :]),
        cuts_body=False,
        reference=None if found["target"] is not None else text,
    )


def _reference(index: int, found: re.Match[str]) -> _Draft | None:
    """A reference definition `[name]: url` is a link mention when its URL carries ids."""
    ids = extract_ids(found["url"])
    if not ids:
        return None
    title, alias = clean_title(found["label"])
    start = found.start("label")
    return _Draft(
        line=index,
        start=start,
        body_from=found.end(),
        raw=found["label"],
        kind=MentionKind.LINK,
        ids=ids,
        title=title,
        alias=alias,
        body="",
        cuts_body=False,
    )


def _label(text: str) -> str:
    """How Markdown compares link labels: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def _id_only(index: int, line: str, start: int, raw: str, ids: Ids) -> _Draft:
    end = start + len(raw)
    return _Draft(
        line=index,
        start=start,
        body_from=end,
        raw=raw,
        kind=MentionKind.LINK,
        ids=ids,
        title="",
        body=_rest_of_row(line[end:]),
        cuts_body=False,
    )


def _bare_ids(index: int, line: str, taken: list[tuple[int, int]]) -> Iterator[_Draft]:
    """`arXiv:2106.09685` or `10.1038/…` written as plain text, outside any link or URL."""
    for start, raw in written_ids(line):
        if any(begin <= start < end for begin, end in taken):
            continue
        ids = extract_ids(raw)
        if ids:
            taken.append((start, start + len(raw)))
            yield _id_only(index, line, start, raw, ids)


def _table_year(row: str) -> int | None:
    for cell in row.strip("|").split("|"):
        found = _YEAR_CELL.match(cell)
        if found:
            return int(found["year"])
    return None


def _rest_of_row(rest: str) -> str:
    """The rest of a link's line as note text: links reduced to their text, cells joined."""
    rest = _MD_LINK_TEXT.sub(r"\1", _TEMPLATE_TAG.sub("", rest))
    cells = (cell.strip() for cell in rest.split("|"))
    return " | ".join(cell for cell in cells if any(ch.isalnum() for ch in cell))


def _bare_titles(lines: list[str], section: _Section) -> Iterator[_Draft]:
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
        yield _Draft(
            line=index,
            start=start,
            body_from=start + len(raw),
            raw=raw,
            kind=MentionKind.READ,
            inferred=True,
        )


def _finish(
    draft: _Draft, section: _Section, lines: list[str], stops: list[tuple[int, int]], file: str
) -> Mention:
    if draft.title is None:
        title, alias = clean_title(draft.raw)
    else:
        title, alias = draft.title, draft.alias
    body = draft.body if draft.body is not None else _body(draft, lines, stops)
    year_hint = draft.year_hint
    if year_hint is None and draft.kind is not MentionKind.LINK:
        year_hint = _year_hint(_opening_line(body))
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


def _body(draft: _Draft, lines: list[str], stops: list[tuple[int, int]]) -> str:
    """Text from the end of the mention to the next stop (heading, entry, checkbox line)."""
    at = bisect.bisect_left(stops, (draft.line, draft.body_from))
    stop_line, stop_col = stops[at] if at < len(stops) else (len(lines), 0)
    if stop_line == draft.line:
        return lines[draft.line][draft.body_from : stop_col].strip()
    parts = [lines[draft.line][draft.body_from :], *lines[draft.line + 1 : stop_line]]
    return "\n".join(parts).strip()


def _opening_line(body: str) -> str:
    """The note's first line of prose: where a log states the paper's year, if anywhere."""
    for line in body.split("\n", 5)[:5]:
        if any(ch.isalnum() for ch in _URL.sub("", line)):
            return line
    return ""


def _year_hint(text: str) -> int | None:
    """The year a note states for its paper: `2016年`, `2015 ICLR`, `2023.10 UC Berkeley`."""
    found = _YEAR_STATED.search(text)
    if not found:
        return None
    return int(found["lead"] or found["cn"] or found["venue"])


def group(mentions: Iterable[Mention]) -> dict[str, tuple[Mention, ...]]:
    """Mentions gathered under `match.identity`, first-seen order kept."""
    grouped: dict[str, list[Mention]] = {}
    for mention in mentions:
        grouped.setdefault(identity(mention), []).append(mention)
    return {key: tuple(found) for key, found in grouped.items()}
