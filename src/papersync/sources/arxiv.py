"""arXiv's query API: ids fetched in `id_list` batches, titles as OR-ed `ti:` phrase queries.

Requests go through `Http` (pacing, retries, timeouts) and the Atom feed is read by
`arxiv_feed`. Each batch is split into its questions (one id, one title) before it is kept in
the answer cache, and a batch is assembled only from the questions the cache cannot answer.
A title's answer is the entries of the page that answer its own clause, so what a title gets
does not depend on which other titles shared its request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from papersync.errors import SourceError
from papersync.ids import bare_arxiv, is_arxiv_id
from papersync.match import normalise
from papersync.model import Ids, Mention, Paper
from papersync.sources import Records
from papersync.sources.answers import Answer
from papersync.sources.arxiv_feed import NAME, Feed, parse_entry, read_feed
from papersync.sources.http import Http, Response
from papersync.sources.questions import Asked, QuestionSource

INTERVAL = 3.0
"""arXiv's terms of use: no more than one request every three seconds."""

_STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is", "it"}
    | {"of", "on", "or", "the", "to", "via", "what", "when", "with"}
)
_PHRASE_WORDS = 12
"""Longer titles are searched by their distinctive words rather than as one phrase."""
_DISTINCTIVE_WORDS = 8


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
        """Whether `title` answers this clause: the local mirror of arXiv's own test, blind to
        a plural `s` as arXiv's stemming analyser is."""
        mine = tuple(_stem(w) for w in self.words)
        words = [_stem(w) for w in search_words(title)]
        if not self.phrase:
            return set(mine) <= set(words)
        n = len(mine)
        return any(tuple(words[i : i + n]) == mine for i in range(len(words) - n + 1))


def search_words(title: str) -> list[str]:
    """Only ASCII letters and digits: quotes, brackets, colons, `+` and the like are what the
    query syntax chokes on, and arXiv's analyser splits on them anyway."""
    ascii_text = unicodedata.normalize("NFKD", normalise(title)).encode("ascii", "ignore")
    return re.findall(r"[a-z0-9]+", ascii_text.decode("ascii"))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


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


class ArxivSource(QuestionSource):
    """Candidates from arXiv: by id where the log gave one, else by batched title queries."""

    name = NAME

    def __init__(
        self,
        http: Http,
        base_url: str = "https://export.arxiv.org",
        *,
        interval: float = INTERVAL,
        titles_per_query: int = 8,
        results_per_title: int = 10,
        ids_per_query: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.batch = titles_per_query
        self.interval = interval
        self._http = http
        self._results_per_title = results_per_title
        self._ids_per_query = ids_per_query
        http.pace(self._url, interval)

    @property
    def _url(self) -> str:
        return f"{self.base_url}/api/query"

    def lookup(self, ids: Sequence[Ids]) -> Records:
        return self._records({i: f"id:{bare_arxiv(i.arxiv)}" for i in ids if i.arxiv})

    def _question(self, mention: Mention) -> str | None:
        """`id:…` where the log gave an arXiv id, else `title:<clause>`."""
        if mention.ids.arxiv:
            arxiv_id = bare_arxiv(mention.ids.arxiv)
            if not is_arxiv_id(arxiv_id):
                raise SourceError(f"not an arXiv id: {mention.ids.arxiv}")
            return f"id:{arxiv_id}"
        clause = title_clause(mention.title)
        return f"title:{clause.query()}" if clause is not None else None

    def _ask(self, questions: Sequence[str]) -> Asked:
        """Ids `ids_per_query` to a request, titles `batch` to a request, then alone those a
        full page may have crowded out."""
        answers: dict[str, Answer] = {}
        errors: dict[str, str] = {}
        ids = sorted(q.removeprefix("id:") for q in questions if q.startswith("id:"))
        for start in range(0, len(ids), self._ids_per_query):
            self._by_ids(ids[start : start + self._ids_per_query], answers, errors)
        titles = [q.removeprefix("title:") for q in questions if q.startswith("title:")]
        crowded: list[str] = []
        for start in range(0, len(titles), self.batch):
            crowded += self._by_titles(titles[start : start + self.batch], answers, errors)
        for query in crowded:
            self._by_titles([query], answers, errors)
        return answers, errors

    def _parse(self, answer: Answer) -> tuple[Paper, ...]:
        papers = (parse_entry(entry) for entry in answer)
        return tuple(p for p in papers if p is not None)

    def _by_ids(
        self, ids: Sequence[str], answers: dict[str, Answer], errors: dict[str, str]
    ) -> None:
        """One `id_list` request; every id gets its entry, or none when arXiv has no such id."""
        try:
            feed = self._feed({"id_list": ",".join(ids), "max_results": len(ids)})
        except SourceError as exc:
            errors.update((f"id:{i}", str(exc)) for i in ids)
            return
        by_id: dict[str, list[str]] = {i: [] for i in ids}
        for entry in feed.entries:
            paper = parse_entry(entry)
            if paper is not None and paper.ids.arxiv in by_id:
                by_id[paper.ids.arxiv].append(entry)
        answers.update((f"id:{i}", tuple(entries)) for i, entries in by_id.items())

    def _by_titles(
        self, queries: Sequence[str], answers: dict[str, Answer], errors: dict[str, str]
    ) -> list[str]:
        """One request for up to `batch` title clauses; each gets the entries answering it.

        Returns the clauses that may have been crowded off a full page (fewer answers than a
        title is allowed while the query matched more than the page holds), to ask alone.
        """
        clauses = {q: _parse_clause(q) for q in queries}
        size = len(queries) * self._results_per_title
        try:
            feed = self._feed({"search_query": title_query(clauses.values()), "max_results": size})
        except SourceError as exc:
            errors.update((f"title:{q}", str(exc)) for q in queries)
            return []
        titles = [(entry, parse_entry(entry)) for entry in feed.entries]
        crowded: list[str] = []
        for query, clause in clauses.items():
            mine = [e for e, p in titles if p is not None and clause.covers(p.title)]
            answers[f"title:{query}"] = tuple(mine[: self._results_per_title])
            full = feed.total > len(feed.entries)
            if full and len(queries) > 1 and len(mine) < self._results_per_title:
                crowded.append(query)  # its own request answers it; until then, no answer
                del answers[f"title:{query}"]
        return crowded

    def _feed(self, params: Mapping[str, str | int]) -> Feed:
        response = self._http.get(
            self._url,
            params={**params, "start": 0},
            validate=lambda r: _check(r, self._url),
        )
        return read_feed(response.body, self._url)


def _check(response: Response, where: str) -> None:
    read_feed(response.body, where)


def _parse_clause(query: str) -> Clause:
    """The `Clause` a query string was made from (`ti:"a b"` or `(ti:a AND ti:b)`)."""
    if query.startswith('ti:"'):
        return Clause(tuple(query[4:-1].split()), phrase=True)
    return Clause(tuple(re.findall(r"ti:(\w+)", query)), phrase=False)
