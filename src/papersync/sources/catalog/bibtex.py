"""Reader for BibTeX libraries: a person's own `.bib`, Better BibTeX exports, DBLP dumps."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import latex_to_unicode, splitname

from papersync import ids
from papersync.model import Author, Ids, Paper, PaperKind
from papersync.sources.catalog.records import Read, clean, row_or_problem

_SPACE = re.compile(r"\s+")
_BIBTEX_KINDS = {
    "article": PaperKind.ARTICLE,
    "inproceedings": PaperKind.CONFERENCE,
    "conference": PaperKind.CONFERENCE,
    "proceedings": PaperKind.CONFERENCE,
    "book": PaperKind.BOOK,
    "incollection": PaperKind.BOOK,
    "inbook": PaperKind.BOOK,
    "techreport": PaperKind.REPORT,
    "report": PaperKind.REPORT,
}
_ENTRY_START = re.compile(r"^\s*@\s*(\w+)\s*[{(]")


def read_bibtex(path: Path) -> Read:
    """Entries one at a time, each parsed apart so a broken one is reported and skipped.

    One parser serves the whole file so `@string` macros defined early resolve later.
    """
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    parser.expect_multiple_parse = True
    seen = 0
    for line, chunk in _bibtex_chunks(path):
        try:
            database = bibtexparser.loads(chunk, parser)
        except Exception as exc:  # bibtexparser raises bare pyparsing and Value errors
            yield line, f"unreadable BibTeX entry: {exc}"
            continue
        entries = database.entries[seen:]
        seen = len(database.entries)
        kind = _ENTRY_START.match(chunk)
        if not entries and kind and kind.group(1).lower() not in ("string", "preamble", "comment"):
            yield line, "unreadable BibTeX entry"
        for entry in entries:
            yield line, row_or_problem(parse_bibtex_entry(entry))


def _bibtex_chunks(path: Path) -> Iterator[tuple[int, str]]:
    start, lines = 0, list[str]()
    with path.open(encoding="utf-8", errors="replace") as text:
        for number, line in enumerate(text, 1):
            if _ENTRY_START.match(line) and lines:
                yield start, "".join(lines)
                lines = []
            if not lines:
                start = number
            lines.append(line)
    if lines:
        yield start, "".join(lines)


def _unbrace(text: str) -> str:
    return _SPACE.sub(" ", text.replace("{", "").replace("}", "")).strip()


def parse_bibtex_entry(raw: Mapping[str, str]) -> Paper | str:
    """One parsed BibTeX entry as a Paper, or why it cannot be one."""
    entry = {
        k: v if k in ("ID", "ENTRYTYPE", "author") else latex_to_unicode(v) for k, v in raw.items()
    }
    title = _unbrace(entry.get("title", ""))
    if not title:
        return f"{entry.get('ID', '?')}: no title"
    doi = clean(entry.get("doi"))
    year = clean(entry.get("year"))
    kind = _BIBTEX_KINDS.get(entry.get("ENTRYTYPE", "").lower(), PaperKind.PREPRINT)
    return Paper(
        ids=Ids(arxiv=_bibtex_arxiv(entry), doi=ids.normalise_doi(doi) if doi else None),
        title=title,
        source="catalog",
        authors=_bibtex_authors(entry.get("author", "")),
        year=int(year) if year and year.isdigit() else None,
        date=clean(entry.get("date")) or (year if year and year.isdigit() else None),
        venue=_unbrace(
            entry.get("journal") or entry.get("booktitle") or entry.get("journaltitle") or ""
        )
        or None,
        kind=kind,
        abstract=clean(entry.get("abstract")),
        url=clean(entry.get("url")),
        primary_class=clean(entry.get("primaryclass")),
        publisher=clean(entry.get("publisher")),
        volume=clean(entry.get("volume")),
        issue=clean(entry.get("number")),
        pages=clean(entry.get("pages")),
    )


def _bibtex_arxiv(entry: Mapping[str, str]) -> str | None:
    """The arXiv id as Better BibTeX (`eprint` + `archiveprefix`), biblatex or a URL gives it."""
    prefix = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().lower()
    eprint = ids.bare_arxiv(entry.get("eprint", ""))
    if prefix == "arxiv" and ids.is_arxiv_id(eprint):
        return eprint
    bare = ids.bare_arxiv(entry.get("arxiv") or entry.get("arxivid") or "")
    if ids.is_arxiv_id(bare):
        return bare
    for field in ("url", "journal", "note", "howpublished"):
        found = ids.find_arxiv(entry.get(field, ""))
        if found:
            return ids.bare_arxiv(found)
    return None


def _bibtex_authors(text: str) -> tuple[Author, ...]:
    authors = []
    for name in re.split(r"\s+and\s+", _SPACE.sub(" ", text).strip()):
        if not name:
            continue
        if name.startswith("{") and name.endswith("}"):
            authors.append(Author(family=_unbrace(latex_to_unicode(name)), literal=True))
            continue
        try:
            parts = splitname(name, strict_mode=False)
        except Exception:  # splitname raises InvalidName and others on odd input
            authors.append(Author(family=_unbrace(name), literal=True))
            continue
        family = " ".join(parts.get("von", []) + parts.get("last", []))
        given = " ".join(parts.get("first", []) + parts.get("jr", []))
        authors.append(
            Author(
                family=_unbrace(latex_to_unicode(family)), given=_unbrace(latex_to_unicode(given))
            )
        )
    return tuple(authors)
