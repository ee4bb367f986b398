"""The scheduler: services side by side at their own pace, the cache per question, and decisions
that depend on the answers only, never on the order they arrived in."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fake_services import ARXIV, CROSSREF, S2, FakeServices, Record, serve
from papersync.lock import Lock
from papersync.match import identity
from papersync.model import Ids, Mention, Paper, Status
from papersync.resolve import Resolution, resolve
from papersync.sources import Found, Records
from papersync.sources.arxiv import ArxivSource
from papersync.sources.crossref import CrossrefSource
from papersync.sources.http import Http, Policy
from papersync.sources.schedule import Tick, ask_all
from papersync.sources.semanticscholar import SemanticScholarSource

POLICY = Policy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff=0.05)
PACE = {ARXIV: 0.3, S2: 0.1, CROSSREF: 0.1}

ON_ARXIV = [
    Record(f"Learning Things Number {word}", arxiv=f"2301.{n:05d}")
    for n, word in enumerate(
        ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"]
    )
]
S2_ONLY = [
    Record(f"A Study of Recommender Systems in Domain {word}", year=2019)
    for word in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta")
]
CROSSREF_ONLY = [
    Record(f"Wide Models for Click Through Rate Prediction Part {n}", doi=f"10.1145/{n}", year=2016)
    for n in range(3)
]
UNKNOWN = [f"Quantum Gardening Methods Volume {n}" for n in range(3)]


def seed_groups() -> dict[str, list[Mention]]:
    titles = [r.title for r in ON_ARXIV + S2_ONLY + CROSSREF_ONLY] + UNKNOWN
    mentions = (Mention(raw=t, title=t, file="log.md", line=n) for n, t in enumerate(titles))
    return {identity(m): [m] for m in mentions}


def resolve_online(services: FakeServices, cache: Path | None, ticks: list[Tick]) -> Resolution:
    with Http(cache, policy=POLICY) as http:
        online = [
            ArxivSource(http, services.url, interval=PACE[ARXIV], titles_per_query=3),
            SemanticScholarSource(http, services.url, api_key="k", interval=PACE[S2]),
            CrossrefSource(http, services.url, mailto="me@example.org", interval=PACE[CROSSREF]),
        ]
        return resolve(seed_groups(), Lock(), catalog=None, online=online, progress=ticks.append)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve(ON_ARXIV + S2_ONLY + CROSSREF_ONLY) as state:
        for prefix, interval in PACE.items():
            state.limit(prefix, interval, status=503 if prefix == ARXIV else 429)
        yield state


def test_services_are_asked_side_by_side_each_at_its_own_pace(services: FakeServices) -> None:
    ticks: list[Tick] = []
    result = resolve_online(services, None, ticks)
    statuses = [m.status for m in result.matches.values()]
    assert statuses.count(Status.MATCHED) == len(ON_ARXIV + S2_ONLY + CROSSREF_ONLY)
    assert sum(services.violations(p) for p in PACE) == 0
    for prefix, interval in PACE.items():
        assert min(services.gaps(prefix), default=interval) >= interval, prefix
    arxiv_times = [hit.time for hit in services.requests(ARXIV)]
    s2_times = [hit.time for hit in services.requests(S2)]
    crossref_times = [hit.time for hit in services.requests(CROSSREF)]
    assert len(arxiv_times) >= 4
    assert s2_times[0] < arxiv_times[-1], "S2 asked while arXiv is still being paced"
    assert crossref_times[0] < arxiv_times[-1], "and Crossref too"
    assert ticks[-1].done == ticks[-1].total == len(result.matches)
    assert ticks[-1].requests >= len(arxiv_times) and ticks[-1].left == 0.0
    assert any(t.left for t in ticks[:3]), "an estimate of the time left while running"


def test_a_warm_run_with_the_lock_removed_sends_nothing_and_decides_the_same(
    services: FakeServices, tmp_path: Path
) -> None:
    cold = resolve_online(services, tmp_path / "answers.sqlite", [])
    sent = len(services.requests())
    warm = resolve_online(services, tmp_path / "answers.sqlite", [])
    assert len(services.requests()) == sent, "no-match answers (UNKNOWN) are cached too"
    assert warm.matches == cold.matches
    assert warm.lock == cold.lock


@dataclass
class ShuffledSource:
    """An in-process source whose answers arrive after random delays, in random batches."""

    name: str
    answers: Mapping[str, tuple[Paper, ...]]
    seed: int
    batch: int = 2
    workers: int = 2
    interval: float = 0.0
    fail: frozenset[str] = frozenset()
    _random: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def cached(self, mentions: Sequence[Mention]) -> Found:
        return Found()

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        with self._lock:
            delay = self._random.uniform(0, 0.01)
        time.sleep(delay)
        keys = [identity(m) for m in mentions]
        return Found(
            {k: self.answers.get(k, ()) for k in keys if k not in self.fail},
            {k: "connection reset" for k in keys if k in self.fail},
        )

    def lookup(self, ids: Sequence[Ids]) -> Records:
        return Records()


def paper(arxiv: str, title: str) -> Paper:
    return Paper(Ids(arxiv=arxiv), title, "test", year=2020)


def test_the_same_answers_give_the_same_decisions_whatever_their_order(
    mention: Callable[..., Mention],
) -> None:
    """Each title's answers differ per source: a near miss first, the right paper later, a
    rival that makes it ambiguous, a failure; shuffled input and random arrival, same result."""
    titles = [f"Graph Networks for Topic {n}" for n in range(24)]
    mentions = [mention(t, n) for n, t in enumerate(titles)]
    keys = [identity(m) for m in mentions]
    first: dict[str, tuple[Paper, ...]] = {}
    second: dict[str, tuple[Paper, ...]] = {}
    third: dict[str, tuple[Paper, ...]] = {}
    for n, (key, title) in enumerate(zip(keys, titles, strict=True)):
        right = paper(f"2001.{n:05d}", title)
        near = paper(f"2002.{n:05d}", f"{title} and Beyond the Horizon of Things")
        rival = paper(f"2003.{n:05d}", title + "!")
        kind = n % 4
        first[key] = (near,) if kind else (right,)
        second[key] = (rival,) if kind == 1 else ()
        third[key] = (right,) if kind in (1, 2) else ()
    outcomes = set()
    for seed in range(4):
        order = list(mentions)
        random.Random(seed).shuffle(order)
        sources = [
            ShuffledSource("first", first, seed, batch=3),
            ShuffledSource("second", second, seed + 10, fail=frozenset(keys[3::8])),
            ShuffledSource("third", third, seed + 20, batch=1, workers=3),
        ]
        result = resolve({identity(m): [m] for m in order}, Lock(), catalog=None, online=sources)
        outcomes.add(
            tuple(
                sorted(
                    (k, m.status.value, m.paper.key if m.paper else None)
                    for k, m in result.matches.items()
                )
            )
        )
    assert len(outcomes) == 1
    (decided,) = outcomes
    assert {status for _, status, _ in decided} >= {"matched", "ambiguous"}


def test_a_title_goes_on_only_while_unsettled_and_pools_in_source_order(
    mention: Callable[..., Mention],
) -> None:
    m = mention("Graph Networks for Topic X")
    key = identity(m)
    near = paper("2002.00001", "Graph Networks for Topic X and Beyond the Horizon of Things")
    right = paper("2001.00001", "Graph Networks for Topic X")
    sources = [
        ShuffledSource("a", {key: (near,)}, 1),
        ShuffledSource("b", {key: (right,)}, 2),
        ShuffledSource("c", {key: (near,)}, 3),
    ]

    def settled(_: Mention, pooled: Sequence[Paper]) -> bool:
        return right in pooled

    asked = ask_all({key: m}, sources, settled)
    assert asked.pooled[key] == (near, right), "c is never asked once b settled it"


def test_a_mention_a_source_leaves_out_is_not_answered(mention: Callable[..., Mention]) -> None:
    class Silent(ShuffledSource):
        def candidates(self, mentions: Sequence[Mention]) -> Found:
            return Found()

    m = mention("Graph Networks for Topic Y")
    asked = ask_all({identity(m): m}, [Silent("silent", {}, 1)], lambda *_: False)
    assert asked.failed[identity(m)] == {"silent": "no answer from the source"}
