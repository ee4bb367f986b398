"""Zotero export: every matched paper as a schema-valid item with its reading notes, via pyzotero.

Idempotent by construction: new items get a key derived from the paper key and `version: 0`, so a
repeated write fails with 412 instead of duplicating; updates carry the item's version; existing
items in the library are adopted, never overwritten, only completed.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from types import MappingProxyType
from typing import Any, TypeVar

import httpx2
from pyzotero import errors as zotero_errors
from pyzotero import zotero
from pyzotero.zotero import build_url

from papersync.errors import ZoteroError
from papersync.export import Outcome
from papersync.lock import Lock, Pins
from papersync.match import normalise
from papersync.model import Author, Match, PaperKind, Reference

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
"""Zotero's object-key alphabet: keys are 8 characters from it."""
MAX_BATCH = 50
"""The Web API refuses more than 50 objects in one write."""
PAGE = 100
"""The Web API's largest page for reads."""
_ROUNDS = 3
"""Write rounds per run: a 412 (someone changed an item meanwhile) is re-read and retried."""

T = TypeVar("T")
Item = dict[str, Any]


CONNECT_ATTEMPTS = 2
"""No connection at all (DNS failure, refused) is retried once: an absent network is not a
storm to wait out, and a run with no network must finish in seconds."""


@dataclass(frozen=True)
class TypeSchema:
    """The part of one Zotero item type papersync writes: field names and creator types."""

    fields: frozenset[str]
    creator_types: frozenset[str] = frozenset({"author"})


def _type(fields: str, creator_types: str = "author") -> TypeSchema:
    return TypeSchema(frozenset(fields.split()), frozenset(creator_types.split()))


_COMMON = "title abstractNote date DOI url citationKey extra"
ITEM_SCHEMA: Mapping[str, TypeSchema] = MappingProxyType(
    {
        # Zotero schema version 41 (zotero/zotero-schema); tests check each name against it.
        "preprint": _type(f"{_COMMON} repository archiveID"),
        "journalArticle": _type(f"{_COMMON} publicationTitle publisher volume issue pages"),
        "conferencePaper": _type(f"{_COMMON} proceedingsTitle publisher volume issue pages"),
        "book": _type(f"{_COMMON} publisher volume"),
        "report": _type(f"{_COMMON} institution pages"),
        # A note's `note` text is a property of the type, not a schema field.
        "note": _type("", ""),
    }
)
"""Item types and fields papersync writes, kept in code so no template request is needed."""

_ITEM_TYPE = {
    PaperKind.PREPRINT: "preprint",
    PaperKind.ARTICLE: "journalArticle",
    PaperKind.CONFERENCE: "conferencePaper",
    PaperKind.BOOK: "book",
    PaperKind.REPORT: "report",
}
_VENUE_FIELD = {"journalArticle": "publicationTitle", "conferencePaper": "proceedingsTitle"}
_PUBLISHER_FIELD = {"report": "institution", "preprint": "repository"}


def schema_from_json(data: Mapping[str, Any]) -> dict[str, TypeSchema]:
    """Read Zotero's published schema (`/schema`, schema.json) into per-type field sets."""
    out: dict[str, TypeSchema] = {}
    for entry in data.get("itemTypes", ()):
        out[entry["itemType"]] = TypeSchema(
            frozenset(f["field"] for f in entry.get("fields", ())),
            frozenset(c["creatorType"] for c in entry.get("creatorTypes", ())),
        )
    return out


def item_key(seed: str) -> str:
    """A deterministic 8-character Zotero key: the same paper always gets the same key."""
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(8):
        number, rest = divmod(number, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[rest])
    return "".join(chars)


def note_key(paper_key: str) -> str:
    return item_key(f"{paper_key}#note")


def collection_key(name: str) -> str:
    return item_key(f"collection:{name}")


# --- what papersync wants in Zotero (pure) -------------------------------------------------


@dataclass(frozen=True)
class Desired:
    """The papersync-owned content of one paper's Zotero item and note."""

    paper_key: str
    title: str
    item_type: str
    fields: Mapping[str, str]
    creators: tuple[Mapping[str, str], ...]
    tags: tuple[str, ...]
    note: str | None
    digest: str


def creator(author: Author) -> dict[str, str]:
    if author.literal:
        return {"creatorType": "author", "name": author.family}
    return {"creatorType": "author", "firstName": author.given, "lastName": author.family}


