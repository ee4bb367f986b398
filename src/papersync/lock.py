"""`papersync.lock.yaml`: the human-readable record of every decision and every pinned name.

Two sections, both sorted so a git diff shows exactly what changed:
- `mentions`: per mention identity, what was decided (status, ids, title, score, who decided).
- `papers`: per paper (under its first key: arXiv id, DOI, DBLP key, S2 id or record key), the
  names papersync gave it once and keeps forever: citation key, vault note, Zotero item.
  Pinned here so better metadata never renames them.
A person may edit either section; `decided_by: user` entries are never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from papersync import atomic
from papersync.errors import LockError
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
        data = yaml.load(text, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LockError(
            f"{path}{where}: the lock file is not valid YAML; fix it by hand or move it away "
            "(papersync never discards it)"
        ) from exc
    if not isinstance(data, dict):
        raise LockError(f"{path}: expected a mapping with `mentions` and `papers`")
    return Lock(
        {str(k): _decision(path, str(k), v) for k, v in (data.get("mentions") or {}).items()},
        {str(k): _pins(path, str(k), v) for k, v in (data.get("papers") or {}).items()},
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


def _decision(path: Path, key: str, value: Any) -> Decision:
    if not isinstance(value, dict):
        raise LockError(f"{path}: mentions.{key}: expected a mapping")
    try:
        status = Status(value.get("status", Status.UNRESOLVED))
        decided_by = DecidedBy(value.get("decided_by", DecidedBy.AUTO))
    except ValueError as exc:
        raise LockError(f"{path}: mentions.{key}: {exc}") from exc
    arxiv, doi = value.get("arxiv"), value.get("doi")
    return Decision(
        status=status,
        raw=str(value.get("raw") or ""),
        ids=Ids(
            arxiv=str(arxiv) if arxiv else None,
            doi=str(doi).lower() if doi else None,
            **_other_ids(value),
        ),
        title=str(value["title"]) if value.get("title") else None,
        score=float(value.get("score") or 0.0),
        decided_by=decided_by,
        retry=bool(value.get("retry", False)),
    )


_OTHER_IDS = ("dblp", "s2", "record")
"""Ids a decision keeps beside arXiv and DOI, so papers known by neither stay matched."""


def _other_ids(value: dict[str, Any]) -> dict[str, str]:
    return {name: str(value[name]) for name in _OTHER_IDS if value.get(name)}


def _pins(path: Path, key: str, value: Any) -> Pins:
    if not isinstance(value, dict):
        raise LockError(f"{path}: papers.{key}: expected a mapping")
    known = {f.name for f in fields(Pins)}
    unknown = set(value) - known
    if unknown:
        raise LockError(f"{path}: papers.{key}.{sorted(unknown)[0]}: unknown key")
    version = value.get("zotero_version")
    return Pins(
        **{
            k: (str(v) if v is not None else None)
            for k, v in value.items()
            if k != "zotero_version"
        },
        zotero_version=int(version) if version is not None else None,
    )


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
