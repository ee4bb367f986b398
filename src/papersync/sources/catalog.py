"""The local catalog: papers from an arXiv snapshot, a BibTeX library or CSL-JSON, in SQLite.

Offline resolution asks it for candidates; an FTS5 index over normalised titles keeps that fast
on a full arXiv dump. Deleting the file loses nothing but the time to import again.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, fields
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, NamedTuple

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import latex_to_unicode, splitname
from rapidfuzz import process
from rapidfuzz.distance import Indel

from papersync.errors import CatalogError
from papersync.match import STOPWORDS, identity, mention_forms, normalise
from papersync.model import Author, Ids, Mention, Paper, PaperKind
from papersync.sources import Found

FORMATS = ("arxiv-jsonl", "bibtex", "csl-json")
SCHEMA_VERSION = "4"
BATCH = 5000
"""Records written per transaction: big enough to amortise SQLite, small enough for flat memory."""
RETRIEVED = 1000
"""Rows fetched from the index per mention before the cheap re-rank."""
SHORTLIST = 20
"""Candidates handed to `match.decide` per mention after re-ranking by title similarity."""
LINES_PER_TASK = 2000
PARALLEL_FROM_BYTES = 50_000_000
"""Files this big are parsed in worker processes; smaller ones are not worth starting them."""
WORKERS = 2
CACHE_KIB = 262_144
"""SQLite page cache while importing: the title and key indexes of a full dump stay in memory."""
CLOSE_ENOUGH = 0.9
"""A title this similar (characters) found by the cheap queries ends the search."""
QUERY_WORDS = 5
"""The rarest words of a title that the index is asked about, in pairs: any two of them suffice,
so one misspelt or extra word cannot hide the right paper."""


@dataclass(frozen=True)
class Problem:
    """A record that was skipped: where it starts in the file and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts per outcome and each bad record with its line number."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: tuple[Problem, ...] = ()


_SCHEMA = """
PRAGMA page_size = 16384;  -- for new files: records with abstracts pack better, imports write less
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    doi TEXT,
    norm TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    format TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5vocab (titles, row);
CREATE INDEX IF NOT EXISTS papers_norm ON papers (norm);
CREATE INDEX IF NOT EXISTS papers_doi ON papers (doi) WHERE doi IS NOT NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS titles USING fts5 (
    norm, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 0'
);
"""


