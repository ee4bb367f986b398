"""DBLP's publication search, against a real HTTP server answering in DBLP's JSON format."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from fake_services import DBLP, FakeServices, Record, serve
from papersync import match
from papersync.model import Author, Ids, Mention, PaperKind, Status
from papersync.sources.dblp import DblpSource, parse_hit, parse_search
from papersync.sources.http import Http, MalformedResponse

RESNET_CVPR = Record(
    title="Deep Residual Learning for Image Recognition",
    doi="10.1109/cvpr.2016.90",
    authors=("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
    year=2016,
    venue="CVPR",
    pages="770--778",
    dblp="conf/cvpr/HeZRS16",
)
RESNET_CORR = Record(
    title="Deep Residual Learning for Image Recognition",
    arxiv="1512.03385",
    authors=RESNET_CVPR.authors,
    year=2015,
    dblp="journals/corr/HeZRS15",
    dblp_type="Informal and Other Publications",
)
SOLO = Record(
    title="A Single Author Paper",
    authors=("Ada Lovelace 0002",),
    year=2021,
    dblp="journals/x/Lovelace21",
    dblp_type="Journal Articles",
    venue="X",
)
EDITORSHIP = Record(
    title="Proceedings of Deep Residual Learning",
    year=2016,
    dblp="conf/x/2016",
    dblp_type="Editorship",
)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([RESNET_CVPR, RESNET_CORR, SOLO, EDITORSHIP]) as state:
        yield state


@pytest.fixture
def source(http: Http, services: FakeServices) -> DblpSource:
    return DblpSource(http, services.url, interval=0.0)


def test_a_conference_hit_reads_every_field(source: DblpSource) -> None:
    found = {p.ids.dblp: p for p in source.search("Deep Residual Learning: for Image Recognition?")}
    cvpr = found["conf/cvpr/HeZRS16"]
    assert cvpr.title == "Deep Residual Learning for Image Recognition"
    assert (cvpr.kind, cvpr.venue, cvpr.year, cvpr.pages) == (
        PaperKind.CONFERENCE,
        "CVPR",
        2016,
        "770--778",
    )
    assert cvpr.ids == Ids(doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
    assert cvpr.authors[0] == Author("He", "Kaiming")
    corr = found["journals/corr/HeZRS15"]
    assert (corr.kind, corr.ids.arxiv) == (PaperKind.PREPRINT, "1512.03385")
    assert "conf/x/2016" not in found  # a whole proceedings volume is not a paper


def test_one_author_given_bare_and_homonym_numbers_dropped(source: DblpSource) -> None:
    (paper,) = source.search("A Single Author Paper")
    assert paper.authors == (Author("Lovelace", "Ada"),)
    assert paper.kind is PaperKind.ARTICLE


def test_requests_carry_the_query_and_the_json_format(
    source: DblpSource, services: FakeServices
) -> None:
    source.search("Deep Residual Learning for Image Recognition")
    (hit,) = services.requests(DBLP)
    assert hit.query["format"] == ["json"]
    assert hit.query["q"] == ["Deep Residual Learning for Image Recognition"]


def test_the_published_version_and_its_preprint_become_one_work(
    source: DblpSource, mention: Callable[..., Mention]
) -> None:
    wanted = mention("Deep Residual Learning for Image Recognition")
    found = source.candidates([wanted])
    decided = match.decide(wanted, found.candidates[match.identity(wanted)])
    assert decided.status is Status.MATCHED and decided.paper is not None
    assert decided.paper.ids.arxiv == "1512.03385"
    assert (decided.paper.kind, decided.paper.year) == (PaperKind.CONFERENCE, 2016)


def test_no_hits_is_an_empty_answer_and_a_broken_body_a_failure() -> None:
    empty = {"result": {"hits": {"@total": "0", "@computed": "0", "@sent": "0", "@first": "0"}}}
    assert parse_search(empty) == ()
    with pytest.raises(MalformedResponse):
        parse_search({"result": {}})
    assert parse_hit({"title": "No key.", "type": "Journal Articles"}) is None


def test_an_unreachable_service_is_a_failure_per_mention(
    http: Http, mention: Callable[..., Mention]
) -> None:
    source = DblpSource(http, "http://127.0.0.1:9", interval=0.0)
    found = source.candidates([mention("Anything at all")])
    assert list(found.failed) == [match.identity(mention("Anything at all"))]
