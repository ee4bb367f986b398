"""What an online source asks its service, one question per mention, answered cache first.

Each source says what to ask about a mention (`_question`: `title:…`, `id:…`, `doi:…`), how to ask
the questions the cache cannot answer (`_ask`, in whatever batches its service takes) and how to
read an answer's records (`_parse`). The rest is the same for every source and lives here: the
cache consulted first, fresh answers stored per question, answers mapped back to mentions, and
failures returned as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from papersync import match, names
from papersync.errors import SourceError
from papersync.model import Ids, Mention, Paper
from papersync.sources import Found, Records
from papersync.sources.answers import Answer
from papersync.sources.http import Http

Asked = tuple[dict[str, Answer], dict[str, str]]
"""Answers per question, and the reason per question that could not be answered."""


@dataclass(frozen=True)
class Plan:
    """What to ask about each mention (identity → question), and what needs no question."""

    questions: Mapping[str, str]
    found: Mapping[str, tuple[Paper, ...]] = field(default_factory=dict)
    """Mentions answered without asking: nothing searchable in them."""
    failed: Mapping[str, str] = field(default_factory=dict)
    """Mentions that cannot be asked about (a malformed id)."""


def written_name(mention: Mention) -> str | None:
    """The short name a mention is written as, as papers write it (`MoCov1` is `MoCo`); None
    for a title: a service's title match means nothing for a bare name, its search does."""
    return names.searchable(mention.alias or mention.title) if names.is_name_only(mention) else None


class QuestionSource:
    """The shared half of the online sources: `cached` and `candidates` over `_question`, `_ask`
    and `_parse`, which each source defines for its own service."""

    name: str
    _http: Http
    batch = 1
    """Mentions one request answers; arXiv ORs several titles into one query."""
    workers = 1
    """Requests the service takes at once; Crossref's polite pool takes more."""

    def _question(self, mention: Mention) -> str | None:
        """What to ask about `mention` (`id:…`, `doi:…`, `title:…`); None when there is
        nothing to ask, `SourceError` when it cannot be asked about (a malformed id)."""
        raise NotImplementedError

    def _ask(self, questions: Sequence[str]) -> Asked:
        raise NotImplementedError

    def _parse(self, answer: Answer) -> tuple[Paper, ...]:
        raise NotImplementedError

    def _plan(self, mentions: Sequence[Mention]) -> Plan:
        questions: dict[str, str] = {}
        found: dict[str, tuple[Paper, ...]] = {}
        failed: dict[str, str] = {}
        for mention in mentions:
            key = match.identity(mention)
            try:
                question = self._question(mention)
            except SourceError as exc:
                failed[key] = str(exc)
                continue
            if question is None:
                found[key] = ()
            else:
                questions[key] = question
        return Plan(questions, found, failed)

    def cached(self, mentions: Sequence[Mention]) -> Found:
        """What the cache already says about these mentions; the others are absent."""
        plan = self._plan(mentions)
        cache = self._http.answers
        known = cache.recall(self.name, plan.questions.values()) if cache is not None else {}
        return self._found(plan, known, {})

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        plan = self._plan(mentions)
        return self._found(plan, *self._answers(plan.questions.values()))

    def _records(self, wanted: Mapping[Ids, str]) -> Records:
        """The record each known paper's question (its id) is answered with, or the failure."""
        answers, errors = self._answers(wanted.values())
        papers: dict[Ids, Paper] = {}
        failed: dict[Ids, str] = {}
        for ids, question in wanted.items():
            if question in errors:
                failed[ids] = errors[question]
            elif found := self._parse(answers.get(question, ())):
                papers[ids] = found[0]
        return Records(papers, failed)

    def _answers(self, questions: Iterable[str]) -> Asked:
        """Each question's answer, from the cache or asked; fresh ones stored at once."""
        wanted = list(dict.fromkeys(questions))
        cache = self._http.answers
        answers = cache.recall(self.name, wanted) if cache is not None else {}
        missing = [q for q in wanted if q not in answers]
        fresh, errors = self._ask(missing) if missing else ({}, {})
        if cache is not None:
            for question, answer in fresh.items():
                cache.put(self.name, question, answer)
        return {**answers, **fresh}, errors

    def _found(self, plan: Plan, answers: Mapping[str, Answer], errors: Mapping[str, str]) -> Found:
        found = dict(plan.found)
        failed = dict(plan.failed)
        for key, question in plan.questions.items():
            if question in answers:
                found[key] = self._parse(answers[question])
            elif question in errors:
                failed[key] = errors[question]
        return Found(found, failed)
