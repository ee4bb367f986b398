"""Decide which paper, if any, a mention means: the pure heart of resolution.

No I/O here: sources supply candidate papers; `similarity` says how alike the titles are, this
module checks dates and years, applies the thresholds and says why. A mention that writes only a
short name is decided on the evidence `names` finds, never on title likeness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from papersync import names, works
from papersync.ids import arxiv_month
from papersync.model import Candidate, Match, Mention, Paper, Status
from papersync.similarity import (
    STOPWORDS,
    Form,
    likeness,
    markers,
    mention_forms,
    mention_name,
    normalise,
)
from papersync.trailer import written_authors, written_year

__all__ = [
    "STOPWORDS", "decide", "group", "identity", "markers", "mention_forms", "normalise", "score",
]

# Thresholds, chosen on the dev set (../shared/eval: 199 titles from four real logs against
# 9,804 hard distractors) by sweeping MATCH_THRESHOLD over 0.80–0.95 and MARGIN over 0–0.10:
# every setting from 0.86 to 0.88 with a margin of 0.05 or more makes no false match and loses
# no true one; the strictest such values are kept.
MATCH_THRESHOLD = 0.88
"""A best score below this is never matched. On the dev set the true matches with a typo, a
reworded word or a dropped alias score 0.897 and up; the closest wrong candidates stay at or
under `similarity.SPECIALISED_CAP` (0.85)."""
MARGIN = 0.05
"""The best must lead the runner-up (a different paper) by this much. Without a margin, two
look-alikes both above the threshold (a paper and its follow-up) make a false match."""
CANDIDATE_FLOOR = 0.6
"""Below this a candidate is noise: not worth showing a person in review."""
YEAR_NEAR_PENALTY = 0.92
"""The note's year is two years off the paper's: possible (late publication), but suspect."""
YEAR_VETO = 3
"""A year gap this large means a different paper, not a late publication."""
EARLY_READ_PENALTY = 0.95
"""The paper reached arXiv after the day it was logged: people read drafts (OpenReview, a
preprint shared by hand) first, so this only lowers a score, and says so."""
EARLY_READ_VETO_MONTHS = 12
"""Logged more than this many months before the paper existed: another paper."""
AUTHOR_PENALTY = 0.92
"""The log names authors beside the title and none of them wrote the paper."""
NAME_MATCH = 0.95
"""Score of a name settled by strong, unique evidence (one paper titled or defined by it)."""
PERSON_MATCH = 1.0
"""Score of a name the person settled (a vault alias, a review choice)."""


@dataclass(frozen=True)
class _Check:
    """What the dates and years say about one candidate: a factor on its score, and why."""

    factor: float = 1.0
    note: str = ""


def identity(mention: Mention) -> str:
    """The stable key under which all mentions of one paper gather: an id, else the title."""
    return mention.ids.key() or f"title:{normalise(mention.title)}"


def group(mentions: Iterable[Mention]) -> dict[str, tuple[Mention, ...]]:
    """Mentions gathered under their `identity`, first-seen order kept."""
    grouped: dict[str, list[Mention]] = {}
    for mention in mentions:
        grouped.setdefault(identity(mention), []).append(mention)
    return {key: tuple(found) for key, found in grouped.items()}


def paper_years(paper: Paper) -> tuple[int, ...]:
    """The years a paper can claim: its source's year and the one its arXiv id encodes.

    They differ when a preprint of one year is published the next; either may be what a log
    means, and the earlier is when the paper first existed.
    """
    years = {paper.year} if paper.year else set()
    month = arxiv_month(paper.ids.arxiv or "")
    if month:
        years.add(month[0])
    return tuple(sorted(years))


def _first_month(paper: Paper) -> tuple[int, int] | None:
    """The earliest (year, month) the paper is known to exist: its arXiv id, else its date."""
    known = [m for m in (arxiv_month(paper.ids.arxiv or ""),) if m]
    for version in (paper, *paper.versions):
        if version.date and len(version.date) >= 7 and version.date[:4].isdigit():
            known.append((int(version.date[:4]), int(version.date[5:7])))
        elif version.year:
            known.append((version.year, 12))  # only the year: the latest month it allows
    return min(known) if known else None


def check(mention: Mention, paper: Paper) -> _Check:
    """Dates, years and authors as evidence: each may lower a score and says why; a paper far
    newer than the day it was logged, or far from the year the log states, is vetoed."""
    factor, notes = 1.0, []
    for found in (
        _read_before(mention, paper),
        _year_gap(mention, paper),
        _authors(mention, paper),
    ):
        if not found.factor:
            return found
        factor *= found.factor
        notes += [found.note] if found.note else []
    return _Check(factor, "; ".join(notes))


def _read_before(mention: Mention, paper: Paper) -> _Check:
    first = _first_month(paper)
    if mention.date is None or first is None:
        return _Check()
    months = (first[0] - mention.date.year) * 12 + first[1] - mention.date.month
    appeared = f"it appeared {first[0]}-{first[1]:02d}"
    logged = f"the day it was logged ({mention.date.isoformat()})"
    if months > EARLY_READ_VETO_MONTHS:
        return _Check(0.0, f"{appeared}, {months} months after {logged}")
    if months > 0:
        return _Check(EARLY_READ_PENALTY, f"{appeared}, after {logged}: a draft read first?")
    return _Check()


def _year_gap(mention: Mention, paper: Paper) -> _Check:
    year, years = written_year(mention), paper_years(paper)
    if year is None or not years:
        return _Check()
    gap = min(abs(y - year) for y in years)
    note = f"the log says {year}, the paper is from {years[0]}"
    if gap >= YEAR_VETO:
        return _Check(0.0, note)
    return _Check(YEAR_NEAR_PENALTY, note) if gap == 2 else _Check()


def _authors(mention: Mention, paper: Paper) -> _Check:
    """Names the log wrote beside the title, none of whom wrote the paper: suspect, not a veto
    (the log may name a group's lead, the paper its students)."""
    written = written_authors(mention)
    families = {names.fold(a.family) for a in paper.authors}
    if not written or not families:
        return _Check()
    if any(names.fold(part) in families for person in written for part in person.split()):
        return _Check()
    return _Check(AUTHOR_PENALTY, f"none of {', '.join(written)} is among its authors")


def score(mention: Mention, paper: Paper) -> float:
    """How surely `paper` is the one `mention` names, 0..1: best title form times the checks."""
    value, _ = _score(mention_forms(mention), mention_name(mention), mention, paper)
    return value


def _score(
    forms: Sequence[Form], named: tuple[str, str] | None, mention: Mention, paper: Paper
) -> tuple[float, _Check]:
    if mention.ids and mention.ids.key() == paper.key:
        return 1.0, _Check()
    alike = max(likeness(forms, named, v.title) for v in (paper, *paper.versions))
    if not alike:  # a work answers to each of its records' titles (a retitled preprint)
        return 0.0, _Check()
    checked = check(mention, paper)
    if not checked.factor:  # a veto is the reason only for a title close enough to show
        note = f"{paper.title!r} matches {alike:.2f} but {checked.note}"
        return 0.0, _Check(0.0, note if alike >= CANDIDATE_FLOOR else "")
    return round(alike * checked.factor, 4), checked


def decide(
    mention: Mention, candidates: Sequence[Paper], aliases: Sequence[names.Alias] = ()
) -> Match:
    """Matched only when the best is above `MATCH_THRESHOLD` and `MARGIN` ahead of another paper;
    the reason always says what decided it."""
    if mention.not_a_paper:
        return Match(mention, Status.NOT_A_PAPER, reason=mention.not_a_paper)
    candidates = works.merge(candidates)  # a paper never competes with its own versions
    by_id = [p for p in candidates if mention.ids and p.key == mention.ids.key()]
    if by_id:
        return Match(mention, Status.MATCHED, by_id[0], 1.0, reason="id in the notes")
    if names.is_name_only(mention):
        return decide_name(mention, candidates, aliases)
    if not candidates:
        return Match(
            mention, Status.UNRESOLVED, reason="no candidates: no source knows a title like it"
        )
    forms, named = mention_forms(mention), mention_name(mention)
    best_per_paper: dict[str, tuple[Candidate, _Check]] = {}
    for paper in candidates:
        key = paper.key or f"title:{normalise(paper.title)}"
        value, checked = _score(forms, named, mention, paper)
        if key not in best_per_paper or value > best_per_paper[key][0].score:
            best_per_paper[key] = (Candidate(paper, value), checked)
    ranked = sorted(best_per_paper.values(), key=lambda c: (-c[0].score, c[0].paper.key or ""))
    return _judge(mention, ranked)


def _judge(mention: Mention, ranked: Sequence[tuple[Candidate, _Check]]) -> Match:
    shown = tuple(c for c, _ in ranked[:3] if c.score >= CANDIDATE_FLOOR)
    best, checked = ranked[0]
    if best.score < CANDIDATE_FLOOR:
        vetoed = next((n.note for c, n in ranked if not c.score and n.note), "")
        reason = (
            f"ruled out: {vetoed}"
            if vetoed
            else f"no candidate's title is close (closest {best.paper.title!r}, {best.score:.2f})"
        )
        return Match(mention, Status.UNRESOLVED, score=best.score, reason=reason)
    lowered = f"; lowered because {checked.note}" if checked.note else ""
    if best.score < MATCH_THRESHOLD:
        return Match(
            mention,
            Status.AMBIGUOUS,
            score=best.score,
            candidates=shown,
            reason=f"best {best.paper.title!r} scores {best.score:.2f}, under"
            f" {MATCH_THRESHOLD}{lowered}",
        )
    runner_up = ranked[1][0].score if len(ranked) > 1 else 0.0
    if best.score - runner_up < MARGIN:
        return Match(
            mention,
            Status.AMBIGUOUS,
            score=best.score,
            candidates=shown,
            reason=f"runner-up {ranked[1][0].paper.title!r} scores {runner_up:.2f}, within"
            f" {MARGIN} of the best{lowered}",
        )
    reason = f"matched, lowered because {checked.note}" if checked.note else ""
    return Match(mention, Status.MATCHED, best.paper, best.score, shown, reason=reason)


def decide_name(
    mention: Mention, candidates: Sequence[Paper], aliases: Sequence[names.Alias] = ()
) -> Match:
    """A short name maps to the one paper the strongest evidence names, its dates agreeing;
    several papers → ambiguous, best first; none → unresolved with the nearest names."""
    name = mention.alias or mention.title
    found = names.claims(name, candidates, aliases)
    checked = [(claim, check(mention, claim.paper)) for claim in found]
    kept = [(claim, c) for claim, c in checked if c.factor]
    if not kept:
        vetoed = "; ".join(f"{claim.paper.title!r}: {c.note}" for claim, c in checked)
        near = ", ".join(names.nearest(name, candidates)) or "none"
        why = f"ruled out: {vetoed}" if vetoed else f"no paper is called {name!r} (nearest: {near})"
        if given := names.given(name, aliases):
            why = f"{name!r} names {given[0].key()}, which no source returned; {why}"
        return Match(mention, Status.UNRESOLVED, reason=why)
    scored = [Candidate(claim.paper, _name_score(claim) * c.factor) for claim, c in kept]
    shown = tuple(sorted(scored, key=lambda candidate: -candidate.score))
    top = kept[0][0]
    if top.evidence in names.PERSON:
        rivals = [claim for claim, _ in kept[1:] if claim.evidence in names.PERSON]
    else:
        rivals = [claim for claim, _ in kept[1:] if claim.strong]
    if not top.strong or rivals:
        why = (
            f"{len(rivals) + 1} papers are called {name!r}: "
            + ", ".join(f"{c.paper.title!r} ({c.evidence})" for c in (top, *rivals))
            if rivals
            else f"only weak evidence ({top.evidence}) that {top.paper.title!r} is called {name!r}"
        )
        return Match(mention, Status.AMBIGUOUS, score=shown[0].score, candidates=shown, reason=why)
    best = scored[0]
    note = kept[0][1].note
    reason = f"called {name!r} by its {top.evidence}" + (
        f"; lowered because {note}" if note else ""
    )
    if best.score < MATCH_THRESHOLD:
        return Match(mention, Status.AMBIGUOUS, score=best.score, candidates=shown, reason=reason)
    return Match(mention, Status.MATCHED, top.paper, best.score, shown, reason=reason)


def _name_score(claim: names.Claim) -> float:
    if claim.evidence in names.PERSON:
        return PERSON_MATCH
    return NAME_MATCH if claim.strong else MATCH_THRESHOLD - MARGIN
