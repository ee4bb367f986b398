"""Merging into the person's .bib: their blocks byte for byte, ours in place, problems reported."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bib_papers import (
    BERT,
    HANDWRITTEN,
    HANDWRITTEN_KEYS,
    UNRESOLVED,
    VAE,
    hostile_references,
    hostile_with_ambiguous,
    reference,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.citekey import assign
from papersync.export.bibtex import (
    BEGIN_MARK,
    END_MARK,
    BibtexExporter,
    entry_keys,
    merge,
    render,
    split_blocks,
    written_by_papersync,
)
from papersync.lock import Lock, Pins
from papersync.model import Reference, Status


def test_blocks_are_found_with_their_keys() -> None:
    blocks = split_blocks(HANDWRITTEN)
    assert [b.entrytype for b in blocks] == ["string", "article", "book", "misc", "comment"]
    assert entry_keys(HANDWRITTEN) == HANDWRITTEN_KEYS
    assert HANDWRITTEN[blocks[2].start : blocks[2].end].endswith("year = {1984}\n)")


def test_hand_written_entries_survive_ten_exports_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN, encoding="utf-8")
    refs = hostile_references()
    lock = Lock()
    for run in range(10):
        subset = refs[: 3 + run % 5]  # papers come and go between runs
        if run == 4:
            subset = [
                *subset,
                replace(subset[0], paper=replace(subset[0].paper, title="New Title")),
            ]
            subset = subset[1:]
        outcome = BibtexExporter(path).export(subset, UNRESOLVED, lock)
        lock = lock.with_pins(outcome.pins)
        text = path.read_text(encoding="utf-8")
        blocks = split_blocks(text)
        kept = [text[b.start : b.end] for b in blocks if b.key in HANDWRITTEN_KEYS]
        original = split_blocks(HANDWRITTEN)
        assert kept == [HANDWRITTEN[b.start : b.end] for b in original if b.key]
        assert text.startswith(HANDWRITTEN.rstrip("\n"))  # order, comments and gaps too
        assert set(entry_keys(text)) == set(HANDWRITTEN_KEYS) | {r.citekey for r in subset}


FOREIGN = (
    "@misc{user1, title = {One}}\n",
    "% a comment line\n",
    "@article{user2,\n  title = {Two {nested}},\n}",
    "free text\n\n",
    "@string{s = {x}}\n",
    "  @book(user3, title = {Three})\n",
    "\n\n",
)


def _foreign_blocks(text: str, ours: set[str]) -> list[str]:
    return [text[b.start : b.end] for b in split_blocks(text) if b.key not in ours]


@settings(max_examples=40, deadline=None)
@given(
    layout=st.lists(st.integers(0, len(FOREIGN) - 1), max_size=7),
    runs=st.lists(st.sets(st.integers(0, 8)), min_size=1, max_size=4),
)
def test_merge_keeps_foreign_blocks_in_order_and_settles_in_one_run(
    layout: list[int], runs: list[set[int]]
) -> None:
    refs = hostile_references()
    ours = {r.citekey for r in refs}
    text = "".join(FOREIGN[i] for i in layout)
    original = _foreign_blocks(text, ours)
    lock = Lock()
    for chosen in runs:
        subset = [refs[i] for i in sorted(chosen)]
        merged = merge(text, subset, (), lock)
        lock = lock.with_pins({r.key: Pins(citekey=r.citekey) for r in subset})
        assert merge(merged.text, subset, (), lock).text == merged.text
        assert _foreign_blocks(merged.text, ours) == original
        assert merged.text.count("free text") == text.count("free text")
        assert set(entry_keys(merged.text)) & ours == {r.citekey for r in subset}
        text = merged.text


def test_a_hand_written_entry_is_never_taken_over_by_a_new_paper(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    mine = "@misc{kingma2013autoencoding,\n  title = {My own notes on the VAE},\n}\n"
    path.write_text(mine, encoding="utf-8")
    exporter = BibtexExporter(path)
    keys = assign({"arxiv:1312.6114": VAE}, {}, reserved=exporter.hand_written_keys(Lock()))
    assert keys == {"arxiv:1312.6114": "kingma2013autoencodinga"}
    exporter.export([reference(VAE, keys["arxiv:1312.6114"])], (), Lock())
    text = path.read_text(encoding="utf-8")
    assert text.startswith(mine)
    assert entry_keys(text) == ("kingma2013autoencoding", "kingma2013autoencodinga")


def test_entries_are_updated_in_place_removed_when_gone_and_appended_sorted() -> None:
    """papersync's entries keep their places, holding its entries in key order."""
    refs = hostile_references()
    by_key = {r.citekey: r for r in refs}
    first = render(HANDWRITTEN, refs[:3], (), Lock())
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in refs[:3]})
    assert list(entry_keys(first)) == [*HANDWRITTEN_KEYS, *sorted(r.citekey for r in refs[:3])]
    # a user entry after ours must not move our entry when it is updated
    with_user = first + "\n@misc{late2024, title = {Late}}\n"
    changed = replace(refs[0], paper=replace(refs[0].paper, title="Auto-Encoding Bayes, Again"))
    second = render(with_user, [changed, *refs[1:4]], (), lock)
    ordered = sorted(r.citekey for r in [changed, *refs[1:4]])
    # papersync's three places are refilled in key order; the fourth entry goes last
    assert list(entry_keys(second)) == [*HANDWRITTEN_KEYS, *ordered[:3], "late2024", ordered[3]]
    assert "Auto-Encoding Bayes, Again" in second
    assert "Auto-Encoding Variational" not in second
    # a paper that left the log: its (pinned) entry goes, the user's stay
    third = render(second, [changed, *refs[2:4]], (), lock)
    assert by_key[refs[1].citekey].citekey not in entry_keys(third)
    assert {"late2024", *HANDWRITTEN_KEYS} <= set(entry_keys(third))