def item_fields(
    reference: Reference, schema: Mapping[str, TypeSchema] = ITEM_SCHEMA
) -> tuple[str, dict[str, str]]:
    """The item type and the non-empty fields a source gave us, restricted to that type's schema."""
    paper = reference.paper
    item_type = _ITEM_TYPE[paper.kind]
    arxiv = paper.ids.arxiv
    values: dict[str, str | None] = {
        "title": paper.title,
        "abstractNote": paper.abstract,
        "date": paper.date or (str(paper.year) if paper.year else None),
        "DOI": paper.ids.doi,
        "url": paper.url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        "citationKey": reference.citekey,
        "volume": paper.volume,
        "issue": paper.issue,
        "pages": paper.pages,
    }
    if item_type == "preprint":
        values["repository"] = "arXiv" if arxiv else (paper.publisher or paper.venue)
        values["archiveID"] = f"arXiv:{arxiv}" if arxiv else None
    else:
        values["extra"] = f"arXiv: {arxiv}" if arxiv else None
        values[_PUBLISHER_FIELD.get(item_type, "publisher")] = paper.publisher
        if item_type in _VENUE_FIELD:
            values[_VENUE_FIELD[item_type]] = paper.venue
    allowed = schema[item_type].fields
    return item_type, {k: v for k, v in values.items() if v and k in allowed}


def note_html(reference: Reference) -> str | None:
    """The log's reading notes as one HTML note, grouped by date; None when there are none."""
    seen: set[tuple[str, str]] = set()
    entries: list[tuple[str, str]] = []
    for mention in sorted(
        reference.mentions, key=lambda m: (m.date is None, m.date, m.file, m.line)
    ):
        body = mention.body.strip()
        heading = mention.date.isoformat() if mention.date else (mention.section or "undated")
        if body and (heading, body) not in seen:
            seen.add((heading, body))
            entries.append((heading, body))
    if not entries:
        return None
    parts = ["<h1>Reading notes</h1>"]
    for heading, body in entries:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for paragraph in re.split(r"\n\s*\n", body):
            lines = [html.escape(line.strip()) for line in paragraph.splitlines() if line.strip()]
            parts.append(f"<p>{'<br />'.join(lines)}</p>")
    return "\n".join(parts)


def desired(
    reference: Reference,
    tags: Sequence[str],
    collection: str | None,
    schema: Mapping[str, TypeSchema] = ITEM_SCHEMA,
) -> Desired:
    item_type, fields = item_fields(reference, schema)
    creators = tuple(creator(a) for a in reference.paper.authors if a.family)
    note = note_html(reference)
    owned = {
        "itemType": item_type,
        "fields": fields,
        "creators": creators,
        "tags": sorted(set(tags)),
        "collection": collection,
        "note": note,
    }
    digest = hashlib.sha256(
        json.dumps(owned, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:16]
    return Desired(
        reference.key,
        reference.paper.title,
        item_type,
        MappingProxyType(fields),
        creators,
        tuple(dict.fromkeys(tags)),
        note,
        digest,
    )


def new_item(want: Desired, key: str, collection: str | None) -> Item:
    """A new item with a client-side key and `version: 0`: a repeat gets 412, not a twin."""
    return {
        "key": key,
        "version": 0,
        "itemType": want.item_type,
        **want.fields,
        "creators": [dict(c) for c in want.creators],
        "tags": [{"tag": t} for t in want.tags],
        "collections": [collection] if collection else [],
        "relations": {},
    }


def item_patch(
    existing: Mapping[str, Any],
    want: Desired,
    collection: str | None,
    schema: Mapping[str, TypeSchema] = ITEM_SCHEMA,
) -> Item:
    """What to add to an existing item: empty fields, our tags and collection. Never overwrites.

    Fields are checked against the existing item's own type (the person may have filed the paper
    as a thesis); a type papersync does not know gets only tags and the collection.
    """
    patch: Item = {}
    allowed = schema.get(str(existing.get("itemType")), TypeSchema(frozenset()))
    for name, value in want.fields.items():
        if name in allowed.fields and not existing.get(name):
            patch[name] = value
    creators = [c for c in want.creators if c["creatorType"] in allowed.creator_types]
    if creators and not existing.get("creators"):
        patch["creators"] = [dict(c) for c in creators]
    have_tags = list(existing.get("tags") or [])
    missing = [t for t in want.tags if t not in {tag.get("tag") for tag in have_tags}]
    if missing:
        patch["tags"] = have_tags + [{"tag": t} for t in missing]
    have_collections = list(existing.get("collections") or [])
    if collection and collection not in have_collections:
        patch["collections"] = [*have_collections, collection]
    return patch


# --- finding a paper already in the library (pure) ------------------------------------------

_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*|10\.48550/arxiv\.)"
    r"(\d{4}\.\d{4,5}|[a-z.-]+/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)
