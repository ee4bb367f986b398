"""The catalog's readers: BibTeX (own `.bib`, DBLP `.bib.gz`) fast and faithful, and files
that are no catalog at all refused in one line."""

from __future__ import annotations

import gzip
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import latex_to_unicode

from papersync.cli import main
from papersync.errors import CatalogError
from papersync.model import Author, Ids, PaperKind
from papersync.sources.catalog import Catalog, format_of, parse_bibtex_entry
from papersync.sources.catalog.bibtex import read_bibtex, scan_entry
from papersync.sources.catalog.latex import to_unicode

DBLP_ENTRY = r"""@inproceedings{DBLP:conf/cvpr/HeZRS16,
  author    = {Kaiming He and
               Xiangyu Zhang and
               Shaoqing Ren and
               Jian Sun},
  title     = {Deep Residual Learning for Image Recognition},
  booktitle = {2016 {IEEE} Conference on Computer Vision and Pattern Recognition, {CVPR}
               2016, Las Vegas, NV, USA, June 27-30, 2016},
  pages     = {770--778},
  publisher = {{IEEE} Computer Society},
  year      = {2016},
  url       = {https://doi.org/10.1109/CVPR.2016.90},
  doi       = {10.1109/CVPR.2016.90},
  biburl    = {https://dblp.org/rec/conf/cvpr/HeZRS16.bib},
  bibsource = {dblp computer science bibliography, https://dblp.org}
}
"""
ICLR_WITH_ARXIV = r"""@inproceedings{DBLP:journals/corr/KingmaW13,
  author    = {Diederik P. Kingma and Max Welling},
  title     = {Auto-Encoding Variational Bayes},
  booktitle = {2nd International Conference on Learning Representations, {ICLR} 2014},
  year      = {2014},
  url       = {http://arxiv.org/abs/1312.6114},
  biburl    = {https://dblp.org/rec/journals/corr/KingmaW13.bib}
}
"""
REGULAR = [
    pytest.param(DBLP_ENTRY, id="dblp_multiline"),
    pytest.param(
        '@article{k, title = {A {Nested {Deep}} Title}, year = 2001, author={G{\\"o}del, K.}}',
        id="nested_braces_number_one_line",
    ),
    pytest.param(
        "@misc{x,\n title={Prompting},\n eprint={2201.00001},\n archivePrefix={arXiv}\n}\n",
        id="better_bibtex_no_trailing_comma",
    ),
]
IRREGULAR = [
    pytest.param('@article{q, title = "Quoted Title", year = {2001}}', id="quoted_value"),
    pytest.param("@article{m, title = {A} # { B}, year = {2001}}", id="concatenation"),
    pytest.param("@article{s, title = {T}, journal = neurips}", id="macro"),
    pytest.param("@article{b, title = {Unclosed, year = {2001}}", id="unbalanced"),
]


def parsed_by_bibtexparser(text: str) -> dict[str, str]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    (entry,) = bibtexparser.loads(text, parser).entries
    return dict(entry)


@pytest.mark.parametrize("text", REGULAR)
def test_the_scanner_reads_regular_entries_as_bibtexparser_does(text: str) -> None:
    scanned = scan_entry(text)
    assert scanned is not None
    expected = parsed_by_bibtexparser(text)
    assert {k: " ".join(v.split()) for k, v in scanned.items()} == {
        k: " ".join(v.split()) for k, v in expected.items()
    }
    assert parse_bibtex_entry(scanned) == parse_bibtex_entry(expected)


@pytest.mark.parametrize("text", IRREGULAR)
def test_irregular_entries_are_left_to_bibtexparser(text: str) -> None:
    assert scan_entry(text) is None


@pytest.mark.parametrize(
    "latex",
    [
        r"G{\"{o}}bel",
        r"Jos{\'e} \v{C}ech",
        r"{\ss} {\o} \'{\i}",
        r"Tom \& Jerry",
        r"\c{c}a",
        r"{\"u}ber {GAN}",
        r"\emph{x}",
        r"Erd\H{o}s",
        r"\AA{}ngstr\"om",
    ],
)
def test_latex_decoding_agrees_with_bibtexparser(latex: str) -> None:
    assert to_unicode(latex) == latex_to_unicode(latex)


