"""DBLP's publication search: published versions (conference, journal) of computer-science papers.

Most NeurIPS, ICLR and ICML papers have no DOI, so Crossref cannot name their venue; DBLP can,
and its CoRR records carry the arXiv id that links a published record to its preprint. No key
is needed; DBLP asks for moderate use, so requests are paced (one a second by default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from papersync import ids
from papersync.errors import SourceError
from papersync.model import Author, Ids, Mention, Paper, PaperKind
from papersync.sources import Records
from papersync.sources.answers import Answer
from papersync.sources.http import Http, MalformedResponse, Response
from papersync.sources.questions import Asked, QuestionSource

NAME = "dblp"
INTERVAL = 1.0
HITS = 5

KINDS = {
    "Conference and Workshop Papers": PaperKind.CONFERENCE,
    "Journal Articles": PaperKind.ARTICLE,
    "Informal and Other Publications": PaperKind.PREPRINT,
    "Books and Theses": PaperKind.BOOK,
    "Parts in Books or Collections": PaperKind.BOOK,
}
"""DBLP record types that are papers; editorships (whole proceedings) and data are skipped."""

_HOMONYM = re.compile(r"\s+\d{4}$")
"""DBLP tells people of one name apart with a number (`Yang Liu 0003`); it is not the name."""
_QUERY_NOISE = re.compile(r"[^\w\s]")


def _texts(value: Any) -> list[str]:
    """DBLP writes one value as itself and several as a list; either way, a list of texts."""
    items = value if isinstance(value, list) else [value]
    return [str(i.get("text", "")) if isinstance(i, dict) else str(i) for i in items if i]


def _author(name: str) -> Author:
    name = _HOMONYM.sub("", name.strip())
    given, _, family = name.rpartition(" ")
    return Author(family=family, given=given)


def parse_hit(info: Mapping[str, Any]) -> Paper | None:
    """One hit's `info` as a Paper; None for what is not a paper (editorships, data)."""
    kind = KINDS.get(str(info.get("type")))
    title = " ".join(str(info.get("title") or "").split())
    key = ids.dblp_key(str(info.get("key") or ""))
    if kind is None or not title or key is None:
        return None
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]  # DBLP ends every title with a full stop
    links = _texts(info.get("ee"))
    doi = ids.normalise_doi(str(info["doi"])) if info.get("doi") else None
    arxiv = next((found for link in [*links, doi or ""] if (found := ids.find_arxiv(link))), None)
    if arxiv and doi and ids.find_arxiv(doi):
        doi = None  # an arXiv DOI names the preprint, which its arXiv id already does
    year = str(info.get("year") or "")
    people = info.get("authors")
    authors = people.get("author") if isinstance(people, dict) else None
    return Paper(
        ids=Ids(arxiv=ids.bare_arxiv(arxiv) if arxiv else None, doi=doi, dblp=key),
        title=title,
        source=NAME,
        authors=tuple(_author(name) for name in _texts(authors)),
        year=int(year) if year.isdigit() else None,
        date=year if year.isdigit() else None,
        venue=", ".join(_texts(info.get("venue"))) or None,
        kind=kind,
        url=links[0] if links else None,
        volume=str(info["volume"]) if info.get("volume") else None,
        issue=str(info["number"]) if info.get("number") else None,
        pages=str(info["pages"]).replace("-", "--") if info.get("pages") else None,
        raw=info,
    )


def parse_search(body: Any) -> tuple[Paper, ...]:
    """A `/search/publ/api?format=json` body: `{"result": {"hits": {"hit": [...]}}}`."""
    result = body.get("result") if isinstance(body, Mapping) else None
    hits = result.get("hits") if isinstance(result, Mapping) else None
    if not isinstance(hits, Mapping):
        raise MalformedResponse("malformed search result from DBLP: no hits")
    listed = hits.get("hit") or []
    listed = listed if isinstance(listed, list) else [listed]  # one hit may come bare
    papers = (
        parse_hit(hit["info"])
        for hit in listed
        if isinstance(hit, Mapping) and isinstance(hit.get("info"), Mapping)
    )
    return tuple(p for p in papers if p is not None)


def query_of(title: str) -> str:
    """DBLP matches words, not phrases: punctuation (`:`, `-`, `?`) only narrows the search."""
    return " ".join(_QUERY_NOISE.sub(" ", title).split())


class DblpSource(QuestionSource):
    """Candidates from DBLP's title search; a published version links to its preprint by the
    arXiv id of DBLP's CoRR record or by `works` when titles, authors and years agree."""

    name = NAME

    def __init__(
        self,
        http: Http,
        base_url: str = "https://dblp.org",
        *,
        interval: float = INTERVAL,
        hits: int = HITS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.interval = interval
        self._http = http
        self._hits = hits
        http.pace(f"{self.base_url}/search", interval)

    def lookup(self, ids: Sequence[Ids]) -> Records:
        """DBLP's search finds titles, not ids: records known by id come from other sources."""
        return Records()

    def _question(self, mention: Mention) -> str | None:
        query = query_of(mention.title)
        return f"title:{query}" if query else None

    def _ask(self, questions: Sequence[str]) -> Asked:
        answers: dict[str, Answer] = {}
        errors: dict[str, str] = {}
        for question in questions:
            try:
                answers[question] = self._search(question.removeprefix("title:"))
            except SourceError as exc:
                errors[question] = str(exc)
        return answers, errors

    def _parse(self, answer: Answer) -> tuple[Paper, ...]:
        papers = (parse_hit(json.loads(record)) for record in answer)
        return tuple(p for p in papers if p is not None)

    def search(self, title: str) -> tuple[Paper, ...]:
        """DBLP's publications matching `title`'s words, as its search ranks them."""
        return self._parse(self._search(query_of(title)))

    def _search(self, query: str) -> Answer:
        response = self._http.get(
            f"{self.base_url}/search/publ/api",
            params={"q": query, "format": "json", "h": self._hits},
            validate=_validate,
        )
        listed = response.json()["result"]["hits"].get("hit") or []
        listed = listed if isinstance(listed, list) else [listed]
        return tuple(
            json.dumps(hit["info"])
            for hit in listed
            if isinstance(hit, Mapping) and isinstance(hit.get("info"), Mapping)
        )


def _validate(response: Response) -> None:
    parse_search(response.json())
