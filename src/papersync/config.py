"""Load `papersync.yaml` into validated, frozen settings; every error names the file and key path.

`${VAR}` in any string is replaced from the environment; relative paths resolve against the
config file's folder; environment variables (`PAPERSYNC_ARXIV_URL`, …) override base URLs.
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Collection, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml
from platformdirs import user_cache_dir

from papersync import citekey
from papersync.errors import ConfigError, FormulaError

CONFIG_NAME = "papersync.yaml"


@dataclass(frozen=True)
class PatternSettings:
    """How the log marks titles and dates; empty means papersync's defaults."""

    title_markers: tuple[str, ...] = ()
    """Literal pairs around a title, written `OPEN CLOSE`: `《 》`, `<u> </u>`, `** **`."""
    date_headings: tuple[str, ...] = ()
    """Regexes matching a heading line, with named groups `year`, `month` and optional `day`."""
    infer_bare_titles: bool = True
    """Also take a title-shaped line right after a date heading (older logs without 《》)."""


@dataclass(frozen=True)
class CatalogSettings:
    enabled: bool = True


@dataclass(frozen=True)
class ArxivSettings:
    enabled: bool = True
    url: str = "https://export.arxiv.org"
    interval: float = 3.0
    """Seconds between requests: arXiv's terms of use ask for one every three seconds."""


@dataclass(frozen=True)
class SemanticScholarSettings:
    enabled: bool = True
    url: str = "https://api.semanticscholar.org"
    api_key: str | None = None
    interval: float | None = None
    """Seconds between requests; default 1 s with an API key, 3 s without."""


@dataclass(frozen=True)
class CrossrefSettings:
    enabled: bool = True
    url: str = "https://api.crossref.org"
    mailto: str | None = None
    interval: float = 1.0


@dataclass(frozen=True)
class DblpSettings:
    enabled: bool = False
    """Off until asked for: DBLP adds published versions, one more service to wait on."""
    url: str = "https://dblp.org"
    interval: float = 1.0


@dataclass(frozen=True)
class SourceSettings:
    catalog: CatalogSettings = CatalogSettings()
    arxiv: ArxivSettings = ArxivSettings()
    semanticscholar: SemanticScholarSettings = SemanticScholarSettings()
    crossref: CrossrefSettings = CrossrefSettings()
    dblp: DblpSettings = DblpSettings()
    timeout: float = 20.0
    retries: int = 4
    negative_ttl_days: float = 30.0
    """Days a service's "asked, no match" is trusted before the title is asked again."""


@dataclass(frozen=True)
class BibtexSettings:
    path: Path | None = None
    dialect: str = "bibtex"
    citekey: str | None = None
    ascii: bool | None = None
    """Non-ASCII as LaTeX escapes; default: yes for the bibtex dialect, no for biblatex."""
    prefer: str = "published"
    """Which version of a work its entry shows: `published` (with its eprint) or `preprint`."""


@dataclass(frozen=True)
class VaultSettings:
    path: Path | None = None
    templates: Path | None = None
    include_unresolved: bool = False


@dataclass(frozen=True)
class CslSettings:
    path: Path | None = None


@dataclass(frozen=True)
class ZoteroSettings:
    library_id: str | None = None
    library_type: str = "user"
    api_key: str | None = None
    url: str = "https://api.zotero.org"
    collection: str | None = None
    tags: tuple[str, ...] = ("papersync",)


@dataclass(frozen=True)
class ExportSettings:
    bibtex: BibtexSettings = BibtexSettings()
    vault: VaultSettings = VaultSettings()
    csl: CslSettings = CslSettings()
    zotero: ZoteroSettings = ZoteroSettings()


