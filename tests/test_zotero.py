"""Zotero export against a fake Web API v3 server on 127.0.0.1; pyzotero checks the fake."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from pyzotero import zotero
from pyzotero.errors import PreConditionFailedError

from fake_zotero import FakeZotero, Fault
from papersync.errors import ZoteroError
from papersync.export import Outcome
from papersync.export.zotero import ZoteroExporter
from papersync.export.zotero.api import ZoteroApi
from papersync.export.zotero.items import KEY_ALPHABET, desired, item_key, item_patch, note_html
from papersync.export.zotero.plan import LibraryIndex
from papersync.export.zotero.schema import item_schema, schema_from_json
from papersync.lock import Lock
from papersync.model import Author, Ids, Mention, Paper, PaperKind, Reference
from papersync.sources.http import Http, Policy

SUBSET = Path(__file__).parent / "fixtures" / "zotero" / "schema-subset.json"
COLLECTION = "Reading log"


def reference(
    n: int,
    kind: PaperKind = PaperKind.PREPRINT,
    *,
    body: str = "",
    doi: str | None = None,
    arxiv: bool = True,
    title: str | None = None,
) -> Reference:
    paper = Paper(
        ids=Ids(arxiv=f"2401.{n:05d}" if arxiv else None, doi=doi),
        title=title or f"Sparse widgets for problem {n}",
        source="test",
        authors=(Author("Lovelace", "Ada"), Author("Widget Consortium", literal=True)),
        year=2024,
        date="2024-01-15",
        venue={PaperKind.ARTICLE: "Journal of Widgets", PaperKind.CONFERENCE: "WidgetConf"}.get(
            kind
        ),
        kind=kind,
        abstract=f"We study widgets, case {n}.",
        volume="7" if kind is PaperKind.ARTICLE else None,
        pages="1-10" if kind in (PaperKind.ARTICLE, PaperKind.CONFERENCE) else None,
        publisher="Widget Press" if kind in (PaperKind.BOOK, PaperKind.REPORT) else None,
    )
    mention = Mention(
        raw=f"《{paper.title}》",
        title=paper.title,
        file="log.md",
        line=n,
        date=dt.date(2024, 1, 1 + n % 28),
        body=body or f"Read it on day {n}. Liked the <widgets> & the proofs.",
    )
    key = paper.key or f"title:{n}"
    return Reference(key=key, paper=paper, citekey=f"lovelace2024widgets{n}", mentions=(mention,))


@pytest.fixture
def server() -> Iterator[FakeZotero]:
    with FakeZotero(SUBSET) as fake:
        yield fake


def quick_http(retries: int = 5, sleep: Any = None) -> Http:
    """The run's HTTP layer with short backoffs, so fault storms take milliseconds."""
    policy = Policy(backoff=0.01, retries=retries, read_timeout=10)
    return Http(policy=policy) if sleep is None else Http(policy=policy, sleep=sleep)


def exporter(server: FakeZotero, retries: int = 5, **kwargs: Any) -> ZoteroExporter:
    return ZoteroExporter(
        str(server.library_id),
        "user",
        kwargs.pop("api_key", server.api_key),
        url=server.url,
        collection=kwargs.pop("collection", COLLECTION),
        tags=kwargs.pop("tags", ("papersync",)),
        http=quick_http(retries),
        **kwargs,
    )


def push(server: FakeZotero, refs: Sequence[Reference], lock: Lock, **kwargs: Any) -> Outcome:
    return exporter(server, **kwargs).export(refs, [], lock)


def notes_of(server: FakeZotero, key: str) -> list[dict[str, Any]]:
    return [c for c in server.children(key) if c["itemType"] == "note"]


