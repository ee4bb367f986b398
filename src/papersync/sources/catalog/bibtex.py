"""Reader for BibTeX libraries: a person's own `.bib`, Better BibTeX exports, DBLP `.bib.gz` dumps.

Regular entries (every value braced or a number, as DBLP and Better BibTeX write them) are read
by a small scanner; anything else (`@string` macros, quoted values, `#` joins, broken entries)
goes to bibtexparser, whose pyparsing grammar is thirty times slower but knows every corner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname

from papersync import ids
from papersync.errors import CatalogError
from papersync.model import Author, Ids, Paper, PaperKind
from papersync.sources.catalog.latex import to_unicode
from papersync.sources.catalog.records import Read, clean, open_text, row_or_problem

_AND = re.compile(r"\s+and\s+")
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
_HEAD = re.compile(r"\s*@\s*(\w+)\s*\{\s*([^\s,{}()=\"#%]+)\s*,")
_FIELD = re.compile(
    r"\s*(?P<name>[A-Za-z][\w-]*)\s*=\s*"
    r"(?:\{(?P<braced>[^{}]*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}[^{}]*)*)\}|(?P<number>\d+))"
    r"\s*(?:,|(?=\}))"
)
"""A field whose value is a number or braced (braces nested up to three deep, as titles do)."""
_LINE_AT = re.compile(r"^[ \t]*@[ \t]*\w+[ \t]*[{(]", re.MULTILINE)
_END = re.compile(r"\s*\}\s*")
_DBLP_URL = re.compile(r"dblp\.org/rec/(\S+?)(?:\.bib)?$")
_NOT_ENTRIES = frozenset({"string", "preamble", "comment"})
_USED = frozenset(
    [
        "title",
        "journal",
        "booktitle",
        "journaltitle",
        "date",
        "year",
        "doi",
        "url",
        "number",
        "abstract",
        "primaryclass",
        "publisher",
        "volume",
        "pages",
        "eprint",
        "archiveprefix",
        "eprinttype",
        "arxiv",
        "arxivid",
        "note",
        "howpublished",
        "biburl",
    ]
)
"""Fields read into a Paper; the others (timestamps, editors) are not worth decoding."""


def read_bibtex(path: Path) -> Read:
    """Entries one at a time, each parsed apart so a broken one is reported and skipped.

    One parser serves the whole file so `@string` macros defined early resolve later.
    """
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    parser.expect_multiple_parse = True
    seen = 0
    any_entry = prose = False
    for line, chunk in _bibtex_chunks(path):
        if not _ENTRY_START.match(chunk):
            prose = prose or _has_text(chunk)
            continue
        any_entry = True
        regular = scan_entry(chunk)
        if regular is not None:
            yield line, row_or_problem(parse_bibtex_entry(regular))
            continue
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
    if prose and not any_entry:
        raise CatalogError(f"{path}: not BibTeX (no @entry in it, only other text)")


def _has_text(chunk: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("%") for line in chunk.splitlines())


def scan_entry(chunk: str) -> dict[str, str] | None:
    """A regular entry as bibtexparser would give it (`ID`, `ENTRYTYPE`, lower-case fields with
    their outer braces removed), or None for anything the full parser must judge."""
    head = _HEAD.match(chunk)
    if head is None or head[1].lower() in _NOT_ENTRIES:
        return None
    entry = {"ENTRYTYPE": head[1].lower(), "ID": head[2]}
    position = head.end()
    while field := _FIELD.match(chunk, position):
        name = field["name"].lower()
        if name in entry:
            return None
        entry[name] = field["braced"] if field["braced"] is not None else field["number"]
        position = field.end()
    closing = _END.match(chunk, position)
    return entry if closing and closing.end() == len(chunk) else None


def _bibtex_chunks(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each piece of the file that starts at a line opening with `@`."""
    with open_text(path) as file:
        text = file.read()
    starts = [found.start() for found in _LINE_AT.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    line = 1
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[begin:end]
        yield line, chunk
        line += chunk.count("\n")


def _unbrace(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").split())


def parse_bibtex_entry(raw: Mapping[str, str]) -> Paper | str:
    """One parsed BibTeX entry as a Paper, or why it cannot be one."""
    entry = {k: to_unicode(v) for k, v in raw.items() if k in _USED}
    entry.update(ID=raw.get("ID", ""), ENTRYTYPE=raw.get("ENTRYTYPE", ""))
    title = _unbrace(entry.get("title", ""))
    if not title:
        return f"{entry.get('ID', '?')}: no title"
    doi = clean(entry.get("doi"))
    year = clean(entry.get("year"))
    kind = _BIBTEX_KINDS.get(entry.get("ENTRYTYPE", "").lower(), PaperKind.PREPRINT)
    dblp = _dblp(entry)
    return Paper(
        ids=Ids(
            arxiv=_bibtex_arxiv(entry),
            doi=ids.normalise_doi(doi) if doi else None,
            dblp=dblp,
            record=None if dblp or not entry["ID"] else f"bib:{entry['ID']}",
        ),
        title=title,
        source="catalog",
        authors=_bibtex_authors(raw.get("author", "")),
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


def _dblp(entry: Mapping[str, str]) -> str | None:
    """The DBLP key, from a `DBLP:`-prefixed entry key or DBLP's `biburl`."""
    found = _DBLP_URL.search(entry.get("biburl", ""))
    return ids.dblp_key(entry["ID"]) or (ids.dblp_key(found[1]) if found else None)


def _bibtex_arxiv(entry: Mapping[str, str]) -> str | None:
    """The arXiv id as Better BibTeX (`eprint` + `archiveprefix`), biblatex or a URL gives it."""
    prefix = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().lower()
    eprint = ids.bare_arxiv(entry.get("eprint", "")) if prefix == "arxiv" else ""
    if ids.is_arxiv_id(eprint):
        return eprint
    stated = entry.get("arxiv") or entry.get("arxivid")
    bare = ids.bare_arxiv(stated) if stated else ""
    if ids.is_arxiv_id(bare):
        return bare
    for field in ("url", "journal", "note", "howpublished"):
        found = ids.find_arxiv(entry[field]) if field in entry else None
        if found:
            return ids.bare_arxiv(found)
    return None


def _bibtex_authors(text: str) -> tuple[Author, ...]:
    names = _AND.split(" ".join(text.split()))
    return tuple(_bibtex_author(name) for name in names if name)


@lru_cache(maxsize=65536)
def _bibtex_author(name: str) -> Author:
    """One name as BibTeX splits it; remembered, since a dump names each author many times."""
    words = name.split()
    if all(word[:1].isupper() and word.isalpha() for word in words) and "," not in name:
        return Author(family=words[-1], given=" ".join(words[:-1]))  # splitname's answer, faster
    if name.startswith("{") and name.endswith("}"):
        return Author(family=_unbrace(to_unicode(name)), literal=True)
    try:
        parts = splitname(name, strict_mode=False)
    except Exception:  # splitname raises InvalidName and others on odd input
        return Author(family=_unbrace(name), literal=True)
    family = " ".join(parts.get("von", []) + parts.get("last", []))
    given = " ".join(parts.get("first", []) + parts.get("jr", []))
    return Author(family=_unbrace(to_unicode(family)), given=_unbrace(to_unicode(given)))
