"""Names to parts: which sources and exporters exist, built from the config.

A registry, not a plugin system: `TARGETS` and `SOURCES` are dicts of specs, and everything
that needs to know the parts (the run's sweep and fingerprint, the CLI's choices, `doctor`)
derives from them. The only module that knows every constructor, so the rest of papersync
depends on the protocols alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol, cast, runtime_checkable

from papersync.config import Config
from papersync.errors import ConfigError
from papersync.export import Exporter
from papersync.export.bibtex import BibtexExporter
from papersync.export.csl import CslExporter
from papersync.export.vault import VaultExporter
from papersync.export.zotero import ZoteroExporter
from papersync.export.zotero.api import clean_api_key
from papersync.lock import Lock, Pins, lock_path
from papersync.model import Ids, Paper, Reference, Status
from papersync.names import Alias
from papersync.sources import OnlineSource
from papersync.sources.answers import DAY
from papersync.sources.arxiv import ArxivSource
from papersync.sources.crossref import CrossrefSource
from papersync.sources.dblp import DblpSource
from papersync.sources.http import Http, Policy
from papersync.sources.semanticscholar import SemanticScholarSource

RESPONSES_NAME = "responses.sqlite"


@dataclass(frozen=True)
class Options:
    """What a command may ask of an exporter beyond its settings."""

    out: Path | None = None
    include_ambiguous: bool = False
    include_unresolved: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Probe:
    """One cheap real request that tells `doctor` whether a service answers."""

    name: str
    url: str
    headers: Mapping[str, str]
    accept: tuple[int, ...] = (200,)


class _RecoversAll(Protocol):
    """Reads back every paper's names from its target (a `.bib` knows its entries' ids)."""

    def recover_pins(self) -> Mapping[str, Pins]: ...


class _RecoversOf(Protocol):
    """Reads back the names of the given papers (a vault note is found by ids and names)."""

    def recover_pins(self, references: Sequence[Reference]) -> Mapping[str, Pins]: ...


Recover = Callable[[Exporter, Sequence[Reference]], Mapping[str, Pins]]
"""How a target tells, from what it wrote, the names it gave each paper: paper key → pins."""


def _recover_all(target: Exporter, references: Sequence[Reference]) -> Mapping[str, Pins]:
    return cast(_RecoversAll, target).recover_pins()


def _recover_of(target: Exporter, references: Sequence[Reference]) -> Mapping[str, Pins]:
    return cast(_RecoversOf, target).recover_pins(references)


@runtime_checkable
class KeepsHandKeys(Protocol):
    """An exporter whose target holds keys a person wrote, which no paper may be given."""

    def hand_written_keys(self, lock: Lock) -> frozenset[str]: ...


@dataclass(frozen=True)
class TargetSpec:
    """A target, its settings under `export.<name>`: a local file or folder (`path`), unless
    it is the Zotero library (`library_id`)."""

    name: str
    build: Callable[[Config, Options], Exporter]
    local: bool = True
    probe: Callable[[Config], Probe | None] = lambda config: None
    recover: Recover | None = None
    """Rebuilds a lost lock's names from the outputs; Zotero needs none (it adopts items)."""
    aliases: Callable[[Exporter, Lock], Mapping[str, str]] | None = None
    """Name → paper key: the names a person gave papers there, which the resolver heeds."""
    own_notes: Callable[[Exporter], frozenset[str]] | None = None
    """Names of the notes there that are no paper: a `[[link]]` to one is not a mention."""

    @property
    def key(self) -> str:
        """The config key that switches it on."""
        return f"export.{self.name}.{'path' if self.local else 'library_id'}"

    def path(self, config: Config) -> Path | None:
        """The file or folder it owns (swept, fingerprinted, rehearsed); None when not local."""
        path: Path | None = getattr(config.export, self.name).path if self.local else None
        return path

    def configured(self, config: Config) -> bool:
        settings = getattr(config.export, self.name)
        return settings.path is not None if self.local else bool(settings.library_id)


@dataclass(frozen=True)
class SourceSpec:
    """An online source, its settings under `sources.<name>`."""

    name: str
    build: Callable[[Config, Http], OnlineSource]
    probe: Callable[[Config], Probe]

    def enabled(self, config: Config) -> bool:
        return bool(getattr(config.sources, self.name).enabled)


