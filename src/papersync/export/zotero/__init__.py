"""Zotero export: every matched paper as a schema-valid item with its reading notes.

Idempotent by construction: new items get a key derived from the paper key and `version: 0`, so a
repeated write fails with 412 instead of duplicating; updates carry the item's version; existing
items in the library are adopted, never overwritten, only completed.

    schema.py  the item types and their fields (Zotero's own schema, shipped)
    items.py   a reference as item data, note and patch (pure)
    plan.py    create / adopt / update / unchanged per paper (pure)
    api.py     the Web API calls, through the run's HTTP layer
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from papersync.errors import ConfigError, ZoteroError
from papersync.export import Outcome
from papersync.export.zotero.api import MAX_BATCH, ZoteroApi, clean_api_key
from papersync.export.zotero.items import (
    PREFER,
    Desired,
    Item,
    collection_key,
    desired,
    item_patch,
    new_item,
    new_note,
    own_note,
)
from papersync.export.zotero.plan import (
    PAST,
    Action,
    LibraryIndex,
    Plan,
    Step,
    build_plan,
    existing_notes,
    needs_work,
    note_keys,
    pinned_keys,
    targets,
    unchanged,
    unread_plan,
    unseen_notes,
)
from papersync.export.zotero.schema import Schema, item_schema
from papersync.lock import Lock, Pins
from papersync.model import Match, Reference
from papersync.sources.http import Http

_ROUNDS = 3
"""Write rounds per run: a 412 (someone changed an item meanwhile) is re-read and retried."""


@dataclass
class _Progress:
    """Per-run bookkeeping while batches come back; never leaves `export`."""

    keys: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    wrote: set[str] = field(default_factory=set)
    """Papers whose item or note was written."""
    found: set[str] = field(default_factory=set)
    """Papers to create whose key was already taken: their item exists, from an earlier run."""
    failed: dict[str, str] = field(default_factory=dict)


class ZoteroExporter:
    """Puts matched papers into a Zotero library and keeps them in step with the log.

    The item fields are the person's once written: later runs only fill empty fields, add the
    configured tags and collection. The child note is papersync's: it mirrors the log and is
    rewritten when the log's notes change.
    """

    name = "zotero"

    def __init__(
        self,
        library_id: str,
        library_type: str,
        api_key: str | None,
        url: str = "https://api.zotero.org",
        collection: str | None = None,
        tags: Sequence[str] = ("papersync",),
        dry_run: bool = False,
        schema: Schema | None = None,
        *,
        prefer: str = "published",
        http: Http | None = None,
    ) -> None:
        if library_type not in ("user", "group"):
            raise ConfigError(
                f"export.zotero.library_type: expected user or group, got {library_type!r}"
            )
        if prefer not in PREFER:
            expected = " or ".join(PREFER)
            raise ConfigError(f"export.bibtex.prefer: expected {expected}, got {prefer!r}")
        library = f"{library_type}s/{library_id}"
        self.api = ZoteroApi(http or Http(), url, library, clean_api_key(api_key))
        self.collection = collection
        self.tags = tuple(tags)
        self.dry_run = dry_run
        self.schema = schema or item_schema()
        self.prefer = prefer

    def plan(self, references: Sequence[Reference], lock: Lock) -> Plan:
        """Decide create / adopt / update / unchanged per paper; reads the library, writes nothing.

        Papers whose owned content has the digest pinned in the lock cost no request at all.
        """
        wants = [self._desired(r) for r in references]
        todo = [w for w in wants if needs_work(w, lock.pins(w.paper_key))]
        if not todo:
            return Plan(tuple(unchanged(w, lock) for w in wants))
        collection = self._find_collection(self.collection) if self.collection else (None, False)
        current = self.api.items_by_key(pinned_keys(todo, lock))
        index = None
        if any(lock.pins(w.paper_key).zotero_key not in current for w in todo):
            index = LibraryIndex.build(self.api.top_items())
        chosen = targets(todo, {r.key: r for r in references}, lock, current, index)
        keys = note_keys(todo, lock)
        notes = self.api.items_by_key(existing_notes(chosen, keys))
        for paper_key, item in unseen_notes(chosen, keys, notes).items():
            if (note := own_note(self.api.children(item))) is not None:
                keys[paper_key], notes[note["key"]] = note["key"], note
        return build_plan(wants, lock, chosen, keys, notes, collection, self.schema)

    def plan_unread(self, references: Sequence[Reference], lock: Lock) -> Plan:
        """The plan when the library cannot be read (no network): every paper not already
        pushed would be created. The real run still reads the library first and adopts
        what it finds, so this is the most a dry run can promise offline."""
        wants = [self._desired(r) for r in references]
        return unread_plan(wants, lock, self.collection, self.schema)

    def _desired(self, reference: Reference) -> Desired:
        return desired(reference, self.tags, self.collection, self.schema, self.prefer)

    def _find_collection(self, name: str) -> tuple[str, bool]:
        """The key of the collection called `name` (top-level first), else the key to create."""
        named = [c for c in self.api.collections() if c.get("name") == name]
        named.sort(key=lambda c: (bool(c.get("parentCollection")), str(c["key"])))
        return (str(named[0]["key"]), False) if named else (collection_key(name), True)

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        plan = self.plan(references, lock)
        if self.dry_run:
            counts = {**plan.counts(), "failed": 0}
            return Outcome(unchanged=counts.pop("unchanged"), counts=counts)
        if plan.create_collection and plan.collection and self.collection:
            created = self.api.write(
                "collections", [{"key": plan.collection, "version": 0, "name": self.collection}]
            )
            if created.failures:
                reason = next(iter(created.failures.values()))
                raise ZoteroError(f"Zotero: cannot create collection {self.collection!r}: {reason}")
        progress = _Progress()
        self._write_items(plan, progress)
        self._write_notes(plan, progress)
        return self._outcome(plan, lock, progress)

    def _write_items(self, plan: Plan, progress: _Progress) -> None:
        steps = {s.want.paper_key: s for s in plan.steps}
        pending: dict[str, Item] = {}
        for step in plan.steps:
            progress.keys[step.want.paper_key] = step.key
            progress.versions[step.want.paper_key] = step.version
            if step.action is Action.CREATE:
                pending[step.want.paper_key] = new_item(step.want, step.key, plan.collection)
            elif step.patch:
                pending[step.want.paper_key] = {
                    "key": step.key,
                    "version": step.version,
                    **step.patch,
                }

        def again(paper_key: str, data: Item) -> Item | None:
            """The item as it is now: note its version, then send what it still lacks."""
            progress.versions[paper_key] = int(data.get("version", 0))
            if steps[paper_key].action is Action.CREATE and paper_key not in progress.wrote:
                progress.found.add(paper_key)
            patch = item_patch(data, steps[paper_key].want, plan.collection, self.schema)
            return {"key": data["key"], "version": data["version"], **patch} if patch else None

        self._write_rounds("item", pending, progress, again)

    def _write_notes(self, plan: Plan, progress: _Progress) -> None:
        wants = {s.want.paper_key: s.want for s in plan.steps}
        pending: dict[str, Item] = {}
        for step in plan.steps:
            paper_key = step.want.paper_key
            if step.note_key is None or not step.note_changed or paper_key in progress.failed:
                continue
            if step.note_exists:
                pending[paper_key] = {
                    "key": step.note_key,
                    "version": step.note_version,
                    "note": step.want.note,
                }
            else:
                pending[paper_key] = new_note(step.note_key, progress.keys[paper_key], step.want)

        def again(paper_key: str, data: Item) -> Item | None:
            """The note as it is now: rewrite it unless it already says what the log says."""
            note = wants[paper_key].note
            if data.get("note") == note:
                return None
            return {"key": data["key"], "version": data["version"], "note": note}

        self._write_rounds("note", pending, progress, again)

    def _write_rounds(
        self,
        what: str,
        pending: dict[str, Item],
        progress: _Progress,
        again: Callable[[str, Item], Item | None],
    ) -> None:
        """Write, re-read what met a 412 and let `again` say what to send next, for a few rounds."""
        for _ in range(_ROUNDS):
            if not pending:
                return
            conflicts = self._send(pending, progress, notes=what == "note")
            keys = {p: str(pending[p]["key"]) for p in conflicts}
            fresh = self.api.items_by_key(list(keys.values()))
            pending = {}
            for paper_key, key in keys.items():
                data = fresh.get(key)
                if data is None:
                    reason = f"{what}: key {key} is taken but unreadable (in the trash?)"
                    progress.failed[paper_key] = reason
                elif (retry := again(paper_key, data)) is not None:
                    pending[paper_key] = retry
        for paper_key in pending:
            progress.failed[paper_key] = f"{what}: still conflicting after {_ROUNDS} rounds (412)"

    def _send(self, pending: Mapping[str, Item], progress: _Progress, notes: bool) -> list[str]:
        """Write `pending` in batches of 50; returns the papers whose objects met a 412."""
        order = list(pending)
        conflicts: list[str] = []
        what = "note" if notes else "item"
        for i in range(0, len(order), MAX_BATCH):
            batch = order[i : i + MAX_BATCH]
            result = self.api.write("items", [pending[p] for p in batch])
            for index, paper_key in enumerate(batch):
                if index in result.conflicts:
                    conflicts.append(paper_key)
                    if result.replayed:
                        progress.wrote.add(paper_key)
                elif index in result.failures:
                    progress.failed[paper_key] = f"{what}: {result.failures[index]}"
                elif index not in result.versions:
                    progress.failed[paper_key] = f"{what}: no result in the server's answer"
                elif result.versions[index] >= 0:
                    progress.wrote.add(paper_key)
                    if not notes:
                        progress.versions[paper_key] = result.versions[index]
        return conflicts

    def _outcome(self, plan: Plan, lock: Lock, progress: _Progress) -> Outcome:
        """This run's tallies, problems and pins; `unchanged` papers are not in `counts`."""
        problems: list[str] = []
        counts = dict.fromkeys(("created", "adopted", "updated", "failed"), 0)
        pins: dict[str, Pins] = {}
        written: list[str] = []
        untouched = 0
        for step in plan.steps:
            paper_key = step.want.paper_key
            tally = _tally(step, progress)
            if tally == "unchanged":
                untouched += 1
            else:
                counts[tally] += 1
            if step.action is Action.UNCHANGED:
                continue
            old = lock.pins(paper_key)
            if tally == "failed":
                problems.append(
                    f"zotero: {step.want.title} [{paper_key}]: {progress.failed[paper_key]}"
                )
                exists = step.action is not Action.CREATE or paper_key in progress.wrote
                if exists or paper_key in progress.found:
                    pins[paper_key] = replace(
                        old,
                        zotero_key=step.key,
                        zotero_version=progress.versions[paper_key],
                        zotero_digest=None,
                    )
                continue
            if tally != "unchanged":
                written.append(step.key)
            pins[paper_key] = replace(
                old,
                zotero_key=step.key,
                zotero_version=progress.versions[paper_key],
                zotero_note_key=step.note_key or old.zotero_note_key,
                zotero_digest=step.want.digest,
            )
        return Outcome(
            written=tuple(written),
            unchanged=untouched,
            pins=pins,
            problems=tuple(problems),
            counts=counts,
        )


def _tally(step: Step, progress: _Progress) -> str:
    """What became of one paper this run: created, adopted, updated, unchanged or failed.

    A create that met its own key already in the library (an earlier run whose lock was lost)
    is an adoption; an update that had nothing to send is unchanged.
    """
    paper_key = step.want.paper_key
    if step.action is Action.UNCHANGED:
        return "unchanged"
    if paper_key in progress.failed:
        return "failed"
    if step.action is Action.CREATE and paper_key in progress.found:
        return "adopted"
    if step.action is Action.UPDATE and paper_key not in progress.wrote:
        return "unchanged"
    return PAST[step.action]
