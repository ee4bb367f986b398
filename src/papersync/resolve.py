"""Turn each distinct mention into a decision: the lock file first, then the catalog, then online.

Sources only supply candidates; `match.decide` chooses, on the pooled answers of every source
asked, so the same answers give the same decision whatever order they arrived in. A decision the
lock file already holds is reused without asking any network source, so a growing log only
costs requests for what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from papersync import match, names, works
from papersync.errors import CatalogError, SourceError
from papersync.lock import Decision, Lock
from papersync.model import DecidedBy, Ids, Match, Mention, MentionKind, Paper, Status
from papersync.sources import Found, OnlineSource, Records, Source
from papersync.sources.schedule import Asked, Progress, ask_all

Enrich = Callable[[Sequence[Paper]], Sequence[Paper]]


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
    online: Sequence[OnlineSource] = (),
    enrich: Enrich | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    aliases: Sequence[names.Alias] = (),
) -> Resolution:
    """Decide every identity in `groups`; `online` empty means offline (lock and catalog only).

    `aliases` are names a person gave papers (a vault note's `aliases`); with the names the
    person settled in review (`reviewed`) they decide every mention written only as that
    name: the papers they name are looked up by id (never searched for by the name) and win
    on the person's word. A name the lock decided automatically is decided again when a
    person has named it since.

    A mention this run could not ask about as fully as the run that decided it (a source
    failed, the run is offline, or the lock kept it from the network) keeps the lock's
    decision unless the answers it did get match it: "could not ask" is never "no match",
    with `--refresh` too. Online sources run side by side (`sources.schedule`).
    """
    mentions = {key: representative(group) for key, group in groups.items()}
    failures: dict[str, str] = {}
    person = (*aliases, *reviewed(lock, mentions))
    named = {k: given for k, m in mentions.items() if (given := _given(m, person))}
    from_lock = {
        k: d
        for k in mentions
        if (d := _reusable(lock, k, refresh)) is not None
        and (k not in named or d.decided_by is DecidedBy.USER)
    }
    sources: list[Source] = [catalog] if catalog is not None else []
    sources += online
    known = _lookup(
        [d.ids for d in from_lock.values() if d.ids]
        + [m.ids for k, m in mentions.items() if k not in from_lock and m.ids],
        sources,
        failures,
    )
    results = {key: _from_decision(mentions[key], d, known) for key, d in from_lock.items()}
    undecided: dict[str, Mention] = {}
    for key, mention in mentions.items():
        paper = known.get(mention.ids) if mention.ids else None
        if key in results:
            continue
        if paper is not None:
            results[key] = Match(mention, Status.MATCHED, paper, 1.0, reason="id in the notes")
        else:
            undecided[key] = mention

    searched = {k: m for k, m in undecided.items() if k not in named}
    asked, online_keys = _gather(searched, catalog, online, lock, refresh, failures, progress)
    asked = _with_named(asked, {k: named[k] for k in undecided if k in named}, sources, failures)
    decided, retry, kept = _decide(undecided, asked, online_keys, lock, person)
    results.update(decided)
    if kept:  # the catalog still has the records of what the lock keeps (no request needed)
        local = [catalog] if catalog is not None else []
        known.update(_lookup([d.ids for d in kept.values() if d.ids], local, failures))
        results.update({k: _from_decision(mentions[k], d, known) for k, d in kept.items()})
        from_lock.update(kept)

    results = _enriched(results, enrich, {k: m for k, m in undecided.items() if k not in from_lock})
    if catalog is not None and (fresh := _worth_keeping(results.values())):
        catalog.upsert(fresh)
    return Resolution(results, _new_lock(lock, results, from_lock, retry, mentions), failures)


def _new_lock(
    lock: Lock,
    results: Mapping[str, Match],
    from_lock: Mapping[str, Decision],
    retry: Collection[str],
    mentions: Mapping[str, Mention],
) -> Lock:
    """The lock with this run's decisions; those it kept show the log's current wording."""
    decisions = {
        key: _decision(m, retry=key in retry) for key, m in results.items() if key not in from_lock
    }
    decisions.update(
        {
            key: replace(d, raw=mentions[key].raw)
            for key, d in from_lock.items()
            if d.decided_by is DecidedBy.AUTO and d.raw != mentions[key].raw
        }
    )
    return lock.with_decisions(decisions)


def _decide(
    undecided: Mapping[str, Mention],
    asked: Asked,
    asked_online: Collection[str],
    lock: Lock,
    aliases: Sequence[names.Alias] = (),
) -> tuple[dict[str, Match], set[str], dict[str, Decision]]:
    """Each mention decided on its pooled answers (but those the lock keeps); the ones to ask
    again next run; and the lock decisions kept because this run could not ask as much as
    the run that made them."""
    results: dict[str, Match] = {}
    retry: set[str] = set()
    kept: dict[str, Decision] = {}
    for key, mention in undecided.items():
        decided = match.decide(mention, _unique(asked.pooled.get(key, ())), aliases)
        failed = asked.failed.get(key)
        last = lock.decisions.get(key)
        unanswered = bool(failed) or key not in asked_online
        if unanswered and last is not None and _outranks(last, decided.status):
            kept[key] = last  # an outage, an offline run or a catalog alone undoes nothing
            continue
        if failed and decided.status is not Status.MATCHED:
            retry.add(key)
            decided = replace(decided, reason=f"source failed ({', '.join(sorted(failed))})")
        results[key] = decided
    return results, retry, kept


def reviewed(lock: Lock, mentions: Mapping[str, Mention]) -> tuple[names.Alias, ...]:
    """The names a person settled in review: a mention written only as a name that the lock
    holds a `decided_by: user` match for names that paper wherever else it is written."""
    return tuple(
        names.Alias(_name(mentions[key]), decision.ids, "review")
        for key, decision in sorted(lock.decisions.items())
        if decision.decided_by is DecidedBy.USER
        and decision.status is Status.MATCHED
        and decision.ids
        and key in mentions
        and names.is_name_only(mentions[key])
    )


def _name(mention: Mention) -> str:
    return mention.alias or mention.title


def _given(mention: Mention, aliases: Sequence[names.Alias]) -> tuple[Ids, ...]:
    """The ids of the papers a person named the way `mention` is written, if it is a name."""
    return names.given(_name(mention), aliases) if names.is_name_only(mention) else ()


def _outranks(last: Decision, status: Status) -> bool:
    """Whether the lock's decision says more than a new one reached on fewer answers: a match
    (or not-a-paper, or a person's word) over anything but a match, ambiguous over nothing."""
    if status is Status.MATCHED:
        return False
    if last.decided_by is DecidedBy.USER or last.status in (Status.MATCHED, Status.NOT_A_PAPER):
        return True
    return last.status is Status.AMBIGUOUS and status is Status.UNRESOLVED


def _reusable(lock: Lock, key: str, refresh: bool) -> Decision | None:
    """The lock's decision when this run takes it as it is, without asking any source: a
    person's, or (unless refreshing) a match or not-a-paper."""
    decision = lock.decisions.get(key)
    if decision is None or (refresh and decision.decided_by is not DecidedBy.USER):
        return None
    good = decision.status in (Status.MATCHED, Status.NOT_A_PAPER)
    return decision if good or decision.decided_by is DecidedBy.USER else None


def _gather(
    undecided: Mapping[str, Mention],
    catalog: PaperStore | None,
    online: Sequence[OnlineSource],
    lock: Lock,
    refresh: bool,
    failures: dict[str, str],
    progress: Progress | None,
) -> tuple[Asked, Collection[str]]:
    """The catalog first (local, all at once), then the online sources side by side for what
    it did not settle and the lock does not settle either; and which mentions went online.

    With the online sources at hand, the catalog answers with what was imported into it, not
    with what it remembered of earlier online answers (the answer cache holds those, per
    question): a title's decision never depends on what other titles' runs left behind.
    """
    pooled: dict[str, tuple[Paper, ...]] = {}
    failed: dict[str, dict[str, str]] = {key: {} for key in undecided}
    if catalog is not None and undecided:
        found = _catalog_candidates(catalog, list(undecided.values()))
        _note_failures(catalog.name, list(found.failed.values()), failures, "title(s) not answered")
        for key in undecided:
            pooled[key] = tuple(
                p for p in found.candidates.get(key, ()) if not online or p.source == catalog.name
            )
            if key in found.failed:
                failed[key][catalog.name] = found.failed[key]
    networked = {
        k: m
        for k, m in undecided.items()
        if _may_ask(k, lock, refresh) and not _settles(m, pooled.get(k, ()))
    }
    asked = ask_all(networked, online, _settles, progress)
    for key, reasons in asked.failed.items():
        failed[key].update(reasons)
    for source in online:
        _note_failures(
            source.name,
            [r[source.name] for r in asked.failed.values() if source.name in r],
            failures,
            "title(s) not answered",
        )
    for key, papers in asked.pooled.items():
        pooled[key] = pooled.get(key, ()) + papers
    return Asked(pooled, {k: r for k, r in failed.items() if r}), networked.keys() if online else ()


def _with_named(
    asked: Asked,
    named: Mapping[str, Sequence[Ids]],
    sources: Sequence[Source],
    failures: dict[str, str],
) -> Asked:
    """The answers with each named paper's record as a candidate of the mentions written as
    its name: no title search finds a paper by a name only a person gave it."""
    fetched = _lookup([i for ids in named.values() for i in ids], sources, failures)
    pooled = dict(asked.pooled)
    for key, ids in named.items():
        pooled[key] = pooled.get(key, ()) + tuple(fetched[i] for i in ids if i in fetched)
    return replace(asked, pooled=pooled)


def _settles(mention: Mention, candidates: Sequence[Paper]) -> bool:
    return match.decide(mention, _unique(candidates)).status is Status.MATCHED


def _may_ask(key: str, lock: Lock, refresh: bool) -> bool:
    """Network sources are asked only for what the lock file does not already settle."""
    decision = lock.decisions.get(key)
    return refresh or decision is None or not decision.settled


def _catalog_candidates(catalog: PaperStore, mentions: Sequence[Mention]) -> Found:
    try:
        return catalog.candidates(mentions)
    except (CatalogError, SourceError) as exc:  # a source that breaks mid-run is a failure
        return Found(failed={match.identity(m): str(exc) for m in mentions})


def _note_failures(
    name: str, reasons: Collection[str], failures: dict[str, str], what: str
) -> None:
    """One line per source and kind of question, joined to what it already failed at."""
    if reasons:
        line = f"{len(reasons)} {what}: {sorted(set(reasons))[0]}"
        failures[name] = f"{failures[name]}; {line}" if name in failures else line


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
            found = source.lookup(missing)
        except (CatalogError, SourceError) as exc:  # one source failing must not stop the rest
            found = Records(failed=dict.fromkeys(missing, str(exc)))
        known.update(found.papers)
        _note_failures(source.name, list(found.failed.values()), failures, "id lookup(s) failed")
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
    """One candidate per paper: two sources' copies of one record are one candidate (the first),
    while a published record stating a preprint's id (Crossref's `has-preprint`, Semantic
    Scholar's `externalIds`) and that preprint become one work, the published fields winning."""
    seen: dict[str, list[Paper]] = {}
    anonymous: list[Paper] = []
    for paper in papers:
        key = paper.key
        if key is None:
            anonymous.append(paper)
        else:
            seen.setdefault(key, []).append(paper)
    return [*(_one(records) for records in seen.values()), *anonymous]


def _one(records: Sequence[Paper]) -> Paper:
    """The records of one key as one candidate: a work when they are of different kinds."""
    merged = works.merge(records) if len({r.kind for r in records}) > 1 else ()
    return merged[0] if len(merged) == 1 else records[0]


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
