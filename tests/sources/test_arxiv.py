"""arXiv: query building and feed parsing on payloads; the source against a local server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fake_services import ARXIV, FakeServices, Fault, Record, serve
from papersync import __version__
from papersync.match import identity
from papersync.model import Author, Ids, Mention, PaperKind
from papersync.sources.arxiv import ArxivSource, Clause, title_clause, title_query
from papersync.sources.arxiv_feed import parse_entry, read_feed, split_name
from papersync.sources.http import Http, MalformedResponse, Policy

FEED = Path(__file__).parents[1] / "fixtures" / "sources" / "arxiv_feed.xml"
INTERVAL = 0.2
POLICY = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05)

RECORDS = [
    Record(
        "Attention Is All You Need",
        arxiv="1706.03762",
        authors=("Ashish Vaswani",),
        year=2017,
        date="2017-06-12",
    ),
    Record("Deep Residual Learning for Image Recognition", arxiv="1512.03385", year=2015),
    Record(
        "Emerging Properties in Self-Supervised Vision Transformers",
        arxiv="2104.14294",
        doi="10.1109/ICCV48922.2021.00951",
        year=2021,
    ),
    Record("DINOv2: Learning Robust Visual Features without Supervision", arxiv="2304.07193"),
    Record("Visual Instruction Tuning", arxiv="2304.08485", year=2023),
    Record("Improved Baselines with Visual Instruction Tuning", arxiv="2310.03744", year=2023),
    Record("Auto-Encoding Variational Bayes", arxiv="1312.6114", year=2013),
    Record("Neural Discrete Representation Learning", arxiv="1711.00937", year=2017),
    Record("Generative Adversarial Networks", arxiv="1406.2661", year=2014),
    Record("Segment Anything", arxiv="2304.02643", year=2023),
    Record("Frequency of Hot Jupiters", arxiv="astro-ph/0601001", year=2006),
]


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve(RECORDS) as state:
        yield state


@pytest.mark.parametrize(
    ("title", "clause"),
    [
        pytest.param("Attention Is All You Need", 'ti:"attention is all you need"', id="phrase"),
        pytest.param(
            'BERT: "Pre-training" (of) [deep] {bidirectional}',
            'ti:"bert pre training of deep bidirectional"',
            id="syntax-characters",
        ),
        pytest.param("CodeT5+: Open Code LLMs", 'ti:"codet5 open code llms"', id="plus"),
        pytest.param("Écoles *normales*", 'ti:"ecoles normales"', id="accents-and-markdown"),
        pytest.param("???", None, id="nothing-searchable"),
        pytest.param("The Of And", None, id="only-stopwords"),
        pytest.param(
            "Search-based User Interest Modeling with Lifelong Sequential Behavior Data for "
            "Click-Through Rate Prediction",
            "(ti:search AND ti:interest AND ti:modeling AND ti:lifelong AND ti:sequential AND "
            "ti:behavior AND ti:through AND ti:prediction)",
            id="long-title-distinctive-words",
        ),
    ],
)
def test_title_clause(title: str, clause: str | None) -> None:
    found = title_clause(title)
    assert (found.query() if found else None) == clause


def test_title_query_ors_clauses() -> None:
    clauses = [Clause(("a", "b"), phrase=True), Clause(("c", "d"), phrase=False)]
    assert title_query(clauses) == 'ti:"a b" OR (ti:c AND ti:d)'


@pytest.mark.parametrize(
    ("clause", "title", "covered"),
    [
        (Clause(("segment", "anything"), phrase=True), "SAM: Segment Anything!", True),
        (Clause(("segment", "anything"), phrase=True), "Anything to Segment", False),
        (Clause(("segment", "anything"), phrase=False), "Anything to Segment", True),
        (Clause(("in", "context"), phrase=True), "Learning in-context", True),
        (Clause(("in", "context"), phrase=True), "Within contexts", False),
    ],
)
def test_clause_covers_what_arxiv_would_return(clause: Clause, title: str, covered: bool) -> None:
    assert clause.covers(title) is covered


def test_a_title_crowded_off_a_full_page_is_asked_again(
    tmp_path: Path, mention: Callable[..., Mention]
) -> None:
    crowd = [Record(f"Segment Anything {n}", arxiv=f"2304.{n:05d}") for n in range(6)]
    target = Record(
        "Emerging Properties of Rather Long Titles Nobody Else Shares", arxiv="2104.14294"
    )
    with serve([*crowd, target]) as services, Http(policy=POLICY) as http:
        source = ArxivSource(
            http,
            services.url,
            interval=0.01,
            titles_per_query=2,
            results_per_title=2,
        )
        wanted = mention(target.title)
        found = source.candidates([mention("Segment Anything"), wanted])
        assert target.title in [p.title for p in found.candidates[identity(wanted)]]
        queries = [hit.query["search_query"][0] for hit in services.requests(ARXIV)]
    assert len(queries) == 2 and " OR " not in queries[1]


def test_split_name_keeps_particles_with_the_family_name() -> None:
    assert split_name("Laurens van der Maaten") == Author("van der Maaten", "Laurens")
    assert split_name("Peter H. N. de With") == Author("de With", "Peter H. N.")
    assert split_name("Plato") == Author("Plato")


def test_every_entry_of_a_feed_is_read() -> None:
    papers = [parse_entry(entry) for entry in read_feed(FEED.read_bytes(), "arXiv").entries]
    assert [p.ids.arxiv for p in papers] == ["2104.14294", "hep-th/9711200", "2304.07193"]
    dino = papers[0]
    assert dino.title == "Emerging Properties in Self-Supervised Vision Transformers"
    assert dino.ids.doi == "10.1109/iccv48922.2021.00951"
    assert dino.authors[2] == Author("van der Maaten", "Laurens")
    assert (dino.year, dino.date, dino.primary_class) == (2021, "2021-04-29", "cs.CV")
    assert dino.abstract == (
        "In this paper, we question if self-supervised learning provides new properties to "
        "Vision Transformer."
    )
    assert dino.kind is PaperKind.PREPRINT and dino.venue is None
    assert dino.url == "https://arxiv.org/abs/2104.14294"
    assert papers[1].ids.doi is None and papers[1].year == 1997


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(FEED.read_bytes()[:1500], id="truncated"),
        pytest.param(b"<html><body>Service Unavailable</body></html>", id="not-atom"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_malformed_feed_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        read_feed(body, "arXiv")


def test_titles_are_searched_several_per_request(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    titles = [r.title for r in RECORDS[:10]]
    source = ArxivSource(http, services.url, interval=INTERVAL, titles_per_query=5)
    found = source.candidates([mention(t, n) for n, t in enumerate(titles)])
    assert not found.failed
    for title in titles:
        candidates = found.candidates[identity(mention(title))]
        assert title in [p.title for p in candidates]
    searches = services.requests(ARXIV)
    assert len(searches) == 2
    assert all(" OR " in hit.query["search_query"][0] for hit in searches)
    assert min(services.gaps(ARXIV)) >= INTERVAL


def test_requests_send_our_user_agent(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    ArxivSource(http, services.url, interval=INTERVAL).candidates([mention("Segment Anything")])
    assert services.requests(ARXIV)[0].headers["User-Agent"].startswith(f"papersync/{__version__}")


def test_ids_are_fetched_in_batches(services: FakeServices, http: Http) -> None:
    source = ArxivSource(http, services.url, interval=INTERVAL, ids_per_query=2)
    ids = [Ids(arxiv="1706.03762"), Ids(arxiv="astro-ph/0601001"), Ids(arxiv="2501.99999")]
    found = source.lookup(ids)
    papers = found.papers
    assert not found.failed
    assert papers[ids[0]].title == "Attention Is All You Need"
    assert papers[ids[1]].ids.arxiv == "astro-ph/0601001"
    assert ids[2] not in papers
    id_lists = [hit.query["id_list"][0] for hit in services.requests(ARXIV)]
    assert id_lists == ["1706.03762,2501.99999", "astro-ph/0601001"]
    assert INTERVAL <= services.gaps(ARXIV)[0] < INTERVAL + 0.5, "paced, and no slower"


def test_mentions_with_ids_get_their_paper(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    source = ArxivSource(http, services.url, interval=INTERVAL)
    linked = mention("", ids=Ids(arxiv="1512.03385"))
    bogus = mention("", ids=Ids(arxiv="not-an-id"))
    found = source.candidates([linked, bogus])
    assert [p.title for p in found.candidates[identity(linked)]] == [RECORDS[1].title]
    assert "not an arXiv id" in found.failed[identity(bogus)]
    assert len(services.requests(ARXIV)) == 1


def test_a_warm_run_makes_no_requests(
    services: FakeServices, tmp_path: Path, mention: Callable[..., Mention]
) -> None:
    mentions = [mention(r.title, n) for n, r in enumerate(RECORDS[:4])]
    results = []
    for _ in range(2):
        with Http(tmp_path / "cache.sqlite", policy=POLICY) as http:
            results.append(ArxivSource(http, services.url, interval=INTERVAL).candidates(mentions))
    assert results[0] == results[1]
    assert len(services.requests(ARXIV)) == 1


def test_a_truncated_feed_is_a_failure_not_a_crash(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(ARXIV, Fault(body=FEED.read_bytes()[:900]))
    source = ArxivSource(http, services.url, interval=INTERVAL, titles_per_query=2)
    mentions = [mention(r.title, n) for n, r in enumerate(RECORDS[:4])]
    found = source.candidates(mentions)
    assert set(found.failed) == {identity(m) for m in mentions[:2]}
    assert all("malformed Atom" in reason for reason in found.failed.values())
    assert RECORDS[2].title in [p.title for p in found.candidates[identity(mentions[2])]]
    again = source.candidates(mentions[:2])
    assert not again.failed, "the broken answer was not cached"


def test_503_then_success(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(ARXIV, Fault(status=503, headers=(("Retry-After", "0"),)))
    found = ArxivSource(http, services.url, interval=INTERVAL).candidates(
        [mention("Segment Anything")]
    )
    assert not found.failed
    assert [hit.status for hit in services.requests(ARXIV)] == [503, 200]


def test_an_unreachable_arxiv_fails_every_batch_fast(
    tmp_path: Path, mention: Callable[..., Mention]
) -> None:
    started = time.monotonic()
    with Http(policy=POLICY) as http:
        source = ArxivSource(http, "http://127.0.0.1:9", interval=0.01, titles_per_query=1)
        found = source.candidates([mention(r.title, n) for n, r in enumerate(RECORDS)])
    assert len(found.failed) == len(RECORDS)
    assert all("cannot reach http://127.0.0.1:9/api/query" in r for r in found.failed.values())
    assert time.monotonic() - started < 3.0


def test_a_title_gets_the_same_answer_whatever_shares_its_request(
    services: FakeServices,
    http: Http,
    mention: Callable[..., Mention],
) -> None:
    wanted = mention("Visual Instruction Tuning")
    others = [mention(r.title, n) for n, r in enumerate(RECORDS[:6], start=2)]
    answers = []
    for crowd in ([], others[:3], others[3:]):
        source = ArxivSource(http, services.url, interval=0.01, titles_per_query=8)
        answers.append(source.candidates([*crowd, wanted]).candidates[identity(wanted)])
    assert {p.ids.arxiv for p in answers[0]} == {"2304.08485", "2310.03744"}
    assert answers[0] == answers[1] == answers[2]


def test_the_cache_answers_per_title_whatever_the_batches(
    services: FakeServices,
    tmp_path: Path,
    mention: Callable[..., Mention],
) -> None:
    """Asked in batches of 4, then in one batch of 8 with the order reversed: no request,
    the unknown title included ("asked, no match" is an answer too)."""
    mentions = [mention(r.title, n) for n, r in enumerate(RECORDS[:7])]
    mentions.append(mention("A Title No Service Knows", 99))
    with Http(tmp_path / "cache.sqlite", policy=POLICY) as http:
        cold = ArxivSource(http, services.url, interval=0.01, titles_per_query=4)
        first = cold.candidates(mentions)
    sent = len(services.requests(ARXIV))
    assert sent == 2 and first.candidates[identity(mentions[-1])] == ()
    with Http(tmp_path / "cache.sqlite", policy=POLICY) as http:
        warm = ArxivSource(http, services.url, interval=0.01, titles_per_query=8)
        assert warm.cached(mentions[::-1]) == first
        assert warm.candidates(mentions[::-1]) == first
        assert http.answers is not None and http.answers.hits["arxiv"] == 16
    assert len(services.requests(ARXIV)) == sent


def test_only_what_the_cache_cannot_answer_is_asked(
    services: FakeServices, tmp_path: Path, mention: Callable[..., Mention]
) -> None:
    known = [mention(r.title, n) for n, r in enumerate(RECORDS[:3])]
    new = [mention(r.title, n) for n, r in enumerate(RECORDS[3:5], start=3)]
    with Http(tmp_path / "cache.sqlite", policy=POLICY) as http:
        ArxivSource(http, services.url, interval=0.01).candidates(known)
        found = ArxivSource(http, services.url, interval=0.01).candidates([*known, *new])
    assert all(found.candidates[identity(m)] for m in known + new)
    second = services.requests(ARXIV)[1].query["search_query"][0]
    assert second.count("ti:") == 2, "the batch holds only the two new titles"
