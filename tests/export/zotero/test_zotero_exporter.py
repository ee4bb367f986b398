"""The exporter end to end against the fake Web API: create, adopt, update, faults, counts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from zotero_papers import (
    COLLECTION,
    SUBSET,
    exporter,
    notes_of,
    published_work,
    push,
    reference,
    sync_folder,
)

from fake_zotero import FakeZotero, Fault
from papersync import commands, registry
from papersync import lock as lockfile
from papersync.config import load
from papersync.errors import ZoteroError
from papersync.lock import Lock, lock_path
from papersync.model import Ids, PaperKind, Reference
from papersync.report import describe


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
    assert second.unchanged == 5
    assert second.counts == {"created": 0, "adopted": 0, "updated": 0, "failed": 0}
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
    assert outcome.unchanged == 2
    assert outcome.written == (lock.pins(refs[1].key).zotero_key,)


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
    assert outcome.counts == {"created": 1, "adopted": 3, "updated": 0, "failed": 0}
    assert outcome.unchanged == 0
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
    assert outcome.counts == {"created": 1, "adopted": 1, "updated": 0, "failed": 0}
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


# a lost lock (issue 12, item 2) and every kind of paper key (issue 14)


def every_kind_of_key() -> list[Reference]:
    """One paper per kind of key: arXiv, DOI, DBLP, Semantic Scholar, a catalog record's own."""
    return [
        reference(1),
        reference(2, PaperKind.ARTICLE, arxiv=False, doi="10.1000/widgets.2"),
        reference(3, PaperKind.CONFERENCE, ids=Ids(dblp="conf/widget/Lovelace24")),
        reference(4, ids=Ids(s2="0123456789abcdef0123456789abcdef01234567")),
        reference(5, PaperKind.BOOK, ids=Ids(record="bib:lovelace2024widgets")),
        published_work(6, PaperKind.CONFERENCE),
    ]


def test_every_kind_of_paper_key_gets_its_item(server: FakeZotero) -> None:
    refs = every_kind_of_key()
    assert len({r.key.partition(":")[0] for r in refs}) == 5

    outcome = push(server, refs, Lock())

    assert outcome.problems == ()
    assert outcome.counts["created"] == len(refs)
    for ref in refs:
        item = server.items[str(outcome.pins[ref.key].zotero_key)]
        assert item["citationKey"] == ref.citekey
        assert len(notes_of(server, item["key"])) == 1


@pytest.mark.parametrize("kept", [0, 3], ids=["lock deleted", "lock truncated"])
def test_a_lost_lock_costs_no_item(server: FakeZotero, kept: int) -> None:
    refs = every_kind_of_key()
    first = push(server, refs, Lock())
    before = {r.key: first.pins[r.key].zotero_key for r in refs}
    objects = dict(server.items)
    left = Lock().with_pins({r.key: first.pins[r.key] for r in refs[:kept]})

    again = push(server, refs, left)

    assert again.problems == ()
    assert {r.key: again.pins[r.key].zotero_key for r in refs[kept:]} == {
        r.key: before[r.key] for r in refs[kept:]
    }
    assert set(server.items) == set(objects)  # no twin item, no second note
    assert again.counts == {"created": 0, "adopted": len(refs) - kept, "updated": 0, "failed": 0}
    assert again.unchanged == kept


def test_a_work_is_pushed_as_its_published_version_valid_for_the_real_schema(
    shared: Path,
) -> None:
    refs = [published_work(1, PaperKind.CONFERENCE), published_work(2, PaperKind.ARTICLE)]
    with FakeZotero(shared / "zotero" / "schema.json") as real:
        outcome = push(real, [*refs, reference(3)], Lock())
        items = {i["citationKey"]: i for i in real.top_items()}
    assert outcome.problems == ()
    conference, article, preprint = (items[f"lovelace2024widgets{n}"] for n in (1, 2, 3))
    assert (conference["itemType"], conference["proceedingsTitle"]) == (
        "conferencePaper",
        "WidgetConf",
    )
    assert (article["itemType"], article["publicationTitle"]) == (
        "journalArticle",
        "Journal of Widgets",
    )
    assert conference["extra"] == "arXiv: 2311.00001" and article["extra"] == "arXiv: 2311.00002"
    assert (preprint["itemType"], preprint["archiveID"]) == ("preprint", "arXiv:2401.00003")


