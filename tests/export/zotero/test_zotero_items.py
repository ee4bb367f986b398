"""A reference as Zotero item data: keys, fields per item type, the reading note, the patch."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from zotero_papers import published_work, reference

from papersync.export.zotero.items import (
    KEY_ALPHABET,
    PREFER,
    desired,
    item_fields,
    item_key,
    item_patch,
    note_html,
    own_note,
)
from papersync.export.zotero.schema import item_schema, schema_from_json
from papersync.model import Paper, PaperKind, Reference


def test_the_shipped_schema_is_zoteros(shared: Path) -> None:
    real = schema_from_json(json.loads((shared / "zotero" / "schema.json").read_text("utf-8")))
    assert dict(item_schema()) == real


def test_item_keys_are_deterministic_and_valid() -> None:
    keys = {item_key(f"arxiv:2401.{n:05d}") for n in range(2000)}
    assert len(keys) == 2000
    assert all(len(k) == 8 and set(k) <= set(KEY_ALPHABET) for k in keys)
    assert item_key("arxiv:1706.03762") == item_key("arxiv:1706.03762")


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


# the version of a work an item shows (issue 14)


def test_a_conference_work_is_a_conference_paper_with_its_arxiv_id_in_extra() -> None:
    item_type, fields = item_fields(published_work(1, PaperKind.CONFERENCE))

    assert item_type == "conferencePaper"
    assert fields["proceedingsTitle"] == "WidgetConf"
    assert fields["DOI"] == "10.1000/widgets.1"
    assert fields["pages"] == "1-10"
    assert fields["date"] == "2024-01-15"  # the published record's date, not the preprint's
    assert fields["extra"] == "arXiv: 2311.00001"
    assert "archiveID" not in fields and "repository" not in fields


def test_a_journal_work_is_a_journal_article_with_volume_issue_pages_and_doi() -> None:
    item_type, fields = item_fields(published_work(2, PaperKind.ARTICLE))

    assert item_type == "journalArticle"
    assert (fields["publicationTitle"], fields["volume"], fields["issue"]) == (
        "Journal of Widgets",
        "7",
        "3",
    )
    assert (fields["pages"], fields["DOI"]) == ("1-10", "10.1000/widgets.2")
    assert fields["extra"] == "arXiv: 2311.00002"


def test_preferring_the_preprint_shows_it_without_the_published_doi() -> None:
    item_type, fields = item_fields(published_work(3, PaperKind.CONFERENCE), prefer="preprint")

    assert item_type == "preprint"
    assert fields["archiveID"] == "arXiv:2311.00003"
    assert fields["repository"] == "arXiv"
    assert fields["date"] == "2023-11-02"
    assert "DOI" not in fields and "proceedingsTitle" not in fields and "extra" not in fields


def test_a_preprint_only_paper_stays_a_preprint_whatever_is_preferred() -> None:
    for prefer in PREFER:
        item_type, fields = item_fields(reference(4), prefer=prefer)
        assert item_type == "preprint"
        assert fields["archiveID"] == "arXiv:2401.00004"


@pytest.mark.parametrize("prefer", PREFER)
@pytest.mark.parametrize("kind", list(PaperKind))
def test_every_field_written_is_one_the_item_type_has(kind: PaperKind, prefer: str) -> None:
    """Every kind with every fact a source can give: no field its Zotero type lacks (a 400)."""
    full = replace(
        reference(5, kind, doi="10.1000/w.5").paper,
        venue="Venue",
        publisher="Publisher",
        volume="1",
        issue="2",
        pages="3-4",
        url="https://example.org/5",
    )
    for ref in (replace(reference(5), paper=full), published_work(6, kind)):
        item_type, fields = item_fields(ref, prefer=prefer)
        assert set(fields) <= item_schema()[item_type].fields, (item_type, set(fields))
        assert fields["title"] and fields["citationKey"]


def test_own_note_is_known_by_its_heading_not_by_its_key() -> None:
    ours = note_html(reference(1))
    assert ours is not None
    children = [
        {"key": "PERSNAL2", "itemType": "note", "note": "<p>My own thoughts</p>"},
        {"key": "ATTACHD2", "itemType": "attachment", "title": "Full Text PDF"},
        {"key": "PAPERS23", "itemType": "note", "note": ours},
    ]
    found = own_note(children)
    assert found is not None and found["key"] == "PAPERS23"
    assert own_note(children[:2]) is None


def test_resnet_is_one_cvpr_conference_paper_keeping_its_arxiv_id(resnet: Paper) -> None:
    ref = Reference(str(resnet.key), resnet, "he2016deep")

    item_type, fields = item_fields(ref)

    assert item_type == "conferencePaper"
    assert fields["proceedingsTitle"].endswith("(CVPR)")
    assert (fields["DOI"], fields["date"], fields["pages"]) == (
        "10.1109/cvpr.2016.90",
        "2016",
        "770-778",
    )
    assert fields["extra"] == "arXiv: 1512.03385"
    assert fields["url"] == "https://doi.org/10.1109/CVPR.2016.90"