def test_dblp_dump_gzipped_imports_with_keys_ids_and_published_fields(tmp_path: Path) -> None:
    dump = tmp_path / "dblp.bib.gz"
    dump.write_bytes(gzip.compress((DBLP_ENTRY + "\n" + ICLR_WITH_ARXIV).encode()))
    assert format_of(dump) == "bibtex"
    rows = [row for _, row in read_bibtex(dump)]
    assert [getattr(row, "key", row) for row in rows] == [
        "dblp:conf/cvpr/HeZRS16",
        "dblp:journals/corr/KingmaW13",
    ]
    with Catalog(tmp_path / "c.sqlite") as catalog:
        assert catalog.import_file(dump, "bibtex").imported == 2
        resnet = catalog.get(Ids(dblp="conf/cvpr/HeZRS16"))
        vae = catalog.get(Ids(arxiv="1312.6114"))
    assert resnet is not None and vae is not None
    assert resnet.ids == Ids(doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
    assert (resnet.kind, resnet.year, resnet.pages) == (PaperKind.CONFERENCE, 2016, "770--778")
    assert resnet.authors[0] == Author("He", "Kaiming")
    assert vae.ids == Ids(arxiv="1312.6114", dblp="journals/corr/KingmaW13")


def test_a_bib_entry_is_one_row_under_its_key_even_when_it_gains_a_doi(tmp_path: Path) -> None:
    entry = "@article{mine, title = {Sketches}, year = {2019}}\n"
    library = tmp_path / "library.bib"
    with Catalog(tmp_path / "c.sqlite") as catalog:
        library.write_text(entry)
        catalog.import_file(library, "bibtex")
        library.write_text(entry.replace("year", "doi = {10.1234/S}, year"))
        again = catalog.import_file(library, "bibtex")
        assert (again.imported, again.updated, len(catalog)) == (0, 1, 1)
        paper = catalog.get(Ids(record="bib:mine"))
        assert paper is not None and paper.ids == Ids(doi="10.1234/s", record="bib:mine")
        assert catalog.get(Ids(doi="10.1234/s")) == paper


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("papersync.yaml", "notes: [log.md]\ncache_dir: cache\n", id="a_config"),
        pytest.param("empty.jsonl", "\n\n", id="empty"),
    ],
)
def test_a_file_that_is_no_catalog_is_one_line_naming_it(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CatalogError, match=f"{name}: not a catalog file") as raised:
        format_of(path)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("arxiv-jsonl", "not arXiv JSON Lines"),
        ("bibtex", "not BibTeX"),
        ("csl-json", "not CSL-JSON"),
    ],
)
def test_each_reader_refuses_a_file_of_another_kind(tmp_path: Path, fmt: str, message: str) -> None:
    config = tmp_path / "papersync.yaml"
    config.write_text("notes: [log.md]\n# a comment\nexport: {}\n")
    with Catalog(tmp_path / "c.sqlite") as catalog, pytest.raises(CatalogError, match=message):
        catalog.import_file(config, fmt)
    with Catalog(tmp_path / "c.sqlite") as catalog:
        assert len(catalog) == 0


def test_format_is_told_from_the_content_when_the_name_does_not_say(tmp_path: Path) -> None:
    kaggle = tmp_path / "arxiv-metadata-oai-snapshot.json"  # JSON Lines, named .json
    kaggle.write_text('{"id": "1706.03762", "title": "Attention"}\n')
    items = tmp_path / "papers.json"
    items.write_text('[{"id": "a", "title": "T"}]')
    assert (format_of(kaggle), format_of(items)) == ("arxiv-jsonl", "csl-json")


def test_catalog_import_of_a_config_file_is_one_line_and_an_error_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERSYNC_CACHE_DIR", str(tmp_path / "cache"))
    Path("papersync.yaml").write_text("notes: [log.md]\n" + "# a comment\n" * 57)
    assert main(["catalog", "import", "papersync.yaml"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("papersync: papersync.yaml: not a catalog file")
