"""Zotero's item schema: which fields and creator types each item type has.

The real server refuses an object with a field its type lacks (400), so every item papersync
writes is cut down to its type's fields here. `schema.json` beside this module is the
`itemTypes` part of Zotero's published schema, version 41 (zotero/zotero-schema, commit
5eedf44, the document the Web API serves at `/schema`), shipped so no request is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class TypeSchema:
    """One item type: its field names and creator types."""

    fields: frozenset[str]
    creator_types: frozenset[str] = frozenset({"author"})


UNKNOWN_TYPE = TypeSchema(frozenset(), frozenset())
"""What a type the schema does not list may receive: no fields, no creators."""

Schema = Mapping[str, TypeSchema]


def schema_from_json(data: Mapping[str, Any]) -> dict[str, TypeSchema]:
    """Read Zotero's schema document (`/schema`, schema.json) into per-type field sets."""
    out: dict[str, TypeSchema] = {}
    for entry in data.get("itemTypes", ()):
        out[entry["itemType"]] = TypeSchema(
            frozenset(f["field"] for f in entry.get("fields", ())),
            frozenset(c["creatorType"] for c in entry.get("creatorTypes", ())),
        )
    return out


@cache
def item_schema() -> Schema:
    """The shipped schema, read once."""
    shipped = resources.files("papersync.export.zotero").joinpath("schema.json")
    text = shipped.read_text(encoding="utf-8")
    return MappingProxyType(schema_from_json(json.loads(text)))