def test_first_push_creates_schema_valid_items_notes_and_collection(server: FakeZotero) -> None:
    refs = [
        reference(1),
        reference(2, PaperKind.ARTICLE, doi="10.1000/widgets.2"),
        reference(3, PaperKind.CONFERENCE),
        reference(4, PaperKind.BOOK, arxiv=False, doi="10.1000/book.4"),
        reference(5, PaperKind.REPORT, arxiv=False, doi="10.1000/report.5"),
    ]
    outcome = push(server, refs, Lock())

    assert outcome.problems == ()
    assert outcome.counts["created"] == 5
    top = {i["citationKey"]: i for i in server.top_items()}
    assert set(top) == {r.citekey for r in refs}
    preprint = top["lovelace2024widgets1"]
    assert preprint["itemType"] == "preprint"
    assert preprint["repository"] == "arXiv"
    assert preprint["archiveID"] == "arXiv:2401.00001"
    assert preprint["url"] == "https://arxiv.org/abs/2401.00001"
    assert preprint["creators"] == [
        {"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"},
        {"creatorType": "author", "name": "Widget Consortium"},
    ]
    assert top["lovelace2024widgets2"]["itemType"] == "journalArticle"
    assert top["lovelace2024widgets2"]["publicationTitle"] == "Journal of Widgets"
    assert top["lovelace2024widgets2"]["DOI"] == "10.1000/widgets.2"
    assert top["lovelace2024widgets3"]["proceedingsTitle"] == "WidgetConf"
    assert top["lovelace2024widgets5"]["institution"] == "Widget Press"
    [collection] = [k for k, c in server.collections.items() if c["name"] == COLLECTION]
    for item in top.values():
        assert item["collections"] == [collection]
        assert item["tags"] == [{"tag": "papersync"}]
        [note] = notes_of(server, item["key"])
        assert "&lt;widgets&gt; &amp; the proofs" in note["note"]
    for ref in refs:
        pins = outcome.pins[ref.key]
        assert pins.zotero_key is not None
        assert server.items[pins.zotero_key]["citationKey"] == ref.citekey
        assert server.items[pins.zotero_key]["version"] == pins.zotero_version
        assert pins.zotero_note_key in server.items
        assert pins.zotero_digest


def test_second_push_sends_nothing(server: FakeZotero) -> None:
    refs = [reference(n) for n in range(1, 6)]
    first = push(server, refs, Lock())
    requests = len(server.log)

    second = push(server, refs, Lock().with_pins(first.pins))

    assert len(server.log) == requests
    assert second.counts["unchanged"] == 5
    assert second.written == ()
    assert second.pins == {}


def test_changed_note_updates_only_that_child_note(server: FakeZotero) -> None:
    refs = [reference(n) for n in range(1, 4)]
    lock = Lock().with_pins(push(server, refs, Lock()).pins)
    before = {k: dict(v) for k, v in server.items.items()}
    writes = server.writes()

    refs[1] = reference(2, body="Second reading: the bound in §3 is loose.")
    outcome = push(server, refs, lock)

    assert outcome.problems == ()
    assert server.writes() == writes + 1
    changed = [k for k, v in server.items.items() if before[k] != v]
    assert changed == [lock.pins(refs[1].key).zotero_note_key]
    assert "the bound in §3 is loose" in server.items[changed[0]]["note"]
    assert outcome.counts["updated"] == 1
    assert outcome.counts["unchanged"] == 2


