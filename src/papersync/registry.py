"""Names to parts: which sources and exporters exist, built from the config.

A registry, not a plugin system: a dict per kind. The only module that knows every
constructor, so the rest of papersync depends on the protocols alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from papersync.config import Config
from papersync.errors import ConfigError, SourceError
from papersync.export import Exporter
from papersync.export.bibtex import BibtexExporter
from papersync.export.csl import CslExporter
from papersync.export.vault import VaultExporter
from papersync.export.zotero import ZoteroExporter
from papersync.export.zotero.api import clean_api_key
from papersync.model import Paper
from papersync.sources import Source
from papersync.sources.arxiv import ArxivSource
from papersync.sources.crossref import CrossrefSource
from papersync.sources.http import Http, Policy
from papersync.sources.semanticscholar import SemanticScholarSource

RESPONSES_NAME = "responses.sqlite"
TARGETS = ("bibtex", "vault", "csl", "zotero")


@dataclass(frozen=True)
class Services:
    sources: Sequence[Source]
    enrich: Callable[[Sequence[Paper]], Sequence[Paper]] | None


@contextlib.contextmanager
def connect(config: Config, *, refresh: bool = False) -> Iterator[Services]:
    """The enabled online sources for one run, sharing one paced, cached HTTP session."""
    s = config.sources
    policy = Policy(connect_timeout=min(5.0, s.timeout), read_timeout=s.timeout, retries=s.retries)
    with Http(
        config.cache_dir / RESPONSES_NAME,
        contact=s.crossref.mailto,
        policy=policy,
        refresh=refresh,
    ) as http:
        sources: list[Source] = []
        if s.arxiv.enabled:
            sources.append(ArxivSource(http, s.arxiv.url, interval=s.arxiv.interval))
        s2 = None
        if s.semanticscholar.enabled:
            s2 = SemanticScholarSource(
                http,
                s.semanticscholar.url,
                api_key=s.semanticscholar.api_key,
                interval=s.semanticscholar.interval,
            )
            sources.append(s2)
        if s.crossref.enabled:
            sources.append(
                CrossrefSource(
                    http, s.crossref.url, mailto=s.crossref.mailto, interval=s.crossref.interval
                )
            )
        yield Services(sources, s2.enrich if s2 is not None else None)


def configured_targets(config: Config) -> list[str]:
    """The targets `sync` writes: those with a path, and Zotero once a library is named.

    Zotero goes first so the vault, written last, can already link each note to its item.
    """
    e = config.export
    chosen = ["zotero"] if e.zotero.library_id else []
    chosen += [
        name
        for name, path in (("bibtex", e.bibtex.path), ("csl", e.csl.path), ("vault", e.vault.path))
        if path is not None
    ]
    return chosen


def exporter(
    config: Config,
    target: str,
    *,
    out: Path | None = None,
    include_ambiguous: bool = False,
    include_unresolved: bool = False,
    dry_run: bool = False,
) -> Exporter:
    e = config.export
    where = config.source_file or "papersync.yaml"

    if target == "bibtex":
        return BibtexExporter(
            out or target_path(config, "bibtex"),
            dialect=e.bibtex.dialect,
            ascii=e.bibtex.ascii,
            include_ambiguous=include_ambiguous,
        )
    if target == "vault":
        return VaultExporter(
            out or target_path(config, "vault"),
            templates=e.vault.templates,
            include_unresolved=include_unresolved or e.vault.include_unresolved,
            zotero_library=(
                f"groups/{e.zotero.library_id}" if e.zotero.library_type == "group" else "library"
            ),
        )
    if target == "csl":
        return CslExporter(out or target_path(config, "csl"))
    if target == "zotero":
        return zotero_exporter(config, dry_run=dry_run)
    raise ConfigError(f"{where}: unknown export target {target!r}; known: {', '.join(TARGETS)}")


def target_path(config: Config, target: str) -> Path:
    """Where a file target is written, from `export.<target>.path`."""
    path: Path | None = getattr(config.export, target).path
    if path is None:
        where = config.source_file or "papersync.yaml"
        raise ConfigError(f"{where}: export.{target}.path: not set (or pass --out)")
    return path


def zotero_exporter(config: Config, *, dry_run: bool = False) -> ZoteroExporter:
    z = config.export.zotero
    where = config.source_file or "papersync.yaml"
    if not z.library_id:
        raise ConfigError(f"{where}: export.zotero.library_id: not set")
    if not z.api_key and not dry_run:
        raise ConfigError(f"{where}: export.zotero.api_key: not set (or ZOTERO_API_KEY)")
    return ZoteroExporter(
        library_id=z.library_id,
        library_type=z.library_type,
        api_key=z.api_key,
        url=z.url,
        collection=z.collection,
        tags=z.tags,
        dry_run=dry_run,
    )


def check_services(config: Config) -> list[tuple[bool, str]]:
    """One cheap real request per enabled service (and Zotero's key check) for `doctor`."""
    s, z = config.sources, config.export.zotero
    probes: list[tuple[str, str, dict[str, str], tuple[int, ...]]] = []
    if s.arxiv.enabled:
        probes.append(
            ("arxiv", f"{s.arxiv.url}/api/query?id_list=1706.03762&max_results=1", {}, (200,))
        )
    if s.semanticscholar.enabled:
        key = s.semanticscholar.api_key
        probes.append(
            (
                "semanticscholar" + (" (API key)" if key else ""),
                f"{s.semanticscholar.url}/graph/v1/paper/search/match"
                "?query=attention+is+all+you+need&fields=title",
                {"x-api-key": key} if key else {},
                (200, 404),  # 404 is its "no title matched"
            )
        )
    if s.crossref.enabled:
        probes.append(
            ("crossref", f"{s.crossref.url}/works?query.bibliographic=attention&rows=1", {}, (200,))
        )
    if z.library_id:
        probes.append(
            (
                "zotero (API key)",
                f"{z.url}/keys/current",
                {"Zotero-API-Key": clean_api_key(z.api_key) or "", "Zotero-API-Version": "3"},
                (200,),
            )
        )
    checks: list[tuple[bool, str]] = []
    policy = Policy(connect_timeout=5.0, read_timeout=min(s.timeout, 10.0), retries=0)
    with Http(None, contact=s.crossref.mailto, policy=policy) as http:
        for name, url, headers, accept in probes:
            try:
                http.get(url, headers=headers, accept=accept)
                checks.append((True, f"{name}: answers"))
            except SourceError as exc:
                checks.append((False, f"{name}: {exc}"))
    return checks


__all__ = ["TARGETS", "Services", "check_services", "configured_targets", "connect", "exporter"]
