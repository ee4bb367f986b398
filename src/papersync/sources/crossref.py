"""Crossref REST: works by DOI for DOIs in the notes, bibliographic search for titles left over.

Many recommender-system and networking papers are not on arXiv but have a DOI; Crossref knows
their venue, volume, pages and publisher. `mailto` puts our requests in the polite pool.
A published record's `relation` that names its arXiv preprint (`has-preprint`, by arXiv id or
arXiv DOI) puts that arXiv id on the record: a stated id, so `works.merge` makes the record and
the arXiv preprint one work.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from papersync.errors import SourceError
from papersync.ids import bare_arxiv, find_arxiv, is_arxiv_id
from papersync.model import Author, Ids, Mention, Paper, PaperKind
from papersync.sources import Records
from papersync.sources.answers import Answer
from papersync.sources.http import Http, MalformedResponse, Response
from papersync.sources.questions import Asked, QuestionSource

NAME = "crossref"
INTERVAL = 1.0
POLITE_WORKERS = 3
"""Requests in flight at once in Crossref's polite pool (with a `mailto`); one without."""
ROWS = 5

KINDS = {
    "journal-article": PaperKind.ARTICLE,
    "proceedings-article": PaperKind.CONFERENCE,
    "book": PaperKind.BOOK,
    "book-chapter": PaperKind.BOOK,
    "monograph": PaperKind.BOOK,
    "edited-book": PaperKind.BOOK,
    "posted-content": PaperKind.PREPRINT,
    "report": PaperKind.REPORT,
}
"""Crossref work types that are papers; others (datasets, components, reviews) are skipped."""

_JATS_TITLE = re.compile(r"<(?:jats:)?title[^>]*>.*?</(?:jats:)?title>", re.S)
_TAG = re.compile(r"<[^>]+>")


def strip_jats(text: str) -> str:
    """Crossref abstracts are JATS XML: drop the `Abstract` heading and every tag."""
    text = _JATS_TITLE.sub(" ", text)
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    text = " ".join(str(value).split()) if value else ""
    return html.unescape(_TAG.sub("", text)) or None


