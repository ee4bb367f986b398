"""Link mentions: Markdown links, reference definitions, bare URLs and written ids that
identify a paper, and the `[name]` cells of a reading-list table."""

from __future__ import annotations

import re
from collections.abc import Iterator

from papersync.ids import extract_ids, written_ids
from papersync.model import Ids, MentionKind
from papersync.parse.bodies import TEMPLATE_TAG, URL, rest_of_row
from papersync.parse.draft import Draft
from papersync.parse.titles import clean_title

REFERENCE = re.compile(r"^ {0,3}\[(?P<label>[^\[\]^][^\[\]]*)\]:[ \t]*<?(?P<url>[^\s>]+)")
_LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\[\]]*)\](?:\((?P<target>[^()]*)\))?")
_URL_TAIL = re.compile(r"[.,;:!?'\"*_]+$")
_TABLE_SEPARATOR = re.compile(r"^\|?[\s:|-]+$")
_YEAR_CELL = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\s*$")


def links(index: int, line: str) -> Iterator[Draft]:
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
    for found in URL.finditer(line):
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
) -> Draft | None:
    """A `[name](url)` or table `[name]`: a link mention when it names a paper or carries ids."""
    text, target = found["text"], found["target"] or ""
    ids = extract_ids(target) or extract_ids(text)
    if found["bang"]:  # an image is no name for a paper, but its URL may still carry an id
        return _id_only(index, line, found.start("target"), target.strip(), ids) if ids else None
    if text.startswith("^") or text.strip() in ("", "x", "X"):
        return None
    is_url = bool(URL.fullmatch(text.strip()))
    if not ids and (not in_table or is_url or TEMPLATE_TAG.search(text)):
        return None
    title, alias = ("", None) if is_url else clean_title(TEMPLATE_TAG.sub("", text))
    if not title and not ids:
        return None
    start = found.start("text")
    return Draft(
        line=index, start=start, body_from=found.end(), raw=text, kind=MentionKind.LINK,
        ids=ids, title=title, alias=alias, year_hint=year, body=rest_of_row(line[found.end():]),
        cuts_body=False, reference=None if found["target"] is not None else text,
    )


def reference(index: int, found: re.Match[str]) -> Draft | None:
    """A reference definition `[name]: url` is a link mention when its URL carries ids."""
    ids = extract_ids(found["url"])
    if not ids:
        return None
    title, alias = clean_title(found["label"])
    start = found.start("label")
    return Draft(
        line=index, start=start, body_from=found.end(), raw=found["label"],
        kind=MentionKind.LINK, ids=ids, title=title, alias=alias, body="", cuts_body=False,
    )


def label(text: str) -> str:
    """How Markdown compares link labels: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def _id_only(index: int, line: str, start: int, raw: str, ids: Ids) -> Draft:
    end = start + len(raw)
    return Draft(
        line=index, start=start, body_from=end, raw=raw, kind=MentionKind.LINK, ids=ids,
        title="", body=rest_of_row(line[end:]), cuts_body=False,
    )


def _bare_ids(index: int, line: str, taken: list[tuple[int, int]]) -> Iterator[Draft]:
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