@dataclass(frozen=True)
class Config:
    notes: tuple[str, ...] = ()
    """Note files or globs, relative to the config file's folder."""
    state_dir: Path = Path(".")
    cache_dir: Path = field(default_factory=lambda: Path(user_cache_dir("papersync")))
    patterns: PatternSettings = PatternSettings()
    sources: SourceSettings = SourceSettings()
    export: ExportSettings = ExportSettings()
    source_file: Path | None = field(default=None, compare=False)
    """The YAML this came from; None when running without a config file."""

    @property
    def where(self) -> str:
        """How messages name this config: its file, else the file it would be read from."""
        return str(self.source_file or CONFIG_NAME)

    @property
    def folder(self) -> Path:
        """The config file's folder (else the current one): relative note paths start here."""
        return self.source_file.parent if self.source_file else Path.cwd()

    def note_entries(self) -> list[tuple[int, Path, bool]]:
        """`(index in notes, file, matched by a glob)` for every file `notes` names."""
        base = self.folder
        found: list[tuple[int, Path, bool]] = []
        for index, entry in enumerate(self.notes):
            pattern = Path(entry).expanduser()
            if not pattern.is_absolute():
                pattern = base / pattern
            if any(ch in entry for ch in "*?["):
                anchor = Path(pattern.anchor)
                found += [
                    (index, p, True) for p in sorted(anchor.glob(str(pattern.relative_to(anchor))))
                ]
            else:
                found.append((index, pattern, False))
        return found

    def note_files(self, skip: Collection[Path] = ()) -> list[Path]:
        """Every file the `notes` entries name, globs expanded, in a stable order.

        Glob matches under a folder in `skip` (papersync's own outputs) are left out, also a
        symlink there that points elsewhere: where the file sits decides, not what it names.
        """
        folders = [folder.resolve() for folder in skip]
        found: dict[Path, None] = {}
        for _, path, globbed in self.note_entries():
            places = (path.resolve(), path.parent.resolve() / path.name)
            if globbed and any(p.is_relative_to(f) for p in places for f in folders):
                continue
            found.setdefault(path, None)
        return list(found)