def _date(work: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """Year and ISO date (as precise as given) from `issued`, else the print/online dates."""
    for field in ("issued", "published", "published-print", "published-online"):
        parts = ((work.get(field) or {}).get("date-parts") or [[]])[0]
        numbers = [int(p) for p in parts if isinstance(p, int | str) and str(p).isdigit()]
        if numbers:
            year = numbers[0]
            return year, "-".join([f"{year:04d}", *(f"{n:02d}" for n in numbers[1:3])])
    return None, None


def _author(person: Mapping[str, Any]) -> Author | None:
    if person.get("family"):
        return Author(family=str(person["family"]).strip(), given=str(person.get("given") or ""))
    if person.get("name"):
        return Author(family=str(person["name"]).strip(), literal=True)
    return None


def stated_arxiv(work: Mapping[str, Any]) -> str | None:
    """The arXiv id of the preprint a work's `relation` names (`has-preprint`, `id-type` arxiv
    or an arXiv DOI); None when it names none, or several (a link that is not certain)."""
    relation = work.get("relation")
    related = relation.get("has-preprint") if isinstance(relation, Mapping) else None
    found: set[str] = set()
    for item in related if isinstance(related, list) else ():
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        value, id_type = item["id"].strip(), str(item.get("id-type", "")).casefold()
        arxiv = value if id_type == "arxiv" else find_arxiv(value) if id_type == "doi" else None
        if arxiv and is_arxiv_id(bare_arxiv(arxiv)):
            found.add(bare_arxiv(arxiv))
    return found.pop() if len(found) == 1 else None


def parse_work(work: Mapping[str, Any]) -> Paper | None:
    """One Crossref work as a Paper; None when it is not a paper or has no title or DOI."""
    kind = KINDS.get(str(work.get("type")))
    title = _first(work.get("title"))
    doi = work.get("DOI")
    if kind is None or not title or not doi:
        return None
    subtitle = _first(work.get("subtitle"))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    year, date = _date(work)
    authors = (_author(p) for p in work.get("author") or () if isinstance(p, Mapping))
    abstract = work.get("abstract")
    return Paper(
        ids=Ids(arxiv=stated_arxiv(work), doi=str(doi).lower()),
        title=title,
        source=NAME,
        authors=tuple(a for a in authors if a is not None),
        year=year,
        date=date,
        venue=_first(work.get("container-title")),
        kind=kind,
        abstract=strip_jats(abstract) or None if isinstance(abstract, str) else None,
        url=work.get("URL") or None,
        publisher=_first(work.get("publisher")),
        volume=_first(work.get("volume")),
        issue=_first(work.get("issue")),
        pages=_first(work.get("page")),
        raw=work,
    )


def parse_work_payload(body: Any) -> Paper | None:
    """A `/works/{doi}` body: `{"status": "ok", "message-type": "work", "message": {...}}`."""
    if not isinstance(body, Mapping) or body.get("message-type") != "work":
        raise MalformedResponse("malformed work from Crossref: no work message")
    message = body.get("message")
    return parse_work(message) if isinstance(message, Mapping) else None


def parse_work_list(body: Any) -> tuple[Paper, ...]:
    """A `/works?query…` body: `{"message-type": "work-list", "message": {"items": [...]}}`."""
    if not isinstance(body, Mapping) or body.get("message-type") != "work-list":
        raise MalformedResponse("malformed work list from Crossref: no work-list message")
    items = (body.get("message") or {}).get("items")
    if not isinstance(items, list):
        raise MalformedResponse("malformed work list from Crossref: no items")
    papers = (parse_work(i) for i in items if isinstance(i, Mapping))
    return tuple(p for p in papers if p is not None)


class CrossrefSource(QuestionSource):
    """Candidates by DOI where the log gave one, else by a bibliographic title query."""

    name = NAME

    def __init__(
        self,
        http: Http,
        base_url: str = "https://api.crossref.org",
        *,
        mailto: str | None = None,
        interval: float = INTERVAL,
        rows: int = ROWS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.interval = interval
        self.workers = POLITE_WORKERS if mailto else 1
        self._http = http
        self._polite = {"mailto": mailto} if mailto else {}
        self._rows = rows
        http.pace(f"{self.base_url}/works", interval, self.workers)

    def lookup(self, ids: Sequence[Ids]) -> Records:
        """Records for ids carrying a DOI; an unknown DOI is absent, a failed one in `failed`."""
        return self._records({i: f"doi:{i.doi.strip().lower()}" for i in ids if i.doi})

    def _question(self, mention: Mention) -> str | None:
        """`doi:…` where the log gave a DOI, else `title:…`."""
        if mention.ids.doi:
            return f"doi:{mention.ids.doi.strip().lower()}"
        title = " ".join(mention.title.split())
        return f"title:{title}" if title else None

    def _ask(self, questions: Sequence[str]) -> Asked:
        answers: dict[str, Answer] = {}
        errors: dict[str, str] = {}
        for question in questions:
            kind, _, value = question.partition(":")
            try:
                answers[question] = self._work(value) if kind == "doi" else self._search(value)
            except SourceError as exc:
                errors[question] = str(exc)
        return answers, errors

    def _parse(self, answer: Answer) -> tuple[Paper, ...]:
        papers = (parse_work(json.loads(record)) for record in answer)
        return tuple(p for p in papers if p is not None)

    def _work(self, doi: str) -> Answer:
        response = self._http.get(
            f"{self.base_url}/works/{quote(doi, safe='/:()')}",
            params=self._polite,
            accept=(200, 404),
            validate=_validate_work,
        )
        if response.status == 404:
            return ()
        return (json.dumps(response.json()["message"]),)

    def _search(self, title: str) -> Answer:
        response = self._http.get(
            f"{self.base_url}/works",
            params={"query.bibliographic": title, "rows": self._rows, **self._polite},
            validate=_validate_list,
        )
        items = response.json()["message"]["items"]
        return tuple(json.dumps(item) for item in items if isinstance(item, Mapping))


def _validate_work(response: Response) -> None:
    """A 404 means "no such DOI" only in Crossref's own words; anything else is no answer."""
    if response.status == 200:
        parse_work_payload(response.json())
    elif b"not found" not in response.body.lower():
        raise MalformedResponse(f"{response.url} answered 404 without Crossref's message")


def _validate_list(response: Response) -> None:
    parse_work_list(response.json())
