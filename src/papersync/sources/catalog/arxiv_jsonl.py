"""Reader for the arXiv metadata snapshot (JSON Lines): one paper per line, read lazily.

At import only id, title and DOI are read; the line itself is stored and parsed into a Paper
when someone asks for it, so a full dump imports in minutes.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from papersync import ids
from papersync.errors import CatalogError
from papersync.model import Author, Ids, Paper, PaperKind
from papersync.sources.catalog.records import Read, Row, clean, fold, open_text

LINES_PER_TASK = 2000
PARALLEL_FROM_BYTES = 50_000_000
"""Files this big are parsed in worker processes; smaller ones are not worth starting them."""
WORKERS = 2


def read_arxiv_jsonl(path: Path) -> Read:
    """Rows from the snapshot's lines, in file order; a big file is parsed by worker processes
    while this one writes, so the two cores of a laptop share the import."""
    _check_first_line(path)
    for batch in _arxiv_batches(path):
        for number, item in batch:
            yield number, item if isinstance(item, str) else Row._make(item)


def _check_first_line(path: Path) -> None:
    """A file whose first record is not a JSON object is not a snapshot: one line, not one
    problem per line (a config file given by mistake)."""
    with open_text(path) as text:
        for number, line in enumerate(text, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                raise CatalogError(f"{path}: not arXiv JSON Lines (line {number} is not an object)")
            return


def _arxiv_batches(path: Path) -> Iterator[list[tuple[int, tuple[Any, ...] | str]]]:
    chunks = _line_chunks(path, LINES_PER_TASK)
    if path.stat().st_size < PARALLEL_FROM_BYTES:
        yield from itertools.starmap(_arxiv_rows, chunks)
        return
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[Future[list[tuple[int, tuple[Any, ...] | str]]]] = deque()
        for start, lines in chunks:
            pending.append(pool.submit(_arxiv_rows, start, lines))
            if len(pending) > 2 * WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _line_chunks(path: Path, size: int) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as text:
        start = 1
        while lines := list(itertools.islice(text, size)):
            yield start, lines
            start += len(lines)


def _arxiv_rows(start: int, lines: Sequence[str]) -> list[tuple[int, tuple[Any, ...] | str]]:
    """Only id, title and DOI are read at import time; the line itself is stored as given.

    Rows go back as plain tuples: they cross a process boundary, and plain tuples unpickle
    at twice the speed of named ones.
    """
    rows: list[tuple[int, tuple[Any, ...] | str]] = []
    for number, line in enumerate(lines, start):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, f"not JSON: {exc.msg}"))
            continue
        if not isinstance(record, dict):
            rows.append((number, "not a JSON object"))
            continue
        arxiv, title = clean(record.get("id")), clean(record.get("title"))
        if not arxiv or not title:
            rows.append((number, f"{arxiv or 'record'}: no {'title' if arxiv else 'id'}"))
            continue
        key = f"arxiv:{ids.bare_arxiv(arxiv)}"
        abstract = record.get("abstract")
        text = abstract if isinstance(abstract, str) else ""
        rows.append((number, (key, _doi(record), fold(title), "arxiv", line.strip(), (), text)))
    return rows


def _doi(record: Mapping[str, Any]) -> str | None:
    doi = clean(record.get("doi"))
    return doi.split()[0].lower() if doi else None


def parse_arxiv_record(record: Mapping[str, Any]) -> Paper | str:
    """One arXiv-snapshot record as a Paper, or why it cannot be one."""
    arxiv = clean(record.get("id"))
    title = clean(record.get("title"))
    if not arxiv:
        return "no id"
    if not title:
        return f"{arxiv}: no title"
    arxiv = ids.bare_arxiv(arxiv)
    date = _first_version_date(record.get("versions")) or submission_month(arxiv)
    categories = clean(record.get("categories"))
    return Paper(
        ids=Ids(arxiv=arxiv, doi=_doi(record)),
        title=title,
        source="catalog",
        authors=_arxiv_authors(record),
        year=int(date[:4]) if date else None,
        date=date,
        venue=clean(record.get("journal-ref")),
        kind=PaperKind.PREPRINT,
        abstract=clean(record.get("abstract")),
        url=f"https://arxiv.org/abs/{arxiv}",
        primary_class=categories.split()[0] if categories else None,
    )


def submission_month(arxiv: str) -> str | None:
    """The month an arXiv id was issued, which the id itself encodes (`1706.03762` → `2017-06`,
    `hep-th/9901001` → `1999-01`): a fact even when a record carries no dates."""
    month = ids.arxiv_month(arxiv)
    return f"{month[0]}-{month[1]:02d}" if month else None


def _first_version_date(versions: Any) -> str | None:
    """The submission date of v1 (`Mon, 2 Apr 2007 19:18:42 GMT` → `2007-04-02`)."""
    if not isinstance(versions, list) or not versions or not isinstance(versions[0], dict):
        return None
    created = versions[0].get("created")
    if not isinstance(created, str):
        return None
    try:
        return parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError):
        return None


def _arxiv_authors(record: Mapping[str, Any]) -> tuple[Author, ...]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = []
        for name in parsed:
            if isinstance(name, list) and name and clean(name[0]):
                given = " ".join(p for p in (clean(x) for x in name[1:]) if p)
                authors.append(Author(family=clean(name[0]) or "", given=given))
        return tuple(authors)
    text = clean(record.get("authors"))
    if not text:
        return ()
    names = re.split(r",\s*|\s+and\s+", text)
    return tuple(_split_plain_name(n) for n in names if n.strip())


def _split_plain_name(name: str) -> Author:
    """`Ada Lovelace` → family `Lovelace`, given `Ada` (the snapshot's `authors` string form)."""
    given, _, family = name.strip().rpartition(" ")
    return Author(family=family, given=given)
