"""Ids a source states link records of one work, whatever their titles: a journal version that
Crossref says has an arXiv preprint is one paper with that preprint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_services import FakeServices, Record, serve
from papersync import works
from papersync.lock import Lock
from papersync.match import identity
from papersync.model import Ids, Mention, PaperKind, Status
from papersync.resolve import resolve
from papersync.sources.arxiv import ArxivSource
from papersync.sources.crossref import CrossrefSource
from papersync.sources.http import Http

AUTHORS = ("Ann Lee", "Bo Chen")
PREPRINT = Record(
    "Scaling Laws for Sparse Mixture Models",
    arxiv="2103.00001",
    authors=AUTHORS,
    year=2021,
    date="2021-03-01",
)
JOURNAL = Record(
    "Sparse Mixture Models Scale Predictably",
    doi="10.5555/jmlr.2022.1",
    authors=AUTHORS,
    year=2022,
    venue="Journal of Machine Learning Research",
    volume="23",
    pages="1-30",
    relations=(("has-preprint", "arxiv", PREPRINT.arxiv or ""),),
)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([PREPRINT, JOURNAL]) as state:
        yield state


def test_the_titles_alone_would_not_link_them() -> None:
    assert works.title_agreement(PREPRINT.title, JOURNAL.title) is works.Agreement.NONE


def test_a_crossref_record_naming_its_arxiv_preprint_is_one_work_with_it(
    services: FakeServices, http: Http
) -> None:
    crossref = CrossrefSource(http, services.url, interval=0.0)
    arxiv = ArxivSource(http, services.url, interval=0.0)
    published = crossref.lookup([Ids(doi=JOURNAL.doi)]).papers[Ids(doi=JOURNAL.doi)]
    preprint = arxiv.lookup([Ids(arxiv=PREPRINT.arxiv)]).papers[Ids(arxiv=PREPRINT.arxiv)]
    assert published.ids.arxiv == PREPRINT.arxiv
    (work,) = works.merge([preprint, published])
    assert (work.kind, work.venue, work.pages, work.year) == (
        PaperKind.ARTICLE,
        JOURNAL.venue,
        "1-30",
        2022,
    )
    assert work.ids.arxiv == PREPRINT.arxiv and work.ids.doi == JOURNAL.doi
    assert [v.source for v in work.versions] == ["crossref", "arxiv"]


def test_resolving_the_preprint_title_gives_the_published_work(
    services: FakeServices, http: Http
) -> None:
    online = [  # Crossref first: its record alone does not settle the preprint's title
        CrossrefSource(http, services.url, interval=0.0),
        ArxivSource(http, services.url, interval=0.0),
    ]
    mention = Mention(raw=PREPRINT.title, title=PREPRINT.title, file="log.md", line=1)
    result = resolve({identity(mention): (mention,)}, Lock(), catalog=None, online=online)
    found = result.matches[identity(mention)]
    assert found.status is Status.MATCHED, found.reason
    assert found.paper is not None
    assert (found.paper.kind, found.paper.ids.doi, found.paper.ids.arxiv) == (
        PaperKind.ARTICLE,
        JOURNAL.doi,
        PREPRINT.arxiv,
    )
    assert found.paper.version("preprint").title == PREPRINT.title