_YEAR = re.compile(r"\b(\d{4})\b")


def item_arxiv(data: Mapping[str, Any]) -> str | None:
    for name in ("archiveID", "url", "extra", "DOI"):
        found = _ARXIV_IN_TEXT.search(str(data.get(name) or ""))
        if found:
            return found.group(1).lower()
    return None


def item_doi(data: Mapping[str, Any]) -> str | None:
    """The DOI field, else a `DOI:` line in Extra (where Zotero keeps it for types without one)."""
    lines = [str(data.get("DOI") or "")]
    lines += [x for x in str(data.get("extra") or "").splitlines() if x.lower().startswith("doi:")]
    for line in lines:
        found = _DOI_IN_TEXT.search(line)
        if found:
            return found.group(1).rstrip(".").lower()
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
        """The library item that is this paper: same DOI, arXiv id, or title and year."""
        paper = reference.paper
        candidates: list[Item | None] = [
            self.by_doi.get(paper.ids.doi) if paper.ids.doi else None,
            self.by_arxiv.get(paper.ids.arxiv.lower()) if paper.ids.arxiv else None,
        ]
        for data in self.by_title.get(normalise(paper.title), ()):
            year, arxiv = item_year(data), item_arxiv(data)
            if paper.year and year and year != paper.year:
                continue  # same title, another year: a sequel or a namesake
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


_PAST = {
    Action.CREATE: "created",
    Action.ADOPT: "adopted",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
}


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    collection: str | None = None
    """The collection's key: found by name, or the key it will be created with."""
    create_collection: bool = False

    def counts(self) -> dict[str, int]:
        """Tallies under the names `export` reports: created, adopted, updated, unchanged."""
        out = dict.fromkeys(_PAST.values(), 0)
        for step in self.steps:
            out[_PAST[step.effective]] += 1
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


# --- talking to the Web API ------------------------------------------------------------------


@dataclass(frozen=True)
class WriteResult:
    """Per-object outcome of one multi-object write, by position in the batch."""

    versions: Mapping[int, int]
    """Written or unchanged objects and their version afterwards."""
    conflicts: frozenset[int]
    """Objects refused with 412 (changed meanwhile, or already created): re-read and retry."""
    failures: Mapping[int, str]


