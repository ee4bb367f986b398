"""What a catalog reader yields and the store keeps: a `Row` per record, or why it was skipped.

Shared by every reader: the stored JSON form of a Paper, the index's folded title, and the
cleaning of a field's text.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, NamedTuple

from papersync.match import normalise
from papersync.model import Author, Ids, Paper, PaperKind


@dataclass(frozen=True)
class Problem:
    """A record that was skipped: where it starts in the file and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class Row(NamedTuple):
    """A paper as stored: `record` is our JSON of a Paper, or the source's own line (`format`)."""

    key: str
    doi: str | None
    norm: str
    format: str
    record: str
    aliases: tuple[str, ...] = ()
    """The record's other ids (`dblp:…`, `record:bib:…`), each a way to find it."""
    text: str = ""
    """The abstract, for finding a short name it defines; SQLite's tokenizer folds it."""


Read = Iterator[tuple[int, Row | str]]
"""What a reader yields: (line where the record starts, its row or why it was skipped)."""


def open_text(path: Path) -> IO[str]:
    """A catalog file as text, gunzipped when its name ends in `.gz`; bad bytes replaced."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def fold(text: str) -> str:
    """The index's form of a title: normalised, without accents (`Schrödinger`, `Schrodinger`)."""
    text = normalise(text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean(value: Any) -> str | None:
    """A field's text with runs of whitespace collapsed; None when absent or blank."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def row(paper: Paper) -> Row:
    """A record as stored, under the id that names this record rather than its work: a `.bib`
    entry's key, a DBLP key, else its best id. So a DBLP record that states its arXiv id is a
    row beside the arXiv record (found by that id, linked by `works`), not in its place, and a
    `.bib` entry that gains a DOI later is the same row, updated."""
    named = [f"{prefix}:{value}" for prefix, value in paper.ids.ranked() if value]
    if paper.ids.record:
        key = f"record:{paper.ids.record}"
    elif paper.ids.dblp:
        key = f"dblp:{paper.ids.dblp}"
    else:
        key = named[0] if named else f"title:{normalise(paper.title)}"
    aliases = tuple(name for name in named if name != key)
    text = paper.abstract or ""
    return Row(key, paper.ids.doi, fold(paper.title), "paper", dumps(paper), aliases, text)


def row_or_problem(paper: Paper | str) -> Row | str:
    return paper if isinstance(paper, str) else row(paper)


_PLAIN: tuple[str, ...] = ("title", "source", "year", "date", "venue", "abstract", "url")
_PLAIN += ("primary_class", "publisher", "volume", "issue", "pages")


def dumps(paper: Paper) -> str:
    record: dict[str, Any] = {name: getattr(paper, name) for name in _PLAIN}
    record = {k: v for k, v in record.items() if v is not None}
    record["ids"] = {
        f.name: getattr(paper.ids, f.name) for f in fields(Ids) if getattr(paper.ids, f.name)
    }
    record["kind"] = paper.kind.value
    record["authors"] = [[a.family, a.given, a.literal] for a in paper.authors]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads_paper(text: str) -> Paper:
    """A row stored by `dumps` back as a Paper."""
    record = json.loads(text)
    return Paper(
        ids=Ids(**record.pop("ids")),
        kind=PaperKind(record.pop("kind")),
        authors=tuple(Author(f, g, lit) for f, g, lit in record.pop("authors")),
        **record,
    )
