"""The local catalog: importing three formats faithfully, updating in place, finding candidates."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from papersync import match
from papersync.errors import CatalogError
from papersync.model import Author, Ids, Mention, Paper, PaperKind, Status
from papersync.sources.catalog import Catalog, arxiv_jsonl

ATTENTION = {
    "id": "1706.03762v5",
    "submitter": "Ashish Vaswani",
    "authors": "Ashish Vaswani, Noam Shazeer",
    "title": "Attention Is All\n  You Need",
    "abstract": "  The dominant sequence transduction models\n are complex. ",
    "categories": "cs.CL cs.LG",
    "doi": "10.48550/ARXIV.1706.03762",
    "journal-ref": "Advances in Neural Information Processing Systems 30 (2017)",
    "update_date": "2023-08-03",
    "versions": [{"version": "v1", "created": "Mon, 12 Jun 2017 17:57:34 GMT"}],
    "authors_parsed": [["Vaswani", "Ashish", ""], ["Shazeer", "Noam", ""]],
}
SPARSE = {
    "id": "2101.00001",
    "title": "Sparse Codes for Audio",
    "authors": "",
    "abstract": "",
    "categories": "",
    "doi": None,
    "journal-ref": None,
    "update_date": None,
}
OLD_STYLE = {"id": "hep-th/9901001", "title": "Strings on a Lattice", "authors": "Ada Lovelace"}


def write_jsonl(path: Path, records: list[object], extra: tuple[str, ...] = ()) -> Path:
    path.write_text("\n".join([json.dumps(r) for r in records] + list(extra)) + "\n")
    return path


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    with Catalog(tmp_path / "cache" / "catalog.db") as opened:
        yield opened


def test_arxiv_jsonl_import_reads_every_field(catalog: Catalog, tmp_path: Path) -> None:
    dump = write_jsonl(tmp_path / "a.jsonl", [ATTENTION, SPARSE, OLD_STYLE])
    report = catalog.import_file(dump, "arxiv-jsonl")
    assert (report.imported, report.updated, report.skipped, report.problems) == (3, 0, 0, ())
    paper = catalog.get(Ids(arxiv="1706.03762"))
    assert paper is not None
    assert paper.title == "Attention Is All You Need"
    assert paper.authors == (Author("Vaswani", "Ashish"), Author("Shazeer", "Noam"))
    assert (paper.date, paper.year) == ("2017-06-12", 2017)
    assert paper.ids == Ids(arxiv="1706.03762", doi="10.48550/arxiv.1706.03762")
    assert paper.venue == "Advances in Neural Information Processing Systems 30 (2017)"
    assert paper.kind is PaperKind.PREPRINT
    assert paper.primary_class == "cs.CL"
    assert paper.url == "https://arxiv.org/abs/1706.03762"
    assert paper.abstract == "The dominant sequence transduction models are complex."
    sparse = catalog.get(Ids(arxiv="2101.00001"))
    assert sparse is not None
    assert (sparse.authors, sparse.venue, sparse.abstract, sparse.primary_class) == (
        (),
        None,
        None,
        None,
    )
    old = catalog.get(Ids(arxiv="hep-th/9901001"))
    assert old is not None and old.authors == (Author("Lovelace", "Ada"),)


def test_bad_lines_are_reported_with_line_numbers_and_skipped(
    catalog: Catalog, tmp_path: Path
) -> None:
    dump = tmp_path / "a.jsonl"
    dump.write_text(
        json.dumps(SPARSE)
        + "\n"
        + '{"id": "2101.00002", "title": "Trunc\n'
        + "\n"
        + json.dumps({"id": "2101.00003", "title": ""})
        + "\n"
        + "[1, 2]\n"
        + json.dumps({"title": "No id at all"})
        + "\n"
        + json.dumps(ATTENTION)
        + "\n"
    )
    report = catalog.import_file(dump, "arxiv-jsonl")
    assert (report.imported, report.skipped) == (2, 4)
    assert [p.line for p in report.problems] == [2, 4, 5, 6]
    assert "line 2: not JSON" in str(report.problems[0])
    assert len(catalog) == 2


def test_reimport_updates_instead_of_duplicating(catalog: Catalog, tmp_path: Path) -> None:
    dump = write_jsonl(tmp_path / "a.jsonl", [ATTENTION, SPARSE])
    catalog.import_file(dump, "arxiv-jsonl")
    again = catalog.import_file(dump, "arxiv-jsonl")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    renamed = dict(SPARSE, title="Dense Codes for Speech")
    changed = catalog.import_file(write_jsonl(tmp_path / "b.jsonl", [renamed]), "arxiv-jsonl")
    assert (changed.imported, changed.updated) == (0, 1)
    assert len(catalog) == 2
    found = catalog.search(Mention("Dense Codes for Speech", "Dense Codes for Speech", "l", 1))
    assert [p.ids.arxiv for p in found] == ["2101.00001"]
    assert not catalog.search(Mention("Sparse Audio", "Sparse Audio", "l", 1))


def test_the_parallel_import_gives_the_same_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [
        dict(SPARSE, id=f"2101.{n:05d}", title=f"Paper number {n} on codes") for n in range(50)
    ]
    dump = write_jsonl(tmp_path / "a.jsonl", records, extra=("not json",))
    with Catalog(tmp_path / "serial.db") as serial:
        expected = serial.import_file(dump, "arxiv-jsonl")
        first = serial.get(Ids(arxiv="2101.00007"))
    monkeypatch.setattr(arxiv_jsonl, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(arxiv_jsonl, "LINES_PER_TASK", 7)
    with Catalog(tmp_path / "parallel.db") as parallel:
        assert parallel.import_file(dump, "arxiv-jsonl") == expected
        assert parallel.get(Ids(arxiv="2101.00007")) == first
    assert expected.problems[0].line == 51


BIBTEX = r"""@string{neurips = "Advances in Neural Information Processing Systems"}