class ZoteroApi:
    """The handful of Web API calls papersync makes, all on pyzotero's own client and endpoint.

    Reads go through pyzotero (it retries 429 itself); a 5xx or a dropped connection is retried
    here too. Writes are small explicit requests on pyzotero's client because `create_items`
    refuses more than 50 items, makes a fresh write token per call (a retry after a timeout or a
    500 whose write landed would duplicate) and reads a 429's plain-text body as JSON. Ours keep
    one write token across retries and honour `Retry-After` and `Backoff`, within bounds.
    """

    def __init__(
        self,
        zot: zotero.Zotero,
        attempts: int = 6,
        backoff_base: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.zot = zot
        self.attempts = attempts
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.prefix = f"/{zot.library_type}/{zot.library_id}"

    def _wait(self) -> None:
        remaining = float(self.zot.backoff_until) - time.time()
        if remaining > 0:
            self.sleep(remaining)

    def _delay(self, attempt: int, told: str | None) -> float:
        try:
            if told is not None:
                return max(0.0, float(told))
        except ValueError:
            pass
        return float(min(self.backoff_base * 2**attempt, 60.0))

    def _read(self, call: Callable[[], T], what: str) -> T:
        last = ""
        for attempt in range(self.attempts):
            self._wait()
            self.zot.url_params = None  # a failed pyzotero call leaves its parameters behind
            try:
                return call()
            except zotero_errors.TooManyRetriesError as exc:
                last = str(exc).strip().splitlines()[0]
            except zotero_errors.HTTPError as exc:
                status = self.zot.request.status_code if self.zot.request is not None else 0
                if status < 500:
                    raise ZoteroError(f"Zotero refused {what}: {_first_line(exc)}") from exc
                last = f"HTTP {status}"
            except zotero_errors.PyZoteroError as exc:
                raise ZoteroError(f"Zotero refused {what}: {_first_line(exc)}") from exc
            except httpx2.ConnectError as exc:
                last = f"{type(exc).__name__}: {exc}"
                if attempt + 1 >= CONNECT_ATTEMPTS:
                    raise ZoteroError(f"Zotero unreachable while {what} ({last})") from exc
            except httpx2.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            self.sleep(self._delay(attempt, None))
        raise ZoteroError(f"Zotero: gave up on {what} after {self.attempts} attempts ({last})")

    def _pages(self, fetch: Callable[..., list[Item]], what: str) -> list[Item]:
        """Every entry of a listing, page by page (each page retried on its own)."""
        out: list[Item] = []
        while True:
            page = self._read(partial(fetch, start=len(out), limit=PAGE), what)
            out.extend(page)
            request = self.zot.request
            total = int(request.headers.get("Total-Results", 0)) if request is not None else 0
            if not page or len(out) >= total:
                return out

    def top_items(self) -> list[Item]:
        return [dict(entry["data"]) for entry in self._pages(self.zot.top, "reading the library")]

    def collections(self) -> list[Item]:
        entries = self._pages(self.zot.collections, "reading collections")
        return [dict(entry["data"]) for entry in entries]

    def items_by_key(self, keys: Sequence[str]) -> dict[str, Item]:
        """Current data of the given items (missing ones absent), 50 keys per request."""
        found: dict[str, Item] = {}
        for i in range(0, len(keys), MAX_BATCH):
            chunk = ",".join(keys[i : i + MAX_BATCH])
            fetch = partial(self.zot.items, itemKey=chunk, limit=MAX_BATCH)
            for entry in self._read(fetch, "reading items"):
                found[entry["key"]] = dict(entry["data"])
        return found

    def write(self, kind: str, objects: Sequence[Item]) -> WriteResult:
        """POST up to 50 objects with one write token kept across retries.

        A 412 for the whole request after a retry means an earlier attempt landed: every object is
        then reported as a conflict, to be re-read rather than written again.
        """
        if len(objects) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} objects per write, got {len(objects)}")
        url = build_url(self.zot.endpoint, f"{self.prefix}/{kind}")
        headers = {**self.zot.default_headers(), "Zotero-Write-Token": uuid.uuid4().hex}
        last = ""
        everything = frozenset(range(len(objects)))
        client = self.zot.client
        if client is None:
            raise ZoteroError("pyzotero has no HTTP client")
        for attempt in range(self.attempts):
            self._wait()
            try:
                response = client.request("POST", url, json=list(objects), headers=headers)
            except httpx2.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                self.sleep(self._delay(attempt, None))
                continue
            status = response.status_code
            if status in (409, 429) or status >= 500:
                last = f"HTTP {status}"
                told = response.headers.get("Retry-After") or response.headers.get("Backoff")
                self.sleep(self._delay(attempt, told))
                continue
            if backoff := response.headers.get("Backoff"):
                self.zot.backoff_until = time.time() + self._delay(0, backoff)
            if status in (401, 403):
                raise ZoteroError(f"Zotero refused the write (HTTP {status}): check the API key")
            if status == 412:
                return WriteResult({}, everything, {})
            if status != 200:
                reason = f"HTTP {status}: {response.text.strip()[:200]}"
                return WriteResult({}, frozenset(), dict.fromkeys(everything, reason))
            try:
                body = response.json()
            except ValueError:
                reason = f"HTTP {status} without a JSON answer"
                return WriteResult({}, frozenset(), dict.fromkeys(everything, reason))
            return _write_result(body, response.headers.get("Last-Modified-Version"))
        reason = f"gave up after {self.attempts} attempts ({last})"
        return WriteResult({}, frozenset(), dict.fromkeys(everything, reason))


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines[:2]) if lines else type(exc).__name__


def _write_result(body: Mapping[str, Any], library_version: str | None) -> WriteResult:
    """Read the multi-object write response (`successful`/`success`/`unchanged`/`failed`)."""
    fallback = int(library_version) if library_version else 0
    versions: dict[int, int] = {}
    for index, entry in (body.get("successful") or {}).items():
        versions[int(index)] = int(entry.get("version", fallback))
    for index in body.get("success") or {}:
        versions.setdefault(int(index), fallback)
    for index in body.get("unchanged") or {}:
        versions.setdefault(int(index), -1)
    conflicts: set[int] = set()
    failures: dict[int, str] = {}
    for index, entry in (body.get("failed") or {}).items():
        if int(entry.get("code", 0)) == 412:
            conflicts.add(int(index))
        else:
            failures[int(index)] = f"{entry.get('code')}: {entry.get('message', '')}".strip()
    return WriteResult(versions, frozenset(conflicts), failures)


