"""The handful of Zotero Web API v3 calls papersync makes, through the run's one HTTP layer.

`sources/http.py` does the timeouts, retries, backoff and `Retry-After` for Zotero as for every
other service; this module adds what is Zotero's own: the key header, paging by
`Total-Results`, the `Backoff` header, write tokens and the multi-object write answer.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from papersync.errors import ConfigError, SourceError, ZoteroError
from papersync.export.zotero.items import Item
from papersync.sources.http import Http, Response

MAX_BATCH = 50
"""The Web API refuses more than 50 objects in one write (and 50 keys in one read)."""
PAGE = 100
"""The Web API's largest page for reads."""
KEY_SETTING = "export.zotero.api_key (or ZOTERO_API_KEY)"
_KEY_SHAPE = re.compile(r"[!-~]+")
"""Visible ASCII only: anything else cannot be sent in a header."""
_REFUSED = {401: "check the API key", 403: "check the API key", 404: "check the library id"}


def clean_api_key(value: str | None) -> str | None:
    """The key without surrounding whitespace (a CRLF `.env` leaves a `\\r`).

    A key with whitespace or control characters inside is a config error, said without the key.
    """
    if value is None:
        return None
    key = value.strip()
    if key and not _KEY_SHAPE.fullmatch(key):
        raise ConfigError(
            f"{KEY_SETTING}: malformed API key (whitespace or control characters inside); "
            "copy it again from zotero.org/settings/keys"
        )
    return key or None


@dataclass(frozen=True)
class WriteResult:
    """Per-object outcome of one multi-object write, by position in the batch."""

    versions: Mapping[int, int]
    """Written or unchanged objects and their version afterwards (-1: unchanged)."""
    conflicts: frozenset[int]
    """Objects refused with 412 (changed meanwhile, or already created): re-read and retry."""
    failures: Mapping[int, str]
    replayed: bool = False
    """The whole write was refused as a repeat (its write token was used): a retry after a lost
    answer, so an earlier attempt landed and every object in it was written."""


class ZoteroApi:
    """Reads and writes one library; every request goes through `http`, which must not cache.

    A write keeps one write token across the HTTP layer's retries, so a retry after a lost
    answer whose write landed gets 412 instead of writing twice.
    """

    def __init__(
        self,
        http: Http,
        url: str,
        library: str,
        api_key: str | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = url.rstrip("/")
        http.pace(base, 0.0)  # Zotero paces clients itself, with Backoff and Retry-After
        self.http = http
        self.prefix = f"{base}/{library}"
        self.headers = {"Zotero-API-Version": "3"}
        if api_key:
            self.headers["Zotero-API-Key"] = api_key
        self.sleep = sleep
        self.clock = clock
        self._resume_at = 0.0

    def top_items(self) -> list[Item]:
        return self._pages("items/top", "reading the library")

    def collections(self) -> list[Item]:
        return self._pages("collections", "reading collections")

    def children(self, key: str) -> list[Item]:
        return self._pages(f"items/{key}/children", "reading an item's notes")

    def items_by_key(self, keys: Sequence[str]) -> dict[str, Item]:
        """Current data of the given items (missing ones absent), 50 keys per request."""
        found: dict[str, Item] = {}
        for i in range(0, len(keys), MAX_BATCH):
            params: dict[str, str | int] = {
                "itemKey": ",".join(keys[i : i + MAX_BATCH]),
                "limit": MAX_BATCH,
            }
            for data in _entries(self._get("items", params, "reading items"), "reading items"):
                found[str(data["key"])] = data
        return found

    def write(self, kind: str, objects: Sequence[Item]) -> WriteResult:
        """POST up to 50 objects; what the server did with each, by position.

        A 412 for the whole request after a retry means an earlier attempt landed: every object
        is then reported as a conflict, to be re-read rather than written again.
        """
        if len(objects) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} objects per write, got {len(objects)}")
        everything = frozenset(range(len(objects)))
        headers = {**self.headers, "Zotero-Write-Token": uuid.uuid4().hex}
        self._wait()
        try:
            response = self.http.post(
                f"{self.prefix}/{kind}",
                json_body=list(objects),
                headers=headers,
                accept=(200, 412, *_REFUSED),
            )
        except SourceError as exc:
            return WriteResult({}, frozenset(), dict.fromkeys(everything, str(exc)))
        self._note_backoff(response)
        if response.status in _REFUSED:
            raise ZoteroError(
                f"Zotero refused the write (HTTP {response.status}): {_REFUSED[response.status]}"
            )
        if response.status == 412:
            return WriteResult({}, everything, {}, replayed=True)
        try:
            body = response.json()
            return write_result(body, response.headers.get("Last-Modified-Version"))
        except (SourceError, ValueError, TypeError, AttributeError):
            reason = f"HTTP {response.status} without a readable JSON answer"
            return WriteResult({}, frozenset(), dict.fromkeys(everything, reason))

    def _pages(self, path: str, what: str) -> list[Item]:
        """Every entry of a listing, page by page (each page retried on its own)."""
        out: list[Item] = []
        while True:
            response = self._get(path, {"start": len(out), "limit": PAGE}, what)
            page = _entries(response, what)
            out.extend(page)
            total = response.headers.get("Total-Results", "")
            done = len(out) >= int(total) if total.isdigit() else len(page) < PAGE
            if done or not page:
                return out

    def _get(self, path: str, params: Mapping[str, str | int], what: str) -> Response:
        self._wait()
        try:
            response = self.http.get(
                f"{self.prefix}/{path}",
                params=params,
                headers=self.headers,
                accept=(200, *_REFUSED),
            )
        except SourceError as exc:
            raise ZoteroError(f"Zotero: {what} failed: {exc}") from exc
        self._note_backoff(response)
        if response.status in _REFUSED:
            raise ZoteroError(
                f"Zotero refused {what} (HTTP {response.status}): {_REFUSED[response.status]}"
            )
        return response

    def _note_backoff(self, response: Response) -> None:
        """Zotero's `Backoff: <seconds>` on any answer asks for a pause before the next request."""
        told = response.headers.get("Backoff", "")
        try:
            seconds = min(float(told), 60.0) if told else 0.0
        except ValueError:
            return
        if seconds > 0:
            self._resume_at = max(self._resume_at, self.clock() + seconds)

    def _wait(self) -> None:
        remaining = self._resume_at - self.clock()
        if remaining > 0:
            self.sleep(remaining)


def _entries(response: Response, what: str) -> list[Item]:
    """The `data` of each object in a listing; a body of another shape is a ZoteroError."""
    try:
        return [dict(entry["data"]) for entry in response.json()]
    except (SourceError, KeyError, TypeError, ValueError) as exc:
        raise ZoteroError(f"Zotero: {what}: an answer that is not a list of objects") from exc


def write_result(body: Mapping[str, Any], library_version: str | None) -> WriteResult:
    """Read the multi-object write answer (`successful`/`success`/`unchanged`/`failed`)."""
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