ENVIRONMENT: Mapping[str, tuple[str, ...]] = {
    "PAPERSYNC_ARXIV_URL": ("sources", "arxiv", "url"),
    "PAPERSYNC_S2_URL": ("sources", "semanticscholar", "url"),
    "PAPERSYNC_CROSSREF_URL": ("sources", "crossref", "url"),
    "PAPERSYNC_ZOTERO_URL": ("export", "zotero", "url"),
    "PAPERSYNC_CACHE_DIR": ("cache_dir",),
    "S2_API_KEY": ("sources", "semanticscholar", "api_key"),
    "ZOTERO_API_KEY": ("export", "zotero", "api_key"),
}
"""Every environment variable papersync reads, and the setting it gives. URLs and the cache
folder override the file; API keys only fill a key the file leaves empty (keys stay out of
files people share)."""
_FILL_ONLY = frozenset({"S2_API_KEY", "ZOTERO_API_KEY"})
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice: YAML would silently keep the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _key_paths(node: yaml.Node | None, path: tuple[str, ...] = ()) -> dict[int, str]:
    """Each mapping key's line → its dotted path, to name a duplicate key in full."""
    found: dict[int, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            here = (*path, str(key_node.value))
            found[key_node.start_mark.line + 1] = ".".join(here)
            found.update(_key_paths(value, here))
    return found


def _parse_yaml(path: Path, text: str) -> object:
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _DuplicateKey as exc:
        name = _key_paths(yaml.compose(text, Loader=yaml.SafeLoader)).get(exc.line, exc.key)
        raise ConfigError(f"{path}:{exc.line}: {name}: written twice") from exc


def load(path: Path | None, *, required: bool = False) -> Config:
    """Read the config at `path`; without one (and not `required`), defaults around the cwd."""
    if path is None or (not path.exists() and not required):
        config = Config(state_dir=Path.cwd())
        return _apply_environment(config)
    if not path.is_file():
        raise ConfigError(
            f"{path}: no config file here; run `papersync init` to write one, or pass --config FILE"
        )
    try:
        data = _parse_yaml(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    base = path.resolve().parent
    built = _build(Config, data, (), path, base)
    config = replace(built, source_file=path.resolve())
    if "state_dir" not in data:
        config = replace(config, state_dir=base)
    return _validate_choices(_apply_environment(config))


def _apply_environment(config: Config) -> Config:
    for var, keys in ENVIRONMENT.items():
        value = os.environ.get(var, "").strip()
        if not value or (var in _FILL_ONLY and _get_path(config, keys)):
            continue
        if keys == ("cache_dir",):
            config = replace(config, cache_dir=Path(value))
        else:
            config = _replace_path(config, keys, value.rstrip("/") if keys[-1] == "url" else value)
    return config


def _get_path(obj: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        obj = getattr(obj, key)
    return obj


def _replace_path(obj: Any, keys: tuple[str, ...], value: Any) -> Any:
    head, *rest = keys
    inner = _replace_path(getattr(obj, head), tuple(rest), value) if rest else value
    return replace(obj, **{head: inner})


def _build(
    cls: type, data: Mapping[str, Any], path: tuple[str, ...], file: Path, base: Path
) -> Any:
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls) if f.name != "source_file"}
    values: dict[str, Any] = {}
    for key, raw in data.items():
        where = (*path, str(key))
        if key not in known:
            raise ConfigError(f"{file}: {'.'.join(where)}: unknown key")
        values[key] = _coerce(hints[key], raw, where, file, base)
    for name, spec in known.items():
        if name not in values and spec.default is MISSING and spec.default_factory is MISSING:
            raise ConfigError(f"{file}: {'.'.join((*path, name))}: missing")
    return cls(**values)


def _coerce(hint: Any, raw: Any, where: tuple[str, ...], file: Path, base: Path) -> Any:
    key = ".".join(where)
    if get_origin(hint) in (Union, types.UnionType):
        if raw is None:
            return None
        hint = next(a for a in get_args(hint) if a is not type(None))
    if isinstance(raw, str):
        raw = _interpolate(raw, key, file)
    if is_dataclass(hint):
        if not isinstance(raw, dict):
            raise ConfigError(f"{file}: {key}: expected a mapping")
        return _build(hint, raw, where, file, base)  # type: ignore[arg-type]
    if get_origin(hint) is tuple:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{file}: {key}: expected a list of strings")
        return tuple(_interpolate(i, key, file) for i in items)
    if hint is Path:
        if not isinstance(raw, str):
            raise ConfigError(f"{file}: {key}: expected a string")
        value = Path(raw).expanduser()
        return value if value.is_absolute() else base / value
    scalar = _SCALARS.get(hint)
    if scalar is None:
        raise ConfigError(f"{file}: {key}: unsupported setting")
    value = scalar(raw)
    if value is None:
        raise ConfigError(f"{file}: {key}: expected {_EXPECTED[hint]}")
    return value


def _as_bool(raw: Any) -> bool | None:
    return raw if isinstance(raw, bool) else None


def _as_float(raw: Any) -> float | None:
    return None if isinstance(raw, bool) or not isinstance(raw, int | float) else float(raw)


def _as_int(raw: Any) -> int | None:
    return None if isinstance(raw, bool) or not isinstance(raw, int) else raw


def _as_str(raw: Any) -> str | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    return raw if isinstance(raw, str) else None


_SCALARS: Mapping[type, Any] = {bool: _as_bool, float: _as_float, int: _as_int, str: _as_str}
"""Each scalar setting type and how a YAML value becomes one (None: the wrong type)."""
_EXPECTED = {bool: "true or false", float: "a number", int: "a whole number", str: "a string"}


def _interpolate(text: str, key: str, file: Path) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"{file}: {key}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV_VAR.sub(sub, text)


def _validate_choices(config: Config) -> Config:
    """Checks that span one key but not its type: allowed words."""
    file = config.where
    if config.export.bibtex.dialect not in ("bibtex", "biblatex"):
        raise ConfigError(f"{file}: export.bibtex.dialect: expected `bibtex` or `biblatex`")
    if config.export.bibtex.prefer not in ("published", "preprint"):
        raise ConfigError(f"{file}: export.bibtex.prefer: expected `published` or `preprint`")
    if config.export.bibtex.citekey is not None:
        try:
            citekey.parse(config.export.bibtex.citekey)
        except FormulaError as exc:
            raise ConfigError(f"{file}: export.bibtex.citekey: {exc}") from exc
    if config.export.zotero.library_type not in ("user", "group"):
        raise ConfigError(f"{file}: export.zotero.library_type: expected `user` or `group`")
    return config
