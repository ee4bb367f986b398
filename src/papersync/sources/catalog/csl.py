"""Reader for CSL-JSON: the array Zotero, Pandoc and papersync's own `papers.json` write."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from papersync import ids
from papersync.errors import CatalogError
from papersync.model import Author, Ids, Paper, PaperKind
from papersync.sources.catalog.records import Read, clean, row_or_problem

_CSL_KINDS = {
    "article-journal": PaperKind.ARTICLE,
    "paper-conference": PaperKind.CONFERENCE,
    "book": PaperKind.BOOK,
    "chapter": PaperKind.BOOK,
    "report": PaperKind.REPORT,
    "article": PaperKind.PREPRINT,
    "manuscript": PaperKind.PREPRINT,
}


def read_csl_json(path: Path) -> Read:
    """Items of a CSL-JSON array one by one, so one bad item is reported with its line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position : position + 1] != "[":
        raise CatalogError(f"{path}: not CSL-JSON (it does not open with an array)")
    position = _skip(text, position + 1)
    while position < len(text) and text[position] != "]":
        line = text.count("\n", 0, position) + 1
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            yield line, f"not JSON: {exc.msg}; the rest of the file is skipped"
            return
        yield (
            line,
            row_or_problem(parse_csl_item(item)) if isinstance(item, dict) else "not an object",
        )
        position = _skip(text, position)
        if text[position : position + 1] == ",":
            position = _skip(text, position + 1)


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _date_parts(item: Mapping[str, Any]) -> list[int]:
    issued = item.get("issued")
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    return [int(p) for p in parts[0] if str(p).isdigit()] if parts and parts[0] else []


def _csl_authors(item: Mapping[str, Any]) -> tuple[Author, ...]:
    authors = []
    for person in item.get("author") or ():
        if not isinstance(person, dict):
            continue
        if person.get("literal"):
            authors.append(Author(family=str(person["literal"]), literal=True))
        elif person.get("family"):
            authors.append(Author(family=str(person["family"]), given=str(person.get("given", ""))))
    return tuple(authors)


def parse_csl_item(item: Mapping[str, Any]) -> Paper | str:
    """One CSL-JSON item as a Paper, or why it cannot be one."""
    title = clean(item.get("title"))
    if not title:
        return f"{item.get('id', '?')}: no title"
    arxiv = None
    for field in ("URL", "number", "note", "archive_location"):
        value = item.get(field)
        found = ids.find_arxiv(value) if isinstance(value, str) else None
        if found:
            arxiv = ids.bare_arxiv(found)
            break
    doi = clean(item.get("DOI"))
    date_parts = _date_parts(item)
    date = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date_parts[:3])) or None
    return Paper(
        ids=Ids(arxiv=arxiv, doi=doi.lower() if doi else None),
        title=title,
        source="catalog",
        authors=_csl_authors(item),
        year=date_parts[0] if date_parts else None,
        date=date,
        venue=clean(item.get("container-title")),
        kind=_CSL_KINDS.get(str(item.get("type")), PaperKind.PREPRINT),
        abstract=clean(item.get("abstract")),
        url=clean(item.get("URL")),
        publisher=clean(item.get("publisher")),
        volume=clean(item.get("volume")),
        issue=clean(item.get("issue")),
        pages=clean(item.get("page")),
    )