def test_papersyncs_part_does_not_depend_on_the_history_of_runs() -> None:
    refs = hostile_references()
    once = render(HANDWRITTEN, refs, UNRESOLVED, Lock())
    grown, lock = HANDWRITTEN, Lock()
    for step in (3, 1, 6, 2, len(refs)):  # papers come, some go, all are back at the end
        subset = refs[-step:] if step % 2 else refs[:step]
        grown = render(grown, subset, UNRESOLVED, lock)
        lock = lock.with_pins({r.key: Pins(citekey=r.citekey) for r in subset})
    assert grown == once


def test_not_exported_list_is_a_comment_block_replaced_each_run() -> None:
    refs = hostile_references()
    ambiguous = replace(refs[1], status=Status.AMBIGUOUS)
    text = render(HANDWRITTEN, [refs[0], ambiguous], UNRESOLVED, Lock())
    assert refs[1].citekey not in entry_keys(text)
    block = text[text.index(BEGIN_MARK) :]
    assert block.endswith(END_MARK + "\n")
    lines = block.splitlines()[1:-1]
    assert lines == [
        f"% ambiguous log/2023.md:1 {BERT.title}",
        "% unresolved log/2023.md:40 Some talk(at)venue I could not find",
        "% ambiguous log/2023.md:41 Attention",
    ]
    assert "my cat" not in block  # not-a-paper is settled, not missing
    assert "(at)" in block and "@venue" not in block  # no stray `@` for BibTeX to trip on
    again = render(text, [refs[0]], (), Lock())
    assert BEGIN_MARK not in again
    assert again.startswith(HANDWRITTEN.rstrip("\n"))


