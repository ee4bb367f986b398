"""Semantic Scholar Graph API v1: title match for what arXiv did not settle, batch enrichment.

`/paper/search/match` returns at most one paper per title (a 404 "Title match not found" means
no candidate, not a failure); its `matchScore` is not a probability, so `match.py` decides.
A mention written only as a short name (`[DETR]`) asks the relevance search `/paper/search`
instead: a title match for a bare name is meaningless, while the search's hits carry titles and
abstracts that `names.claims` reads for evidence that a paper is called that name.
`/paper/batch` adds the DOI, venue, publication types and date a preprint gained when published.
Every id a record states (`externalIds`: ArXiv, DOI, DBLP) reaches `Paper.ids`, so
`works.merge` makes it one work with the other records of that paper.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from papersync.errors import SourceError
from papersync.ids import bare_arxiv, dblp_key, normalise_doi
from papersync.model import Ids, Mention, Paper, PaperKind
from papersync.sources import Records
from papersync.sources.answers import Answer
from papersync.sources.arxiv_feed import split_name
from papersync.sources.http import Http, MalformedResponse, Response
from papersync.sources.questions import Asked, QuestionSource, written_name

log = logging.getLogger(__name__)

NAME = "semanticscholar"
FIELDS = (
    "externalIds,title,authors,year,venue,publicationVenue,publicationTypes,publicationDate,"
    "journal,abstract"
)
BATCH_LIMIT = 500
NAME_HITS = 10
"""Search hits read per name: a name's own paper ranks near the top of Semantic Scholar's
relevance search, and its follow-ups (`Deformable DETR`) are the rivals worth seeing."""
INTERVAL_WITH_KEY = 1.0
INTERVAL_WITHOUT_KEY = 3.0
"""Without a key requests share a public pool; Semantic Scholar asks for restraint."""

_ARXIV_VENUES = frozenset({"arxiv", "arxiv.org"})
_KINDS = {
    "journal": PaperKind.ARTICLE,
    "conference": PaperKind.CONFERENCE,
    "JournalArticle": PaperKind.ARTICLE,
    "Conference": PaperKind.CONFERENCE,
    "Book": PaperKind.BOOK,
    "BookSection": PaperKind.BOOK,
}


def match_query(title: str) -> str:
    """Plain words: hyphens and markup make Semantic Scholar's title search miss."""
    text = re.sub(r"[*_`~<>]+", " ", title)
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    return " ".join(text.split())


def _venue(payload: Mapping[str, Any]) -> tuple[str | None, PaperKind | None]:
    """The published venue and what kind of publication it makes this; arXiv is no venue."""
    publication_venue = payload.get("publicationVenue") or {}
    journal = payload.get("journal") or {}
    for name in (publication_venue.get("name"), journal.get("name"), payload.get("venue")):
        if name and name.strip().casefold() not in _ARXIV_VENUES:
            venue = " ".join(str(name).split())
            break
    else:
        return None, None
    kind = _KINDS.get(str(publication_venue.get("type") or ""))
    for publication_type in payload.get("publicationTypes") or ():
        kind = kind or _KINDS.get(publication_type)
    if kind is None and journal.get("name") == venue:
        kind = PaperKind.ARTICLE
    return venue, kind


def parse_paper(payload: Mapping[str, Any]) -> Paper | None:
    """One Graph API paper object as a Paper; None for a null batch slot or a titleless record."""
    if not payload or not payload.get("title"):
        return None
    external = payload.get("externalIds") or {}
    arxiv_id = external.get("ArXiv")
    doi = normalise_doi(str(external["DOI"])) if external.get("DOI") else None
    dblp = dblp_key(str(external["DBLP"])) if external.get("DBLP") else None
    venue, kind = _venue(payload)
    journal = payload.get("journal") or {}
    if str(journal.get("name") or "").strip().casefold() in _ARXIV_VENUES:
        journal = {}
    published = venue is not None
    return Paper(
        ids=Ids(
            arxiv=bare_arxiv(str(arxiv_id)) if arxiv_id else None,
            doi=doi,
            s2=payload.get("paperId"),
            dblp=dblp,
        ),
        title=" ".join(str(payload["title"]).split()),
        source=NAME,
        authors=tuple(split_name(a["name"]) for a in payload.get("authors") or () if a.get("name")),
        year=payload.get("year"),
        date=payload.get("publicationDate") or None,
        venue=venue,
        kind=kind or (PaperKind.PREPRINT if arxiv_id or not published else PaperKind.ARTICLE),
        abstract=payload.get("abstract") or None,
        url=f"https://arxiv.org/abs/{bare_arxiv(str(arxiv_id))}" if arxiv_id else None,
        volume=_clean(journal.get("volume")) if published else None,
        pages=_clean(journal.get("pages")) if published else None,
        raw=payload,
    )