def _bibtex(config: Config, o: Options) -> Exporter:
    b = config.export.bibtex
    return BibtexExporter(
        o.out or target_path(config, "bibtex"),
        dialect=b.dialect,
        ascii=b.ascii,
        include_ambiguous=o.include_ambiguous,
        prefer=b.prefer,
    )


def _vault(config: Config, o: Options) -> Exporter:
    e = config.export
    return VaultExporter(
        o.out or target_path(config, "vault"),
        templates=e.vault.templates,
        include_unresolved=o.include_unresolved or e.vault.include_unresolved,
        zotero_library=(
            f"groups/{e.zotero.library_id}" if e.zotero.library_type == "group" else "library"
        ),
    )


def _csl(config: Config, o: Options) -> Exporter:
    return CslExporter(o.out or target_path(config, "csl"), prefer=config.export.bibtex.prefer)


def _zotero(config: Config, o: Options) -> Exporter:
    return zotero_exporter(config, dry_run=o.dry_run)


def _zotero_probe(config: Config) -> Probe:
    z = config.export.zotero
    headers = {"Zotero-API-Key": clean_api_key(z.api_key) or "", "Zotero-API-Version": "3"}
    return Probe("zotero (API key)", f"{z.url}/keys/current", headers)


TARGETS: Mapping[str, TargetSpec] = {
    # Zotero first, so the vault, written last, can already link each note to its item.
    "zotero": TargetSpec("zotero", _zotero, local=False, probe=_zotero_probe),
    "bibtex": TargetSpec("bibtex", _bibtex, recover=_recover_all),
    "csl": TargetSpec("csl", _csl),
    "vault": TargetSpec(
        "vault",
        _vault,
        recover=_recover_of,
        aliases=lambda target, lock: cast(VaultExporter, target).aliases(lock),
        own_notes=lambda target: cast(VaultExporter, target).own_notes(),
    ),
}
FILE_TARGETS = tuple(name for name, spec in TARGETS.items() if spec.local)
"""Targets written to a local file or folder: what `export` can write and `--out` redirects."""


def _arxiv(config: Config, http: Http) -> OnlineSource:
    a = config.sources.arxiv
    return ArxivSource(http, a.url, interval=a.interval)


def _semanticscholar(config: Config, http: Http) -> OnlineSource:
    s = config.sources.semanticscholar
    return SemanticScholarSource(http, s.url, api_key=s.api_key, interval=s.interval)


def _crossref(config: Config, http: Http) -> OnlineSource:
    c = config.sources.crossref
    return CrossrefSource(http, c.url, mailto=c.mailto, interval=c.interval)


def _dblp(config: Config, http: Http) -> OnlineSource:
    d = config.sources.dblp
    return DblpSource(http, d.url, interval=d.interval)


def _s2_probe(config: Config) -> Probe:
    s = config.sources.semanticscholar
    return Probe(
        "semanticscholar" + (" (API key)" if s.api_key else ""),
        f"{s.url}/graph/v1/paper/search/match?query=attention+is+all+you+need&fields=title",
        {"x-api-key": s.api_key} if s.api_key else {},
        (200, 404),  # 404 is its "no title matched"
    )


SOURCES: Mapping[str, SourceSpec] = {
    "arxiv": SourceSpec(
        "arxiv",
        _arxiv,
        lambda c: Probe(
            "arxiv", f"{c.sources.arxiv.url}/api/query?id_list=1706.03762&max_results=1", {}
        ),
    ),
    "semanticscholar": SourceSpec("semanticscholar", _semanticscholar, _s2_probe),
    "crossref": SourceSpec(
        "crossref",
        _crossref,
        lambda c: Probe(
            "crossref", f"{c.sources.crossref.url}/works?query.bibliographic=attention&rows=1", {}
        ),
    ),
    "dblp": SourceSpec(
        "dblp",
        _dblp,
        lambda c: Probe(
            "dblp", f"{c.sources.dblp.url}/search/publ/api?q=attention&format=json&h=1", {}
        ),
    ),
}