def test_ambiguous_references_are_exported_with_a_note_when_asked() -> None:
    refs = hostile_references()
    ambiguous = replace(refs[0], status=Status.AMBIGUOUS)
    text = render("", [ambiguous], (), Lock(), include_ambiguous=True)
    assert refs[0].citekey in entry_keys(text)
    assert "annote = {papersync: uncertain match, check it before citing (log/2023.md:1)}" in text
    assert BEGIN_MARK not in text


def test_bad_keys_duplicates_and_broken_blocks_are_reported_not_fatal() -> None:
    refs = hostile_references()
    clash = replace(refs[1], citekey=refs[0].citekey.upper())
    invalid = replace(refs[2], citekey="has space")
    broken = "@article{broken, title = {never closed\n\n"
    twice = render("", refs[:1], (), Lock()) * 2
    merged = merge(broken + twice, [refs[0], clash, invalid], (), Lock(), name="refs.bib")
    assert any("has space" in p for p in merged.problems)
    assert any("is also" in p for p in merged.problems)
    assert any("refs.bib:1: @article block never closes" in p for p in merged.problems)
    assert any("duplicate entry" in p for p in merged.problems)
    assert merged.text.startswith(broken)
    assert list(entry_keys(merged.text)).count(refs[0].citekey) == 1


def test_a_hand_made_block_under_a_key_papersync_owns_is_never_overwritten() -> None:
    """E.g. a new paper pinned a key a person already used, or a person fixed our entry."""
    refs = hostile_references()
    vae = next(r for r in refs if r.paper is VAE)
    mine = f"@misc{{{vae.citekey},\n  title = {{My own VAE notes}},\n  note = {{mine}}\n}}"
    ours = render("", [vae], (), Lock())
    edited = ours.replace("\n}", ",\n  note = {read twice}\n}")  # a field papersync never writes
    lock = Lock(papers={vae.key: Pins(citekey=vae.citekey)})
    for existing in (mine + "\n", edited, f"% header\n{mine}\n\n@misc{{x, title={{y}}}}\n"):
        merged = merge(existing, refs[:3], (), lock, name="refs.bib")
        assert merged.text.startswith(existing.rstrip("\n"))
        assert entry_keys(merged.text).count(vae.citekey) == 1
        assert any(
            f"entry {vae.citekey!r} was written or edited by hand" in p for p in merged.problems
        )
        assert vae.key not in merged.exported
        assert merge(merged.text, refs[:3], (), lock).text == merged.text
    gone = merge(mine + "\n", [], (), lock)  # its paper left the log: still not removed
    assert gone.text.startswith(mine)
    # an edit that keeps papersync's exact shape cannot be told from papersync's own text
    retitled = ours.replace("Auto-Encoding", "Auto-encoding")
    rewritten = merge(retitled, refs[:3], (), lock).text
    assert ours.rstrip("\n") in rewritten and "Auto-encoding" not in rewritten


def test_everything_papersync_writes_is_recognised_as_its_own() -> None:
    for dialect in ("bibtex", "biblatex"):
        text = render(HANDWRITTEN, hostile_with_ambiguous(), (), Lock(), dialect=dialect,
                      include_ambiguous=True)  # fmt: skip
        ours = {r.citekey for r in hostile_references()}
        for block in split_blocks(text):
            assert written_by_papersync(text[block.start : block.end]) == (block.key in ours)


def test_cjk_in_ascii_mode_is_kept_and_reported() -> None:
    cjk = next(r for r in hostile_references() if r.paper.venue == "计算机学报")
    merged = merge("", [cjk], (), Lock(), ascii=True)
    assert "深度学习" in merged.text
    assert r"{\"U}berblick" in merged.text
    assert any("no ASCII LaTeX spelling" in p for p in merged.problems)



def test_an_invalid_citekey_chosen_in_the_lock_names_the_lock_key_it_came_from() -> None:
    ref = replace(hostile_references()[0], citekey="my key, {bad}")
    merged = merge("", [ref], (), Lock(papers={ref.key: Pins(citekey=ref.citekey)}))
    assert merged.problems == (
        f"papersync.lock.yaml: papers.{ref.key}.citekey: 'my key, {{bad}}' is not a valid "
        "citation key (letters, digits and _.:/- only); its entry is not written",
    )

