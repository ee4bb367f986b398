"""Turn each distinct mention into a decision: the lock file first, then the catalog, then online.

Sources only supply candidates; `match.decide` chooses. A decision the lock file already holds
is reused without asking any network source, so a growing log only costs requests for what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from papersync import match
from papersync.errors import CatalogError, SourceError
from papersync.lock import Decision, Lock
from papersync.model import DecidedBy, Ids, Match, Mention, MentionKind, Paper, Status
from papersync.sources import Found, Source

Enrich = Callable[[Sequence[Paper]], Sequence[Paper]]
Progress = Callable[[str, int], None]
"""Called with a stage name and how many mentions it handled, for progress display."""


class PaperStore(Source, Protocol):
    """The local catalog as resolve needs it: a source that also remembers what was found."""

    def upsert(self, papers: Iterable[Paper]) -> object: ...


@dataclass(frozen=True)
class Resolution:
    matches: Mapping[str, Match]
    """Mention identity → decision, for every distinct mention."""
    lock: Lock
    failures: Mapping[str, str] = field(default_factory=dict)
    """Source name → one line saying what went wrong with it this run."""


def representative(mentions: Sequence[Mention]) -> Mention:
    """The mention that says most about the paper: a read entry with ids and a year, first."""
    return min(
        mentions,
        key=lambda m: (
            not m.ids,
            m.kind is not MentionKind.READ,
            m.inferred,
            m.year_hint is None,
            m.file,
            m.line,
        ),
    )


def resolve(
    groups: Mapping[str, Sequence[Mention]],
    lock: Lock,
    *,
    catalog: PaperStore | None,
    online: Sequence[Source] = (),
    enrich: Enrich | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Resolution:
    """Decide every identity in `groups`; `online` empty means offline (lock and catalog only)."""
    mentions = {key: representative(group) for key, group in groups.items()}
    results: dict[str, Match] = {}
    failures: dict[str, str] = {}
    retry: set[str] = set()

    def reusable(key: str) -> Decision | None:
        decision = lock.decisions.get(key)
        if decision is None or (refresh and decision.decided_by is not DecidedBy.USER):
            return None
        if decision.status in (Status.MATCHED, Status.NOT_A_PAPER) or (
            decision.decided_by is DecidedBy.USER
        ):
            return decision
        return None

    from_lock = {key: d for key in mentions if (d := reusable(key)) is not None}
    sources: list[Source] = [catalog] if catalog is not None else []
    sources += online
    known = _lookup(
        [d.ids for d in from_lock.values() if d.ids]
        + [m.ids for k, m in mentions.items() if k not in from_lock and m.ids],
        sources,
        failures,
    )
    for key, decision in from_lock.items():
        results[key] = _from_decision(mentions[key], decision, known)

    undecided = {k: m for k, m in mentions.items() if k not in results}
    for key, mention in list(undecided.items()):
        paper = known.get(mention.ids) if mention.ids else None
        if paper is not None:
            results[key] = Match(mention, Status.MATCHED, paper, 1.0, reason="id in the notes")
            del undecided[key]

    pooled: dict[str, list[Paper]] = {key: [] for key in undecided}
    stages: list[tuple[Source, bool]] = [(catalog, False)] if catalog is not None else []
    stages += [(source, True) for source in online]
    for source, networked in stages:
        asked = {
            k: m
            for k, m in undecided.items()
            if k not in results and (not networked or _may_ask(k, lock, refresh))
        }
        if not asked:
            continue
        if progress:
            progress(source.name, len(asked))
        found = _ask(source, list(asked.values()), failures)
        for key, mention in asked.items():
            if key in found.failed:
                retry.add(key)
            pooled[key].extend(found.candidates.get(key, ()))
            decided = match.decide(mention, _unique(pooled[key]))
            if decided.status is Status.MATCHED:
                results[key] = decided

    for key, mention in undecided.items():
        if key in results:
            continue
        results[key] = match.decide(mention, _unique(pooled[key]))
        if key in retry and results[key].status is not Status.MATCHED:
            results[key] = replace(
                results[key], reason=f"source failed ({', '.join(sorted(failures))})"
            )

    results = _enriched(results, enrich, undecided)
    if catalog is not None and (fresh := _worth_keeping(results.values())):
        catalog.upsert(fresh)
    decisions = {
        key: _decision(m, retry=key in retry) for key, m in results.items() if key not in from_lock
    }
    decisions.update(
        {  # the lock shows the log's current wording of a mention it settled earlier
            key: replace(d, raw=mentions[key].raw)
            for key, d in from_lock.items()
            if d.decided_by is DecidedBy.AUTO and d.raw != mentions[key].raw
        }
    )
    return Resolution(results, lock.with_decisions(decisions), failures)


def _may_ask(key: str, lock: Lock, refresh: bool) -> bool:
    """Network sources are asked only for what the lock file does not already settle."""
    decision = lock.decisions.get(key)
    return refresh or decision is None or not decision.settled


def _ask(source: Source, mentions: Sequence[Mention], failures: dict[str, str]) -> Found:
    try:
        found = source.candidates(mentions)
    except (CatalogError, SourceError) as exc:  # a source that breaks mid-run is a failure
        found = Found(failed={match.identity(m): str(exc) for m in mentions})
    if found.failed:
        reasons = sorted(set(found.failed.values()))
        failures[source.name] = f"{len(found.failed)} title(s) not answered: {reasons[0]}"
    return found


def _lookup(
    ids: Sequence[Ids], sources: Sequence[Source], failures: dict[str, str]
) -> dict[Ids, Paper]:
    """Full records for papers known by id, asking each source only for what is still missing."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    known: dict[Ids, Paper] = {}
    for source in sources:
        missing = [i for i in wanted if i not in known]
        if not missing:
            break
        try:
            known.update(source.lookup(missing))
        except (CatalogError, SourceError) as exc:  # one source failing must not stop the rest
            failures[source.name] = f"lookup by id failed: {exc}"
    return known