def _clean(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def parse_match(body: Any) -> tuple[Paper, ...]:
    """A `/paper/search/match` body: `{"data": [paper with matchScore]}`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise MalformedResponse("malformed title match from Semantic Scholar: no data list")
    papers = (parse_paper(item) for item in body["data"] if isinstance(item, Mapping))
    return tuple(p for p in papers if p is not None)


def parse_search(body: Any) -> tuple[Paper, ...]:
    """A `/paper/search` body: `{"total", "offset", "data": [paper, ...]}`; with no hits
    Semantic Scholar leaves `data` out (`{"total": 0, "offset": 0}`)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("total"), int):
        raise MalformedResponse("malformed search from Semantic Scholar: no total")
    hits = body.get("data", [])
    if not isinstance(hits, list) or (body["total"] and "data" not in body):
        raise MalformedResponse("malformed search from Semantic Scholar: no data list")
    papers = (parse_paper(item) for item in hits if isinstance(item, Mapping))
    return tuple(p for p in papers if p is not None)


def parse_batch(body: Any, expected: int) -> list[Paper | None]:
    """A `/paper/batch` body: one slot per requested id, in order, null where unknown."""
    if not isinstance(body, list) or len(body) != expected:
        raise MalformedResponse("malformed batch from Semantic Scholar: wrong number of slots")
    return [parse_paper(item) if isinstance(item, Mapping) else None for item in body]


def merge(paper: Paper, found: Paper) -> Paper:
    """`paper` with what Semantic Scholar adds: a published preprint keeps its arXiv id."""
    published = found.venue is not None
    return replace(
        paper,
        ids=Ids(
            arxiv=paper.ids.arxiv or found.ids.arxiv,
            doi=_better_doi(paper.ids.doi, found.ids.doi),
            s2=paper.ids.s2 or found.ids.s2,
            dblp=paper.ids.dblp or found.ids.dblp,
        ),
        authors=paper.authors or found.authors,
        year=paper.year or found.year,
        venue=found.venue if published else paper.venue,
        kind=found.kind if published else paper.kind,
        date=found.date if published and found.date else paper.date or found.date,
        abstract=paper.abstract or found.abstract,
        volume=paper.volume or found.volume,
        pages=paper.pages or found.pages,
        source=paper.source if NAME in paper.source else f"{paper.source}+{NAME}",
    )


def _better_doi(ours: str | None, theirs: str | None) -> str | None:
    """A publisher's DOI beats arXiv's own DataCite one (10.48550/arxiv.…)."""
    if ours and not ours.startswith("10.48550/"):
        return ours
    return theirs or ours


def batch_id(ids: Ids) -> str | None:
    """How the batch endpoint names a paper we know: arXiv id, else DOI, else its own id."""
    if ids.arxiv:
        return f"ARXIV:{ids.arxiv}"
    if ids.doi:
        return f"DOI:{ids.doi}"
    return ids.s2