def _fold(text: str) -> str:
    """The index's form of a title: normalised, without accents (`Schrödinger`, `Schrodinger`)."""
    text = normalise(text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Row(NamedTuple):
    """A paper as stored: `record` is our JSON of a Paper, or the source's own line (`format`)."""

    key: str
    doi: str | None
    norm: str
    format: str
    record: str


def _row(paper: Paper) -> _Row:
    key = paper.key or f"title:{normalise(paper.title)}"
    return _Row(key, paper.ids.doi, _fold(paper.title), "paper", _dumps(paper))


def _words(folded: str) -> list[str]:
    return re.findall(r"[^\W_]+", folded)


class Catalog:
    """A `Source` over a SQLite file; open it once per run and close it (or use `with`)."""

    name = "catalog"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path)
            self._db.executescript(_SCHEMA)
            found = self._db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if found is None:
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                self._db.commit()
            elif found[0] != SCHEMA_VERSION:
                raise CatalogError(
                    f"{self.path}: catalog schema {found[0]}, expected {SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: not a readable catalog ({exc})") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM papers")[0][0])

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: catalog unreadable ({exc})") from exc

    # -- writing ---------------------------------------------------------------------------

    def import_file(self, path: Path | str, fmt: str) -> ImportReport:
        """Stream records from `path` into the catalog; re-importing updates, never duplicates."""
        readers: dict[str, Callable[[Path], Iterator[tuple[int, _Row | str]]]] = {
            "arxiv-jsonl": read_arxiv_jsonl,
            "bibtex": read_bibtex,
            "csl-json": read_csl_json,
        }
        if fmt not in readers:
            raise ValueError(f"unknown catalog format {fmt!r}; known: {', '.join(FORMATS)}")
        if len(self):
            return self._write(readers[fmt](Path(path)))
        # Into an empty catalog, the lookup indexes are built once at the end: sorting a
        # million titles once is far cheaper than inserting them into an index one by one.
        try:
            self._db.executescript(
                "DROP INDEX IF EXISTS papers_norm; DROP INDEX IF EXISTS papers_doi;"
            )
            return self._write(readers[fmt](Path(path)))
        finally:
            try:
                self._db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise CatalogError(f"{self.path}: cannot index the catalog ({exc})") from exc

    def upsert(self, papers: Iterable[Paper]) -> ImportReport:
        """Keep papers found online, so later offline runs and exports find them by id or title."""
        return self._write((0, _row(paper)) for paper in papers)

    def _write(self, records: Iterable[tuple[int, _Row | str]]) -> ImportReport:
        counts = {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        problems: list[Problem] = []
        try:
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("PRAGMA journal_mode = MEMORY")
            self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            for chunk in _chunks(records, BATCH):
                batch: dict[str, _Row] = {}
                for line, item in chunk:
                    if isinstance(item, str):
                        counts["skipped"] += 1
                        problems.append(Problem(line, item))
                        continue
                    if item.key in batch:
                        counts["updated"] += 1
                    batch[item.key] = item
                for outcome, n in self._store(batch).items():
                    counts[outcome] += n
            with self._db:
                # Word counts steer the index queries; recounting from the index in one pass
                # costs under a second for a full dump, less than keeping them row by row.
                self._db.execute("DELETE FROM terms")
                self._db.execute("INSERT INTO terms SELECT term, doc FROM words")
        except sqlite3.DatabaseError as exc:
            self._db.rollback()
            raise CatalogError(f"{self.path}: cannot write the catalog ({exc})") from exc
        finally:
            self._db.execute("PRAGMA synchronous = FULL")
        return ImportReport(problems=tuple(problems), **counts)

    def _store(self, batch: Mapping[str, _Row]) -> dict[str, int]:
        db = self._db
        keys = list(batch)
        marks = ",".join("?" * len(keys))
        known = {
            key: (rowid, norm, record)
            for rowid, key, norm, record in db.execute(
                "SELECT p.id, p.key, p.norm, r.record FROM papers p JOIN records r ON r.id = p.id"
                f" WHERE p.key IN ({marks})",
                keys,
            )
        }
        fresh: list[_Row] = []
        changed: list[tuple[str | None, str, str, str, int]] = []
        retitled: list[tuple[int, str, str]] = []
        unchanged = 0
        for key, row in batch.items():
            if key not in known:
                fresh.append(row)
                continue
            rowid, old_norm, old_record = known[key]
            if old_record == row.record:
                unchanged += 1
                continue
            changed.append((row.doi, row.norm, row.format, row.record, rowid))
            if old_norm != row.norm:
                retitled.append((rowid, old_norm, row.norm))
        with db:
            last = db.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]
            db.executemany(
                "INSERT INTO papers (id, key, doi, norm) VALUES (?, ?, ?, ?)",
                [(last + n, row.key, row.doi, row.norm) for n, row in enumerate(fresh, 1)],
            )
            db.executemany(
                "INSERT INTO records (id, format, record) VALUES (?, ?, ?)",
                [(last + n, row.format, row.record) for n, row in enumerate(fresh, 1)],
            )
            db.executemany(
                "INSERT INTO titles (rowid, norm) VALUES (?, ?)",
                [(last + n, row.norm) for n, row in enumerate(fresh, 1)],
            )
            db.executemany(
                "UPDATE papers SET doi = ?, norm = ? WHERE id = ?",
                [(d, n, i) for d, n, _, _, i in changed],
            )
            db.executemany(
                "UPDATE records SET format = ?, record = ? WHERE id = ?",
                [(f, r, i) for _, _, f, r, i in changed],
            )
            db.executemany(
                "INSERT INTO titles (titles, rowid, norm) VALUES ('delete', ?, ?)",
                [(rowid, old) for rowid, old, _ in retitled],
            )
            db.executemany(
                "INSERT INTO titles (rowid, norm) VALUES (?, ?)",
                [(rowid, new) for rowid, _, new in retitled],
            )
        return {"imported": len(fresh), "updated": len(changed), "unchanged": unchanged}

    # -- reading ---------------------------------------------------------------------------

    def get(self, ids: Ids) -> Paper | None:
        """The stored paper with this arXiv id or DOI, if any."""
        if ids.arxiv:
            rows = self._query(
                "SELECT r.format, r.record FROM papers p JOIN records r ON r.id = p.id"
                " WHERE p.key = ?",
                (f"arxiv:{ids.arxiv}",),
            )
            if rows:
                return _loads(*rows[0])
        if ids.doi:
            rows = self._query(
                "SELECT r.format, r.record FROM papers p JOIN records r ON r.id = p.id"
                " WHERE p.key = ? OR p.doi = ? ORDER BY p.key LIMIT 1",
                (f"doi:{ids.doi.lower()}", ids.doi.lower()),
            )
            if rows:
                return _loads(*rows[0])
        return None

    def lookup(self, ids: Sequence[Ids]) -> Mapping[Ids, Paper]:
        found = {}
        for wanted in ids:
            paper = self.get(wanted)
            if paper is not None:
                found[wanted] = paper
        return found

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        found: dict[str, tuple[Paper, ...]] = {}
        for mention in mentions:
            papers = self.search(mention)
            if papers:
                found[identity(mention)] = papers
        return Found(candidates=found)

    def search(self, mention: Mention) -> tuple[Paper, ...]:
        """Up to `SHORTLIST` papers whose titles resemble the mention's, closest first.

        Cheap questions first: the exact normalised title, then titles holding all its words;
        only when neither gives a close title is the index asked for any two rare words.
        """
        by_id = self.get(mention.ids) if mention.ids else None
        forms = [_fold(form.text) for form in mention_forms(mention)]
        forms = [form for form in dict.fromkeys(forms) if form]
        rows: dict[int, str] = {}
        for form in forms:
            rows.update(self._query("SELECT id, norm FROM papers WHERE norm = ?", (form,)))
        strict, loose = self._match_queries(forms)
        rows.update(self._titles_matching(strict))
        best = _closest(forms, rows)
        if not best or max(best.values()) < CLOSE_ENOUGH:
            rows.update(self._titles_matching(loose))
            best = _closest(forms, rows)
        chosen = sorted(best, key=lambda r: -best[r])[:SHORTLIST]
        papers = [by_id] if by_id else []
        if chosen:
            marks = ",".join("?" * len(chosen))
            records = {
                rowid: (fmt, record)
                for rowid, fmt, record in self._query(
                    f"SELECT id, format, record FROM records WHERE id IN ({marks})", chosen
                )
            }
            papers += [_loads(*records[rowid]) for rowid in chosen]
        return tuple(papers)

    def _titles_matching(self, query: str) -> list[tuple[int, str]]:
        if not query:
            return []
        return self._query(
            "SELECT p.id, p.norm FROM titles JOIN papers p ON p.id = titles.rowid"
            " WHERE titles MATCH ? LIMIT ?",
            (query, RETRIEVED),
        )

    def _match_queries(self, forms: Sequence[str]) -> tuple[str, str]:
        """Two FTS5 queries: titles with every word of a form, and titles with two rare words.

        Function words are left out (they are in every other title); each word is quoted, so
        none can act as an FTS operator.
        """
        per_form = [
            [w for w in _words(form) if w not in STOPWORDS] or _words(form) for form in forms
        ]
        words = list(dict.fromkeys(w for found in per_form for w in found))
        if not words:
            return "", ""
        marks = ",".join("?" * len(words))
        counts = dict(self._query(f"SELECT term, docs FROM terms WHERE term IN ({marks})", words))
        strict = [
            "(" + " AND ".join(map(_quoted, found)) + ")"
            for found in per_form
            if all(counts.get(w) for w in found)
        ]
        rare = sorted((w for w in words if counts.get(w)), key=lambda w: counts[w])[:QUERY_WORDS]
        pairs = [f"({_quoted(a)} AND {_quoted(b)})" for a, b in itertools.combinations(rare, 2)]
        return " OR ".join(strict), " OR ".join(pairs) or "".join(map(_quoted, rare))


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _closest(forms: Sequence[str], rows: Mapping[int, str]) -> dict[int, float]:
    """Each row's best character similarity to any form, for the `SHORTLIST` closest rows."""
    best: dict[int, float] = {}
    for form in forms:
        for _, value, rowid in process.extract(
            form, rows, scorer=Indel.normalized_similarity, limit=SHORTLIST
        ):
            best[rowid] = max(value, best.get(rowid, 0.0))
    return best


