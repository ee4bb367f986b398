"""Settling open mentions by hand: each answer becomes a `decided_by: user` decision.

Answers are saved one by one, so stopping a review (Ctrl-C, `q`, end of input) keeps every
answer already given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

from papersync.errors import CommandError
from papersync.ids import bare_arxiv, extract_ids, is_arxiv_id
from papersync.lock import Decision
from papersync.model import DecidedBy, Ids, Match, Mention, Status

Ask = Callable[[Match, str], str]
"""Shows one open mention (and where it was written) and returns the person's answer."""
QUIT = "q"


def shown_as(mention: Mention) -> set[str]:
    """Every way papersync shows a mention (`scan`, `resolve`), each accepted to name it."""
    forms = {mention.raw, mention.title}
    if mention.alias:
        forms.add(f"[{mention.alias}] {mention.title}")
    return {form.strip() for form in forms if form}


def not_papers(matches: Mapping[str, Match], texts: Iterable[str]) -> dict[str, Decision]:
    """`not-a-paper` decisions for the mentions named by `texts`; each text must name one."""
    wanted = {text.strip() for text in texts}
    decisions: dict[str, Decision] = {}
    for key, m in sorted(matches.items()):
        named = shown_as(m.mention) & wanted
        if named:
            decisions[key] = Decision(
                Status.NOT_A_PAPER, raw=m.mention.raw, decided_by=DecidedBy.USER
            )
            wanted -= named
    if wanted:
        raise CommandError(f"no mention has the raw text or title {sorted(wanted)[0]!r}")
    return decisions


def open_matches(
    matches: Mapping[str, Match], skip: Collection[str] = ()
) -> list[tuple[str, Match]]:
    """The ambiguous and unresolved mentions, by identity, leaving out those in `skip`."""
    return [
        (key, m)
        for key, m in sorted(matches.items())
        if m.status in (Status.AMBIGUOUS, Status.UNRESOLVED) and key not in skip
    ]


def settle(
    matches: Iterable[tuple[str, Match]], record: Callable[[str, Decision], None], ask: Ask
) -> int:
    """Put each open mention to `ask`, recording each decision as it is made; returns how
    many were recorded. `q` stops the walk; an empty answer skips a mention; an answer that
    cannot be read (a typo, a number with no candidate) asks again, saying so."""
    recorded = 0
    for key, m in matches:
        where = f"{m.mention.file}:{m.mention.line}"
        text = ask(m, where)
        decision = answer(m, text)
        while text and text != QUIT and decision is None:
            text = ask(m, f"{where}  ({text!r} not understood: {_ANSWERS})")
            decision = answer(m, text)
        if text == QUIT:
            break
        if decision is not None:
            record(key, decision)
            recorded += 1
    return recorded


_ANSWERS = "a candidate's number, an arXiv id or DOI, n, Enter to skip or q to quit"


def take_best(m: Match, where: str) -> str:
    """The answer of a person who takes every top candidate (`review --accept-best`)."""
    return "1" if m.candidates else ""


def answer(m: Match, text: str) -> Decision | None:
    """Read one answer: a candidate number, an arXiv id, a DOI, `n`, or nothing (skip)."""
    if not text:
        return None
    if text.lower() == "n":
        return Decision(Status.NOT_A_PAPER, raw=m.mention.raw, decided_by=DecidedBy.USER)
    if text.isdigit() and 1 <= int(text) <= len(m.candidates):
        chosen = m.candidates[int(text) - 1]
        return _chose(m, chosen.paper.ids, chosen.paper.title, chosen.score)
    if is_arxiv_id(bare_arxiv(text)):
        return _chose(m, Ids(arxiv=bare_arxiv(text)), None, TYPED_SCORE)
    ids = extract_ids(text)
    if ids:
        return _chose(m, ids, None, TYPED_SCORE)
    return None


TYPED_SCORE = 1.0
"""An id the person typed is certain by their word; a chosen candidate keeps its own score."""


def _chose(m: Match, ids: Ids, title: str | None, score: float) -> Decision:
    return Decision(
        Status.MATCHED,
        raw=m.mention.raw,
        ids=Ids(arxiv=ids.arxiv, doi=ids.doi),
        title=title or None,
        score=score,
        decided_by=DecidedBy.USER,
    )