class SemanticScholarSource(QuestionSource):
    """Candidates by title match; full records by batch; enrichment of papers others found."""

    name = NAME

    def __init__(
        self,
        http: Http,
        base_url: str = "https://api.semanticscholar.org",
        *,
        api_key: str | None = None,
        interval: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._headers = {"x-api-key": api_key} if api_key else {}
        default = INTERVAL_WITH_KEY if api_key else INTERVAL_WITHOUT_KEY
        self.interval = default if interval is None else interval
        http.pace(f"{self.base_url}/graph/v1", self.interval)

    def lookup(self, ids: Sequence[Ids]) -> Records:
        return self._records({i: f"id:{name}" for i in ids if (name := batch_id(i))})

    def enrich(self, papers: Sequence[Paper]) -> tuple[Paper, ...]:
        """Each paper with the DOI, venue, kind and date Semantic Scholar knows; unchanged when
        it knows nothing or cannot be reached (enrichment is a bonus, never a failure)."""
        found = self.lookup([p.ids for p in papers])
        if found.failed:
            reason = next(iter(found.failed.values()))
            log.warning("Semantic Scholar enrichment skipped: %s", reason)
        return tuple(merge(p, found.papers[p.ids]) if p.ids in found.papers else p for p in papers)

    def _question(self, mention: Mention) -> str | None:
        """`id:ARXIV:…` (or DOI) where the log gave an id; `name:<name>` for a mention written
        only as a short name; else `title:<match query>`."""
        if stated := batch_id(mention.ids):
            return f"id:{stated}"
        if (name := written_name(mention)) is not None:
            query = match_query(name)
            return f"name:{query}" if query else None
        query = match_query(mention.title)
        return f"title:{query}" if query else None

    def _ask(self, questions: Sequence[str]) -> Asked:
        """A title match per title, a search per name; ids in `/paper/batch` requests of up
        to `BATCH_LIMIT`."""
        answers: dict[str, Answer] = {}
        errors: dict[str, str] = {}
        for question in questions:
            kind, _, text = question.partition(":")
            if kind in ("title", "name"):
                try:
                    answers[question] = self._match(text) if kind == "title" else self._search(text)
                except SourceError as exc:
                    errors[question] = str(exc)
        stated = [q.removeprefix("id:") for q in questions if q.startswith("id:")]
        for start in range(0, len(stated), BATCH_LIMIT):
            chunk = stated[start : start + BATCH_LIMIT]
            try:
                answers.update(zip((f"id:{n}" for n in chunk), self._batch(chunk), strict=True))
            except SourceError as exc:
                errors.update((f"id:{n}", str(exc)) for n in chunk)
        return answers, errors

    def _parse(self, answer: Answer) -> tuple[Paper, ...]:
        papers = (parse_paper(json.loads(record)) for record in answer)
        return tuple(p for p in papers if p is not None)

    def _match(self, query: str) -> Answer:
        """`/paper/search/match` for one title: its paper object, or none (a 404 "not found")."""
        response = self._http.get(
            f"{self.base_url}/graph/v1/paper/search/match",
            params={"query": query, "fields": FIELDS},
            headers=self._headers,
            accept=(200, 404),
            validate=_validate_match,
        )
        if response.status == 404:
            return ()
        return tuple(
            json.dumps(item) for item in response.json()["data"] if isinstance(item, Mapping)
        )

    def _search(self, name: str) -> Answer:
        """`/paper/search` for one name: its first `NAME_HITS` hits, most relevant first."""
        response = self._http.get(
            f"{self.base_url}/graph/v1/paper/search",
            params={"query": name, "fields": FIELDS, "limit": NAME_HITS},
            headers=self._headers,
            validate=_validate_search,
        )
        hits = response.json().get("data", [])
        return tuple(json.dumps(item) for item in hits if isinstance(item, Mapping))

    def _batch(self, ids: Sequence[str]) -> list[Answer]:
        """`/paper/batch` for up to `BATCH_LIMIT` ids: one answer per id, in order."""
        response = self._http.post(
            f"{self.base_url}/graph/v1/paper/batch",
            params={"fields": FIELDS},
            json_body={"ids": list(ids)},
            headers=self._headers,
            validate=functools.partial(_validate_batch, expected=len(ids)),
        )
        return [
            (json.dumps(item),) if isinstance(item, Mapping) else () for item in response.json()
        ]


def _validate_match(response: Response) -> None:
    """A 404 means "no match" only with Semantic Scholar's error body; else it is no answer."""
    if response.status == 200:
        parse_match(response.json())
        return
    body = response.json()
    if not isinstance(body, Mapping) or "error" not in body:
        raise MalformedResponse(f"{response.url} answered 404 without Semantic Scholar's error")


def _validate_search(response: Response) -> None:
    parse_search(response.json())


def _validate_batch(response: Response, expected: int) -> None:
    parse_batch(response.json(), expected)
