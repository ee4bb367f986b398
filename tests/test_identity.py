"""Papers known by neither arXiv id nor DOI are kept, and a paper keeps its names for good."""

from __future__ import annotations

import json
import re
from pathlib import Path

import papersync.export.zotero
from papersync import commands, lock
from papersync.config import Config, load
from papersync.model import Ids, Status

HAND_BIB = r"""@inproceedings{smith2019graphs,
  title = {Sparse Graph Sketches for Streaming Recommendation},
  author = {Smith, Jane and Doe, John},
  booktitle = {Proceedings of RecSys},
  year = {2019},
}

@inproceedings{DBLP:conf/nips/LeeK21,
  title = {Calibrated Ensembles of Tiny Transformers},
  author = {Lee, Min and Kim, Ha},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2021},
}

@article{garcia2018,
  title = {Monotone Operators in Federated Optimisation},
  author = {Garc{\'\i}a, Ana},
  journal = {Journal of Imaginary Results},
  year = {2018},
  doi = {10.1234/jir.2018.7},
}

@misc{wu2022,
  title = {Prompt Tables for Tabular Question Answering},
  author = {Wu, Li},
  year = {2022},
  eprint = {2201.00001},
  archivePrefix = {arXiv},
}

@book{okafor2020,
  title = {A Field Guide to Optimisation Folklore},
  author = {Okafor, Chidi},
  publisher = {Nowhere Press},
  year = {2020},
}
"""
TITLES = re.findall(r"^  title = \{(.+)\},$", HAND_BIB, re.MULTILINE)
LOG = "# Reading\n\n## 2024-03-01\n\n" + "".join(f"- 《{t}》\n" for t in TITLES)


def make_config(root: Path, extra: str = "") -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "log.md").write_text(LOG, encoding="utf-8")
    (root / "papersync.yaml").write_text(
        "notes: [notes/log.md]\ncache_dir: cache\nexport:\n  bibtex: {path: out/refs.bib}\n"
        "  csl: {path: out/papers.json}\n  vault: {path: out/vault}\n" + extra,
        encoding="utf-8",
    )
    return load(root / "papersync.yaml")


def test_five_hand_kept_papers_get_keys_and_reach_every_target(tmp_path: Path) -> None:
    from fake_zotero import FakeZotero

    shipped = Path(papersync.export.zotero.__file__).with_name("schema.json")
    with FakeZotero(shipped) as library:
        zotero = (
            f"  zotero: {{library_id: '{library.library_id}', api_key: {library.api_key}, "
            f"url: '{library.url}'}}\n"
        )
        config = make_config(tmp_path, extra=zotero)
        _sync_five(tmp_path, config)
        items = library.top_items()
    assert sorted(item["title"] for item in items) == sorted(TITLES)
    assert {item["itemType"] for item in items} >= {"conferencePaper", "journalArticle"}


def _sync_five(tmp_path: Path, config: Config) -> None:
    assert len(TITLES) == 5
    (tmp_path / "library.bib").write_text(HAND_BIB, encoding="utf-8")
    assert commands.catalog_import(config, tmp_path / "library.bib", None).imported == 5
    commands.sync(config, offline=True, say=lambda line: None)
    commands.zotero_push(config)
    pinned = lock.load(lock.lock_path(config.state_dir))
    decided = [d for d in pinned.decisions.values() if d.status is Status.MATCHED]
    assert len(decided) == 5
    assert {d.ids.key() for d in decided} == {
        "record:bib:smith2019graphs",
        "dblp:conf/nips/LeeK21",
        "doi:10.1234/jir.2018.7",
        "arxiv:2201.00001",
        "record:bib:okafor2020",
    }
    pins = [pinned.pins(d.ids.key() or "") for d in decided]
    assert all(p.citekey and p.zotero_key for p in pins)
    refs = (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8")
    assert refs.count("\n@") + refs.startswith("@") == 5
    items = json.loads((tmp_path / "out" / "papers.json").read_text(encoding="utf-8"))
    assert sorted(item["title"] for item in items) == sorted(TITLES)
    notes = list((tmp_path / "out" / "vault").rglob("*.md"))
    assert len([n for n in notes if any(t in n.read_text(encoding="utf-8") for t in TITLES)]) >= 5


def test_a_paper_known_by_its_bib_key_keeps_its_names_when_a_doi_appears(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    library = tmp_path / "library.bib"
    library.write_text(HAND_BIB, encoding="utf-8")
    commands.catalog_import(config, library, None)
    commands.sync(config, offline=True, say=lambda line: None)
    path = lock.lock_path(config.state_dir)
    before = lock.load(path).pins("record:bib:smith2019graphs")
    assert before.citekey
    library.write_text(
        HAND_BIB.replace("year = {2019},\n", "year = {2019},\n  doi = {10.5555/sketch.19},\n", 1),
        encoding="utf-8",
    )
    assert commands.catalog_import(config, library, None).updated == 1
    commands.sync(config, offline=True, refresh=True, say=lambda line: None)
    after = lock.load(path)
    assert after.pins("record:bib:smith2019graphs") == before
    assert "doi:10.5555/sketch.19" not in after.papers
    assert after.key_for(Ids(doi="10.5555/sketch.19", record="bib:smith2019graphs")) == (
        "record:bib:smith2019graphs"
    )
    refs = (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8")
    assert refs.count(f"{{{before.citekey},") == 1 and "10.5555/sketch.19" in refs


def test_decisions_keep_every_kind_of_id(tmp_path: Path) -> None:
    ids = Ids(dblp="conf/nips/LeeK21", s2="abc123", record="bib:x")
    kept = lock.Lock({"m": lock.Decision(Status.MATCHED, ids=ids)})
    path = tmp_path / lock.LOCK_NAME
    lock.save(path, kept)
    assert lock.load(path).decisions["m"].ids == ids