# --- the exporter ----------------------------------------------------------------------------


@dataclass
class _Progress:
    """Per-run bookkeeping while batches come back; never leaves `export`."""

    keys: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    wrote: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)


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
        schema: Mapping[str, TypeSchema] = ITEM_SCHEMA,
        *,
        attempts: int = 6,
        backoff_base: float = 1.0,
        client: httpx2.Client | None = None,
    ) -> None:
        if library_type not in ("user", "group"):
            raise ZoteroError(
                f"export.zotero.library_type: expected user or group, got {library_type!r}"
            )
        zot = zotero.Zotero(library_id, library_type, api_key, client=client)
        zot.endpoint = url.rstrip("/")
        self.api = ZoteroApi(zot, attempts=attempts, backoff_base=backoff_base)
        self.collection = collection
        self.tags = tuple(tags)
        self.dry_run = dry_run
        self.schema = schema

    def plan(self, references: Sequence[Reference], lock: Lock) -> Plan:
        """Decide create / adopt / update / unchanged per paper; reads the library, writes nothing.

        Papers whose owned content has the digest pinned in the lock cost no request at all.
        """
        wants = [desired(r, self.tags, self.collection, self.schema) for r in references]
        by_key = {r.key: r for r in references}
        todo = [w for w in wants if _needs_work(w, lock.pins(w.paper_key))]
        if not todo:
            return Plan(tuple(_unchanged(w, lock) for w in wants))
        collection, create_collection = None, False
        if self.collection:
            collection, create_collection = self._find_collection(self.collection)
        pinned = [k for w in todo if (k := lock.pins(w.paper_key).zotero_key)]
        current = self.api.items_by_key(pinned)
        index: LibraryIndex | None = None
        taken = set(current)
        targets: dict[str, tuple[Action, Item | None]] = {}
        for want in todo:
            key = lock.pins(want.paper_key).zotero_key
            if key and key in current:
                targets[want.paper_key] = (Action.UPDATE, current[key])
                continue
            if index is None:
                index = LibraryIndex.build(self.api.top_items())
            found = index.find(by_key[want.paper_key], taken)
            if found is not None:
                taken.add(str(found["key"]))
            targets[want.paper_key] = (
                (Action.CREATE, None) if found is None else (Action.ADOPT, found)
            )
        note_keys = {
            w.paper_key: lock.pins(w.paper_key).zotero_note_key or note_key(w.paper_key)
            for w in todo
            if w.note is not None
        }
        notes = self.api.items_by_key(
            [k for p, k in note_keys.items() if targets[p][0] is not Action.CREATE]
        )
        steps = {w.paper_key: _unchanged(w, lock) for w in wants}
        for want in todo:
            action, data = targets[want.paper_key]
            steps[want.paper_key] = _step(
                want, action, data, collection, note_keys.get(want.paper_key), notes, self.schema
            )
        return Plan(tuple(steps[w.paper_key] for w in wants), collection, create_collection)

    def plan_unread(self, references: Sequence[Reference], lock: Lock) -> Plan:
        """The plan when the library cannot be read (no network): every paper not already
        pushed would be created. The real run still reads the library first and adopts
        what it finds, so this is the most a dry run can promise offline."""
        wants = [desired(r, self.tags, self.collection, self.schema) for r in references]
        collection = collection_key(self.collection) if self.collection else None
        steps = [
            _step(
                w,
                Action.CREATE,
                None,
                collection,
                note_key(w.paper_key) if w.note is not None else None,
                {},
                self.schema,
            )
            if _needs_work(w, lock.pins(w.paper_key))
            else _unchanged(w, lock)
            for w in wants
        ]
        return Plan(tuple(steps), collection, collection is not None)

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
            return Outcome(unchanged=counts["unchanged"], counts=counts)
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
        for _ in range(_ROUNDS):
            if not pending:
                return
            conflicts = self._send(pending, progress, notes=False)
            fresh = self.api.items_by_key([progress.keys[p] for p in conflicts])
            pending = {}
            for paper_key in conflicts:
                data = fresh.get(progress.keys[paper_key])
                if data is None:
                    progress.failed[paper_key] = (
                        f"item: key {progress.keys[paper_key]} is taken but unreadable (trashed?)"
                    )
                    continue
                progress.versions[paper_key] = int(data.get("version", 0))
                patch = item_patch(data, steps[paper_key].want, plan.collection, self.schema)
                if patch:
                    pending[paper_key] = {"key": data["key"], "version": data["version"], **patch}
        for paper_key in pending:
            progress.failed[paper_key] = f"item: still conflicting after {_ROUNDS} rounds (412)"

    def _write_notes(self, plan: Plan, progress: _Progress) -> None:
        steps = {s.want.paper_key: s for s in plan.steps}
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
                pending[paper_key] = _new_note(step.note_key, progress.keys[paper_key], step.want)
        for _ in range(_ROUNDS):
            if not pending:
                return
            conflicts = self._send(pending, progress, notes=True)
            fresh = self.api.items_by_key([str(steps[p].note_key) for p in conflicts])
            pending = {}
            for paper_key in conflicts:
                want = steps[paper_key].want
                data = fresh.get(str(steps[paper_key].note_key))
                if data is None:
                    progress.failed[paper_key] = (
                        f"note: key {steps[paper_key].note_key} is taken but unreadable (trashed?)"
                    )
                elif data.get("note") != want.note:
                    pending[paper_key] = {
                        "key": data["key"],
                        "version": data["version"],
                        "note": want.note,
                    }
        for paper_key in pending:
            progress.failed[paper_key] = f"note: still conflicting after {_ROUNDS} rounds (412)"

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
                elif index in result.failures:
                    progress.failed[paper_key] = f"{what}: {result.failures[index]}"
                elif index not in result.versions:
                    progress.failed[paper_key] = f"{what}: no result in the server's answer"
                elif result.versions[index] >= 0:
                    progress.wrote.add(paper_key)
                    progress.written.append(str(pending[paper_key]["key"]))
                    if not notes:
                        progress.versions[paper_key] = result.versions[index]
        return conflicts

    def _outcome(self, plan: Plan, lock: Lock, progress: _Progress) -> Outcome:
        problems: list[str] = []
        counts = {"created": 0, "adopted": 0, "updated": 0, "unchanged": 0, "failed": 0}
        pins: dict[str, Pins] = {}
        for step in plan.steps:
            paper_key = step.want.paper_key
            old = lock.pins(paper_key)
            if step.action is Action.UNCHANGED:
                counts["unchanged"] += 1
                continue
            exists = step.action is not Action.CREATE or paper_key in progress.wrote
            if paper_key in progress.failed:
                counts["failed"] += 1
                problems.append(
                    f"zotero: {step.want.title} [{paper_key}]: {progress.failed[paper_key]}"
                )
                if exists:
                    pins[paper_key] = replace(
                        old,
                        zotero_key=step.key,
                        zotero_version=progress.versions[paper_key],
                        zotero_digest=None,
                    )
                continue
            pins[paper_key] = replace(
                old,
                zotero_key=step.key,
                zotero_version=progress.versions[paper_key],
                zotero_note_key=step.note_key or old.zotero_note_key,
                zotero_digest=step.want.digest,
            )
            wrote = paper_key in progress.wrote
            effective = step.action if step.action is not Action.UPDATE or wrote else None
            counts[_PAST[effective or Action.UNCHANGED]] += 1
        return Outcome(
            written=tuple(progress.written),
            unchanged=counts["unchanged"],
            pins=pins,
            problems=tuple(problems),
            counts=counts,
        )


def _needs_work(want: Desired, pins: Pins) -> bool:
    return not (pins.zotero_key and pins.zotero_digest == want.digest)


def _unchanged(want: Desired, lock: Lock) -> Step:
    pins = lock.pins(want.paper_key)
    return Step(want, Action.UNCHANGED, pins.zotero_key or "", pins.zotero_version or 0)


def _new_note(key: str, parent: str, want: Desired) -> Item:
    return {
        "key": key,
        "version": 0,
        "itemType": "note",
        "parentItem": parent,
        "note": want.note,
        "tags": [],
        "collections": [],
        "relations": {},
    }


def _step(
    want: Desired,
    action: Action,
    data: Mapping[str, Any] | None,
    collection: str | None,
    note: str | None,
    notes: Mapping[str, Item],
    schema: Mapping[str, TypeSchema],
) -> Step:
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
