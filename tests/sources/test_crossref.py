"""Crossref: work parsing on payloads; works by DOI and bibliographic query on a local server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fake_services import CROSSREF, FakeServices, Fault, Record, serve
from papersync.match import identity
from papersync.model import Author, Ids, Mention, PaperKind
from papersync.sources.crossref import (
    CrossrefSource,
    parse_work,
    parse_work_list,
    parse_work_payload,
    strip_jats,
)
from papersync.sources.http import Http, MalformedResponse, Policy

INTERVAL = 0.1
POLICY = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05)

FM = Record(
    "Factorization Machines",
    doi="10.1109/ICDM.2010.127",
    authors=("Steffen Rendle",),
    year=2010,
    date="2010-12",
    venue="2010 IEEE International Conference on Data Mining",
    crossref_type="proceedings-article",
    pages="995-1000",
    publisher="IEEE",
)
WDL = Record(
    "Wide & Deep Learning for Recommender Systems",
    doi="10.1145/2988450.2988454",
    authors=("Heng-Tze Cheng", "=Google Inc."),
    year=2016,
    date="2016-09-15",
    venue="Proceedings of the 1st Workshop on Deep Learning for Recommender Systems",
    crossref_type="proceedings-article",
    abstract="Generalized linear models with nonlinear feature transformations",
)
DATASET = Record("Factorization Machines Data", doi="10.5281/zenodo.1", crossref_type="dataset")

WORK: dict[str, Any] = {
    "DOI": "10.1103/PhysRevB.89.140501",
    "type": "journal-article",
    "title": ["Particle entanglement in continuum many-body systems"],
    "subtitle": ["a quantum Monte Carlo study"],
    "author": [
        {"given": "C. M.", "family": "Herdman", "sequence": "first", "affiliation": []},
        {"name": "The QMC Collaboration", "sequence": "additional", "affiliation": []},
    ],
    "container-title": ["Physical Review B"],
    "issued": {"date-parts": [[2014, 4, 4]]},
    "volume": "89",
    "issue": "14",
    "page": "140501",
    "publisher": "American Physical Society (APS)",
    "URL": "https://doi.org/10.1103/physrevb.89.140501",
    "abstract": "<jats:title>Abstract</jats:title>\n  <jats:p>We compute the &lt;i&gt;entanglement"
    "</jats:p><jats:p>Second  paragraph.</jats:p>",
}


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([FM, WDL, DATASET]) as state:
        yield state


def source(http: Http, services: FakeServices) -> CrossrefSource:
    return CrossrefSource(http, services.url, mailto="me@example.org", interval=INTERVAL)


def test_parse_work_reads_every_field() -> None:
    paper = parse_work(WORK)
    assert paper is not None
    assert paper.ids == Ids(doi="10.1103/physrevb.89.140501")
    assert paper.title == (
        "Particle entanglement in continuum many-body systems: a quantum Monte Carlo study"
    )
    assert paper.authors == (
        Author("Herdman", "C. M."),
        Author("The QMC Collaboration", literal=True),
    )
    assert (paper.kind, paper.venue) == (PaperKind.ARTICLE, "Physical Review B")
    assert (paper.year, paper.date) == (2014, "2014-04-04")
    assert (paper.volume, paper.issue, paper.pages) == ("89", "14", "140501")
    assert paper.publisher == "American Physical Society (APS)"
    assert paper.abstract == "We compute the <i>entanglement Second paragraph."
    assert paper.source == "crossref"


@pytest.mark.parametrize(
    ("crossref_type", "kind"),
    [
        ("journal-article", PaperKind.ARTICLE),
        ("proceedings-article", PaperKind.CONFERENCE),
        ("book", PaperKind.BOOK),
        ("book-chapter", PaperKind.BOOK),
        ("posted-content", PaperKind.PREPRINT),
        ("report", PaperKind.REPORT),
        ("dataset", None),
        ("reference-entry", None),
    ],
)
def test_work_types(crossref_type: str, kind: PaperKind | None) -> None:
    paper = parse_work({**WORK, "type": crossref_type})
    assert (paper.kind if paper else None) == kind


@pytest.mark.parametrize(
    ("issued", "year", "date"),
    [
        pytest.param({"date-parts": [[2018]]}, 2018, "2018", id="year"),
        pytest.param({"date-parts": [[2018, 4]]}, 2018, "2018-04", id="month"),
        pytest.param({"date-parts": [[None]]}, None, None, id="none"),
    ],
)
def test_partial_dates(issued: dict[str, Any], year: int | None, date: str | None) -> None:
    work = {k: v for k, v in WORK.items() if k != "issued"}
    paper = parse_work({**work, "issued": issued})
    assert paper is not None and (paper.year, paper.date) == (year, date)


def test_strip_jats_keeps_text_only() -> None:
    assert strip_jats("<jats:sec><jats:title>Abstract</jats:title><jats:p>A &amp; B</jats:p>") == (
        "A & B"
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"status": "failed", "message-type": "validation-failure"}, id="error"),
        pytest.param([], id="list"),
    ],
)
def test_unexpected_payloads_are_malformed(body: Any) -> None:
    with pytest.raises(MalformedResponse):
        parse_work_payload(body)
    with pytest.raises(MalformedResponse):
        parse_work_list(body)


def test_work_by_doi(services: FakeServices, http: Http, mention: Callable[..., Mention]) -> None:
    linked = mention("", ids=Ids(doi="10.1109/icdm.2010.127"))
    unknown = mention("", ids=Ids(doi="10.9999/nope"))
    found = source(http, services).candidates([linked, unknown])
    assert not found.failed
    (paper,) = found.candidates[identity(linked)]
    assert (paper.title, paper.kind, paper.pages) == (FM.title, PaperKind.CONFERENCE, "995-1000")
    assert found.candidates[identity(unknown)] == ()
    hits = services.requests(CROSSREF)
    assert hits[0].path == f"{CROSSREF}/10.1109/icdm.2010.127"
    assert all(h.query["mailto"] == ["me@example.org"] for h in hits)
    assert services.gaps(CROSSREF)[0] >= INTERVAL


def test_lookup_by_doi(services: FakeServices, http: Http) -> None:
    ids = [Ids(doi="10.1145/2988450.2988454"), Ids(arxiv="1606.07792")]
    found = source(http, services).lookup(ids)
    papers = found.papers
    assert list(papers) == [ids[0]] and not found.failed
    assert papers[ids[0]].authors[1] == Author("Google Inc.", literal=True)


def test_bibliographic_query(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    wanted = mention("Wide & deep learning for recommender systems")
    found = source(http, services).candidates([wanted])
    titles = [p.title for p in found.candidates[identity(wanted)]]
    assert titles[0] == WDL.title
    assert DATASET.title not in titles, "datasets are not papers"
    (hit,) = services.requests(CROSSREF)
    assert hit.query["query.bibliographic"] == [wanted.title]
    assert hit.query["rows"] == ["5"]


def test_broken_json_is_a_recorded_failure(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(CROSSREF, Fault(body=b'{"status":"ok","message-type":"work-list","mes'))
    wanted = mention("Factorization machines")
    found = source(http, services).candidates([wanted])
    assert "malformed JSON" in found.failed[identity(wanted)]


def test_500_then_success(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(CROSSREF, Fault(status=500))
    wanted = mention("Factorization machines")
    found = source(http, services).candidates([wanted])
    assert found.candidates[identity(wanted)][0].title == FM.title
    assert [h.status for h in services.requests(CROSSREF)] == [500, 200]


def test_a_404_from_something_else_is_not_an_unknown_doi(
    services: FakeServices,
    http: Http,
    mention: Callable[..., Mention],
) -> None:
    services.plan(CROSSREF, Fault(status=404, body=b"<html>Gateway says no</html>"))
    linked = mention("", ids=Ids(doi="10.1109/icdm.2010.127"))
    found = source(http, services).candidates([linked])
    assert "without Crossref's message" in found.failed[identity(linked)]


@pytest.mark.parametrize(
    ("relation", "arxiv"),
    [
        pytest.param({"has-preprint": [{"id-type": "arxiv", "id": "2103.00001v2"}]}, "2103.00001"),
        pytest.param(
            {"has-preprint": [{"id-type": "doi", "id": "10.48550/arXiv.2103.00001"}]},
            "2103.00001",
            id="arxiv-doi",
        ),
        pytest.param(
            {"has-preprint": [{"id-type": "doi", "id": "10.1101/014852"}]}, None, id="biorxiv"
        ),
        pytest.param(
            {
                "has-preprint": [
                    {"id-type": "arxiv", "id": "2103.00001"},
                    {"id-type": "arxiv", "id": "2103.00002"},
                ]
            },
            None,
            id="two-preprints-is-no-certain-link",
        ),
        pytest.param({"has-review": [{"id-type": "doi", "id": "10.48550/arXiv.2103.00001"}]}, None),
        pytest.param({"has-preprint": [{"id-type": "arxiv", "id": "not an id"}]}, None),
        pytest.param({"has-preprint": "2103.00001"}, None, id="malformed"),
    ],
)
def test_a_relation_naming_an_arxiv_preprint_puts_its_id_on_the_record(
    relation: dict[str, Any], arxiv: str | None
) -> None:
    work = {"DOI": "10.5555/J.1", "type": "journal-article", "title": ["T"], "relation": relation}
    paper = parse_work(work)
    assert paper is not None
    assert paper.ids == Ids(arxiv=arxiv, doi="10.5555/j.1")