def test_library_holding_some_papers_gets_no_duplicates_and_keeps_their_fields(
    server: FakeZotero,
) -> None:
    for n in range(150):  # more than one page of the library
        server.add_item({"itemType": "book", "title": f"Unrelated book {n}", "date": "1999"})
    by_doi = server.add_item(
        {
            "itemType": "journalArticle",
            "title": "Sparse Widgets For Problem 1 (my copy)",
            "DOI": "10.1000/WIDGETS.1",
            "abstractNote": "My own summary.",
            "tags": [{"tag": "to-read"}],
        }
    )
    by_arxiv = server.add_item(
        {"itemType": "preprint", "title": "widgets 2", "extra": "arXiv: 2401.00002"}
    )
    by_title = server.add_item(
        {"itemType": "thesis", "title": "Sparse widgets for problem 3", "date": "January 2024"}
    )
    wrong_year = server.add_item(
        {"itemType": "preprint", "title": "Sparse widgets for problem 4", "date": "2019"}
    )
    refs = [
        reference(1, PaperKind.ARTICLE, doi="10.1000/widgets.1"),
        reference(2),
        reference(3),
        reference(4),
    ]

    outcome = push(server, refs, Lock())

    assert outcome.problems == ()
    assert outcome.counts == {"created": 1, "adopted": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert len(server.top_items()) == 150 + 4 + 1
    mine = server.items[by_doi["key"]]
    assert mine["title"] == "Sparse Widgets For Problem 1 (my copy)"
    assert mine["abstractNote"] == "My own summary."
    assert mine["citationKey"] == "lovelace2024widgets1"
    assert mine["publicationTitle"] == "Journal of Widgets"
    assert [t["tag"] for t in mine["tags"]] == ["to-read", "papersync"]
    assert len(mine["collections"]) == 1
    assert server.items[by_arxiv["key"]]["title"] == "widgets 2"
    assert server.items[by_arxiv["key"]]["archiveID"] == "arXiv:2401.00002"
    thesis = server.items[by_title["key"]]
    assert thesis["itemType"] == "thesis"
    assert thesis["citationKey"] == "lovelace2024widgets3"  # the thesis type's own fields
    assert thesis["date"] == "January 2024"
    assert [t["tag"] for t in thesis["tags"]] == ["papersync"]
    assert "archiveID" not in thesis and "repository" not in thesis
    assert server.items[wrong_year["key"]]["tags"] == []
    for key in (by_doi["key"], by_arxiv["key"], by_title["key"]):
        assert len(notes_of(server, key)) == 1
        assert outcome.pins[refs[0].key].zotero_key == by_doi["key"]


def test_crash_before_the_lock_was_saved_creates_no_duplicates(server: FakeZotero) -> None:
    refs = [reference(n) for n in range(1, 8)]
    push(server, refs, Lock())  # its pins are lost: the run died before saving the lock
    items, collections = len(server.items), len(server.collections)

    again = push(server, refs, Lock())

    assert again.problems == ()
    assert len(server.items) == items
    assert len(server.collections) == collections
    assert again.counts["adopted"] == 7
    assert again.counts["created"] == 0
    assert all(len(notes_of(server, i["key"])) == 1 for i in server.top_items())


def test_item_created_then_retitled_by_hand_is_found_through_its_key(server: FakeZotero) -> None:
    """The index misses it (new title, no ids); the client-side key makes the create a 412."""
    ref = reference(1, arxiv=False)
    push(server, [ref], Lock())
    [item] = server.top_items()
    server.edit_item(item["key"], title="Something else entirely", url="", archiveID="")

    again = push(server, [ref], Lock())

    assert again.problems == ()
    assert len(server.top_items()) == 1
    assert server.items[item["key"]]["title"] == "Something else entirely"
    assert len(notes_of(server, item["key"])) == 1


def test_concurrent_edit_gives_412_then_merge(server: FakeZotero) -> None:
    ref = reference(1)
    lock = Lock().with_pins(push(server, [ref], Lock()).pins)
    [item] = server.top_items()
    server.edit_item(item["key"], tags=[])

    def person_tags_it(fake: FakeZotero) -> None:
        fake.edit_item(item["key"], tags=[{"tag": "favourite"}])

    server.meddle.append(person_tags_it)
    exp = exporter(server, tags=("papersync", "widgets"))
    outcome = exp.export([ref], [], lock)

    assert outcome.problems == ()
    tags = [t["tag"] for t in server.items[item["key"]]["tags"]]
    assert tags == ["favourite", "papersync", "widgets"]
    assert ("POST", f"{server.prefix}/items", 200) in server.log
    assert outcome.pins[ref.key].zotero_version == server.items[item["key"]]["version"]


def test_rate_limit_and_server_error_storms_complete_without_duplicates(
    server: FakeZotero,
) -> None:
    refs = [reference(n) for n in range(1, 6)]
    server.script(
        Fault(429, retry_after="0.01", method="GET"),
        Fault(429, retry_after="0.01", method="GET"),
        Fault(500, method="GET"),
        Fault(429, retry_after="0.01", method="GET"),
    )
    exp = exporter(server)
    server.script(
        Fault(500, method="POST"),
        Fault(429, retry_after="0.01", method="POST"),
        Fault(500, method="POST", after_commit=True),  # the write landed, the answer was lost
        Fault(503, method="POST"),
    )

    outcome = exp.export(refs, [], Lock())

    assert outcome.problems == ()
    assert outcome.counts["created"] == 5
    assert len(server.top_items()) == 5
    assert len(server.collections) == 1
    assert sum(len(notes_of(server, i["key"])) for i in server.top_items()) == 5
    statuses = [s for _, _, s in server.log]
    assert statuses.count(429) == 4 and statuses.count(500) == 3 and statuses.count(503) == 1


def test_server_that_keeps_failing_gives_per_item_problems_not_a_crash(
    server: FakeZotero,
) -> None:
    refs = [reference(1)]
    server.script(*[Fault(500, method="POST")] * 20)

    outcome = push(server, refs, Lock(), collection=None, retries=2)

    assert outcome.counts["failed"] == 1
    assert "answered HTTP 500 after 3 tries" in outcome.problems[0]
    assert server.top_items() == []
    assert refs[0].key not in outcome.pins


def test_more_than_fifty_papers_are_written_in_batches(server: FakeZotero) -> None:
    refs = [reference(n) for n in range(1, 121)]

    outcome = push(server, refs, Lock())

    assert outcome.problems == ()
    assert outcome.counts["created"] == 120
    assert len(server.top_items()) == 120
    posts = [s for m, p, s in server.log if m == "POST" and p.endswith("/items")]
    assert posts == [200] * 6  # 50 + 50 + 20 items, then the same for their notes


def test_field_the_server_refuses_fails_that_item_only(server: FakeZotero, tmp_path: Path) -> None:
    schema = json.loads(SUBSET.read_text(encoding="utf-8"))
    for item_type in schema["itemTypes"]:
        if item_type["itemType"] == "journalArticle":  # an older server without citationKey
            item_type["fields"] = [f for f in item_type["fields"] if f["field"] != "citationKey"]
    old = tmp_path / "schema.json"
    old.write_text(json.dumps(schema), encoding="utf-8")
    refs = [reference(1), reference(2, PaperKind.ARTICLE), reference(3)]

    with FakeZotero(old) as older:
        outcome = push(older, refs, Lock())
        assert len(older.top_items()) == 2

    assert outcome.counts["created"] == 2
    assert outcome.counts["failed"] == 1
    [problem] = outcome.problems
    assert "Sparse widgets for problem 2" in problem
    assert "400: 'citationKey' is not a valid field for type 'journalArticle'" in problem
    assert refs[1].key not in outcome.pins


def test_dry_run_reads_and_plans_but_writes_nothing(server: FakeZotero) -> None:
    server.add_item(
        {"itemType": "preprint", "title": "x", "url": "https://arxiv.org/abs/2401.00002v3"}
    )
    refs = [reference(1), reference(2)]
    exp = exporter(server, dry_run=True)

    outcome = exp.export(refs, [], Lock())
    lines = exp.plan(refs, Lock()).lines()

    assert server.writes() == 0
    assert outcome.counts == {"created": 1, "adopted": 1, "updated": 0, "unchanged": 0, "failed": 0}
    assert outcome.pins == {}
    assert lines[0].startswith("create collection ")
    assert any(line.startswith("create ") and "problem 1" in line for line in lines)
    assert any(line.startswith("adopt ") and "note" in line for line in lines)
    assert lines[-1] == "1 created, 1 adopted, 0 updated, 0 unchanged"


def test_wrong_api_key_stops_the_run_with_one_line(server: FakeZotero) -> None:
    exp = exporter(server, api_key="wrong")
    with pytest.raises(ZoteroError, match=r"Zotero refused reading .* check the API key"):
        exp.export([reference(1)], [], Lock())


def test_items_are_valid_against_the_real_schema(shared: Path) -> None:
    refs = [
        reference(1),
        reference(2, PaperKind.ARTICLE, doi="10.1000/a"),
        reference(3, PaperKind.CONFERENCE),
        reference(4, PaperKind.BOOK),
        reference(5, PaperKind.REPORT),
    ]
    with FakeZotero(shared / "zotero" / "schema.json") as real:
        outcome = push(real, refs, Lock())
        assert len(real.top_items()) == 5
    assert outcome.problems == ()


def test_the_shipped_schema_is_zoteros(shared: Path) -> None:
    real = schema_from_json(json.loads((shared / "zotero" / "schema.json").read_text("utf-8")))
    assert dict(item_schema()) == real


# pure parts


def test_item_keys_are_deterministic_and_valid() -> None:
    keys = {item_key(f"arxiv:2401.{n:05d}") for n in range(2000)}
    assert len(keys) == 2000
    assert all(len(k) == 8 and set(k) <= set(KEY_ALPHABET) for k in keys)
    assert item_key("arxiv:1706.03762") == item_key("arxiv:1706.03762")


def test_index_matches_ids_in_any_field_and_title_only_with_the_same_year() -> None:
    index = LibraryIndex.build(
        [
            {
                "key": "AAAAAAAA",
                "itemType": "journalArticle",
                "title": "T",
                "extra": "DOI: 10.1234/X",
            },
            {
                "key": "BBBBBBBB",
                "itemType": "preprint",
                "title": "U",
                "DOI": "10.48550/arXiv.2401.00002",
            },
            {
                "key": "CCCCCCCC",
                "itemType": "book",
                "title": "Sparse widgets for problem 3",
                "date": "2023",
            },
            {"key": "DDDDDDDD", "itemType": "note", "note": "Sparse widgets for problem 4"},
            {
                "key": "EEEEEEEE",
                "itemType": "preprint",
                "title": "Sparse widgets for problem 5",
                "archiveID": "arXiv:2301.99999",
            },
            {"key": "FFFFFFFF", "itemType": "book", "DOI": "https://doi.org/10.5555/ABC."},
            {"key": "GGGGGGGG", "itemType": "thesis", "title": "Sparse widgets for problem 6"},
        ]
    )

    def found(ref: Reference, taken: frozenset[str] = frozenset()) -> str | None:
        item = index.find(ref, taken)
        return None if item is None else str(item["key"])

    assert found(reference(7, doi="10.1234/x", arxiv=False)) == "AAAAAAAA"
    assert found(reference(2)) == "BBBBBBBB"
    assert found(reference(2), frozenset({"BBBBBBBB"})) is None
    assert found(reference(3)) is None  # same title, 2023 ≠ 2024
    assert found(reference(4)) is None  # notes are not papers
    assert found(reference(5)) is None  # same title, another arXiv id
    assert found(reference(8, doi="10.5555/abc", arxiv=False)) == "FFFFFFFF"
    assert found(reference(6)) == "GGGGGGGG"  # title alone when the item has no year


def test_patch_adds_only_what_is_missing() -> None:
    want = desired(reference(1), ("papersync",), None)
    existing = {
        "key": "AAAAAAAA",
        "itemType": "preprint",
        "title": "Mine",
        "abstractNote": "",
        "creators": [{"creatorType": "editor", "name": "Someone"}],
        "tags": [{"tag": "papersync"}],
        "collections": ["COLLAAAA"],
    }
    patch = item_patch(existing, want, "COLLAAAA")
    assert "title" not in patch and "creators" not in patch and "tags" not in patch
    assert "collections" not in patch
    assert patch["abstractNote"] == "We study widgets, case 1."
    assert patch["citationKey"] == "lovelace2024widgets1"


def test_note_groups_by_date_and_escapes() -> None:
    ref = reference(1, body="<script>alert(1)</script>\n\nsecond paragraph")
    html = note_html(ref)
    assert html is not None
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<h2>2024-01-02</h2>" in html
    assert html.count("<p>") == 2
    assert note_html(Reference(ref.key, ref.paper, ref.citekey, ())) is None


def test_retry_after_and_backoff_are_honoured(server: FakeZotero) -> None:
    slept: list[float] = []
    api = ZoteroApi(
        quick_http(sleep=slept.append),
        server.url,
        f"users/{server.library_id}",
        server.api_key,
        sleep=slept.append,
    )
    server.script(Fault(429, retry_after="7", method="POST"))
    server.backoff = "5"

    first = api.write("collections", [{"name": "A"}])
    second = api.write("collections", [{"name": "B"}])

    assert slept[0] == 7.0  # Retry-After on the 429
    assert 4.0 < slept[1] <= 5.0  # Backoff on the answer before the second write
    assert len(first.versions) == len(second.versions) == 1
    assert sorted(c["name"] for c in server.collections.values()) == ["A", "B"]


# the fake itself, through pyzotero's own calls


def pyzotero_on(server: FakeZotero) -> zotero.Zotero:
    zot = zotero.Zotero(str(server.library_id), "user", server.api_key)
    zot.endpoint = server.url
    return zot


def test_fake_pages_like_the_real_api(server: FakeZotero) -> None:
    for n in range(230):
        server.add_item({"itemType": "book", "title": f"Book {n}"})
    zot = pyzotero_on(server)

    everything = zot.everything(zot.top(limit=100))

    assert len(everything) == 230
    assert len({e["key"] for e in everything}) == 230
    assert zot.request is not None
    assert zot.request.headers["Total-Results"] == "230"
    assert int(zot.request.headers["Last-Modified-Version"]) == server.version


def test_fake_enforces_versions_and_write_tokens(server: FakeZotero) -> None:
    zot = pyzotero_on(server)
    book = {"itemType": "book", "title": "Mine", "key": "ABCD2345", "version": 0}
    assert zot.create_items([book])["success"] == {"0": "ABCD2345"}

    again = zot.create_items([book])  # version 0: must not exist yet

    assert again["failed"]["0"]["code"] == 412
    stale = {**server.items["ABCD2345"], "version": 0, "title": "Changed"}
    with pytest.raises(PreConditionFailedError):
        zot.update_item(stale)
    headers = {**zot.default_headers(), "Zotero-Write-Token": "a" * 32}
    url = f"{server.url}{server.prefix}/items"
    first = requests.post(url, json=[{"itemType": "book", "title": "T"}], headers=headers)
    second = requests.post(url, json=[{"itemType": "book", "title": "T"}], headers=headers)
    assert (first.status_code, second.status_code) == (200, 412)
    assert len(server.top_items()) == 2


def test_fake_refuses_fields_the_type_lacks_and_oversized_writes(server: FakeZotero) -> None:
    zot = pyzotero_on(server)

    result = zot.create_items(
        [
            {"itemType": "preprint", "title": "P", "publisher": "X"},
            {"itemType": "book", "title": "B"},
        ]
    )

    assert result["failed"]["0"] == {
        "key": None,
        "code": 400,
        "message": "'publisher' is not a valid field for type 'preprint'",
    }
    assert list(result["success"]) == ["1"]
    response = requests.post(
        f"{server.url}{server.prefix}/items",
        json=[{"itemType": "book", "title": str(n)} for n in range(51)],
        headers=zot.default_headers(),
    )
    assert response.status_code == 413