# this run's counts (issue 17)


def test_counts_are_this_runs_and_unchanged_is_said_once(server: FakeZotero) -> None:
    refs = [reference(n) for n in range(1, 4)]
    first = push(server, refs, Lock())
    lock = Lock().with_pins(first.pins)
    refs[0] = reference(1, body="A second reading.")

    second = push(server, refs, lock)
    third = push(server, refs, lock.with_pins(second.pins))

    assert (len(first.written), first.unchanged, first.counts["created"]) == (3, 0, 3)
    assert (len(second.written), second.unchanged, second.counts["updated"]) == (1, 2, 1)
    assert (third.written, third.unchanged) == ((), 3)
    assert third.counts == {"created": 0, "adopted": 0, "updated": 0, "failed": 0}
    for outcome in (first, second, third):
        assert "unchanged" not in outcome.counts


def test_a_no_op_sync_reports_no_zotero_work(server: FakeZotero, tmp_path: Path) -> None:
    """A second sync with nothing new says `0 written`, never the first run's `created`."""
    config = sync_folder(tmp_path, server, papers=2)
    lines: list[str] = []

    for _ in range(2):
        report = commands.sync(config, say=lambda _: None)
        lines += describe(report).splitlines()

    zotero = [line for line in lines if line.startswith("zotero:")]
    assert len(zotero) == 2, lines
    assert zotero[0].startswith("zotero: 2 written, 0 unchanged") and "2 created" in zotero[0]
    assert zotero[1].startswith("zotero: 0 written, 2 unchanged") and "0 created" in zotero[1]
    assert all(line.count("unchanged") == 1 for line in zotero)
    assert len(server.top_items()) == 2


@pytest.mark.parametrize("rekeyed", [False, True], ids=["key kept", "key changed"])
def test_a_paper_known_by_its_bib_key_then_by_its_doi_keeps_its_item(
    server: FakeZotero, rekeyed: bool
) -> None:
    hand_kept = reference(7, ids=Ids(record="bib:lovelace2024widgets"))
    first = push(server, [hand_kept], Lock())
    [item] = server.top_items()
    work = published_work(7, PaperKind.CONFERENCE)
    later = work if rekeyed else replace(work, key=hand_kept.key)

    again = push(server, [later], Lock().with_pins(first.pins))

    assert again.problems == ()
    assert again.pins[later.key].zotero_key == item["key"]
    assert again.counts["created"] == 0
    assert [i["key"] for i in server.top_items()] == [item["key"]]
    assert server.items[item["key"]]["DOI"] == "10.1000/widgets.7"  # filled, as it was empty
    assert len(notes_of(server, item["key"])) == 1


def test_a_sync_after_the_lock_was_deleted_keeps_every_zotero_item(
    server: FakeZotero, tmp_path: Path
) -> None:
    config = sync_folder(tmp_path, server, papers=3)
    commands.sync(config, say=lambda _: None)
    path = lock_path(config.state_dir)
    before = {p.zotero_key for p in lockfile.load(path).papers.values()}
    objects = set(server.items)

    path.unlink()
    report = commands.sync(config, say=lambda _: None)

    assert {p.zotero_key for p in lockfile.load(path).papers.values()} == before
    assert len(before) == 3 and None not in before
    assert set(server.items) == objects
    assert report.outcomes["zotero"].counts["adopted"] == 3


def test_zotero_shows_the_version_the_bibtex_setting_prefers(tmp_path: Path) -> None:
    for prefer in ("preprint", "published"):
        (tmp_path / "papersync.yaml").write_text(
            f"notes: [log.md]\nexport:\n  bibtex: {{path: refs.bib, prefer: {prefer}}}\n"
            "  zotero: {library_id: '1234', api_key: k}\n",
            encoding="utf-8",
        )
        built = registry.zotero_exporter(load(tmp_path / "papersync.yaml"))
        assert built.prefer == prefer
