"""`papersync.lock.yaml`: the human-readable record of every decision and every pinned name.

Two sections, both sorted so a git diff shows exactly what changed:
- `mentions`: per mention identity, what was decided (status, ids, title, score, who decided).
- `papers`: per paper (under its first key: arXiv id, DOI, DBLP key, S2 id or record key), the
  names papersync gave it once and keeps forever: citation key, vault note, Zotero item.
  Pinned here so better metadata never renames them.
A person may edit either section; `decided_by: user` entries are never overwritten.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from papersync import atomic
from papersync.errors import LockError
from papersync.ids import bare_arxiv
from papersync.model import DecidedBy, Ids, Status

LOCK_NAME = "papersync.lock.yaml"
_HEADER = (
    "# papersync lock file: decisions and pinned names. Safe to edit by hand:\n"
    "# set `arxiv:` or `doi:` with `decided_by: user` to pin a paper,\n"
    "# `status: not-a-paper` to silence a line, or `citekey:` to choose a key.\n"
)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe loader and dumper where installed: same documents, many times faster."""
_NUMBER_TAGS = ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int")


class _TextLoader(_LOADER):  # type: ignore[misc,valid-type]
    """Every number is read as the text typed, so a hand-typed, unquoted id stays itself.

    `arxiv: 2210.10760` would otherwise become the float 2210.1076; scores and versions are
    parsed from their text by the readers below, which name the key when one is not a number.
    """


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in _LOADER.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Decision:
    status: Status
    raw: str = ""
    ids: Ids = field(default_factory=Ids)
    title: str | None = None
    score: float = 0.0
    decided_by: DecidedBy = DecidedBy.AUTO
    retry: bool = False
    """A source failed while deciding: ask again next run instead of trusting `unresolved`."""

    @property
    def settled(self) -> bool:
        """Whether a run may reuse this decision without asking any source again."""
        return self.decided_by is DecidedBy.USER or not self.retry


@dataclass(frozen=True)
class Pins:
    """Names given to one paper by the exporters; each, once set, stays."""

    citekey: str | None = None
    note: str | None = None
    zotero_key: str | None = None
    zotero_version: int | None = None
    zotero_note_key: str | None = None
    zotero_digest: str | None = None
    """Digest of the papersync-owned content last written to Zotero: unchanged → no write."""

    def filled_from(self, other: Pins) -> Pins:
        """These pins, with each name they lack taken from `other`."""
        return Pins(
            **{
                f.name: getattr(self, f.name)
                if getattr(self, f.name) is not None
                else getattr(other, f.name)
                for f in fields(Pins)
            }
        )


@dataclass(frozen=True)
class Lock:
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    papers: Mapping[str, Pins] = field(default_factory=dict)

    def with_decisions(self, updates: Mapping[str, Decision]) -> Lock:
        return Lock({**self.decisions, **updates}, self.papers)

    def with_pins(self, updates: Mapping[str, Pins]) -> Lock:
        return Lock(self.decisions, {**self.papers, **updates})

    def pins(self, paper_key: str) -> Pins:
        return self.papers.get(paper_key, Pins())

    def key_for(self, ids: Ids) -> str | None:
        """The key a paper's names are pinned under: the first key it was given, found by any
        id it shares (a DOI found later for a paper known by its `.bib` key keeps that key)."""
        for prefix, value in ids.ranked():
            if value and f"{prefix}:{value}" in self.papers:
                return f"{prefix}:{value}"
        return ids.key()


def lock_path(state_dir: Path) -> Path:
    return state_dir / LOCK_NAME


