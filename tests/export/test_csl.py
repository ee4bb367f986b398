"""CSL-JSON export: rendered by a real CSL processor and read back by the catalog's importer."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from papersync.export.csl import CslExporter, date_parts, render
from papersync.lock import Lock
from papersync.model import Author, Ids, Mention, Paper, PaperKind, Reference


def reference(
    citekey: str,
    title: str,
    kind: PaperKind,
    *,
    arxiv: str | None = None,
    doi: str | None = None,
    **fields: str | None,
) -> Reference:
    paper = Paper(
        ids=Ids(arxiv=arxiv, doi=doi),
        title=title,
        source="test",
        authors=(Author("Lovelace", "Ada"), Author("Hopper", "Grace"), Author("W3C", literal=True)),
        year=2021,
        date=fields.pop("date", "2021-06-17"),
        kind=kind,
        **fields,
    )
    mention = Mention(raw=title, title=title, file="log.md", line=1)
    return Reference(paper.key or f"title:{title}", paper, citekey, (mention,))


REFERENCES = [
    reference(
        "hu2021lora",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        PaperKind.PREPRINT,
        arxiv="2106.09685",
        abstract="We propose <LoRA> & friends.",
    ),
    reference(
        "lovelace2021widgets",
        "Sparse widgets",
        PaperKind.ARTICLE,
        doi="10.1000/widgets.1",
        arxiv="2101.00001",
        venue="Journal of Widgets",
        volume="12",
        issue="3",
        pages="101-120",
        publisher="Widget Press",
    ),
    reference(
        "hopper2021compilers",
        "Compilers for everyone",
        PaperKind.CONFERENCE,
        doi="10.1000/conf.7",
        venue="Proceedings of WidgetConf",
        pages="7-9",
        date="2021",
    ),
    reference(
        "w3c2021book",
        "A book about widgets",
        PaperKind.BOOK,
        doi="10.1000/book.1",
        publisher="Widget Press",
        date="2021-06",
    ),
    reference(
        "w3c2021report",
        "Widget report",
        PaperKind.REPORT,
        doi="10.1000/report.9",
        publisher="Widget Institute",
    ),
]


def test_items_carry_the_citation_key_type_and_only_known_variables() -> None:
    items = {i["id"]: i for i in json.loads(render(REFERENCES))}

    assert set(items) == {r.citekey for r in REFERENCES}
    lora = items["hu2021lora"]
    assert lora["type"] == "article"
    assert lora["number"] == "arXiv:2106.09685"
    assert lora["publisher"] == "arXiv"
    assert lora["URL"] == "https://arxiv.org/abs/2106.09685"
    assert lora["author"] == [
        {"family": "Lovelace", "given": "Ada"},
        {"family": "Hopper", "given": "Grace"},
        {"literal": "W3C"},
    ]
    assert lora["issued"] == {"date-parts": [[2021, 6, 17]]}
    assert "DOI" not in lora and "container-title" not in lora and "volume" not in lora
    article = items["lovelace2021widgets"]
    assert article["type"] == "article-journal"
    assert (article["container-title"], article["volume"], article["issue"], article["page"]) == (
        "Journal of Widgets",
        "12",
        "3",
        "101-120",
    )
    assert article["note"] == "arXiv: 2101.00001"
    assert items["hopper2021compilers"]["type"] == "paper-conference"
    assert items["hopper2021compilers"]["issued"] == {"date-parts": [[2021]]}
    assert items["w3c2021book"]["type"] == "book"
    assert items["w3c2021book"]["issued"] == {"date-parts": [[2021, 6]]}
    assert items["w3c2021report"]["type"] == "report"
    assert items["w3c2021report"]["publisher"] == "Widget Institute"


def test_render_is_deterministic_whatever_the_order() -> None:
    assert render(REFERENCES) == render(list(reversed(REFERENCES)))
    assert [i["id"] for i in json.loads(render(REFERENCES))] == sorted(
        r.citekey for r in REFERENCES
    )


@pytest.mark.parametrize(
    ("date", "year", "expected"),
    [
        pytest.param("2023-09-18", 2023, [[2023, 9, 18]], id="full"),
        pytest.param("2023-09", 2023, [[2023, 9]], id="month"),
        pytest.param(None, 2019, [[2019]], id="year-only"),
        pytest.param("someday", None, None, id="nothing-known"),
    ],
)
def test_date_parts(date: str | None, year: int | None, expected: object) -> None:
    assert date_parts(date, year) == expected


def test_a_csl_processor_renders_every_paper() -> None:
    source = CiteProcJSON(json.loads(render(REFERENCES)))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for ref in REFERENCES:
        bibliography.register(Citation([CitationItem(ref.citekey)]))

    entries = [str(entry) for entry in bibliography.bibliography()]

    assert len(entries) == len(REFERENCES)
    for ref in REFERENCES:
        [entry] = [e for e in entries if ref.paper.title in e]
        assert "Lovelace, A., Hopper, G. and W3C (2021" in entry
    assert any("Journal of Widgets, 12(3), pp. 101–120" in e for e in entries)
    assert any("https://arxiv.org/abs/2106.09685" in e for e in entries)


def test_exporter_writes_atomically_and_only_on_change(tmp_path: Path) -> None:
    path = tmp_path / "out" / "papers.json"
    exporter = CslExporter(path)

    first = exporter.export(REFERENCES, [], Lock())
    second = exporter.export(REFERENCES, [], Lock())

    assert first.written == (str(path),)
    assert second.written == () and second.unchanged == 1
    assert path.read_text(encoding="utf-8") == render(REFERENCES)
    assert list(path.parent.iterdir()) == [path]


def test_the_counts_are_this_runs_items_added_updated_and_removed(tmp_path: Path) -> None:
    exporter = CslExporter(tmp_path / "papers.json")
    n = len(REFERENCES)
    first = exporter.export(REFERENCES, [], Lock())
    assert first.counts == {"items added": n, "items updated": 0, "items removed": 0}
    assert exporter.export(REFERENCES, [], Lock()).counts == dict.fromkeys(first.counts, 0)
    retitled = replace(REFERENCES[0], paper=replace(REFERENCES[0].paper, title="LoRA, again"))
    changed = exporter.export([retitled, *REFERENCES[2:]], [], Lock())
    assert changed.counts == {"items added": 0, "items updated": 1, "items removed": 1}
    (tmp_path / "papers.json").write_text("not JSON, a person's mistake", encoding="utf-8")
    assert exporter.export(REFERENCES, [], Lock()).counts["items added"] == n


def test_a_citation_key_used_twice_is_reported_not_duplicated(tmp_path: Path) -> None:
    twin = reference("hu2021lora", "Another paper", PaperKind.PREPRINT, arxiv="2106.00001")

    outcome = CslExporter(tmp_path / "papers.json").export([*REFERENCES, twin], [], Lock())

    ids = [i["id"] for i in json.loads((tmp_path / "papers.json").read_text("utf-8"))]
    assert ids.count("hu2021lora") == 1
    assert len(outcome.problems) == 1 and "'hu2021lora'" in outcome.problems[0]


def test_round_trip_through_the_catalog_import(tmp_path: Path) -> None:
    catalog_module = pytest.importorskip("papersync.sources.catalog")
    path = tmp_path / "papers.json"
    CslExporter(path).export(REFERENCES, [], Lock())

    with catalog_module.Catalog(tmp_path / "catalog.sqlite") as catalog:
        report = catalog.import_file(path, "csl-json")
        back = {r.citekey: catalog.get(r.paper.ids) for r in REFERENCES}

    assert report.imported == len(REFERENCES)
    assert report.problems == ()
    for ref in REFERENCES:
        paper = back[ref.citekey]
        assert paper is not None, ref.citekey
        original = ref.paper
        assert paper.ids.arxiv == original.ids.arxiv
        assert paper.ids.doi == original.ids.doi
        assert paper.title == original.title
        assert paper.authors == original.authors
        assert (paper.year, paper.date) == (original.year, original.date)
        assert paper.kind is original.kind
        assert paper.abstract == original.abstract
        assert (paper.volume, paper.issue, paper.pages) == (
            original.volume,
            original.issue,
            original.pages,
        )
        if original.kind in (PaperKind.ARTICLE, PaperKind.CONFERENCE):
            assert paper.venue == original.venue


def test_a_work_is_its_published_version_or_its_preprint_as_preferred(
    tmp_path: Path, resnet: Paper
) -> None:
    mention = Mention(raw=resnet.title, title=resnet.title, file="log.md", line=1)
    ref = Reference("arxiv:1512.03385", resnet, "he2016deep", (mention,))
    CslExporter(tmp_path / "papers.json").export([ref], (), Lock())
    (published,) = json.loads((tmp_path / "papers.json").read_text(encoding="utf-8"))
    assert published["type"] == "paper-conference"
    assert published["container-title"].endswith("Pattern Recognition (CVPR)")
    assert (published["DOI"], published["page"]) == ("10.1109/cvpr.2016.90", "770--778")
    assert (published["issued"], published["note"]) == (
        {"date-parts": [[2016]]},
        "arXiv: 1512.03385",
    )
    CslExporter(tmp_path / "papers.json", prefer="preprint").export([ref], (), Lock())
    (preprint,) = json.loads((tmp_path / "papers.json").read_text(encoding="utf-8"))
    assert (preprint["type"], preprint["number"]) == ("article", "arXiv:1512.03385")
    assert preprint["issued"] == {"date-parts": [[2015, 12, 10]]}
    assert "container-title" not in preprint
