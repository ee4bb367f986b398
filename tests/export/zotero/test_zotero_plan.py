"""Deciding per paper: which library item is this paper, and what to do with it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from zotero_papers import published_work, reference

from papersync.export.zotero.items import desired, item_key
from papersync.export.zotero.plan import Action, LibraryIndex, targets, unread_plan
from papersync.export.zotero.schema import item_schema
from papersync.lock import Lock, Pins
from papersync.model import PaperKind, Reference


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


def test_targets_update_the_pinned_item_else_adopt_a_copy_once_else_create() -> None:
    refs = [reference(n) for n in (1, 2, 3, 4)]
    wants = [desired(r, ("papersync",), None) for r in refs]
    lock = Lock().with_pins(
        {
            refs[0].key: Pins(zotero_key="PINNED22"),
            refs[1].key: Pins(zotero_key="DELETED2"),  # pinned, but gone from the library
        }
    )
    current = {"PINNED22": {"key": "PINNED22", "version": 3, "itemType": "preprint"}}
    copy = {"key": "COPY2345", "itemType": "preprint", "title": refs[1].paper.title}
    twin = {"key": "TWIN2345", "itemType": "preprint", "title": refs[2].paper.title}
    index = LibraryIndex.build([copy, twin, {**twin, "key": "PINNED22"}])

    chosen = targets(wants, {r.key: r for r in refs}, lock, current, index)

    assert chosen[refs[0].key] == (Action.UPDATE, current["PINNED22"])
    assert chosen[refs[1].key] == (Action.ADOPT, copy)
    assert chosen[refs[2].key] == (Action.ADOPT, twin)  # not the pinned item of paper 1
    assert chosen[refs[3].key] == (Action.CREATE, None)


def test_a_plan_counts_and_lists_only_what_it_would_write() -> None:
    refs = [reference(n) for n in (1, 2)]
    wants = [desired(r, ("papersync",), None) for r in refs]
    done = desired(refs[1], ("papersync",), None)
    lock = Lock().with_pins({refs[1].key: Pins(zotero_key="DONE2345", zotero_digest=done.digest)})

    plan = unread_plan(wants, lock, "Reading log", item_schema())

    assert plan.counts() == {"created": 1, "adopted": 0, "updated": 0, "unchanged": 1}
    assert [line.split()[0] for line in plan.lines()] == ["create", "create", "1"]
    assert plan.steps[0].key == item_key(refs[0].key)
    assert plan.steps[1].key == "DONE2345"


def test_a_recorded_library_is_indexed_by_doi_and_title_and_year(shared: Path) -> None:
    listing = shared / "fixtures" / "real" / "zotero" / "items_list_user475425.json"
    index = LibraryIndex.build(json.loads(listing.read_text(encoding="utf-8")))
    by_doi = replace(reference(1, arxiv=False, doi="10.1126/science.1195912"), key="doi:x")
    by_title = reference(2, arxiv=False, title="Sherlock Holmes in Babylon")
    same_year = replace(by_title, paper=replace(by_title.paper, year=1980))

    found = index.find(by_doi)
    assert found is not None and found["key"] == "33TK9NH9"
    assert index.find(by_title) is None  # the library's is from 1980, this one from 2024
    found = index.find(same_year)
    assert found is not None and found["key"] == "PQKBRC33"


def test_a_copy_of_the_preprint_is_found_for_the_published_work_by_title_and_its_year() -> None:
    work = published_work(1, PaperKind.CONFERENCE)  # preprint 2023, published 2024
    copy = {"key": "CPY23456", "itemType": "preprint", "title": work.paper.title, "date": "2023"}
    elsewhere = {**copy, "key": "LDR23456", "date": "2019"}

    assert LibraryIndex.build([copy]).find(work) == copy
    assert LibraryIndex.build([elsewhere]).find(work) is None