def load(path: Path) -> Lock:
    """Read the lock file; a missing file is an empty lock, a broken one is a `LockError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock()
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(f"{path}: cannot read the lock file ({exc})") from exc
    try:
        data = yaml.load(text, Loader=_TextLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LockError(
            f"{path}{where}: the lock file is not valid YAML; fix it by hand or move it away "
            "(papersync never discards it)"
        ) from exc
    if not isinstance(data, dict):
        raise LockError(f"{path}: expected a mapping with `mentions` and `papers`")
    mentions = _mapping(path, "mentions", data.get("mentions") or {})
    papers = _mapping(path, "papers", data.get("papers") or {})
    return Lock(
        {str(k): _decision(path, f"mentions.{k}", v) for k, v in mentions.items()},
        {str(k): _pins(path, f"papers.{k}", v) for k, v in papers.items()},
    )


def dump(lock: Lock) -> str:
    data = {
        "mentions": {k: _decision_dict(lock.decisions[k]) for k in sorted(lock.decisions)},
        "papers": {k: _pins_dict(lock.papers[k]) for k in sorted(lock.papers)},
    }
    body = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)
    return _HEADER + body


def save(path: Path, lock: Lock) -> bool:
    return atomic.write_text(path, dump(lock))


def _decision(path: Path, where: str, value: Any) -> Decision:
    value = _mapping(path, where, value)
    status = _choice(path, f"{where}.status", value.get("status"), Status, Status.UNRESOLVED)
    decided_by = _choice(
        path, f"{where}.decided_by", value.get("decided_by"), DecidedBy, DecidedBy.AUTO
    )
    arxiv = _text(path, f"{where}.arxiv", value.get("arxiv"))
    doi = _text(path, f"{where}.doi", value.get("doi"))
    others = {name: _text(path, f"{where}.{name}", value.get(name)) for name in _OTHER_IDS}
    ids = Ids(
        arxiv=bare_arxiv(arxiv) if arxiv else None, doi=doi.lower() if doi else None, **others
    )
    if decided_by is DecidedBy.USER and ids and status in (Status.UNRESOLVED, Status.AMBIGUOUS):
        status = Status.MATCHED  # an id set by hand is the person's answer (see the header)
    return Decision(
        status=status,
        raw=_text(path, f"{where}.raw", value.get("raw")) or "",
        ids=ids,
        title=_text(path, f"{where}.title", value.get("title")) or None,
        score=_number(path, f"{where}.score", value.get("score")),
        decided_by=decided_by,
        retry=_flag(path, f"{where}.retry", value.get("retry")),
    )


_OTHER_IDS = ("dblp", "s2", "record")
"""Ids a decision keeps beside arXiv and DOI, so papers known by neither stay matched."""


def _pins(path: Path, where: str, value: Any) -> Pins:
    value = _mapping(path, where, value)
    known = {f.name for f in fields(Pins)}
    unknown = set(value) - known
    if unknown:
        raise LockError(f"{path}: {where}.{sorted(unknown)[0]}: unknown key")
    texts = {k: _text(path, f"{where}.{k}", v) for k, v in value.items() if k != "zotero_version"}
    version = value.get("zotero_version")
    return Pins(
        **texts,
        zotero_version=None
        if version is None
        else _whole(path, f"{where}.zotero_version", version),
    )


def _wrong(path: Path, where: str, expected: str, value: Any) -> LockError:
    return LockError(f"{path}: {where}: expected {expected}, found {value!r}")


def _mapping(path: Path, where: str, value: Any) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _wrong(path, where, "a mapping", value)
    return value


def _text(path: Path, where: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _wrong(path, where, "text", value)


def _number(path: Path, where: str, value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            if math.isfinite(number := float(value)):
                return number
    raise _wrong(path, where, "a number", value)


def _whole(path: Path, where: str, value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise _wrong(path, where, "a whole number", value)


def _flag(path: Path, where: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    raise _wrong(path, where, "true or false", value)


_Choice = TypeVar("_Choice", Status, DecidedBy)


def _choice(path: Path, where: str, value: Any, kind: type[_Choice], default: _Choice) -> _Choice:
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        words = " or ".join(f"`{member}`" for member in kind)
        raise _wrong(path, where, words, value) from None


def _decision_dict(decision: Decision) -> dict[str, Any]:
    out: dict[str, Any] = {"status": str(decision.status)}
    if decision.raw:
        out["raw"] = decision.raw
    if decision.ids.arxiv:
        out["arxiv"] = decision.ids.arxiv
    if decision.ids.doi:
        out["doi"] = decision.ids.doi
    out.update({name: value for name in _OTHER_IDS if (value := getattr(decision.ids, name))})
    if decision.title:
        out["title"] = decision.title
    if decision.score:
        out["score"] = round(decision.score, 3)
    out["decided_by"] = str(decision.decided_by)
    if decision.retry:
        out["retry"] = True
    return out


def _pins_dict(pins: Pins) -> dict[str, Any]:
    return {
        f.name: getattr(pins, f.name) for f in fields(Pins) if getattr(pins, f.name) is not None
    }