def _chunks(
    items: Iterable[tuple[int, _Row | str]], size: int
) -> Iterator[list[tuple[int, _Row | str]]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# -- storing a Paper ------------------------------------------------------------------------

_PLAIN: tuple[str, ...] = ("title", "source", "year", "date", "venue", "abstract", "url")
_PLAIN += ("primary_class", "publisher", "volume", "issue", "pages")


def _dumps(paper: Paper) -> str:
    record: dict[str, Any] = {name: getattr(paper, name) for name in _PLAIN}
    record = {k: v for k, v in record.items() if v is not None}
    record["ids"] = {
        f.name: getattr(paper.ids, f.name) for f in fields(Ids) if getattr(paper.ids, f.name)
    }
    record["kind"] = paper.kind.value
    record["authors"] = [[a.family, a.given, a.literal] for a in paper.authors]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _loads(fmt: str, text: str) -> Paper:
    """A stored row back as a Paper; arXiv lines are read only now, when someone asks for them."""
    if fmt == "arxiv":
        paper = parse_arxiv_record(json.loads(text))
        if isinstance(paper, str):
            raise CatalogError(f"stored arXiv record unreadable: {paper}")
        return paper
    record = json.loads(text)
    return Paper(
        ids=Ids(**record.pop("ids")),
        kind=PaperKind(record.pop("kind")),
        authors=tuple(Author(f, g, lit) for f, g, lit in record.pop("authors")),
        **record,
    )


# -- readers: one per format, each yielding (line, Paper or why the record was skipped) -------

_SPACE = re.compile(r"\s+")
_ARXIV_VERSION = re.compile(r"v\d+$")
_ARXIV_ID = re.compile(r"(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)([a-z-]+(?:\.[a-z]{2})?/\d{7}|\d{4}\.\d{4,5})",
    re.IGNORECASE,
)


def _clean(value: Any) -> str | None:
    """A field's text with runs of whitespace collapsed; None when absent or blank."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _row_or_problem(paper: Paper | str) -> _Row | str:
    return paper if isinstance(paper, str) else _row(paper)


def read_arxiv_jsonl(path: Path) -> Iterator[tuple[int, _Row | str]]:
    """Rows from the snapshot's lines, in file order; a big file is parsed by worker processes
    while this one writes, so the two cores of a laptop share the import."""
    for batch in _arxiv_batches(path):
        for number, item in batch:
            yield number, item if isinstance(item, str) else _Row._make(item)


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
    with path.open(encoding="utf-8", errors="replace") as text:
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
        arxiv, title = _clean(record.get("id")), _clean(record.get("title"))
        if not arxiv or not title:
            rows.append((number, f"{arxiv or 'record'}: no {'title' if arxiv else 'id'}"))
            continue
        doi = _clean(record.get("doi"))
        key = f"arxiv:{_ARXIV_VERSION.sub('', arxiv)}"
        doi = doi.split()[0].lower() if doi else None
        rows.append((number, (key, doi, _fold(title), "arxiv", line.strip())))
    return rows


_ID_MONTH = re.compile(r"^(?:[a-z.-]+/)?(?P<yy>\d{2})(?P<mm>\d{2})(?:\.\d{4,5}|\d{3})$", re.I)


def parse_arxiv_record(record: Mapping[str, Any]) -> Paper | str:
    """One arXiv-snapshot record as a Paper, or why it cannot be one."""
    arxiv = _clean(record.get("id"))
    title = _clean(record.get("title"))
    if not arxiv:
        return "no id"
    if not title:
        return f"{arxiv}: no title"
    arxiv = _ARXIV_VERSION.sub("", arxiv)
    doi = _clean(record.get("doi"))
    date = _first_version_date(record.get("versions")) or submission_month(arxiv)
    categories = _clean(record.get("categories"))
    return Paper(
        ids=Ids(arxiv=arxiv, doi=doi.split()[0].lower() if doi else None),
        title=title,
        source="catalog",
        authors=_arxiv_authors(record),
        year=int(date[:4]) if date else None,
        date=date,
        venue=_clean(record.get("journal-ref")),
        kind=PaperKind.PREPRINT,
        abstract=_clean(record.get("abstract")),
        url=f"https://arxiv.org/abs/{arxiv}",
        primary_class=categories.split()[0] if categories else None,
    )


def submission_month(arxiv: str) -> str | None:
    """The month an arXiv id was issued, which the id itself encodes (`1706.03762` → `2017-06`,
    `hep-th/9901001` → `1999-01`): a fact even when a record carries no dates."""
    found = _ID_MONTH.match(arxiv)
    if found is None:
        return None
    yy, mm = int(found.group("yy")), int(found.group("mm"))
    if not 1 <= mm <= 12:
        return None
    return f"{1900 + yy if yy >= 91 else 2000 + yy}-{mm:02d}"


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
            if isinstance(name, list) and name and _clean(name[0]):
                given = " ".join(p for p in (_clean(x) for x in name[1:]) if p)
                authors.append(Author(family=_clean(name[0]) or "", given=given))
        return tuple(authors)
    text = _clean(record.get("authors"))
    if not text:
        return ()
    names = re.split(r",\s*|\s+and\s+", text)
    return tuple(_split_plain_name(n) for n in names if n.strip())


def _split_plain_name(name: str) -> Author:
    """`Ada Lovelace` → family `Lovelace`, given `Ada` (the snapshot's `authors` string form)."""
    given, _, family = name.strip().rpartition(" ")
    return Author(family=family, given=given)


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


def read_bibtex(path: Path) -> Iterator[tuple[int, _Row | str]]:
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
            yield line, _row_or_problem(parse_bibtex_entry(entry))


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
    arxiv = _bibtex_arxiv(entry)
    if arxiv:
        arxiv = _ARXIV_VERSION.sub("", arxiv)
    doi = _clean(entry.get("doi"))
    if doi:
        doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", doi, flags=re.IGNORECASE).lower()
    year = _clean(entry.get("year"))
    kind = _BIBTEX_KINDS.get(entry.get("ENTRYTYPE", "").lower(), PaperKind.PREPRINT)
    if entry.get("ENTRYTYPE", "").lower() in ("misc", "unpublished", "online", "electronic"):
        kind = PaperKind.PREPRINT
    return Paper(
        ids=Ids(arxiv=arxiv, doi=doi),
        title=title,
        source="catalog",
        authors=_bibtex_authors(entry.get("author", "")),
        year=int(year) if year and year.isdigit() else None,
        date=_clean(entry.get("date")) or (year if year and year.isdigit() else None),
        venue=_unbrace(
            entry.get("journal") or entry.get("booktitle") or entry.get("journaltitle") or ""
        )
        or None,
        kind=kind,
        abstract=_clean(entry.get("abstract")),
        url=_clean(entry.get("url")),
        primary_class=_clean(entry.get("primaryclass")),
        publisher=_clean(entry.get("publisher")),
        volume=_clean(entry.get("volume")),
        issue=_clean(entry.get("number")),
        pages=_clean(entry.get("pages")),
    )


def _bibtex_arxiv(entry: Mapping[str, str]) -> str | None:
    """The arXiv id as Better BibTeX (`eprint` + `archiveprefix`), biblatex or a URL gives it."""
    prefix = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().lower()
    eprint = re.sub(r"^arxiv:\s*", "", entry.get("eprint", "").strip(), flags=re.IGNORECASE)
    if prefix == "arxiv" and _ARXIV_ID.fullmatch(eprint):
        return eprint
    bare = (entry.get("arxiv") or entry.get("arxivid") or "").strip()
    if _ARXIV_ID.fullmatch(bare):
        return bare
    for field in ("url", "journal", "note", "howpublished"):
        found = _ARXIV_IN_TEXT.search(entry.get(field, ""))
        if found:
            return found.group(1)
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


_CSL_KINDS = {
    "article-journal": PaperKind.ARTICLE,
    "paper-conference": PaperKind.CONFERENCE,
    "book": PaperKind.BOOK,
    "chapter": PaperKind.BOOK,
    "report": PaperKind.REPORT,
    "article": PaperKind.PREPRINT,
    "manuscript": PaperKind.PREPRINT,
}


def read_csl_json(path: Path) -> Iterator[tuple[int, _Row | str]]:
    """Items of a CSL-JSON array one by one, so one bad item is reported with its line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position : position + 1] != "[":
        yield 1, "not a CSL-JSON array"
        return
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
            _row_or_problem(parse_csl_item(item)) if isinstance(item, dict) else "not an object",
        )
        position = _skip(text, position)
        if text[position : position + 1] == ",":
            position = _skip(text, position + 1)


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def parse_csl_item(item: Mapping[str, Any]) -> Paper | str:
    """One CSL-JSON item as a Paper, or why it cannot be one."""
    title = _clean(item.get("title"))
    if not title:
        return f"{item.get('id', '?')}: no title"
    arxiv = None
    for field in ("URL", "number", "note", "archive_location"):
        value = item.get(field)
        found = _ARXIV_IN_TEXT.search(value) if isinstance(value, str) else None
        if found:
            arxiv = _ARXIV_VERSION.sub("", found.group(1))
            break
    doi = _clean(item.get("DOI"))
    parts = (
        (item.get("issued") or {}).get("date-parts")
        if isinstance(item.get("issued"), dict)
        else None
    )
    date_parts = [int(p) for p in parts[0] if str(p).isdigit()] if parts and parts[0] else []
    date = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date_parts[:3])) or None
    authors = []
    for person in item.get("author") or ():
        if not isinstance(person, dict):
            continue
        if person.get("literal"):
            authors.append(Author(family=str(person["literal"]), literal=True))
        elif person.get("family"):
            authors.append(Author(family=str(person["family"]), given=str(person.get("given", ""))))
    return Paper(
        ids=Ids(arxiv=arxiv, doi=doi.lower() if doi else None),
        title=title,
        source="catalog",
        authors=tuple(authors),
        year=date_parts[0] if date_parts else None,
        date=date,
        venue=_clean(item.get("container-title")),
        kind=_CSL_KINDS.get(str(item.get("type")), PaperKind.PREPRINT),
        abstract=_clean(item.get("abstract")),
        url=_clean(item.get("URL")),
        publisher=_clean(item.get("publisher")),
        volume=_clean(item.get("volume")),
        issue=_clean(item.get("issue")),
        pages=_clean(item.get("page")),
    )