@article{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam and G{\"o}mez, Aidan N.},
  year = {2017},
  eprint = {1706.03762},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
  journal = neurips,
}

@inproceedings{he2016deep,
  title = {Deep Residual Learning for {Image} Recognition},
  author = {Kaiming He and Xiangyu Zhang and {Microsoft Research}},
  booktitle = {Proceedings of CVPR},
  year = 2016,
  pages = {770--778},
  doi = {10.1109/CVPR.2016.90},
  publisher = {IEEE},
}

@misc{broken,
  title = {Missing its closing brace
  author = {Nobody},

@book{notitle,
  author = {Someone},
  year = {2001},
}
"""


def test_bibtex_import(catalog: Catalog, tmp_path: Path) -> None:
    library = tmp_path / "library.bib"
    library.write_text(BIBTEX)
    report = catalog.import_file(library, "bibtex")
    assert report.imported == 2
    assert [p.line for p in report.problems] == [23, 27]
    attention = catalog.get(Ids(arxiv="1706.03762"))
    assert attention is not None
    assert attention.kind is PaperKind.ARTICLE
    assert attention.venue == "Advances in Neural Information Processing Systems"
    assert attention.authors[2] == Author("Gömez", "Aidan N.")
    assert (attention.year, attention.primary_class) == (2017, "cs.CL")
    resnet = catalog.get(Ids(doi="10.1109/cvpr.2016.90"))
    assert resnet is not None
    assert resnet.title == "Deep Residual Learning for Image Recognition"
    assert resnet.kind is PaperKind.CONFERENCE
    assert resnet.authors == (
        Author("He", "Kaiming"),
        Author("Zhang", "Xiangyu"),
        Author("Microsoft Research", literal=True),
    )
    assert (resnet.venue, resnet.pages, resnet.publisher) == (
        "Proceedings of CVPR",
        "770--778",
        "IEEE",
    )


CSL = """[
  {"id": "a", "type": "article-journal", "title": "Deep Residual Learning for Image Recognition",
   "author": [{"family": "He", "given": "Kaiming"}, {"literal": "Microsoft Research"}],
   "issued": {"date-parts": [[2016, 6]]}, "DOI": "10.1109/CVPR.2016.90",
   "container-title": "CVPR", "volume": "1", "issue": "2", "page": "770-778"},
  {"id": "b", "type": "article", "title": "Attention Is All You Need",
   "URL": "https://arxiv.org/abs/1706.03762v7", "issued": {"date-parts": [[2017]]}},
  {"id": "c", "type": "book"}
]"""


def test_csl_json_import(catalog: Catalog, tmp_path: Path) -> None:
    items = tmp_path / "papers.json"
    items.write_text(CSL)
    report = catalog.import_file(items, "csl-json")
    assert (report.imported, report.skipped) == (2, 1)
    assert report.problems[0].line == 8
    resnet = catalog.get(Ids(doi="10.1109/cvpr.2016.90"))
    assert resnet is not None
    assert resnet.authors == (Author("He", "Kaiming"), Author("Microsoft Research", literal=True))
    assert (resnet.year, resnet.date, resnet.kind) == (2016, "2016-06", PaperKind.ARTICLE)
    assert (resnet.volume, resnet.issue, resnet.pages, resnet.venue) == (
        "1",
        "2",
        "770-778",
        "CVPR",
    )
    attention = catalog.get(Ids(arxiv="1706.03762"))
    assert attention is not None and attention.kind is PaperKind.PREPRINT


def test_malformed_csl_json_is_a_problem_not_a_crash(catalog: Catalog, tmp_path: Path) -> None:
    items = tmp_path / "papers.json"
    items.write_text('[{"title": "Fine Paper On Codes"},\n {"title": oops}]')
    report = catalog.import_file(items, "csl-json")
    assert report.imported == 1
    assert report.problems[0].line == 2


def test_unknown_format_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="arxiv-jsonl"):
        catalog.import_file(tmp_path / "x", "ris")


def test_upsert_keeps_papers_found_online(catalog: Catalog) -> None:
    found = Paper(
        ids=Ids(arxiv="2304.07193", doi="10.1/dinov2"),
        title="DINOv2: Learning Robust Visual Features without Supervision",
        source="arxiv",
        authors=(Author("Oquab", "Maxime"),),
        year=2023,
    )
    assert catalog.upsert([found]).imported == 1
    assert catalog.get(Ids(doi="10.1/dinov2")) == found
    assert catalog.lookup([Ids(arxiv="2304.07193"), Ids(arxiv="9999.99999")]).papers == {
        Ids(arxiv="2304.07193"): found
    }
    assert catalog.upsert([found]).unchanged == 1
    assert len(catalog) == 1


def mention(raw: str) -> Mention:
    return Mention(raw=raw, title=raw, file="log.md", line=1)


def test_candidates_found_despite_typos_and_aliases(catalog: Catalog, tmp_path: Path) -> None:
    vgg = dict(
        SPARSE,
        id="1409.1556",
        title="Very Deep Convolutional Networks for Large-Scale Image Recognition",
    )
    other = dict(SPARSE, id="1512.03385", title="Deep Residual Learning for Image Recognition")
    catalog.import_file(write_jsonl(tmp_path / "a.jsonl", [vgg, other, ATTENTION]), "arxiv-jsonl")
    for raw in (
        "Very deep conversational networks for large-scale image recognition",
        "VGG: Very Deep Convolutional Networks for Large-Scale Image Recognition",
        "**very deep convolutional networks for large scale image recognition**",
    ):
        found = catalog.search(mention(raw))
        assert found and found[0].ids.arxiv == "1409.1556", raw
        assert match.decide(mention(raw), found).status is Status.MATCHED
    result = catalog.candidates([mention("Attention is all you need"), mention("Nothing Like It")])
    assert list(result.candidates) == [match.identity(mention("Attention is all you need"))]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('"Quoted" titles AND NOT operators', id="quotes_and_operators"),
        pytest.param("NEAR(deep learning, 3) * ^ -minus", id="fts_syntax"),
        pytest.param("注意力就是你所需要的", id="cjk"),
        pytest.param("", id="empty"),
        pytest.param("***", id="only_markdown"),
    ],
)
def test_search_survives_any_title(catalog: Catalog, tmp_path: Path, raw: str) -> None:
    catalog.import_file(write_jsonl(tmp_path / "a.jsonl", [ATTENTION, SPARSE]), "arxiv-jsonl")
    assert catalog.search(mention(raw)) == ()


def test_cjk_title_found_exactly(catalog: Catalog) -> None:
    paper = Paper(ids=Ids(doi="10.1/zh"), title="注意力就是你所需要的", source="bibtex")
    catalog.upsert([paper])
    assert catalog.search(mention("注意力就是你所需要的")) == (paper,)


def test_corrupt_file_raises_catalog_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(CatalogError, match="catalog"):
        Catalog(path)


def test_truncated_file_raises_catalog_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    records = [
        dict(SPARSE, id=f"2101.{n:05d}", title=f"Paper number {n} on codes") for n in range(3000)
    ]
    with Catalog(path) as full:
        full.import_file(write_jsonl(tmp_path / "a.jsonl", records), "arxiv-jsonl")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with pytest.raises(CatalogError), Catalog(path) as broken:
        broken.search(mention("Paper number 2999 on codes"))
        len(broken)


def _eval_script() -> object:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "eval_seeds.py"
    spec = importlib.util.spec_from_file_location("eval_seeds", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_dev_set_precision_and_recall(shared: Path) -> None:
    if not (shared / "eval" / "seed_gold.jsonl").exists():
        pytest.skip("no eval set in the shared folder")
    score = _eval_script().evaluate(shared)  # type: ignore[attr-defined]
    assert score.precision == 1.0, score.wrong
    assert score.recall >= 0.97, score.missed


def test_a_catalog_damaged_inside_is_moved_aside_and_rebuilt_on_import(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    records = [
        dict(SPARSE, id=f"2101.{n:05d}", title=f"Paper number {n} on codes") for n in range(3000)
    ]
    dump = write_jsonl(tmp_path / "a.jsonl", records)
    with Catalog(path) as full:
        full.import_file(dump, "arxiv-jsonl")
    data = bytearray(path.read_bytes())
    page, middle = 16384, len(data) // 16384 // 2  # a data page: the schema still reads
    data[middle * page + 100 : (middle + 1) * page] = b"\xff" * (page - 100)
    path.write_bytes(bytes(data))
    with Catalog(path) as damaged:
        report = damaged.import_file(dump, "arxiv-jsonl")
        assert report.imported == 3000 and len(damaged) == 3000
        assert damaged.get(Ids(arxiv="2101.02999")) is not None
    assert report.rebuilt is not None and report.problems == ()
    assert report.rebuilt.startswith(f"{path}: damaged (database disk image is malformed)")
    assert "moved aside" in report.rebuilt and "\n" not in report.rebuilt
    assert (tmp_path / "catalog.sqlite.corrupt").exists()


ABSTRACTS = [
    dict(
        SPARSE,
        id="2005.12872",
        title="End-to-End Object Detection with Transformers",
        abstract="We present a new method... called DEtection TRansformer or DETR.",
    ),
    dict(SPARSE, id="2010.04159", title="Deformable DETR: Deformable Transformers for Detection"),
    dict(
        SPARSE,
        id="2106.99999",
        title="DETReg: Unsupervised Pretraining for Detection",
        abstract="DETReg pretrains the whole DETR-like detector.",
    ),
    dict(
        SPARSE,
        id="1911.05722",
        title="Momentum Contrast for Unsupervised Learning",
        abstract="We present Momentum Contrast (MoCo) for unsupervised learning.",
    ),
]


def test_a_short_name_finds_papers_that_write_it_as_a_word(
    catalog: Catalog, tmp_path: Path
) -> None:
    catalog.import_file(write_jsonl(tmp_path / "a.jsonl", ABSTRACTS), "arxiv-jsonl")
    found = [p.ids.arxiv for p in catalog.named("DETR")]
    # the paper whose abstract defines the name first, then titles holding it, then abstracts
    assert found == ["2005.12872", "2010.04159", "2106.99999"]
    assert [p.ids.arxiv for p in catalog.named("MoCo")] == ["1911.05722"]
    assert catalog.named("Moco v3") == [] and catalog.named("   ") == []
    name = Mention("[DETR]", "DETR", "l", 1, alias="DETR")
    assert "2005.12872" in {p.ids.arxiv for p in catalog.search(name)}


def conference(ids: Ids, title: str, year: int) -> Paper:
    """A published record as DBLP gives one."""
    return Paper(ids, title, "catalog", year=year, venue="Proc.", kind=PaperKind.CONFERENCE)


def test_a_retitled_version_is_found_and_merged_into_one_work(
    catalog: Catalog, tmp_path: Path
) -> None:
    gan = dict(SPARSE, id="1406.2661", title="Generative Adversarial Networks")
    others = [
        dict(SPARSE, id=f"17{n:02d}.00001", title=f"{word} Generative Adversarial Nets")
        for n, word in enumerate(["Triple", "Dual", "Wasserstein", "Sequence", "Graph"])
    ]
    catalog.import_file(write_jsonl(tmp_path / "a.jsonl", [gan, *others]), "arxiv-jsonl")
    catalog.upsert(
        [conference(Ids(dblp="conf/nips/GoodfellowPMXWOCB14"), "Generative Adversarial Nets", 2014)]
    )
    wanted = mention("GAN: Generative Adversarial Nets")
    decided = match.decide(wanted, catalog.search(wanted))
    assert decided.status is Status.MATCHED and decided.paper is not None
    assert (decided.paper.ids.arxiv, decided.paper.kind) == ("1406.2661", PaperKind.CONFERENCE)


def test_a_paper_known_by_its_arxiv_id_gains_its_published_version_once_imported(
    catalog: Catalog, tmp_path: Path
) -> None:
    resnet = dict(SPARSE, id="1512.03385", title="Deep Residual Learning for Image Recognition")
    catalog.import_file(write_jsonl(tmp_path / "a.jsonl", [resnet]), "arxiv-jsonl")
    assert catalog.get(Ids(arxiv="1512.03385")).kind is PaperKind.PREPRINT  # type: ignore[union-attr]
    cvpr = Ids(doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
    catalog.upsert([conference(cvpr, "Deep Residual Learning for Image Recognition.", 2016)])
    work = catalog.get(Ids(arxiv="1512.03385"))
    assert work is not None and (work.kind, work.year) == (PaperKind.CONFERENCE, 2016)
    assert work.ids == Ids(arxiv="1512.03385", doi="10.1109/cvpr.2016.90", dblp="conf/cvpr/HeZRS16")
