"""One reference to one entry: the standard type when its fields are known, only sourced facts."""

from __future__ import annotations

import re
from dataclasses import replace

import bibtexparser
from bib_papers import (
    BERT,
    CONTROLS,
    DBLP_ONLY,
    RECORD_ONLY,
    VAE,
    hostile,
    hostile_references,
    mention,
    reference,
)

from papersync.export.bibtex import entry_fields, merge, render, split_blocks
from papersync.export.bibtex.entry import own_ids
from papersync.lock import Lock
from papersync.model import Author, Ids, Match, Paper, Reference, Status


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


def test_the_published_version_wins_with_the_preprint_kept_as_eprint(resnet: Paper) -> None:
    ref = Reference("arxiv:1512.03385", resnet, "he2016deep", (mention(resnet.title),))
    kind, fields = entry_fields(ref, dialect="bibtex", ascii=True)
    assert kind == "inproceedings"
    assert "(CVPR)" in fields["booktitle"] and fields["pages"] == "770--778"
    assert (fields["year"], fields["doi"]) == ("2016", "10.1109/cvpr.2016.90")
    assert (fields["eprint"], fields["archiveprefix"]) == ("1512.03385", "arXiv")
    assert fields["primaryclass"] == "cs.CV"  # stated by the preprint version only
    assert fields["biburl"] == "https://dblp.org/rec/conf/cvpr/HeZRS16.bib"
    kind, fields = entry_fields(ref, dialect="biblatex", ascii=False)
    assert (kind, fields["date"], fields["eprinttype"]) == ("inproceedings", "2016", "arxiv")
    kind, fields = entry_fields(ref, dialect="bibtex", ascii=True, prefer="preprint")
    assert (kind, fields["year"], fields["eprint"]) == ("misc", "2015", "1512.03385")
    assert "booktitle" not in fields and "pages" not in fields
    kind, fields = entry_fields(ref, dialect="biblatex", ascii=False, prefer="preprint")
    assert (kind, fields["date"], fields["eprinttype"]) == ("online", "2015-12-10", "arxiv")


def test_a_paper_known_by_a_dblp_key_or_a_record_key_alone_is_an_entry() -> None:
    kind, fields = entry_fields(reference(DBLP_ONLY, "k"), dialect="bibtex", ascii=True)
    assert (kind, fields["booktitle"], fields["year"]) == (
        "inproceedings",
        "Advances in Neural Information Processing Systems 30",
        "2017",
    )
    assert fields["biburl"] == "https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17.bib"
    kind, fields = entry_fields(reference(RECORD_ONLY, "k"), dialect="bibtex", ascii=True)
    assert (kind, fields["journal"]) == ("article", "Widget Workshop")
    assert not {"doi", "eprint", "url", "biburl"} & set(fields)  # no id to link: none invented


def test_control_characters_never_reach_the_bib_and_are_reported() -> None:
    ref = reference(CONTROLS, "ctrl2019null")
    unresolved = Match(mention("A log\x00 line\x1b with controls"), Status.UNRESOLVED)
    merged = merge("", [ref], [unresolved], Lock())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", merged.text)
    assert "% unresolved log/2023.md:1 A log line with controls" in merged.text
    assert "title = {Null Bytes, Bells and[0m Escapes in Titles}" in merged.text
    assert "author = {Ctrl, Bell}" in merged.text
    assert merged.problems == (
        "ctrl2019null: control characters U+0000, U+0001, U+0007, U+001B, U+007F, U+009B "
        "in its metadata; dropped",
    )


def test_an_entry_in_papersyncs_shape_names_its_paper_by_its_ids(resnet: Paper) -> None:
    s2_only = Paper(Ids(s2="649def34f8be52c8b66281af98ae884c09aef38b"), "Widgets", "s2")
    refs = [*hostile_references(), reference(resnet, "he2016deep"), reference(s2_only, "w")]
    for dialect in ("bibtex", "biblatex"):
        text = render("", refs, (), Lock(), dialect=dialect)
        blocks = {b.key: text[b.start : b.end] for b in split_blocks(text)}
        for ref in refs:
            ids, found = ref.paper.ids, own_ids(blocks[ref.citekey])
            assert found is not None and found.key() == ids.key()
            assert (found.arxiv, found.doi, found.dblp) == (ids.arxiv, ids.doi, ids.dblp)
    edited = blocks["he2016deep"].replace("\n}", ",\n  note = {mine}\n}")
    assert own_ids(edited) is None  # a person's entry is never taken for papersync's