@dataclass(frozen=True)
class Services:
    sources: Sequence[OnlineSource]
    enrich: Callable[[Sequence[Paper]], Sequence[Paper]] | None
    """A source's way to fill in what the others left out (Semantic Scholar's venues)."""


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
        negative_ttl=s.negative_ttl_days * DAY,
    ) as http:
        sources = [spec.build(config, http) for spec in SOURCES.values() if spec.enabled(config)]
        enrich = next((e for src in sources if callable(e := getattr(src, "enrich", None))), None)
        yield Services(sources, enrich)


def configured_targets(config: Config) -> list[str]:
    """The targets `sync` writes, in the order of `TARGETS`."""
    return [name for name, spec in TARGETS.items() if spec.configured(config)]


def owned_paths(config: Config) -> list[tuple[str, Path]]:
    """`(config key, path)` of every file or folder a configured target writes."""
    return [
        (spec.key, path)
        for spec in TARGETS.values()
        if spec.configured(config) and (path := spec.path(config)) is not None
    ]


def outputs(config: Config) -> list[tuple[str, Path]]:
    """`(config key, path)` of everything papersync writes locally: targets and the lock file."""
    return [*owned_paths(config), ("state_dir", lock_path(config.state_dir))]


def recover_pins(config: Config, references: Sequence[Reference]) -> dict[str, Pins]:
    """Pins the configured file targets can read back for `references`, merged per paper."""
    found: dict[str, Pins] = {}
    for name in configured_targets(config):
        recover = TARGETS[name].recover
        if recover is None:
            continue
        for key, pins in recover(exporter(config, name), references).items():
            found[key] = found.get(key, Pins()).filled_from(pins)
    return found


def person_aliases(config: Config, lock: Lock) -> tuple[Alias, ...]:
    """The names a person gave papers in the configured targets, for the resolver."""
    given = {
        alias: key
        for name in configured_targets(config)
        if (read := TARGETS[name].aliases) is not None
        for alias, key in read(exporter(config, name), lock).items()
    }
    if not given:
        return ()
    known = {
        lock.key_for(d.ids): d.ids for d in lock.decisions.values() if d.status is Status.MATCHED
    }
    return tuple(
        Alias(alias, ids, "vault")
        for alias, key in given.items()
        if (ids := known.get(key) or _key_ids(key))
    )


def _key_ids(key: str) -> Ids:
    """The id a paper key names (`arxiv:…`, `doi:…`), for a paper no decision holds."""
    prefix, _, value = key.partition(":")
    known = {f.name for f in fields(Ids)}
    return Ids(**{prefix: value}) if prefix in known and value else Ids()


def own_notes(config: Config) -> frozenset[str]:
    """Names of the notes in the configured targets that are not papers."""
    found: set[str] = set()
    for name in configured_targets(config):
        read = TARGETS[name].own_notes
        found |= read(exporter(config, name)) if read else frozenset()
    return frozenset(found)


def exporter(config: Config, target: str, options: Options = Options()) -> Exporter:
    spec = TARGETS.get(target)
    if spec is None:
        raise ConfigError(
            f"{config.where}: unknown export target {target!r}; known: {', '.join(TARGETS)}"
        )
    return spec.build(config, options)


def target_path(config: Config, target: str) -> Path:
    """Where a file target is written, from `export.<target>.path`."""
    path = TARGETS[target].path(config)
    if path is None:
        raise ConfigError(f"{config.where}: {TARGETS[target].key}: not set (or pass --out)")
    return path


def zotero_exporter(config: Config, *, dry_run: bool = False) -> ZoteroExporter:
    z = config.export.zotero
    if not z.library_id:
        raise ConfigError(f"{config.where}: export.zotero.library_id: not set")
    if not z.api_key and not dry_run:
        raise ConfigError(f"{config.where}: export.zotero.api_key: not set (or ZOTERO_API_KEY)")
    return ZoteroExporter(
        library_id=z.library_id,
        library_type=z.library_type,
        api_key=z.api_key,
        url=z.url,
        collection=z.collection,
        tags=z.tags,
        dry_run=dry_run,
        prefer=config.export.bibtex.prefer,
    )


__all__ = [
    "FILE_TARGETS",
    "SOURCES",
    "TARGETS",
    "KeepsHandKeys",
    "Options",
    "Probe",
    "Services",
    "SourceSpec",
    "TargetSpec",
    "configured_targets",
    "connect",
    "exporter",
    "outputs",
    "own_notes",
    "owned_paths",
    "person_aliases",
    "recover_pins",
    "target_path",
]
