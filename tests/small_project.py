"""A notes folder of a test's own: its logs, a config, a catalog imported from its records."""

from __future__ import annotations

import json
from pathlib import Path

from papersync import commands
from papersync.config import Config, load


def arxiv_record(arxiv: str, title: str, abstract: str = "") -> dict[str, object]:
    """One record in arXiv snapshot format, as `catalog import` reads it."""
    return {
        "id": arxiv,
        "title": title,
        "authors": "Ada Lovelace, Alan Turing",
        "abstract": abstract,
        "categories": "cs.CV",
        "doi": None,
        "journal-ref": None,
        "update_date": None,
        "authors_parsed": [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]],
    }


def project(
    root: Path, logs: dict[str, str], records: list[dict[str, object]], vault: str = ""
) -> Config:
    """A notes folder with `logs`, a config writing a `.bib` and a vault (with the `vault`
    settings, `include_unresolved: true` say), and `records` imported into its catalog."""
    (root / "notes").mkdir(parents=True)
    for name, text in logs.items():
        (root / "notes" / name).write_text(text, encoding="utf-8")
    (root / "papersync.yaml").write_text(
        "notes: ['notes/*.md']\n"
        "cache_dir: cache\n"
        "export:\n"
        "  bibtex: {path: out/refs.bib}\n"
        f"  vault: {{path: out/vault{', ' + vault if vault else ''}}}\n",
        encoding="utf-8",
    )
    catalog = root / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    config = load(root / "papersync.yaml")
    commands.catalog_import(config, catalog, None)
    return config
