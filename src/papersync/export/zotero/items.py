"""A reference as Zotero item data: the item, its child note and the patch for an existing item.

Pure: references in, JSON-ready dicts out. Every field is checked against the item type's schema,
since the server refuses the whole object for one unknown field.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from papersync.export.zotero.schema import UNKNOWN_TYPE, Schema, item_schema
from papersync.model import Author, PaperKind, Reference

Item = dict[str, Any]

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
"""Zotero's object-key alphabet: keys are 8 characters from it."""

NOTE_HEADING = "<h1>Reading notes</h1>"
"""How papersync's child note begins: how it is known again under an item it did not create."""

_ITEM_TYPE = {
    PaperKind.PREPRINT: "preprint",
    PaperKind.ARTICLE: "journalArticle",
    PaperKind.CONFERENCE: "conferencePaper",
    PaperKind.BOOK: "book",
    PaperKind.REPORT: "report",
}
_RANGE_DASH = re.compile(r"\s*(?:-{2,}|\u2013)\s*")
"""`770--778` (BibTeX) or `770 – 778`: Zotero writes page ranges with one hyphen."""
_VENUE_FIELD = {"journalArticle": "publicationTitle", "conferencePaper": "proceedingsTitle"}
_PUBLISHER_FIELD = {"report": "institution", "preprint": "repository"}


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
    """A hash of everything above: equal to the lock's pin means nothing to send."""


def creator(author: Author) -> dict[str, str]:
    if author.literal:
        return {"creatorType": "author", "name": author.family}
    return {"creatorType": "author", "firstName": author.given, "lastName": author.family}


PREFER = ("published", "preprint")
"""Which version of a work its item shows, as for BibTeX (`export.bibtex.prefer`)."""


def item_fields(
    reference: Reference, schema: Schema | None = None, prefer: str = "published"
) -> tuple[str, dict[str, str]]:
    """The item type and the non-empty fields of the `prefer`red version of the work, restricted
    to that type's schema: a published work is a `conferencePaper` or `journalArticle` with its
    arXiv id in Extra (`arXiv: …`, which Zotero reads), a preprint a `preprint` with archiveID.
    """
    paper = reference.paper.version(prefer)
    item_type = _ITEM_TYPE[paper.kind]
    arxiv = paper.ids.arxiv
    doi = paper.ids.doi
    if paper.kind is PaperKind.PREPRINT and reference.paper.kind is not PaperKind.PREPRINT:
        doi = None  # the work's DOI is its published version's, not this preprint's
    values: dict[str, str | None] = {
        "title": paper.title,
        "abstractNote": paper.abstract,
        "date": paper.date or (str(paper.year) if paper.year else None),
        "DOI": doi,
        "url": paper.url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        "citationKey": reference.citekey,
        "volume": paper.volume,
        "issue": paper.issue,
        "pages": _RANGE_DASH.sub("-", paper.pages) if paper.pages else None,
    }
    if item_type == "preprint":
        values["repository"] = "arXiv" if arxiv else (paper.publisher or paper.venue)
        values["archiveID"] = f"arXiv:{arxiv}" if arxiv else None
    else:
        values["extra"] = f"arXiv: {arxiv}" if arxiv else None
        values[_PUBLISHER_FIELD.get(item_type, "publisher")] = paper.publisher
        if item_type in _VENUE_FIELD:
            values[_VENUE_FIELD[item_type]] = paper.venue
    allowed = (schema or item_schema())[item_type].fields
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
    parts = [NOTE_HEADING]
    for heading, body in entries:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for paragraph in re.split(r"\n\s*\n", body):
            lines = [html.escape(line.strip()) for line in paragraph.splitlines() if line.strip()]
            parts.append(f"<p>{'<br />'.join(lines)}</p>")
    return "\n".join(parts)


def own_note(children: Sequence[Mapping[str, Any]]) -> Item | None:
    """papersync's reading note among an item's children (the first, by key), if it has one."""
    ours = [
        dict(c)
        for c in children
        if c.get("itemType") == "note" and str(c.get("note", "")).startswith(NOTE_HEADING)
    ]
    return min(ours, key=lambda c: str(c["key"])) if ours else None


def desired(
    reference: Reference,
    tags: Sequence[str],
    collection: str | None,
    schema: Schema | None = None,
    prefer: str = "published",
) -> Desired:
    item_type, fields = item_fields(reference, schema, prefer)
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


def new_note(key: str, parent: str, want: Desired) -> Item:
    """The child note holding the log's reading notes, under its parent item."""
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


def item_patch(
    existing: Mapping[str, Any],
    want: Desired,
    collection: str | None,
    schema: Schema | None = None,
) -> Item:
    """What to add to an existing item: empty fields, our tags and collection. Never overwrites.

    Fields are checked against the existing item's own type (the person may have filed the paper
    as a thesis); a type the schema does not list gets only tags and the collection.
    """
    patch: Item = {}
    allowed = (schema or item_schema()).get(str(existing.get("itemType")), UNKNOWN_TYPE)
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
