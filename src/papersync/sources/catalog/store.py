"""The catalog's SQLite file: its schema, importing records into it, finding them (`search`).

Offline resolution asks it for candidates; an FTS5 index over normalised titles keeps that fast
on a full arXiv dump. Deleting the file loses nothing but the time to import again.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from papersync.errors import CatalogError
from papersync.match import identity
from papersync.model import Ids, Mention, Paper
from papersync.sources import Found, Records
from papersync.sources.catalog.arxiv_jsonl import read_arxiv_jsonl
from papersync.sources.catalog.bibtex import read_bibtex
from papersync.sources.catalog.csl import read_csl_json
from papersync.sources.catalog.records import (
    Problem,
    Read,
    Row,
    open_text,
    row,
)
from papersync.sources.catalog.search import Finder

FORMATS = ("arxiv-jsonl", "bibtex", "csl-json")
SCHEMA_VERSION = "5"
BATCH = 5000
"""Records written per transaction: big enough to amortise SQLite, small enough for flat memory."""
CACHE_KIB = 262_144
"""SQLite page cache while importing: the title and key indexes of a full dump stay in memory."""
READERS: dict[str, Callable[[Path], Read]] = {
    "arxiv-jsonl": read_arxiv_jsonl,
    "bibtex": read_bibtex,
    "csl-json": read_csl_json,
}


def format_of(path: Path) -> str:
    """The catalog format of a file, from its name (`.bib`, `.bib.gz`) or its first character.

    The arXiv snapshot is JSON Lines though Kaggle names it `.json`, so JSON is told apart by
    whether it opens an array (CSL-JSON) or an object per line.
    """
    if path.name.lower().removesuffix(".gz").endswith(".bib"):
        return "bibtex"
    first = _first_character(path)
    by_start = {"[": "csl-json", "{": "arxiv-jsonl", "@": "bibtex", "%": "bibtex"}
    if first in by_start:
        return by_start[first]
    found = f"it starts with {first!r}" if first else "it is empty"
    raise CatalogError(
        f"{path}: not a catalog file ({found}); expected an arXiv snapshot (JSON Lines), "
        "BibTeX (.bib, .bib.gz) or CSL-JSON"
    )


def _first_character(path: Path) -> str:
    try:
        with open_text(path) as text:
            for line in text:
                if line.strip():
                    return line.strip()[0]
    except (OSError, EOFError) as exc:
        raise CatalogError(f"{path}: cannot read ({exc})") from exc
    return ""


@dataclass(frozen=True)
class ImportReport:
    """What an import did: counts per outcome and each bad record with its line number."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: tuple[Problem, ...] = ()
    rebuilt: str | None = None
    """Set when the catalog was found damaged, moved aside and rebuilt: one line saying so."""


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
    norm, content='', detail=none, columnsize=0, prefix='3',
    tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS ids (name TEXT NOT NULL, paper INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ids_name ON ids (name);
CREATE VIRTUAL TABLE IF NOT EXISTS abstracts USING fts5 (
    text, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 2'
);
"""


class _Damaged(CatalogError):
    """SQLite found the file damaged: only moving it aside and rebuilding helps."""


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "malformed" in text or "not a database" in text or "corrupt" in text


class Catalog:
    """A `Source` over a SQLite file; open it once per run and close it (or use `with`)."""

    name = "catalog"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = self._connect()
        self._find = Finder(self._query)

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path)
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                db.commit()
            elif found[0] != SCHEMA_VERSION:
                raise CatalogError(
                    f"{self.path}: catalog schema {found[0]}, expected {SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: not a readable catalog ({exc})") from exc
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __len__(self) -> int:
        try:
            return int(self._db.execute("SELECT count(*) FROM papers").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise _Damaged(str(exc)) from exc
            raise CatalogError(f"{self.path}: catalog unreadable ({exc})") from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: catalog unreadable ({exc})") from exc

    # -- writing ---------------------------------------------------------------------------

    def import_file(self, path: Path | str, fmt: str) -> ImportReport:
        """Stream records from `path` into the catalog; re-importing updates, never duplicates.

        A catalog found damaged while importing (`database disk image is malformed`) is moved
        aside and rebuilt from this file: it is only a cache, and a half-written one is worse.
        """
        if fmt not in READERS:
            known = ", ".join(FORMATS)
            raise CatalogError(f"{path}: unknown catalog format {fmt!r}; known: {known}")
        try:
            return self._import(Path(path), fmt)
        except _Damaged as exc:
            aside = self._move_aside()
            note = f"{self.path}: damaged ({exc}); moved aside to {aside.name} and rebuilt"
            return replace(self._import(Path(path), fmt), rebuilt=note)

    def _import(self, path: Path, fmt: str) -> ImportReport:
        try:
            return self._import_rows(path, fmt)
        except (OSError, EOFError) as exc:  # unreadable, or a .gz that is not gzip
            raise CatalogError(f"{path}: cannot read ({exc})") from exc

    def _import_rows(self, path: Path, fmt: str) -> ImportReport:
        if len(self):
            return self._write(READERS[fmt](path))
        # Into an empty catalog, the lookup indexes are built once at the end: sorting a
        # million titles once is far cheaper than inserting them into an index one by one.
        try:
            self._db.executescript(
                "DROP INDEX IF EXISTS papers_norm; DROP INDEX IF EXISTS papers_doi;"
                " DROP INDEX IF EXISTS ids_name;"
            )
            return self._write(READERS[fmt](path))
        finally:
            try:
                self._db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise CatalogError(f"{self.path}: cannot index the catalog ({exc})") from exc

    def _intact(self) -> bool:
        """SQLite's own check of the file, asked only after a write failed: an index that
        disagrees with its table shows up as a constraint failure, not as "malformed"."""
        try:
            return [tuple(r) for r in self._db.execute("PRAGMA quick_check")] == [("ok",)]
        except sqlite3.DatabaseError:
            return False

    def _move_aside(self) -> Path:
        """Close, rename the damaged file (`…sqlite.corrupt`) and open a new, empty catalog."""
        self._db.close()
        aside = self.path.with_name(self.path.name + ".corrupt")
        self.path.replace(aside)
        self._db = self._connect()
        return aside

    def upsert(self, papers: Iterable[Paper]) -> ImportReport:
        """Keep papers found online, so later offline runs and exports find them by id or title."""
        records = (record for paper in papers for record in paper.versions or (paper,))
        return self._write((0, row(record)) for record in records)

    def _write(self, records: Iterable[tuple[int, Row | str]]) -> ImportReport:
        counts = {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        problems: list[Problem] = []
        try:
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("PRAGMA journal_mode = MEMORY")
            self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            for chunk in _chunks(records, BATCH):
                batch: dict[str, Row] = {}
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
            if _is_damage(exc) or not self._intact():
                raise _Damaged(str(exc)) from exc
            raise CatalogError(f"{self.path}: cannot write the catalog ({exc})") from exc
        finally:
            self._db.execute("PRAGMA synchronous = FULL")
            self._find = Finder(self._query)  # what it remembered of the catalog may be stale
        return ImportReport(
            counts["imported"],
            counts["updated"],
            counts["unchanged"],
            counts["skipped"],
            tuple(problems),
        )

    def _store(self, batch: Mapping[str, Row]) -> dict[str, int]:
        db = self._db
        keys = list(batch)
        marks = ",".join("?" * len(keys))
        known = {
            key: (rowid, norm, fmt, record)
            for rowid, key, norm, fmt, record in db.execute(
                "SELECT p.id, p.key, p.norm, r.format, r.record FROM papers p"
                f" JOIN records r ON r.id = p.id WHERE p.key IN ({marks})",
                keys,
            )
        }
        fresh: list[Row] = []
        changed: list[tuple[int, Row]] = []
        old_text: list[tuple[int, str, str]] = []
        unchanged = 0
        for key, item in batch.items():
            if key not in known:
                fresh.append(item)
                continue
            rowid, old_norm, old_format, old_record = known[key]
            if old_record == item.record:
                unchanged += 1
                continue
            changed.append((rowid, item))
            old_text.append((rowid, old_norm, _abstract_text(old_format, old_record)))
        with db:
            last = db.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]
            numbered = list(enumerate(fresh, last + 1))
            db.executemany(
                "INSERT INTO papers (id, key, doi, norm) VALUES (?, ?, ?, ?)",
                [(n, item.key, item.doi, item.norm) for n, item in numbered],
            )
            db.executemany(
                "INSERT INTO records (id, format, record) VALUES (?, ?, ?)",
                [(n, item.format, item.record) for n, item in numbered],
            )
            self._forget(old_text)
            db.executemany(
                "UPDATE papers SET doi = ?, norm = ? WHERE id = ?",
                [(item.doi, item.norm, n) for n, item in changed],
            )
            db.executemany(
                "UPDATE records SET format = ?, record = ? WHERE id = ?",
                [(item.format, item.record, n) for n, item in changed],
            )
            self._index(numbered + changed)
        return {"imported": len(fresh), "updated": len(changed), "unchanged": unchanged}

    def _forget(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Take changed rows out of the indexes (a contentless index must be told the old text)."""
        db = self._db
        db.executemany(
            "INSERT INTO titles (titles, rowid, norm) VALUES ('delete', ?, ?)",
            [(n, norm) for n, norm, _ in rows],
        )
        db.executemany(
            "INSERT INTO abstracts (abstracts, rowid, text) VALUES ('delete', ?, ?)",
            [(n, text) for n, _, text in rows if text],
        )
        db.executemany("DELETE FROM ids WHERE paper = ?", [(n,) for n, _, _ in rows])

    def _index(self, rows: Sequence[tuple[int, Row]]) -> None:
        db = self._db
        db.executemany(
            "INSERT INTO titles (rowid, norm) VALUES (?, ?)", [(n, row.norm) for n, row in rows]
        )
        db.executemany(
            "INSERT INTO abstracts (rowid, text) VALUES (?, ?)",
            [(n, row.text) for n, row in rows if row.text],
        )
        db.executemany(
            "INSERT INTO ids (name, paper) VALUES (?, ?)",
            [(alias, n) for n, row in rows for alias in row.aliases],
        )

    # -- reading ---------------------------------------------------------------------------

    def get(self, ids: Ids) -> Paper | None:
        """The stored work with any of these ids (its records merged), if any."""
        return self._find.get(ids)

    def lookup(self, ids: Sequence[Ids]) -> Records:
        found = {}
        for wanted in ids:
            paper = self.get(wanted)
            if paper is not None:
                found[wanted] = paper
        return Records(found)

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        found: dict[str, tuple[Paper, ...]] = {}
        for mention in mentions:
            papers = self.search(mention)
            if papers:
                found[identity(mention)] = papers
        return Found(candidates=found)

    def search(self, mention: Mention) -> tuple[Paper, ...]:
        """Up to `SHORTLIST` works whose titles resemble the mention's (or, for a short name,
        that write the name), closest first."""
        return self._find.search(mention)

    def named(self, name: str) -> list[Paper]:
        """Records whose title or abstract holds `name` as a word (`DETR`), title hits first."""
        return self._find.named(name)


def _chunks(
    items: Iterable[tuple[int, Row | str]], size: int
) -> Iterator[list[tuple[int, Row | str]]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _abstract_text(fmt: str, record: str) -> str:
    """A stored row's abstract as the index holds it."""
    abstract = json.loads(record).get("abstract")
    return abstract if isinstance(abstract, str) else ""
