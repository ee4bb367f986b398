"""arXiv through the `arxiv` package: ids fetched in batches, titles as OR-ed `ti:` phrase queries.

The package builds the query URLs and parses the Atom feed into its `Result` model; its
`Client` hard-wires a session without timeout and sleeps on its own clock, so `_PacedClient`
routes the one fetch it makes through our `Http` (pacing, retries, timeouts, cache) instead.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import arxiv
from arxiv import _feed
from lxml import etree

from papersync.errors import SourceError
from papersync.match import identity, normalise
from papersync.model import Author, Ids, Mention, Paper, PaperKind
from papersync.sources import Found
from papersync.sources.http import Http, MalformedResponse, Response

log = logging.getLogger(__name__)

NAME = "arxiv"
INTERVAL = 3.0
"""arXiv's terms of use: no more than one request every three seconds."""

_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}$")
_OLD_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}$")
_VERSION = re.compile(r"v\d+$")
_STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is", "it"}
    | {"of", "on", "or", "the", "to", "via", "what", "when", "with"}
)
_PHRASE_WORDS = 12
"""Longer titles are searched by their distinctive words rather than as one phrase."""
_DISTINCTIVE_WORDS = 8
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la"})


def is_arxiv_id(value: str) -> bool:
    """A bare arXiv id, new (`2104.12255`) or old style (`astro-ph/0601001`), no version."""
    return bool(_NEW_ID.match(value) or _OLD_ID.match(value))


def bare_id(value: str) -> str:
    """`2104.12255v1` → `2104.12255`: papers are identified without their version."""
    return _VERSION.sub("", value.strip())


@dataclass(frozen=True)
class Clause:
    """A title as arXiv searches for it: a phrase, or (long titles) words that must all occur."""

    words: tuple[str, ...]
    phrase: bool

    def query(self) -> str:
        if self.phrase:
            return f'ti:"{" ".join(self.words)}"'
        return "(" + " AND ".join(f"ti:{w}" for w in self.words) + ")"

    def covers(self, title: str) -> bool:
        """Whether `title` answers this clause: the local mirror of arXiv's own test."""
        words = search_words(title)
        if not self.phrase:
            return set(self.words) <= set(words)
        n = len(self.words)
        return any(tuple(words[i : i + n]) == self.words for i in range(len(words) - n + 1))


def search_words(title: str) -> list[str]:
    """Only ASCII letters and digits: quotes, brackets, colons, `+` and the like are what the
    query syntax chokes on, and arXiv's analyser splits on them anyway."""
    ascii_text = unicodedata.normalize("NFKD", normalise(title)).encode("ascii", "ignore")
    return re.findall(r"[a-z0-9]+", ascii_text.decode("ascii"))


def title_clause(title: str) -> Clause | None:
    """One title as an arXiv query clause, or None when nothing searchable is left.

    A long title becomes an AND of its longest non-stopwords, which tolerates a word the log
    got wrong or left out.
    """
    words = search_words(title)
    if not words or all(w in _STOPWORDS for w in words):
        return None
    if len(words) <= _PHRASE_WORDS:
        return Clause(tuple(words), phrase=True)
    content = [w for w in dict.fromkeys(words) if w not in _STOPWORDS]
    keep = set(sorted(content, key=len, reverse=True)[:_DISTINCTIVE_WORDS])
    return Clause(tuple(w for w in content if w in keep), phrase=False)


def title_query(clauses: Iterable[Clause]) -> str:
    return " OR ".join(c.query() for c in clauses)


def split_name(name: str) -> Author:
    """`Peter H. N. de With` → given `Peter H. N.`, family `de With`: arXiv gives one string."""
    words = name.split()
    if len(words) < 2:
        return Author(family=name.strip())
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in _PARTICLES:
        cut -= 1
    return Author(family=" ".join(words[cut:]), given=" ".join(words[:cut]))


def paper_from_result(result: Any) -> Paper:
    """An `arxiv.Result` as our `Paper`: a preprint, with the DOI arXiv records when it has one."""
    short = bare_id(str(result.get_short_id()))
    published = result.published
    return Paper(
        ids=Ids(arxiv=short, doi=result.doi.strip().lower() if result.doi else None),
        title=" ".join(str(result.title).split()),
        source=NAME,
        authors=tuple(split_name(a.name) for a in result.authors),
        year=published.year if published else None,
        date=published.date().isoformat() if published else None,
        kind=PaperKind.PREPRINT,
        abstract=" ".join(str(result.summary).split()) or None,
        url=f"https://arxiv.org/abs/{short}",
        primary_class=result.primary_category or None,
        raw=result,
    )


def parse_feed(body: bytes) -> tuple[Paper, ...]:
    """An Atom feed's entries as Papers; a body that is not well-formed XML is malformed."""
    check_feed(body, "arXiv feed")
    return tuple(paper_from_result(r) for r in _feed.parse(body).results)


