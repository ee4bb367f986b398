"""A short name online: Semantic Scholar's search supplies candidates, `match` decides on the
evidence in their titles and abstracts, as offline; the answer is cached per name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from fake_services import S2, FakeServices, Record, serve
from papersync.lock import Lock
from papersync.match import identity
from papersync.model import Mention, Status
from papersync.resolve import Resolution, resolve
from papersync.sources.http import Http
from papersync.sources.semanticscholar import SemanticScholarSource

DETR = Record(
    "End-to-End Object Detection with Transformers",
    arxiv="2005.12872",
    authors=("Nicolas Carion", "Francisco Massa"),
    year=2020,
    abstract="We present a new method that views object detection as a direct set prediction"
    " problem. The main ingredients of the new framework, called DEtection TRansformer or DETR,"
    " are a set-based global loss and a transformer encoder-decoder architecture.",
)
FOLLOW_UP = Record(
    "Deformable Transformers for End-to-End Object Detection",
    arxiv="2010.04159",
    authors=("Xizhou Zhu",),
    year=2020,
    abstract="DETR has been recently proposed to eliminate the need for many hand-designed"
    " components in object detection. It suffers from slow convergence.",
)
SIM_RECOMMENDER = Record(
    "Search-based User Interest Modeling with Lifelong Sequential Behavior Data",
    arxiv="2006.05639",
    authors=("Qi Pi",),
    year=2020,
    abstract="In this paper we propose a novel Search-based Interest Model (SIM) to model"
    " lifelong user behavior sequences.",
)
SIM_METRIC = Record(
    "A Similarity Measure for Image Retrieval",
    doi="10.5555/sim.metric",
    authors=("Ada Other",),
    year=2019,
    abstract="We propose a Structural Image Measure (SIM) that compares images by their parts.",
)
CHECKLIST_MENTION = Record(
    "Behavioral Testing of Language Models at Scale",
    arxiv="2301.00001",
    authors=("Bea Tester",),
    year=2023,
    abstract="Unlike CheckList, our tests are generated automatically from a specification.",
)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([DETR, FOLLOW_UP, SIM_RECOMMENDER, SIM_METRIC, CHECKLIST_MENTION]) as state:
        yield state


def named(name: str, line: int = 1) -> Mention:
    """A mention as `[DETR]` in a reading list gives it: the name is its title and alias."""
    return Mention(raw=f"[{name}]", title=name, file="list.md", line=line, alias=name)


def resolved(http: Http, services: FakeServices, *mentions: Mention) -> Resolution:
    source = SemanticScholarSource(http, services.url, interval=0.0)
    return resolve({identity(m): (m,) for m in mentions}, Lock(), catalog=None, online=[source])


def statuses(resolution: Resolution, mentions: Sequence[Mention]) -> list[Status]:
    return [resolution.matches[identity(m)].status for m in mentions]


def test_a_name_defined_in_one_hits_abstract_resolves_to_it(
    services: FakeServices, http: Http
) -> None:
    detr = named("DETR")
    result = resolved(http, services, detr).matches[identity(detr)]
    assert result.status is Status.MATCHED, result.reason
    assert result.paper is not None and result.paper.ids.arxiv == DETR.arxiv
    assert "abstract" in result.reason
    (hit,) = services.requests(S2)
    assert hit.path == f"{S2}/paper/search", "a bare name never asks the title-match endpoint"
    assert hit.query["query"] == ["DETR"]
    assert "abstract" in hit.query["fields"][0]


def test_two_hits_claiming_the_name_are_ambiguous(services: FakeServices, http: Http) -> None:
    sim = named("SIM")
    result = resolved(http, services, sim).matches[identity(sim)]
    assert result.status is Status.AMBIGUOUS, result.reason
    assert {c.paper.title for c in result.candidates} == {SIM_RECOMMENDER.title, SIM_METRIC.title}


def test_a_hit_that_only_mentions_the_name_is_not_matched(
    services: FakeServices, http: Http
) -> None:
    checklist = named("CheckList")
    result = resolved(http, services, checklist).matches[identity(checklist)]
    assert [h.path for h in services.requests(S2)] == [f"{S2}/paper/search"], "the name was asked"
    assert result.status is not Status.MATCHED, result.reason
    assert result.paper is None


def test_a_name_asked_once_is_answered_from_the_cache(services: FakeServices, http: Http) -> None:
    mentions = [named("DETR"), named("SIM", line=2), named("CheckList", line=3)]
    cold = resolved(http, services, *mentions)
    sent = len(services.requests(S2))
    warm = resolved(http, services, *mentions)
    assert sent == len(mentions)
    assert len(services.requests(S2)) == sent, "a warm run sends nothing"
    assert statuses(warm, mentions) == statuses(cold, mentions)
    assert statuses(cold, mentions)[0] is Status.MATCHED


def test_a_name_is_asked_as_papers_write_it(services: FakeServices, http: Http) -> None:
    resolved(http, services, named("DETRv1"))
    assert [h.query["query"] for h in services.requests(S2)] == [["DETR"]]