def test_a_crlf_file_stays_crlf_and_mixed_endings_are_kept_byte_for_byte() -> None:
    refs = hostile_references()[:3]
    crlf = HANDWRITTEN.replace("\n", "\r\n")
    merged = merge(crlf, refs, UNRESOLVED, Lock())
    assert merged.text.startswith(crlf.rstrip("\r\n"))
    assert "\n" not in merged.text.replace("\r\n", "")  # papersync's entries are CRLF too
    assert set(entry_keys(merged.text)) == {*HANDWRITTEN_KEYS, *(r.citekey for r in refs)}
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in refs})
    assert merge(merged.text, refs, UNRESOLVED, lock).text == merged.text
    mixed = "% saved on Windows\r\n% edited on Linux\n@misc{mine, title = {x\r\ny}}\r\n"
    assert merge(mixed, refs, (), Lock()).text.startswith(mixed)
    # UTF-8 with a byte-order mark, as Notepad saves it, right before papersync's first entry
    notepad = "\ufeff" + render("", refs, (), lock).replace("\n", "\r\n")
    assert merge(notepad, refs, (), lock).text == notepad



def test_a_crlf_file_with_a_line_appended_in_lf_still_holds_papersyncs_entries() -> None:
    refs = hostile_references()[:3]
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in refs})
    crlf = render("", refs, UNRESOLVED, lock).replace("\n", "\r\n")
    mixed = crlf + "% appended by a script\n"
    merged = merge(mixed, refs, UNRESOLVED, lock)
    assert not merged.problems
    assert merged.counts["entries updated"] == 0
    assert sorted(entry_keys(merged.text)) == sorted(r.citekey for r in refs)
    assert "% appended by a script\n" in merged.text
    assert merged.text.count(BEGIN_MARK) == 1

def test_a_citekey_renamed_in_the_lock_renames_the_entry() -> None:
    refs = hostile_references()[:3]
    vae = next(r for r in refs if r.paper is VAE)
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in refs})
    before = render(HANDWRITTEN, refs, (), lock)
    mine = "@misc{myvae,\n  eprint = {1312.6114},\n  note = {my own copy}\n}\n"
    renamed = [replace(r, citekey="vae") if r is vae else r for r in refs]
    merged = merge(before + mine, renamed, (), lock.with_pins({vae.key: Pins(citekey="vae")}))
    keys = entry_keys(merged.text)
    assert "vae" in keys and vae.citekey not in keys
    assert "myvae" in keys  # the person's own entry for that paper is theirs
    assert merged.counts == {"entries added": 1, "entries updated": 0, "entries removed": 1}
    assert not merged.problems


def _retitled(reference: Reference) -> Reference:
    paper = reference.paper
    return replace(reference, paper=replace(paper, title=paper.title + " Revisited"))


@settings(max_examples=40, deadline=None)
@given(
    before=st.sets(st.integers(0, 11)),
    after=st.sets(st.integers(0, 11)),
    retitled=st.sets(st.integers(0, 11)),
)
def test_the_counts_agree_with_each_other_and_with_the_file(
    before: set[int], after: set[int], retitled: set[int]
) -> None:
    refs = hostile_references()
    old = [refs[i] for i in sorted(before)]
    new = [_retitled(refs[i]) if i in retitled else refs[i] for i in sorted(after)]
    lock = Lock(papers={r.key: Pins(citekey=r.citekey) for r in old})
    text = render(HANDWRITTEN, old, (), lock)
    merged = merge(text, new, (), lock)
    assert merged.counts == {
        "entries added": len(after - before),
        "entries updated": len(after & before & retitled),
        "entries removed": len(before - after),
    }
    assert (merged.text != text) == any(merged.counts.values())
