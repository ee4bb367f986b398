"""The managed region: merged into a person's note, their edits kept."""

from __future__ import annotations

from vault_samples import FIXTURES, frontmatter

from papersync.export.vault.frontmatter import split_frontmatter
from papersync.export.vault.regions import find_region, merge_note, region_block


def test_merge_note_updates_an_unedited_region_and_keeps_the_rest() -> None:
    existing = (FIXTURES / "hand-edited-paper.md").read_text("utf-8")
    props = {
        "title": "Auto-Encoding Variational Bayes",
        "aliases": ["VAE", "kingma2013auto"],
        "tags": ["paper"],
    }
    merged = merge_note(existing, props, ("title", "aliases", "tags"), "New text\n")
    assert not merged.conflict
    data = frontmatter(merged.text)
    assert data["title"] == "Auto-Encoding Variational Bayes"
    assert data["aliases"] == ["VAE", "kingma2013auto", "my-vae"]
    assert data["tags"] == ["paper", "generative"]
    for kept in (
        "# my reading properties\n",
        "rating: 4  # out of 5\n",
        "summary: |\n  Two lines",
        "tags:\n  - paper\n  - generative\n",
    ):
        assert kept in merged.text
    region = existing.split("%% papersync:begin", 1)[1]
    assert merged.text.endswith(region.split("%% papersync:end %%\n", 1)[1])
    assert "Text I wrote above papersync's region.\n\n%% papersync:begin" in merged.text
    found = find_region(split_frontmatter(merged.text)[1])
    assert found is not None and found.content == "New text\n" and not found.edited


def test_merge_note_removes_owned_keys_it_no_longer_gives() -> None:
    existing = "---\ndoi: 10.1/x\nmine: 1\n---\n" + region_block("a\n")
    merged = merge_note(existing, {"title": "T"}, ("title", "doi"), "a\n")
    assert merged.text == "---\ntitle: T\nmine: 1\n---\n" + region_block("a\n")


def test_merge_note_keeps_an_edited_region_and_flags_a_conflict() -> None:
    existing = "---\ntitle: T\n---\n" + region_block("ours\n").replace("ours", "theirs")
    merged = merge_note(existing, {"title": "T"}, ("title",), "ours, updated\n")
    assert merged.conflict and merged.text == existing
    settled = merge_note(existing, {"title": "T"}, ("title",), "theirs\n")
    assert not settled.conflict and settled.text.endswith(region_block("theirs\n"))


def test_merge_note_keeps_crlf_line_endings() -> None:
    existing = "---\r\nmine: 1\r\ntitle: Old\r\n---\r\nabove\r\n" + region_block("a\n", "\r\n")
    merged = merge_note(existing, {"title": "New"}, ("title",), "b\n")
    assert merged.text == "---\r\nmine: 1\r\ntitle: New\r\n---\r\nabove\r\n" + region_block(
        "b\n", "\r\n"
    )