def _from_decision(mention: Mention, decision: Decision, known: Mapping[Ids, Paper]) -> Match:
    by = DecidedBy.USER if decision.decided_by is DecidedBy.USER else DecidedBy.LOCK
    if decision.status is not Status.MATCHED or not decision.ids:
        status = Status.UNRESOLVED if decision.status is Status.MATCHED else decision.status
        return Match(mention, status, score=decision.score, decided_by=by, reason="lock file")
    paper = known.get(decision.ids) or Paper(
        ids=decision.ids, title=decision.title or mention.title, source="lock"
    )
    return Match(mention, Status.MATCHED, paper, decision.score or 1.0, decided_by=by)


def _unique(papers: Iterable[Paper]) -> list[Paper]:
    """One candidate per paper: two sources naming the same arXiv id are one candidate."""
    seen: dict[str, Paper] = {}
    anonymous: list[Paper] = []
    for paper in papers:
        key = paper.key
        if key is None:
            anonymous.append(paper)
        elif key not in seen:
            seen[key] = paper
    return [*seen.values(), *anonymous]


def _enriched(
    results: dict[str, Match], enrich: Enrich | None, fresh: Mapping[str, Mention]
) -> dict[str, Match]:
    """Let a source add venue and DOI to papers matched this run (not to lock-settled ones)."""
    targets = [m.paper for k, m in results.items() if k in fresh and m.paper is not None]
    if enrich is None or not targets:
        return results
    better = {p.key: p for p in enrich(targets) if p.key}
    return {
        key: replace(m, paper=better.get(m.paper.key or "", m.paper))
        if key in fresh and m.paper is not None
        else m
        for key, m in results.items()
    }


def _worth_keeping(matches: Iterable[Match]) -> list[Paper]:
    """Papers the catalog should remember: those online sources gave (matches, and candidates a
    user may pick in review); what came from the catalog itself is already there."""
    papers = [m.paper for m in matches if m.paper is not None]
    papers += [c.paper for m in matches for c in m.candidates]
    return _unique(p for p in papers if p.source not in ("catalog", "lock"))


def _decision(m: Match, *, retry: bool) -> Decision:
    paper = m.paper
    return Decision(
        status=m.status,
        raw=m.mention.raw,
        ids=paper.ids if paper else Ids(),
        title=paper.title if paper else None,
        score=round(m.score, 3),  # as the lock file stores it, so reloading compares equal
        decided_by=DecidedBy.AUTO,
        retry=retry and m.status is not Status.MATCHED,
    )
