"""The .bib exporter: LaTeX-safe entries, stable keys, and the user's own entries left alone.

The compile tests are the real check: a document citing every exported key must build with
pdflatex + bibtex (plain and natbib) and with pdflatex + biber (biblatex), with no error and no
bibtex/biber warning. CJK has no glyphs in the fonts these TeX packages ship, so the test
documents map each CJK character to a placeholder with `\\DeclareUnicodeCharacter` — standing in
for a user's CJK font setup; the .bib and .bbl still carry the characters (asserted).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.citekey import assign
from papersync.export.bibtex import (
    BEGIN_MARK,
    END_MARK,
    BibtexExporter,
    entry_fields,
    entry_keys,
    latex,
    latex_name,
    merge,
    render,
    split_blocks,
    written_by_papersync,
)
from papersync.lock import Lock, Pins
from papersync.model import (
    Author,
    Ids,
    Match,
    Mention,
    Paper,
    PaperKind,
    Reference,
    Status,
)

FIXTURES = Path(__file__).parent / "fixtures" / "bibtex"
HANDWRITTEN = (FIXTURES / "handwritten.bib").read_text(encoding="utf-8")
HANDWRITTEN_KEYS = ("mine2001", "oldstyle1999", "indented2020")
FREE_TEXT = "Free text between entries is a comment for BibTeX.\n"
COMPILABLE = HANDWRITTEN.replace(FREE_TEXT, "")
"""The fixture minus its free text, which biber (not bibtex) warns about as "junk at toplevel"."""


def mention(title: str, line: int = 1) -> Mention:
    return Mention(raw=f"《{title}》", title=title, file="log/2023.md", line=line)


def reference(paper: Paper, citekey: str, status: Status = Status.MATCHED) -> Reference:
    key = paper.ids.key()
    assert key is not None
    return Reference(key, paper, citekey, (mention(paper.title),), status)


VAE = Paper(
    Ids(arxiv="1312.6114"),
    "Auto-Encoding Variational Bayes",
    "arxiv",
    (Author("Kingma", "Diederik P."), Author("Welling", "Max")),
    2013,
    date="2013-12-20",
    primary_class="stat.ML",
)
BERT = Paper(
    Ids(arxiv="1810.04805", doi="10.18653/v1/n19-1423"),
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "s2",
    (Author("Devlin", "Jacob"), Author("Chang", "Ming-Wei")),
    2019,
    venue="Proceedings of NAACL-HLT 2019",
    kind=PaperKind.CONFERENCE,
    pages="4171--4186",
    primary_class="cs.CL",
)


def hostile() -> list[Paper]:
    """Metadata of our own making that breaks naive exporters."""
    return [
        VAE,
        BERT,
        Paper(
            Ids(doi="10.1000/r&d_100%{x}"),
            "Braces {unbalanced and 100% of R&D: $O(n \\log n)$ costs $5 #1 a_b ~x^2 \\relax",
            "crossref",
            (
                Author("van den Oord", "Aäron"),
                Author("Schrödinger", "Érwin"),
                Author("OpenAI", literal=True),
                Author("Smith and Sons", "J."),
                Author("Łukasiewicz", "Jan"),
                Author("Nguyễn", "Thị Minh"),
            ),
            2021,
            venue="Journal of A & B {Studies}",
            kind=PaperKind.ARTICLE,
            volume="12",
            issue="3",
            pages="1-10",
            url="https://example.org/a_b?x=1%202#frag",
        ),
        Paper(
            Ids(arxiv="2303.08774"),
            "GPT-4 Technical Report on ImageNet, T5 and the $\\alpha$-divergence",
            "arxiv",
            (Author("OpenAI", literal=True),),
            2023,
            primary_class="cs.CL",
        ),
        Paper(
            Ids(doi="10.1000/cjk.1"),
            "深度学习：中文 NLP 的 Überblick",
            "crossref",
            (Author("王", "小明"), Author("Müller", "Jürgen")),
            2022,
            venue="计算机学报",
            kind=PaperKind.ARTICLE,
        ),
        Paper(
            Ids(arxiv="2206.04615"),
            "Beyond the Imitation Game: Quantifying and Extrapolating the Capabilities of LMs",
            "arxiv",
            tuple(
                Author(f"Author{chr(65 + i // 26)}{chr(97 + i % 26)}", "Ann") for i in range(200)
            ),
            2022,
        ),
        Paper(
            Ids(doi="10.1000/noyear"),
            "A Paper Without a Year",
            "crossref",
            (Author("Nobody", "Ned"),),
            None,
            venue="Workshop Notes",
            kind=PaperKind.ARTICLE,
        ),
        Paper(Ids(doi="10.1000/anon"), "Anonymous Findings", "crossref", (), 2020),
        Paper(
            Ids(doi="10.1000/report"),
            "Costs of Training",
            "crossref",
            (Author("Lee", "Kim"),),
            2020,
            publisher="ACME Labs",
            kind=PaperKind.REPORT,
        ),
    ]


def hostile_references() -> list[Reference]:
    papers = {p.ids.key() or "": p for p in hostile()}
    keys = assign(papers, {})
    return [reference(p, keys[k]) for k, p in papers.items()]


def hostile_with_ambiguous() -> list[Reference]:
    """The hostile set, its last paper an uncertain match noted from an awkward file name."""
    *sure, last = hostile_references()
    odd_place = Mention("x", "x", file="notes/100% my_log & {drafts}.md", line=7)
    return [*sure, replace(last, status=Status.AMBIGUOUS, mentions=(odd_place,))]


UNRESOLVED = (
    Match(mention("Some talk@venue I could not find", 40), Status.UNRESOLVED),
    Match(mention("Attention", 41), Status.AMBIGUOUS),
    Match(mention("my cat", 42), Status.NOT_A_PAPER),
)


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("R&D 100% $5 #1 a_b", r"R\&D 100\% \$5 \#1 a\_b", id="specials"),
        pytest.param(
            "{x} ~ ^ \\",
            r"\textbraceleft{}x\textbraceright{} \textasciitilde{} "
            r"\textasciicircum{} \textbackslash{}",
            id="braces-tilde-caret-backslash",
        ),
        pytest.param("cost $O(n^2)$ here", r"cost {$O(n^2)$} here", id="math-kept"),
        pytest.param("$5 and $6", r"\$5 and \$6", id="dollars-not-math"),
        pytest.param("$a}$", r"\$a\textbraceright{}\$", id="unbalanced-math-escaped"),
        pytest.param("$50%$", r"{$50\%$}", id="percent-in-math"),
        pytest.param(
            "Müller ç ï ệ ß", r"M{\"u}ller {\c{c}} {\"{\i}} {\^{\d{e}}} {\ss}", id="accents"
        ),
        pytest.param("a – b — “c” …", r"a -- b --- ``c'' \ldots{}", id="typography"),
        pytest.param("α-test", r"$\alpha$-test", id="greek"),
        pytest.param("ＡＢ：ﬁ", r"AB:fi", id="compatibility-forms"),
        pytest.param("  two\n lines ", "two lines", id="whitespace"),
    ],
)
def test_text_is_escaped_for_bibtex(text: str, expected: str) -> None:
    assert latex(text, ascii=True) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("BERT: Pre-training", "{BERT}: Pre-training"),
        ("GPT-4 Technical Report", "{GPT}-4 Technical Report"),
        ("Scaling ImageNet with T5", "Scaling {ImageNet} with {T5}"),
        ("A Study of Part I", "A Study of Part {I}"),
        ("Deep Q-Learning", "Deep {Q}-Learning"),
        ("Attention is all you need", "Attention is all you need"),
    ],
)
def test_titles_protect_capitals(title: str, expected: str) -> None:
    assert latex(title, ascii=True, title=True) == expected


def test_utf8_mode_keeps_non_ascii_but_still_escapes() -> None:
    assert latex("Über 中文 & co", ascii=False) == r"Über 中文 \& co"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        (Author("van den Oord", "Aaron"), "van den Oord, Aaron"),
        (Author("OpenAI", literal=True), "{OpenAI}"),
        (Author("Smith and Sons", "J."), "{Smith and Sons}, J."),
        (Author("Müller", "Jürgen"), r"M{\"u}ller, J{\"u}rgen"),
        (Author("Li Wei"), "{Li Wei}"),
    ],
)
def test_names(author: Author, expected: str) -> None:
    assert latex_name(author, ascii=True) == expected


# --- entries -------------------------------------------------------------------------------


def test_arxiv_preprint_is_misc_with_eprint_in_bibtex_and_online_in_biblatex() -> None:
    ref = reference(VAE, "kingma2013autoencoding")
    kind, fields = entry_fields(ref, dialect="bibtex", ascii=True)
    assert kind == "misc"
    assert fields["eprint"] == "1312.6114"
    assert fields["archiveprefix"] == "arXiv"
    assert fields["primaryclass"] == "stat.ML"
    assert fields["url"] == "https://arxiv.org/abs/1312.6114"
    assert fields["year"] == "2013"
    assert "doi" not in fields
    kind, fields = entry_fields(ref, dialect="biblatex", ascii=False)
    assert kind == "online"
    assert (fields["eprinttype"], fields["eprintclass"], fields["date"]) == (
        "arxiv",
        "stat.ML",
        "2013-12-20",
    )


def test_published_preprint_keeps_eprint_beside_the_venue() -> None:
    kind, fields = entry_fields(reference(BERT, "devlin2019bert"), dialect="bibtex", ascii=True)
    assert kind == "inproceedings"
    assert fields["booktitle"] == "Proceedings of NAACL-HLT 2019"  # only titles are case-changed
    assert fields["doi"] == "10.18653/v1/n19-1423"
    assert fields["eprint"] == "1810.04805"
    kind, fields = entry_fields(reference(BERT, "k"), dialect="biblatex", ascii=False)
    assert kind == "inproceedings"
    assert fields["eprinttype"] == "arxiv"


def test_journal_article_and_fallbacks_that_keep_bibtex_quiet() -> None:
    journal, noyear, anon, report = hostile()[2], hostile()[6], hostile()[7], hostile()[8]
    kind, fields = entry_fields(reference(journal, "k"), dialect="bibtex", ascii=True)
    assert kind == "article"
    assert fields["journal"] == r"Journal of A \& B \textbraceleft{}Studies\textbraceright{}"
    assert (fields["volume"], fields["number"], fields["pages"]) == ("12", "3", "1-10")
    assert fields["doi"] == "10.1000/r&d_100%25%7Bx%7D"  # braces would break the .bib
    # bibtex's article needs a year: without one it becomes @misc, venue as howpublished
    kind, fields = entry_fields(reference(noyear, "k"), dialect="bibtex", ascii=True)
    assert (kind, fields["howpublished"]) == ("misc", "Workshop Notes")
    assert "year" not in fields
    kind, fields = entry_fields(reference(noyear, "k"), dialect="biblatex", ascii=False)
    assert (kind, fields["journaltitle"]) == ("article", "Workshop Notes")
    assert "date" not in fields
    kind, fields = entry_fields(reference(anon, "k"), dialect="bibtex", ascii=True)
    assert kind == "misc" and "author" not in fields
    assert fields["key"] == "Anonymous Findings"  # a sort key for bibtex styles, not metadata
    kind, fields = entry_fields(reference(report, "k"), dialect="bibtex", ascii=True)
    assert (kind, fields["institution"]) == ("techreport", "ACME Labs")


def test_a_preprint_server_other_than_arxiv_is_kept_as_howpublished() -> None:
    biorxiv = Paper(
        Ids(doi="10.1101/2020.01.01.1"), "Cells", "crossref", (Author("Ng", "A."),), 2020,
        venue="bioRxiv",
    )  # fmt: skip
    for dialect in ("bibtex", "biblatex"):
        kind, fields = entry_fields(reference(biorxiv, "k"), dialect=dialect, ascii=True)
        assert (kind, fields["howpublished"]) == ("misc", "bioRxiv")
    arxiv_venue = replace(VAE, venue="arXiv.org")
    _, fields = entry_fields(reference(arxiv_venue, "k"), dialect="bibtex", ascii=True)
    assert "howpublished" not in fields


def test_only_what_the_source_said() -> None:
    bare = Paper(Ids(doi="10.1/x"), "Only a Title", "crossref")
    kind, fields = entry_fields(reference(bare, "k"), dialect="bibtex", ascii=True)
    assert (kind, set(fields)) == ("misc", {"title", "doi", "key"})  # key: bibtex's sort key
    _, fields = entry_fields(reference(bare, "k"), dialect="biblatex", ascii=False)
    assert set(fields) == {"title", "doi"}


def test_long_author_lists_are_kept_whole() -> None:
    big = hostile()[5]
    _, fields = entry_fields(reference(big, "k"), dialect="bibtex", ascii=True)
    assert fields["author"].count(" and ") == 199


def test_output_reads_back_with_bibtexparser() -> None:
    text = render("", hostile_references(), (), Lock())
    parser = bibtexparser.bparser.BibTexParser(common_strings=False)
    entries = {e["ID"]: e for e in bibtexparser.loads(text, parser).entries}
    assert set(entries) == {r.citekey for r in hostile_references()}
    assert entries["kingma2013autoencoding"]["archiveprefix"] == "arXiv"
    assert entries["devlin2019bert"]["ENTRYTYPE"] == "inproceedings"


# --- merging -------------------------------------------------------------------------------


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


def test_second_run_writes_nothing_and_keeps_mtime(tmp_path: Path) -> None:
    path = tmp_path / "out" / "refs.bib"
    refs = hostile_references()
    exporter = BibtexExporter(path, dialect="biblatex")
    first = exporter.export(refs, UNRESOLVED, Lock())
    assert first.written == (str(path),)
    assert first.counts["added"] == len(refs)
    assert {k: p.citekey for k, p in first.pins.items()} == {r.key: r.citekey for r in refs}
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    lock = Lock().with_pins(first.pins)
    second = exporter.export(refs, UNRESOLVED, lock)
    assert second.written == () and second.unchanged == 1 and not second.pins
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert not list(tmp_path.glob("out/.*"))  # no temp file left behind


def test_unreadable_target_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@misc{x, title = {caf\xe9}}\n")
    outcome = BibtexExporter(path).export(hostile_references(), (), Lock())
    assert outcome.written == () and "UTF-8" in outcome.problems[0]
    assert path.read_bytes() == b"@misc{x, title = {caf\xe9}}\n"


def test_hand_written_keys_are_what_is_not_pinned(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN + "@misc{ours, title={x}}\n", encoding="utf-8")
    lock = Lock(papers={"arxiv:1": Pins(citekey="ours")})
    assert BibtexExporter(path).hand_written_keys(lock) == frozenset(HANDWRITTEN_KEYS)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'apa'"):
        BibtexExporter(Path("x.bib"), dialect="apa")


def test_citation_keys_survive_changed_metadata_formula_and_a_colliding_newcomer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "refs.bib"
    papers = {p.ids.key() or "": p for p in hostile()}
    keys = assign(papers, {})
    outcome = BibtexExporter(path).export(
        [reference(p, keys[k]) for k, p in papers.items()], (), Lock()
    )
    lock = Lock().with_pins(outcome.pins)
    before = set(entry_keys(path.read_text(encoding="utf-8")))
    # better metadata, a new formula, and a newcomer whose key would collide
    papers["arxiv:1312.6114"] = replace(VAE, title="Variational Autoencoders", year=2014)
    newcomer = replace(VAE, ids=Ids(arxiv="9999.99999"), title="Auto-Encoding Again")
    papers["arxiv:9999.99999"] = newcomer
    pinned = {k: p.citekey for k, p in lock.papers.items() if p.citekey}
    new_keys = assign(
        papers, pinned, "authors(2) + year", BibtexExporter(path).hand_written_keys(lock)
    )
    assert {k: new_keys[k] for k in keys} == keys
    BibtexExporter(path).export([reference(p, new_keys[k]) for k, p in papers.items()], (), lock)
    after = set(entry_keys(path.read_text(encoding="utf-8")))
    assert before < after and len(after - before) == 1


# --- LaTeX, for real ------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(
            f"{name} not installed (apt-get install texlive-latex-base texlive-latex-recommended "
            "texlive-bibtex-extra biber)"
        )
    return found


def _run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        encoding="utf-8", errors="replace",
    )  # fmt: skip


def _document(text: str, preamble: str, bibliography: str) -> str:
    keys = entry_keys(text)
    cjk = sorted({c for c in text if ord(c) >= 0x2E80})
    stand_ins = "".join(f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{?}}\n" for c in cjk)
    return (
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{url}\n"
        f"{preamble}\n{stand_ins}\\begin{{document}}\n"
        f"Citing \\cite{{{','.join(keys)}}}.\n{bibliography}\n\\end{{document}}\n"
    )


def _assert_latex_clean(
    cwd: Path, result: subprocess.CompletedProcess[str], *, final: bool = True
) -> None:
    log = (cwd / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0 and not errors, errors or log[-2000:]
    if final:
        assert "undefined" not in log.lower(), re.findall(r".*undefined.*", log)


def _pdflatex(cwd: Path, *, final: bool = False) -> subprocess.CompletedProcess[str]:
    draft = () if final else ("-draftmode",)  # only the last run needs to write a PDF
    command = (_tool("pdflatex"), *draft, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
    return _run(cwd, *command)


def _compile_with_bibtex(cwd: Path, text: str, style: str) -> tuple[list[str], str]:
    """pdflatex, bibtex, pdflatex ×2 on a document citing every key: bibtex warnings and .bbl."""
    _tool("pdflatex")
    bibtex = _tool("bibtex")
    cwd.mkdir(exist_ok=True)
    (cwd / "refs.bib").write_text(text, encoding="utf-8")
    preamble = "\\usepackage{natbib}" if style.endswith("nat") else ""
    bibliography = f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}"
    (cwd / "doc.tex").write_text(_document(text, preamble, bibliography), encoding="utf-8")
    _assert_latex_clean(cwd, _pdflatex(cwd), final=False)
    result = _run(cwd, bibtex, "doc")
    blg = (cwd / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert "error message" not in blg and result.returncode in (0, 1), blg
    _pdflatex(cwd)
    _assert_latex_clean(cwd, _pdflatex(cwd, final=True))
    bbl = (cwd / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == len(entry_keys(text))
    return re.findall(r"^Warning--.*", blg, re.MULTILINE), bbl


def _compile_with_biber(cwd: Path, text: str) -> str:
    """pdflatex, biber, pdflatex ×2 with biblatex; asserts biber said nothing; returns the .bbl."""
    _tool("pdflatex")
    biber = _tool("biber")
    cwd.mkdir(exist_ok=True)
    (cwd / "refs.bib").write_text(text, encoding="utf-8")
    preamble = "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}"
    (cwd / "doc.tex").write_text(_document(text, preamble, "\\printbibliography"), "utf-8")
    _assert_latex_clean(cwd, _pdflatex(cwd), final=False)
    result = _run(cwd, biber, "doc")
    blg = (cwd / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, blg
    assert re.search(r"> INFO - ", blg), blg  # the log format the next line relies on
    assert not re.findall(r"> (?:WARN|ERROR) - .*", blg), blg
    _pdflatex(cwd)
    _assert_latex_clean(cwd, _pdflatex(cwd, final=True))
    bbl = (cwd / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\entry{") == len(entry_keys(text))
    return bbl


@pytest.mark.parametrize("style", ["plain", "plainnat"])
def test_pdflatex_and_bibtex_compile_every_key_without_warnings(tmp_path: Path, style: str) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    BibtexExporter(path, include_ambiguous=True).export(
        hostile_with_ambiguous(), UNRESOLVED, Lock()
    )
    text = path.read_text(encoding="utf-8")
    assert "annote = {papersync: uncertain match" in text
    ours = text[len(COMPILABLE) :]
    assert {c for c in ours if not c.isascii()} <= set("深度学习中文的计算机学报王小明")  # CJK only
    warnings, bbl = _compile_with_bibtex(tmp_path, text, style)
    if style == "plainnat":
        # plainnat demands a year of every entry; papersync will not invent one
        undated = [r.citekey for r in hostile_references() if r.paper.year is None]
        assert warnings == [f"Warning--empty year in {k}" for k in undated]
    else:
        assert warnings == []
    assert "深度学习" in bbl


def test_pdflatex_and_biber_compile_every_key_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    exporter = BibtexExporter(path, dialect="biblatex", include_ambiguous=True)
    exporter.export(hostile_with_ambiguous(), UNRESOLVED, Lock())
    text = path.read_text(encoding="utf-8")
    assert "Schrödinger" in text  # biber reads UTF-8: no LaTeX accents needed
    assert "深度学习" in _compile_with_biber(tmp_path, text)


def test_real_titles_get_unique_keys_and_compile(shared: Path, tmp_path: Path) -> None:
    """Every catalog title gets a distinct key; the odd ones (symbols, accents) compile."""
    rows = [json.loads(line) for line in (shared / "eval" / "catalog.jsonl").open(encoding="utf-8")]
    papers = {f"arxiv:{r['id']}": Paper(Ids(arxiv=r["id"]), r["title"], "catalog") for r in rows}
    keys = assign(papers, {})
    assert len({k.casefold() for k in keys.values()}) == len(papers)
    odd = {k for k, p in papers.items() if re.search(r"[^A-Za-z0-9 :,.'?!()/+-]", p.title)}
    assert odd
    refs = [reference(papers[k], keys[k]) for k in sorted(odd)]
    merged = merge("", refs, (), Lock())
    assert not merged.problems  # every character had an ASCII LaTeX spelling
    warnings, _ = _compile_with_bibtex(tmp_path / "bibtex", merged.text, "plain")
    assert warnings == []
    _compile_with_biber(tmp_path / "biber", render("", refs, (), Lock(), dialect="biblatex"))
