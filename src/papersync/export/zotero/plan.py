"""What a run does per paper: create, adopt, update or leave alone. Pure: data in, a plan out.

The exporter reads the library (pinned items, then the whole library only when a paper has
no pinned item yet) and hands what it read to these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from papersync.export.zotero.items import (
    Desired,
    Item,
    collection_key,
    item_key,
    item_patch,
    note_key,
)
from papersync.export.zotero.schema import Schema
from papersync.ids import find_arxiv, find_doi
from papersync.lock import Lock, Pins
from papersync.match import normalise
from papersync.model import Reference

_YEAR = re.compile(r"\b(\d{4})\b")

# --- finding a paper already in the library ------------------------------------------------


def item_arxiv(data: Mapping[str, Any]) -> str | None:
    for name in ("archiveID", "url", "extra", "DOI"):
        found = find_arxiv(str(data.get(name) or ""))
        if found:
            return found.lower()
    return None


def item_doi(data: Mapping[str, Any]) -> str | None:
    """The DOI field, else a `DOI:` line in Extra (where Zotero keeps it for types without one)."""
    lines = [str(data.get("DOI") or "")]
    lines += [x for x in str(data.get("extra") or "").splitlines() if x.lower().startswith("doi:")]
    for line in lines:
        found = find_doi(line)
        if found:
            return found
    return None


def item_year(data: Mapping[str, Any]) -> int | None:
    found = _YEAR.search(str(data.get("date") or ""))
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class LibraryIndex:
    """The library's top items by DOI, arXiv id and normalised title, built once per run.

    The Web API's `q` searches titles, creators and years only, so identifiers must be matched here.
    """

    by_doi: Mapping[str, Item]
    by_arxiv: Mapping[str, Item]
    by_title: Mapping[str, tuple[Item, ...]]

    @classmethod
    def build(cls, items: Iterable[Mapping[str, Any]]) -> LibraryIndex:
        by_doi: dict[str, Item] = {}
        by_arxiv: dict[str, Item] = {}
        by_title: dict[str, list[Item]] = {}
        for entry in sorted(items, key=lambda e: str(e.get("key"))):
            data = dict(entry.get("data", entry))
            if data.get("itemType") in ("note", "attachment", "annotation"):
                continue
            if doi := item_doi(data):
                by_doi.setdefault(doi, data)
            if arxiv := item_arxiv(data):
                by_arxiv.setdefault(arxiv, data)
            if title := normalise(str(data.get("title") or "")):
                by_title.setdefault(title, []).append(data)
        return cls(by_doi, by_arxiv, {k: tuple(v) for k, v in by_title.items()})

    def find(self, reference: Reference, taken: AbstractSet[str] = frozenset()) -> Item | None:
        """The library item that is this paper: same DOI, arXiv id, or title and the year of one
        of its versions (a person's copy of the 2015 preprint is the 2016 conference paper)."""
        paper = reference.paper
        candidates: list[Item | None] = [
            self.by_doi.get(paper.ids.doi) if paper.ids.doi else None,
            self.by_arxiv.get(paper.ids.arxiv.lower()) if paper.ids.arxiv else None,
        ]
        years = {y for y in (paper.year, *(v.year for v in paper.versions)) if y}
        for data in self.by_title.get(normalise(paper.title), ()):
            year, arxiv = item_year(data), item_arxiv(data)
            if years and year and year not in years:
                continue  # same title, a year none of its versions has: a sequel or a namesake
            if paper.ids.arxiv and arxiv and arxiv != paper.ids.arxiv.lower():
                continue
            candidates.append(data)
        for candidate in candidates:
            if candidate is not None and candidate["key"] not in taken:
                return candidate
        return None


# --- the plan --------------------------------------------------------------------------------


class Action(StrEnum):
    CREATE = "create"
    ADOPT = "adopt"
    UPDATE = "update"
    UNCHANGED = "unchanged"


PAST = {
    Action.CREATE: "created",
    Action.ADOPT: "adopted",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
}


@dataclass(frozen=True)
class Step:
    """What this run does for one paper."""

    want: Desired
    action: Action
    key: str
    version: int = 0
    patch: Mapping[str, Any] = field(default_factory=dict)
    note_key: str | None = None
    note_version: int = 0
    note_exists: bool = False
    note_changed: bool = False

    @property
    def effective(self) -> Action:
        """The action, or `unchanged` when an update turns out to have nothing to write."""
        if self.action is Action.UPDATE and not self.patch and not self.note_changed:
            return Action.UNCHANGED
        return self.action


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    collection: str | None = None
    """The collection's key: found by name, or the key it will be created with."""
    create_collection: bool = False

    def counts(self) -> dict[str, int]:
        """Tallies under the names `export` reports: created, adopted, updated, unchanged."""
        out = dict.fromkeys(PAST.values(), 0)
        for step in self.steps:
            out[PAST[step.effective]] += 1
        return out

    def lines(self) -> list[str]:
        """One line per paper that would be written, then the tallies: what `--dry-run` prints."""
        out = [f"create collection {self.collection}"] if self.create_collection else []
        for step in self.steps:
            if step.effective is Action.UNCHANGED:
                continue
            what = [f"fields {', '.join(sorted(step.patch))}"] if step.patch else []
            what += ["note"] if step.note_changed else []
            detail = f" ({'; '.join(what)})" if what else ""
            out.append(f"{step.action} {step.key} {step.want.title}{detail}")
        out.append(", ".join(f"{n} {name}" for name, n in self.counts().items()))
        return out


Target = tuple[Action, Item | None]
"""Where a paper goes: a new item (`create`, no data) or an existing one and its data."""


def needs_work(want: Desired, pins: Pins) -> bool:
    """False when the lock says this exact content is already in the library."""
    return not (pins.zotero_key and pins.zotero_digest == want.digest)


def unchanged(want: Desired, lock: Lock) -> Step:
    pins = lock.pins(want.paper_key)
    return Step(want, Action.UNCHANGED, pins.zotero_key or "", pins.zotero_version or 0)


def pinned_keys(todo: Sequence[Desired], lock: Lock) -> list[str]:
    """The item keys the lock pins for these papers: read first, one request per 50."""
    return [k for w in todo if (k := lock.pins(w.paper_key).zotero_key)]


def targets(
    todo: Sequence[Desired],
    references: Mapping[str, Reference],
    lock: Lock,
    current: Mapping[str, Item],
    index: LibraryIndex | None,
) -> dict[str, Target]:
    """Update the pinned item that still exists, else adopt the library's copy, else create.

    `index` may be None only when every paper's pinned item is in `current`.
    """
    taken = set(current)
    out: dict[str, Target] = {}
    for want in todo:
        key = lock.pins(want.paper_key).zotero_key
        if key and key in current:
            out[want.paper_key] = (Action.UPDATE, current[key])
            continue
        if index is None:
            raise ValueError(f"{want.paper_key}: no pinned item and no library index")
        found = index.find(references[want.paper_key], taken)
        if found is None:
            out[want.paper_key] = (Action.CREATE, None)
        else:
            taken.add(str(found["key"]))
            out[want.paper_key] = (Action.ADOPT, found)
    return out


def note_keys(todo: Sequence[Desired], lock: Lock) -> dict[str, str]:
    """Each paper's note key: the pinned one, else the one derived from its paper key."""
    return {
        w.paper_key: lock.pins(w.paper_key).zotero_note_key or note_key(w.paper_key)
        for w in todo
        if w.note is not None
    }


def existing_notes(chosen: Mapping[str, Target], keys: Mapping[str, str]) -> list[str]:
    """The note keys worth reading: a created item cannot have a note yet."""
    return [k for p, k in keys.items() if chosen[p][0] is not Action.CREATE]


def unseen_notes(
    chosen: Mapping[str, Target], keys: Mapping[str, str], notes: Mapping[str, Item]
) -> dict[str, str]:
    """Adopted items whose note is not under the expected key, by paper: item key to look in.

    Its note may sit under another key: made when the paper had another key (a `.bib` key
    before its DOI was known) and the lock that said so was lost.
    """
    return {
        paper_key: str(data["key"])
        for paper_key, (action, data) in chosen.items()
        if action is Action.ADOPT and data is not None
        and paper_key in keys and keys[paper_key] not in notes
    }  # fmt: skip


def build_plan(
    wants: Sequence[Desired],
    lock: Lock,
    chosen: Mapping[str, Target],
    keys: Mapping[str, str],
    notes: Mapping[str, Item],
    collection: tuple[str | None, bool],
    schema: Schema,
) -> Plan:
    """The steps in the references' order; papers without a target stay unchanged."""
    steps = []
    for want in wants:
        if want.paper_key not in chosen:
            steps.append(unchanged(want, lock))
            continue
        action, data = chosen[want.paper_key]
        note = keys.get(want.paper_key)
        steps.append(step(want, action, data, collection[0], note, notes, schema))
    return Plan(tuple(steps), *collection)


def unread_plan(
    wants: Sequence[Desired], lock: Lock, collection: str | None, schema: Schema
) -> Plan:
    """The plan when the library cannot be read: every paper not already pushed is created."""
    key = collection_key(collection) if collection else None
    chosen: dict[str, Target] = {
        w.paper_key: (Action.CREATE, None) for w in wants if needs_work(w, lock.pins(w.paper_key))
    }
    keys = {
        w.paper_key: note_key(w.paper_key)
        for w in wants
        if w.paper_key in chosen and w.note is not None
    }
    return build_plan(wants, lock, chosen, keys, {}, (key, key is not None), schema)


def step(
    want: Desired,
    action: Action,
    data: Mapping[str, Any] | None,
    collection: str | None,
    note: str | None,
    notes: Mapping[str, Item],
    schema: Schema,
) -> Step:
    """One paper's step: a new item under its derived key, or a patch for `data`."""
    if data is None:
        return Step(want, action, item_key(want.paper_key), 0, {}, note, 0, False, note is not None)
    existing = notes.get(note) if note else None
    return Step(
        want,
        action,
        str(data["key"]),
        int(data.get("version", 0)),
        item_patch(data, want, collection, schema),
        note,
        int(existing.get("version", 0)) if existing else 0,
        existing is not None,
        note is not None and (existing is None or existing.get("note") != want.note),
    )
