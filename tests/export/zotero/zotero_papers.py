"""Papers, works and a quick exporter for the Zotero tests, built by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from fake_zotero import FakeZotero
from papersync import commands
from papersync.config import Config, load
from papersync.export import Outcome
from papersync.export.zotero import ZoteroExporter
from papersync.lock import Lock
from papersync.model import Author, Ids, Mention, Paper, PaperKind, Reference
from papersync.sources.http import Http, Policy

SUBSET = Path(__file__).parents[2] / "fixtures" / "zotero" / "schema-subset.json"
COLLECTION = "Reading log"


def reference(
    n: int,
    kind: PaperKind = PaperKind.PREPRINT,
    *,
    body: str = "",
    doi: str | None = None,
    arxiv: bool = True,
    title: str | None = None,
    ids: Ids | None = None,
) -> Reference:
    """Paper `n` of a made-up series, as a source would state it, with one dated mention."""
    paper = Paper(
        ids=ids or Ids(arxiv=f"2401.{n:05d}" if arxiv else None, doi=doi),
        title=title or f"Sparse widgets for problem {n}",
        source="test",
        authors=(Author("Lovelace", "Ada"), Author("Widget Consortium", literal=True)),
        year=2024,
        date="2024-01-15",
        venue={PaperKind.ARTICLE: "Journal of Widgets", PaperKind.CONFERENCE: "WidgetConf"}.get(
            kind
        ),
        kind=kind,
        abstract=f"We study widgets, case {n}.",
        volume="7" if kind is PaperKind.ARTICLE else None,
        pages="1-10" if kind in (PaperKind.ARTICLE, PaperKind.CONFERENCE) else None,
        publisher="Widget Press" if kind in (PaperKind.BOOK, PaperKind.REPORT) else None,
    )
    mention = Mention(
        raw=f"《{paper.title}》",
        title=paper.title,
        file="log.md",
        line=n,
        date=dt.date(2024, 1, 1 + n % 28),
        body=body or f"Read it on day {n}. Liked the <widgets> & the proofs.",
    )
    key = paper.key or f"title:{n}"
    return Reference(key=key, paper=paper, citekey=f"lovelace2024widgets{n}", mentions=(mention,))


def published_work(n: int, kind: PaperKind) -> Reference:
    """Paper `n` as one work: its 2023 arXiv preprint and its 2024 published record."""
    preprint = reference(n).paper
    preprint = replace(preprint, year=2023, date="2023-11-02", ids=Ids(arxiv=f"2311.{n:05d}"))
    published = reference(n, kind, arxiv=False, doi=f"10.1000/widgets.{n}").paper
    published = replace(published, issue="3" if kind is PaperKind.ARTICLE else None)
    ids = Ids(arxiv=f"2311.{n:05d}", doi=f"10.1000/widgets.{n}", dblp=f"conf/widget/Lovelace{n}")
    work = replace(published, ids=ids, versions=(preprint, published))
    return replace(reference(n), key=str(ids.key()), paper=work)


def quick_http(retries: int = 5, sleep: Callable[[float], None] | None = None) -> Http:
    """The run's HTTP layer with short backoffs, so fault storms take milliseconds."""
    policy = Policy(backoff=0.01, retries=retries, read_timeout=10)
    return Http(policy=policy) if sleep is None else Http(policy=policy, sleep=sleep)


def exporter(server: FakeZotero, retries: int = 5, **kwargs: Any) -> ZoteroExporter:
    return ZoteroExporter(
        str(server.library_id),
        "user",
        kwargs.pop("api_key", server.api_key),
        url=server.url,
        collection=kwargs.pop("collection", COLLECTION),
        tags=kwargs.pop("tags", ("papersync",)),
        http=quick_http(retries),
        **kwargs,
    )


def push(server: FakeZotero, refs: Sequence[Reference], lock: Lock, **kwargs: Any) -> Outcome:
    return exporter(server, **kwargs).export(refs, [], lock)


def notes_of(server: FakeZotero, key: str) -> list[dict[str, Any]]:
    return [c for c in server.children(key) if c["itemType"] == "note"]


def sync_folder(root: Path, server: FakeZotero, papers: int) -> Config:
    """A folder whose log cites `papers` papers of a local catalog, synced to `server` only."""
    titles = [f"Sparse widgets for problem {n}" for n in range(1, papers + 1)]
    records = [
        {"id": f"2401.{n:05d}", "title": t, "authors": "Ada Lovelace", "categories": "cs.LG"}
        for n, t in enumerate(titles, 1)
    ]
    (root / "catalog.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    (root / "log.md").write_text(
        "# 2024-01-02\n\n" + "".join(f"《{t}》\n\n" for t in titles), encoding="utf-8"
    )
    off = "{enabled: false}"
    (root / "papersync.yaml").write_text(
        f"notes: [log.md]\ncache_dir: cache\n"
        f"sources: {{arxiv: {off}, semanticscholar: {off}, crossref: {off}}}\n"
        f"export:\n  zotero: {{library_id: '{server.library_id}', api_key: {server.api_key}, "
        f"url: '{server.url}'}}\n",
        encoding="utf-8",
    )
    config = load(root / "papersync.yaml")
    commands.catalog_import(config, root / "catalog.jsonl", None)
    return config