def check_feed(body: bytes, where: str) -> None:
    """Reject what the package's recovering parser would half-read: truncated or broken XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"malformed Atom from {where}: {exc}") from exc
    if root is None or etree.QName(root).localname != "feed":
        raise MalformedResponse(f"malformed Atom from {where}: no <feed> element")


class _PacedClient(arxiv.Client):  # type: ignore[misc]
    """The package's client with its fetch routed through `Http`; its paging and parsing kept."""

    def __init__(self, http: Http, base_url: str, page_size: int) -> None:
        super().__init__(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self._session.close()  # the package's own session: never used, every fetch goes via Http
        self.query_url_format = f"{base_url}/api/query?{{}}"
        self._http = http
        self.total = 0
        """How many entries the query matched, as the last page's header says."""

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        response = self._http.get(url, validate=_validate)
        feed = _feed.parse(response.body)
        self.total = feed.header.total_results
        return feed


def _union(known: tuple[Paper, ...], more: Iterable[Paper]) -> tuple[Paper, ...]:
    by_id = {p.ids.arxiv: p for p in known}
    for paper in more:
        by_id.setdefault(paper.ids.arxiv, paper)
    return tuple(by_id.values())


def _validate(response: Response) -> None:
    check_feed(response.body, response.url.split("?")[0])


class ArxivSource:
    """Candidates from arXiv: by id where the log gave one, else by batched title queries."""

    name = NAME

    def __init__(
        self,
        http: Http,
        base_url: str = "https://export.arxiv.org",
        *,
        interval: float = INTERVAL,
        titles_per_query: int = 8,
        retry_titles_per_query: int = 2,
        results_per_title: int = 10,
        ids_per_query: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._titles_per_query = titles_per_query
        self._retry_titles_per_query = retry_titles_per_query
        self._results_per_title = results_per_title
        self._ids_per_query = ids_per_query
        http.pace(f"{self.base_url}/api/query", interval)

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        by_id: dict[str, str] = {}
        by_title: dict[str, Clause] = {}
        found: dict[str, tuple[Paper, ...]] = {}
        failed: dict[str, str] = {}
        for mention in mentions:
            key = identity(mention)
            if mention.ids.arxiv:
                arxiv_id = bare_id(mention.ids.arxiv)
                if is_arxiv_id(arxiv_id):
                    by_id.setdefault(key, arxiv_id)
                else:
                    failed[key] = f"not an arXiv id: {mention.ids.arxiv}"
            elif key not in by_title:
                clause = title_clause(mention.title)
                if clause is None:
                    found[key] = ()
                else:
                    by_title[key] = clause
        papers, errors = self._by_ids(sorted(set(by_id.values())))
        for key, arxiv_id in by_id.items():
            if arxiv_id in errors:
                failed[key] = errors[arxiv_id]
            else:
                found[key] = (papers[arxiv_id],) if arxiv_id in papers else ()
        crowded = self._by_titles(by_title, self._titles_per_query, found, failed)
        if crowded:
            again = {k: by_title[k] for k in crowded}
            self._by_titles(again, self._retry_titles_per_query, found, failed)
        return Found(candidates=found, failed=failed)

    def _by_titles(
        self,
        clauses: Mapping[str, Clause],
        per_query: int,
        found: dict[str, tuple[Paper, ...]],
        failed: dict[str, str],
    ) -> list[str]:
        """Search the clauses OR-ed `per_query` at a time; add what comes back to `found`.

        Returns the keys that may have been crowded out: their batch filled its page, yet no
        entry answers their clause, so their own hits may lie beyond the page.
        """
        keys = list(clauses)
        crowded: list[str] = []
        for start in range(0, len(keys), per_query):
            batch = keys[start : start + per_query]
            unique = list(dict.fromkeys(clauses[k] for k in batch))
            try:
                papers, total = self._search(title_query(unique), len(unique))
            except SourceError as exc:
                failed.update((k, str(exc)) for k in batch)
                continue
            for key in batch:
                found[key] = _union(found.get(key, ()), papers)
                failed.pop(key, None)
                if total > len(papers) and not any(clauses[key].covers(p.title) for p in papers):
                    crowded.append(key)
        return crowded

    def lookup(self, ids: Sequence[Ids]) -> Mapping[Ids, Paper]:
        wanted = {i: bare_id(i.arxiv) for i in ids if i.arxiv and is_arxiv_id(bare_id(i.arxiv))}
        papers, errors = self._by_ids(sorted(set(wanted.values())))
        for reason in dict.fromkeys(errors.values()):
            log.warning("arXiv lookup failed: %s", reason)
        return {i: papers[a] for i, a in wanted.items() if a in papers}

    def _by_ids(self, ids: Sequence[str]) -> tuple[dict[str, Paper], dict[str, str]]:
        """Papers by bare id, and the reason per id whose batch failed."""
        papers: dict[str, Paper] = {}
        errors: dict[str, str] = {}
        for start in range(0, len(ids), self._ids_per_query):
            batch = list(ids[start : start + self._ids_per_query])
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            try:
                results = list(self._client(len(batch)).results(search))
            except SourceError as exc:
                errors.update((i, str(exc)) for i in batch)
                continue
            for result in results:
                paper = paper_from_result(result)
                if paper.ids.arxiv:
                    papers[paper.ids.arxiv] = paper
        return papers, errors

    def _search(self, query: str, titles: int) -> tuple[tuple[Paper, ...], int]:
        """One page of results and how many the query matched in all."""
        size = titles * self._results_per_title
        client = self._client(size)
        results = client.results(arxiv.Search(query=query, max_results=size))
        papers = tuple(paper_from_result(r) for r in results)
        return papers, client.total

    def _client(self, page_size: int) -> _PacedClient:
        return _PacedClient(self._http, self.base_url, page_size)
