"""Finding stored records: by id, by a title however it is written, by a short name.

Cheap questions first (the exact normalised title, then titles holding all its words), the
word index only when those find nothing close; the records found become works (`works.merge`)
so a paper's preprint and published version come back together.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Indel

from papersync import works
from papersync.errors import CatalogError
from papersync.match import STOPWORDS, mention_forms
from papersync.model import Ids, Mention, Paper
from papersync.names import claims, searchable
from papersync.sources.catalog.arxiv_jsonl import parse_arxiv_record
from papersync.sources.catalog.records import fold, loads_paper

RETRIEVED = 1000
"""Rows fetched from the index per mention before the cheap re-rank."""
SHORTLIST = 20
"""Candidates handed to `match.decide` per mention after re-ranking by title similarity."""
VERSIONS_OF = 1
"""Closest rows whose other versions (a retitled preprint or published record) are looked up."""
VERSIONS_RETRIEVED = 300
"""Rows sharing two rare words with it fetched per close row, before the similarity cut."""
VERSIONS_COMPARED = 10
"""Most similar titles compared word by word with a close row, looking for its other version."""
SIMILAR_VERSION = 0.6
"""Character similarity below which two titles are not worth comparing word by word."""
NAMED_RETRIEVED = 200
"""Rows fetched per index (titles, abstracts) for a short name before checking it is a word."""
CLOSE_ENOUGH = 0.9
"""A title this similar (characters) found by the cheap queries ends the search."""
QUERY_WORDS = 5
"""The rarest words of a title that the index is asked about, in pairs: any two of them suffice,
so one misspelt or extra word cannot hide the right paper."""

Query = Callable[[str, Sequence[Any]], list[Any]]
"""Runs one SQL query on the catalog, raising `CatalogError` when the file cannot be read."""


class Finder:
    """The catalog's questions, asked through `query`."""

    def __init__(self, query: Query) -> None:
        self._query = query
        self._published: bool | None = None

    def _holds_published(self) -> bool:
        """Whether any record is not from the arXiv snapshot: without one, no record has
        another version to find. Asked once (two ranges of the key index), then remembered."""
        if self._published is None:
            self._published = bool(
                self._query(
                    "SELECT 1 FROM papers WHERE key < 'arxiv:' OR key >= 'arxiv;' LIMIT 1", ()
                )
            )
        return self._published

    def get(self, ids: Ids) -> Paper | None:
        """The stored work with any of these ids: its records merged, so a paper known by its
        arXiv id comes with its published version (by a stated id, or by title, authors and
        year as in `search`) once the catalog holds one."""
        names = [f"{prefix}:{value}" for prefix, value in ids.ranked() if value]
        if not names:
            return None
        marks = ",".join("?" * len(names))
        doi = ids.doi.lower() if ids.doi else None
        found = dict(
            self._query(
                "SELECT id, norm FROM papers WHERE id IN ("
                f" SELECT id FROM papers WHERE key IN ({marks})"
                f" UNION SELECT paper FROM ids WHERE name IN ({marks})"
                " UNION SELECT id FROM papers WHERE doi = ?) ORDER BY id",
                [*names, *names, doi],
            )
        )
        rowids = list(found)
        if found and self._holds_published():
            rowids += self._other_versions(rowids[:VERSIONS_OF], found)
        wanted = set(names)
        for work in works.merge(self._records(rowids)):
            if wanted & {f"{p}:{v}" for p, v in work.ids.ranked() if v}:
                return work
        return None

    def search(self, mention: Mention) -> tuple[Paper, ...]:
        """Up to `SHORTLIST` papers whose titles resemble the mention's, closest first.

        Cheap questions first: the exact normalised title, then titles holding all its words;
        only when neither gives a close title is the index asked for any two rare words.
        """
        by_id = self.get(mention.ids) if mention.ids else None
        forms = [fold(form.text) for form in mention_forms(mention)]
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
        if mention.is_name:
            papers += self.named(mention.title)
        papers += self._records(chosen)
        if self._holds_published():
            likely = [r for r in chosen[:VERSIONS_OF] if best[r] >= CLOSE_ENOUGH]
            papers += self._records(self._other_versions(likely, rows))
        return tuple(dict.fromkeys(papers))

    def _other_versions(self, rowids: Sequence[int], norms: Mapping[int, str]) -> list[int]:
        """Rows whose titles could be another version of these (`Generative Adversarial
        Networks` for `… Nets`, a word added), so `works` can link them: titles with two of its
        five rarest words, each by its first three letters (`net*`); the most similar of them
        kept when `works.title_agreement` says so."""
        found: dict[int, None] = {}
        for rowid in rowids:
            words = [w for w in _words(norms[rowid]) if w not in STOPWORDS and len(w) >= 3]
            words = list(dict.fromkeys(words))
            marks = ",".join("?" * len(words))
            counts = dict(
                self._query(f"SELECT term, docs FROM terms WHERE term IN ({marks})", words)
            )
            rare = sorted(words, key=lambda w: counts.get(w, 0))[:QUERY_WORDS]
            stems = list(dict.fromkeys(f"{_quoted(word[:3])}*" for word in rare))
            if len(stems) < 2:
                continue
            pairs = [f"({a} AND {b})" for a, b in itertools.combinations(stems, 2)]
            titles = dict(self._titles_matching(" OR ".join(pairs), VERSIONS_RETRIEVED))
            for _, _, other in process.extract(
                norms[rowid],
                {k: v for k, v in titles.items() if k not in rowids},
                scorer=Indel.normalized_similarity,
                score_cutoff=SIMILAR_VERSION,
                limit=VERSIONS_COMPARED,
            ):
                if works.title_agreement(norms[rowid], titles[other]) is not works.Agreement.NONE:
                    found[other] = None
        return list(found)

    def named(self, name: str) -> list[Paper]:
        """Papers whose title or abstract holds `name` as a word (`DETR`, `Swin Transformer`):
        the evidence a short name needs; `match` judges how strong it is. Title hits first."""
        folded = fold(searchable(name))
        words = _words(folded)
        if not words:
            return []
        query = " AND ".join(map(_quoted, words)) + "*"  # `MobileNet` finds `MobileNets`
        found = self._query(
            "SELECT rowid FROM titles WHERE titles MATCH ? LIMIT ?", (query, NAMED_RETRIEVED)
        )
        found += self._query(
            "SELECT rowid FROM abstracts WHERE abstracts MATCH ? LIMIT ?", (query, NAMED_RETRIEVED)
        )
        as_word = re.compile(rf"(?<!\w){re.escape(folded)}s?(?!\w)")
        in_title, in_abstract = [], []
        for paper in self._records(list(dict.fromkeys(rowid for (rowid,) in found))):
            if as_word.search(fold(paper.title)):
                in_title.append(paper)
            elif paper.abstract and as_word.search(fold(paper.abstract)):
                in_abstract.append(paper)
        in_title.sort(key=lambda paper: len(paper.title))
        claimed = [p for p in in_title + in_abstract if claims(name, [p])]  # evidence first
        return list(dict.fromkeys(claimed + in_title + in_abstract))[:SHORTLIST]

    def _records(self, rowids: Sequence[int]) -> list[Paper]:
        """The stored records of these rows, in this order."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        records = {
            rowid: (fmt, record)
            for rowid, fmt, record in self._query(
                f"SELECT id, format, record FROM records WHERE id IN ({marks})", list(rowids)
            )
        }
        return [loads(*records[rowid]) for rowid in rowids if rowid in records]

    def _titles_matching(self, query: str, limit: int = RETRIEVED) -> list[tuple[int, str]]:
        if not query:
            return []
        return self._query(
            "SELECT p.id, p.norm FROM titles JOIN papers p ON p.id = titles.rowid"
            " WHERE titles MATCH ? LIMIT ?",
            (query, limit),
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


def _words(folded: str) -> list[str]:
    return re.findall(r"[^\W_]+", folded)


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


def loads(fmt: str, text: str) -> Paper:
    """A stored row back as a Paper; arXiv lines are read only now, when someone asks for them."""
    if fmt == "arxiv":
        paper = parse_arxiv_record(json.loads(text))
        if isinstance(paper, str):
            raise CatalogError(f"stored arXiv record unreadable: {paper}")
        return paper
    return loads_paper(text)
