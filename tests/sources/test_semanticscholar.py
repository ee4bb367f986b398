"""Semantic Scholar: payload parsing, title match and batch enrichment against a local server."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fake_services import S2, FakeServices, Fault, Record, serve
from papersync.match import identity
from papersync.model import Author, Ids, Mention, Paper, PaperKind
from papersync.sources.http import Http, MalformedResponse, Policy
from papersync.sources.semanticscholar import (
    SemanticScholarSource,
    batch_id,
    match_query,
    merge,
    parse_batch,
    parse_paper,
    parse_search,
)

KEY = "test-key-not-for-logs"
INTERVAL = 0.1
POLICY = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05)

YOUTUBE = Record(
    "Deep Neural Networks for YouTube Recommendations",
    doi="10.1145/2959100.2959190",
    authors=("Paul Covington", "Jay Adams", "Emre Sargin"),
    year=2016,
    date="2016-09-07",
    venue="Proceedings of the 10th ACM Conference on Recommender Systems",
    venue_type="conference",
    publication_types=("Book", "JournalArticle", "Conference"),
)
LORA = Record(
    "LoRA: Low-Rank Adaptation of Large Language Models",
    arxiv="2106.09685",
    authors=("Edward J. Hu",),
    year=2021,
    date="2021-06-17",
    venue="International Conference on Learning Representations",
    venue_type="conference",
    publication_types=("JournalArticle",),
)
PREPRINT = Record("Textbooks Are All You Need", arxiv="2306.11644", year=2023)


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([YOUTUBE, LORA, PREPRINT]) as state:
        yield state


def source(http: Http, services: FakeServices) -> SemanticScholarSource:
    return SemanticScholarSource(http, services.url, api_key=KEY, interval=INTERVAL)


def test_parse_paper_reads_ids_venue_and_kind() -> None:
    paper = parse_paper(
        {
            "paperId": "abc",
            "externalIds": {"ArXiv": "2106.09685", "DOI": "10.5555/X.Y", "DBLP": "conf/iclr/Hu22"},
            "title": "LoRA:  Low-Rank\nAdaptation",
            "authors": [{"authorId": "1", "name": "Edward J. Hu"}, {"authorId": None, "name": ""}],
            "year": 2021,
            "venue": "International Conference on Learning Representations",
            "publicationVenue": {
                "name": "International Conference on Learning Representations",
                "type": "conference",
            },
            "publicationTypes": ["JournalArticle"],
            "publicationDate": "2021-06-17",
            "journal": {"name": "ArXiv", "volume": "abs/2106.09685"},
            "abstract": None,
        }
    )
    assert paper is not None
    assert paper.ids == Ids(arxiv="2106.09685", doi="10.5555/x.y", s2="abc", dblp="conf/iclr/Hu22")
    assert paper.title == "LoRA: Low-Rank Adaptation"
    assert paper.authors == (Author("Hu", "Edward J."),)
    assert paper.kind is PaperKind.CONFERENCE
    assert paper.venue == "International Conference on Learning Representations"
    assert paper.volume is None, "arXiv's 'abs/…' volume is not a journal volume"


@pytest.mark.parametrize(
    ("payload", "venue", "kind"),
    [
        pytest.param(
            {"venue": "arXiv.org", "journal": {"name": "ArXiv"}},
            None,
            PaperKind.PREPRINT,
            id="arxiv-is-no-venue",
        ),
        pytest.param(
            {"journal": {"name": "Nature", "volume": "5"}},
            "Nature",
            PaperKind.ARTICLE,
            id="journal-name",
        ),
        pytest.param(
            {"venue": "KDD", "publicationTypes": ["Conference"]},
            "KDD",
            PaperKind.CONFERENCE,
            id="publication-type",
        ),
        pytest.param({}, None, PaperKind.PREPRINT, id="nothing-said"),
    ],
)
def test_parse_paper_publication(
    payload: dict[str, object], venue: str | None, kind: PaperKind
) -> None:
    paper = parse_paper({"paperId": "p", "title": "T", "externalIds": {"ArXiv": "1"}, **payload})
    assert paper is not None
    assert (paper.venue, paper.kind) == (venue, kind)


def test_parse_batch_keeps_slots_and_rejects_wrong_shapes() -> None:
    papers = parse_batch([None, {"paperId": "a", "title": "A"}], 2)
    assert papers[0] is None and papers[1] is not None and papers[1].ids.s2 == "a"
    with pytest.raises(MalformedResponse):
        parse_batch({"error": "x"}, 2)
    with pytest.raises(MalformedResponse):
        parse_batch([None], 2)


def test_merge_keeps_the_eprint_and_adds_the_publication() -> None:
    preprint = Paper(
        ids=Ids(arxiv="2106.09685"), title="LoRA", source="arxiv", date="2021-06-17", year=2021
    )
    published = Paper(
        ids=Ids(arxiv="2106.09685", doi="10.1/iclr", s2="abc"),
        title="LoRA",
        source="semanticscholar",
        venue="ICLR",
        kind=PaperKind.CONFERENCE,
        date="2022-04-25",
        year=2022,
    )
    merged = merge(preprint, published)
    assert merged.ids == Ids(arxiv="2106.09685", doi="10.1/iclr", s2="abc")
    assert (merged.venue, merged.kind, merged.date) == ("ICLR", PaperKind.CONFERENCE, "2022-04-25")
    assert merged.year == 2021 and merged.source == "arxiv+semanticscholar"
    unpublished = merge(
        preprint,
        Paper(ids=Ids(doi="10.48550/arxiv.2106.09685"), title="LoRA", source="semanticscholar"),
    )
    assert unpublished.kind is PaperKind.PREPRINT and unpublished.venue is None


def test_match_query_drops_hyphens_and_markup() -> None:
    assert (
        match_query("*Masked*  Auto-encoders are   scalable") == "Masked Auto encoders are scalable"
    )


def test_batch_id_prefers_arxiv_then_doi() -> None:
    assert batch_id(Ids(arxiv="1", doi="d")) == "ARXIV:1"
    assert batch_id(Ids(doi="d", s2="s")) == "DOI:d"
    assert batch_id(Ids(s2="s")) == "s"
    assert batch_id(Ids()) is None


def test_title_match_and_no_match(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    youtube = mention("Deep neural networks for YouTube recommendations")
    nothing = mention("Zyxwv Qutsr Ponml Kjihg")
    found = source(http, services).candidates([youtube, nothing])
    assert not found.failed
    (paper,) = found.candidates[identity(youtube)]
    assert paper.ids.doi == "10.1145/2959100.2959190"
    assert paper.kind is PaperKind.CONFERENCE
    assert found.candidates[identity(nothing)] == ()
    hits = services.requests(f"{S2}/paper/search/match")
    assert [h.status for h in hits] == [200, 404]
    assert all(h.headers["x-api-key"] == KEY for h in hits)
    assert "publicationVenue" in hits[0].query["fields"][0]
    assert min(services.gaps(S2)) >= INTERVAL


def test_the_api_key_never_reaches_the_cache(
    services: FakeServices, tmp_path: Path, mention: Callable[..., Mention]
) -> None:
    cache = tmp_path / "answers.sqlite"
    with Http(cache, policy=POLICY) as http:
        source(http, services).candidates([mention("Visual Instruction Tuning")])
    assert KEY.encode() not in cache.read_bytes()
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT * FROM answers").fetchall()
    assert rows and KEY not in repr(rows)


def test_enrich_adds_venue_and_doi_to_preprints(services: FakeServices, http: Http) -> None:
    lora = Paper(ids=Ids(arxiv="2106.09685"), title=LORA.title, source="arxiv", year=2021)
    textbooks = Paper(ids=Ids(arxiv="2306.11644"), title=PREPRINT.title, source="arxiv")
    unknown = Paper(ids=Ids(arxiv="2501.00001"), title="Unknown", source="arxiv")
    enriched = source(http, services).enrich([lora, textbooks, unknown])
    assert enriched[0].ids.arxiv == "2106.09685"
    assert enriched[0].venue == "International Conference on Learning Representations"
    assert enriched[0].kind is PaperKind.CONFERENCE
    assert enriched[1].kind is PaperKind.PREPRINT and enriched[1].venue is None
    assert enriched[1].ids.doi == "10.48550/arxiv.2306.11644"
    assert enriched[2] == unknown
    (batch,) = services.requests(f"{S2}/paper/batch")
    assert batch.method == "POST" and batch.headers["x-api-key"] == KEY


def test_batches_hold_at_most_500_ids(services: FakeServices, http: Http) -> None:
    ids = [Ids(arxiv=f"2401.{n:05d}") for n in range(501)] + [Ids(arxiv="2106.09685")]
    found = source(http, services).lookup(ids)
    assert list(found.papers) == [Ids(arxiv="2106.09685")] and not found.failed
    assert [h.status for h in services.requests(f"{S2}/paper/batch")] == [200, 200]


def test_mentions_with_ids_are_looked_up_in_one_batch(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    linked = mention("", ids=Ids(arxiv="2306.11644"))
    by_doi = mention("", ids=Ids(doi="10.1145/2959100.2959190"))
    found = source(http, services).candidates([linked, by_doi])
    assert found.candidates[identity(linked)][0].title == PREPRINT.title
    assert found.candidates[identity(by_doi)][0].title == YOUTUBE.title
    assert len(services.requests(S2)) == 1


def test_broken_json_is_a_recorded_failure(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(f"{S2}/paper/search/match", Fault(body=b'{"data": [{"paperId": "6fe8'))
    broken = mention("Visual Instruction Tuning")
    found = source(http, services).candidates([broken])
    assert "malformed JSON" in found.failed[identity(broken)]
    assert KEY not in found.failed[identity(broken)]


def test_429_storm_then_recovery(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(S2, Fault(status=429, headers=(("Retry-After", "0"),)))
    found = source(http, services).candidates([mention(YOUTUBE.title)])
    assert not found.failed
    assert [h.status for h in services.requests(S2)] == [429, 200]


def test_enrichment_failure_leaves_papers_unchanged(tmp_path: Path) -> None:
    paper = Paper(ids=Ids(arxiv="2106.09685"), title="LoRA", source="arxiv")
    with Http(policy=POLICY) as http:
        s2 = SemanticScholarSource(http, "http://127.0.0.1:9", interval=0.01)
        assert s2.enrich([paper]) == (paper,)
        found = s2.lookup([paper.ids])
    assert not found.papers and "cannot reach" in found.failed[paper.ids]


def test_a_404_from_something_else_is_not_a_no_match(
    services: FakeServices, http: Http, mention: Callable[..., Mention]
) -> None:
    services.plan(S2, Fault(status=404, body=b"<html>Not Found</html>"))
    wanted = mention(YOUTUBE.title)
    found = source(http, services).candidates([wanted])
    assert identity(wanted) in found.failed


def test_a_slow_service_is_a_recorded_failure_within_bounded_time(
    services: FakeServices,
    mention: Callable[..., Mention],
) -> None:
    services.plan(S2, Fault(delay=1.0), Fault(delay=1.0))
    wanted = mention(YOUTUBE.title)
    started = time.monotonic()
    with Http(policy=Policy(connect_timeout=0.5, read_timeout=0.2, retries=3)) as http:
        found = source(http, services).candidates([wanted])
    assert "timed out" in found.failed[identity(wanted)]
    assert time.monotonic() - started < 1.5


def test_enrichment_asks_only_for_ids_it_has_not_asked_before(
    services: FakeServices, tmp_path: Path
) -> None:
    papers = [
        Paper(ids=Ids(arxiv=a), title=t, source="arxiv")
        for a, t in (
            ("2106.09685", LORA.title),
            ("2306.11644", PREPRINT.title),
            ("2501.00001", "X"),
        )
    ]
    with Http(tmp_path / "answers.sqlite", policy=POLICY) as http:
        first = source(http, services).enrich(papers[:2])
        again = source(http, services).enrich(papers[::-1])
    assert again[::-1][:2] == first
    batches = [json.loads(h.body)["ids"] for h in services.requests(f"{S2}/paper/batch")]
    assert batches == [["ARXIV:2106.09685", "ARXIV:2306.11644"], ["ARXIV:2501.00001"]]


def test_parse_search_reads_hits_and_an_empty_answer() -> None:
    hit = {"paperId": "p1", "title": "DETR", "externalIds": {"ArXiv": "2005.12872"}}
    (paper,) = parse_search({"total": 1, "offset": 0, "data": [hit, {"paperId": "p2"}]})
    assert paper.ids.arxiv == "2005.12872"
    assert parse_search({"total": 0, "offset": 0}) == (), "no hits: Semantic Scholar omits data"
    for body in ({"data": []}, {"total": 3, "offset": 0}, {"total": 1, "data": {}}, []):
        with pytest.raises(MalformedResponse):
            parse_search(body)


def test_every_stated_id_reaches_the_paper(http: Http, mention: Callable[..., Mention]) -> None:
    resnet = Record(
        "Deep Residual Learning for Image Recognition",
        arxiv="1512.03385",
        doi="10.1109/CVPR.2016.90",
        dblp="conf/cvpr/HeZRS16",
        authors=("Kaiming He",),
        year=2016,
        venue="CVPR",
        venue_type="conference",
    )
    with serve([resnet]) as services:
        found = source(http, services).candidates([mention(resnet.title)])
        looked_up = source(http, services).lookup([Ids(arxiv="1512.03385")])
    (paper,) = found.candidates[identity(mention(resnet.title))]
    expected = Ids(
        arxiv="1512.03385", doi="10.1109/cvpr.2016.90", s2=resnet.paper_id, dblp="conf/cvpr/HeZRS16"
    )
    assert paper.ids == expected
    assert looked_up.papers[Ids(arxiv="1512.03385")].ids == expected
    assert paper.kind is PaperKind.CONFERENCE
