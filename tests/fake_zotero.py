"""A Zotero Web API v3 stand-in on 127.0.0.1: enough of the real server to test clients honestly.

It keeps a library version, answers reads with `Total-Results`, `Last-Modified-Version` and
`Link`, validates every written object against an item schema (same layout as Zotero's
`schema.json`), enforces object versions, `If-Unmodified-Since-Version`, write tokens and the
50-object limit, and plays scripted faults (429 with `Retry-After`, 500, before or after the
write lands). Response shapes follow the recorded real responses: `successful`, `success`,
`unchanged`, `failed` with `{key, code, message}`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

KEY = re.compile(r"^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$")
_BASE_FIELDS = {
    "key",
    "version",
    "itemType",
    "creators",
    "tags",
    "collections",
    "relations",
    "dateAdded",
    "dateModified",
    "deleted",
    "inPublications",
}
_STAMP = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class Fault:
    """One scripted failure: the next matching request gets `status` instead of an answer.

    With `after_commit`, a write is carried out first and only the answer is lost, as when a
    connection drops or a proxy times out after the server has committed.
    """

    status: int
    retry_after: str | None = None
    method: str | None = None
    after_commit: bool = False


@dataclass(frozen=True)
class TypeRules:
    fields: frozenset[str]
    creator_types: frozenset[str]


def load_schema(path: Path) -> dict[str, TypeRules]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        t["itemType"]: TypeRules(
            frozenset(f["field"] for f in t.get("fields", ())),
            frozenset(c["creatorType"] for c in t.get("creatorTypes", ())),
        )
        for t in data["itemTypes"]
    }


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FakeZotero:
    """The server's state; start it with `with FakeZotero(schema_path) as server:`."""

    schema_path: Path
    library_id: int = 1234
    api_key: str = "secret"
    version: int = 0
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    faults: deque[Fault] = field(default_factory=deque)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    """Every request as (method, path, status)."""
    objects_written: int = 0
    backoff: str | None = None
    """Sent as `Backoff` on the next successful answer, then cleared."""
    meddle: deque[Callable[[FakeZotero], None]] = field(default_factory=deque)
    """Run one each before the next writes: someone else editing the library meanwhile."""

    def __post_init__(self) -> None:
        self.schema = load_schema(self.schema_path)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._serial = 0

    # lifecycle

    def __enter__(self) -> FakeZotero:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def prefix(self) -> str:
        return f"/users/{self.library_id}"

    # test helpers

    def script(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def add_item(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Put an item in the library as a person would have (validated like any write)."""
        with self._lock:
            self._validate(data, None)
            self.version += 1
            return self._create(dict(data), str(data.get("key") or self._new_key()))

    def edit_item(self, key: str, **fields: Any) -> None:
        """Change an item as the person would in their Zotero: a new version."""
        with self._lock:
            self._validate(fields, self.items[key])
            self.version += 1
            self.items[key] = {**self.items[key], **fields, "version": self.version}

    def add_collection(self, name: str, key: str | None = None) -> str:
        with self._lock:
            self.version += 1
            key = key or self._new_key()
            self.collections[key] = {
                "key": key,
                "version": self.version,
                "name": name,
                "parentCollection": False,
                "relations": {},
            }
            return key

    def top_items(self) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i["itemType"] != "note" and "parentItem" not in i]

    def children(self, key: str) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i.get("parentItem") == key]

    def writes(self) -> int:
        """Write requests the server answered with success (200 or 204)."""
        return sum(1 for m, _, s in self.log if m in ("POST", "PATCH", "PUT") and s in (200, 204))

    # the API

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            fault = self._take_fault(method)
            if fault is not None and not fault.after_commit:
                return self._fault(fault)
            status, out_headers, out = self._route(method, path, query, headers, body)
            if fault is not None:
                return self._fault(fault)
            if status < 300 and self.backoff:
                out_headers["Backoff"] = self.backoff
                self.backoff = None
            return status, out_headers, out

    def _take_fault(self, method: str) -> Fault | None:
        if self.faults and self.faults[0].method in (None, method):
            return self.faults.popleft()
        return None

    def _fault(self, fault: Fault) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "text/plain"}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        text = "Rate limit exceeded" if fault.status == 429 else "An error occurred"
        return fault.status, headers, text.encode()

    def _route(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes]:
        key = headers.get("zotero-api-key") or headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if method == "GET" and path in ("/itemFields", "/items/new"):
            try:
                return self._schema_answer(path, query)
            except _Refused as exc:
                return exc.code, {"Content-Type": "text/plain"}, exc.message.encode()
        if key != self.api_key:
            return 403, {"Content-Type": "text/plain"}, b"Forbidden"
        if method == "GET" and path == "/keys/current":
            access = {"user": {"library": True, "notes": True, "write": True}}
            answer = {
                "key": key,
                "userID": self.library_id,
                "username": "testuser",
                "access": access,
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        if not path.startswith(self.prefix + "/"):
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        parts = path[len(self.prefix) + 1 :].strip("/").split("/")
        try:
            if method == "GET":
                return self._get(parts, query)
            if method == "POST" and parts in (["items"], ["collections"]):
                return self._post(parts[0], headers, json.loads(body or b"null"))
            if method in ("PATCH", "PUT") and len(parts) == 2 and parts[0] == "items":
                return self._patch(method, parts[1], headers, json.loads(body or b"null"))
        except json.JSONDecodeError:
            return 400, {"Content-Type": "text/plain"}, b"Invalid JSON"
        except _Refused as exc:
            return exc.code, {"Content-Type": "text/plain"}, exc.message.encode()
        return 405, {"Content-Type": "text/plain"}, b"Method not allowed"

    # reads

    def _schema_answer(
        self, path: str, query: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """`/itemFields` and `/items/new?itemType=` (the template), both from the schema."""
        if path == "/itemFields":
            names = sorted({f for rules in self.schema.values() for f in rules.fields})
            return self._json(200, [{"field": n, "localized": n} for n in names])
        item_type = query.get("itemType", "")
        if item_type not in self.schema:
            raise _Refused(400, f"Invalid item type '{item_type}'")
        template: dict[str, Any] = {"itemType": item_type}
        if item_type == "note":
            template["note"] = ""
        else:
            template.update(dict.fromkeys(sorted(self.schema[item_type].fields), ""))
            template["creators"] = [{"creatorType": "author", "firstName": "", "lastName": ""}]
        template.update({"tags": [], "collections": [], "relations": {}})
        return self._json(200, template)

    def _get(self, parts: list[str], query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        kind = parts[0]
        if kind == "items" and len(parts) == 2 and parts[1] != "top":
            item = self.items.get(parts[1])
            if item is None:
                return 404, {"Content-Type": "text/plain"}, b"Item not found"
            return self._json(200, self._envelope(item), {"Last-Modified-Version": item["version"]})
        if kind == "items":
            rows = list(self.items.values())
            if parts[1:] == ["top"]:
                rows = self.top_items()
            elif len(parts) == 3 and parts[2] == "children":
                rows = self.children(parts[1])
            if "itemKey" in query:
                wanted = query["itemKey"].split(",")
                if len(wanted) > 50:
                    raise _Refused(400, "Cannot specify more than 50 item keys")
                rows = [r for r in rows if r["key"] in wanted]
            envelopes = [self._envelope(r) for r in rows]
        elif kind == "collections":
            envelopes = [
                {"key": c["key"], "version": c["version"], "data": c, "meta": {}}
                for c in self.collections.values()
            ]
        else:
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        start = int(query.get("start", 0))
        limit = min(int(query.get("limit", 25)), 100)
        page = envelopes[start : start + limit]
        base = f"{self.url}{self.prefix}/{'/'.join(parts)}"
        links = []
        if start + limit < len(envelopes):
            links.append(
                f'<{base}?{urlencode({"start": start + limit, "limit": limit})}>; rel="next"'
            )
        last = max(0, (len(envelopes) - 1) // limit * limit)
        links.append(f'<{base}?{urlencode({"start": last, "limit": limit})}>; rel="last"')
        return self._json(200, page, {"Total-Results": len(envelopes), "Link": ", ".join(links)})

    def _envelope(self, item: Mapping[str, Any]) -> dict[str, Any]:
        href = f"{self.url}{self.prefix}/items/{item['key']}"
        return {
            "key": item["key"],
            "version": item["version"],
            "library": {"type": "user", "id": self.library_id, "name": "fake", "links": {}},
            "links": {"self": {"href": href, "type": "application/json"}},
            "meta": {"numChildren": len(self.children(item["key"]))},
            "data": json.loads(json.dumps(item)),
        }

    def _json(
        self, status: int, payload: Any, extra: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json", "Last-Modified-Version": str(self.version)}
        headers.update({k: str(v) for k, v in (extra or {}).items()})
        return status, headers, json.dumps(payload).encode()

    # writes

    def _preconditions(self, headers: Mapping[str, str]) -> None:
        token = headers.get("zotero-write-token")
        if token is not None and token in self.tokens:
            raise _Refused(412, "Write token already used")
        since = headers.get("if-unmodified-since-version")
        if since is not None and int(since) != self.version:
            raise _Refused(
                412,
                f"Library has been modified since specified version "
                f"(expected {since}, found {self.version})",
            )

    def _post(
        self, kind: str, headers: Mapping[str, str], objects: Any
    ) -> tuple[int, dict[str, str], bytes]:
        if self.meddle:
            self.meddle.popleft()(self)
        self._preconditions(headers)
        if not isinstance(objects, list):
            raise _Refused(400, "Uploaded data must be a JSON array")
        if len(objects) > 50:
            raise _Refused(413, "Only 50 objects can be written in one request")
        if kind == "collections":
            result = self._write_all(objects, self._write_collection)
        else:
            result = self._write_all(objects, self._write_item)
        if "zotero-write-token" in headers:
            self.tokens.add(headers["zotero-write-token"])
        return self._json(200, result)

    def _write_all(self, objects: list[Any], write: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        next_version = self.version + 1
        changed = False
        for index, obj in enumerate(objects):
            at = str(index)
            try:
                if not isinstance(obj, dict):
                    raise _Refused(400, "Object must be a JSON object")
                outcome, stored = write(obj, next_version)
            except _Refused as exc:
                key = obj.get("key") if isinstance(obj, dict) else None
                result["failed"][at] = {"key": key, "code": exc.code, "message": exc.message}
                continue
            if outcome == "unchanged":
                result["unchanged"][at] = stored["key"]
            else:
                changed = True
                self.objects_written += 1
                result["success"][at] = stored["key"]
                result["successful"][at] = {
                    "key": stored["key"],
                    "version": stored["version"],
                    "data": json.loads(json.dumps(stored)),
                }
        if changed:
            self.version = next_version
        return result

    def _write_item(self, obj: dict[str, Any], version: int) -> tuple[str, dict[str, Any]]:
        key = obj.get("key")
        current = self.items.get(key) if isinstance(key, str) else None
        if current is None:
            if obj.get("version", 0) not in (0, None):
                raise _Refused(404, f"Item {key} doesn't exist")
            self._validate(obj, None)
            new_key = key if isinstance(key, str) else self._new_key()
            return "created", self._create(obj, new_key, version)
        if "version" not in obj:
            raise _Refused(
                428,
                "Either If-Unmodified-Since-Version or object version property "
                "must be provided for key-based writes",
            )
        if obj["version"] != current["version"]:
            raise _Refused(
                412,
                f"Item has been modified since specified version "
                f"(expected {obj['version']}, found {current['version']})",
            )
        self._validate(obj, current)
        merged = {**current, **{k: v for k, v in obj.items() if k not in ("key", "version")}}
        if merged == current:
            return "unchanged", current
        merged["version"] = version
        merged["dateModified"] = _STAMP
        self.items[current["key"]] = merged
        return "updated", merged

    def _create(self, obj: dict[str, Any], key: str, version: int | None = None) -> dict[str, Any]:
        if not KEY.match(key):
            raise _Refused(400, f"'{key}' is not a valid item key")
        item_type = obj["itemType"]
        rules = self.schema[item_type]
        item: dict[str, Any] = {
            "key": key,
            "version": version or self.version,
            "itemType": item_type,
        }
        if item_type == "note":
            item["note"] = ""
        else:
            item.update(dict.fromkeys(sorted(rules.fields), ""))
            item["creators"] = []
        item.update({"tags": [], "collections": [], "relations": {}})
        item.update({k: v for k, v in obj.items() if k not in ("key", "version")})
        item["dateAdded"] = item["dateModified"] = _STAMP
        self.items[key] = item
        return item

    def _validate(self, obj: Mapping[str, Any], current: Mapping[str, Any] | None) -> None:
        item_type = obj.get("itemType") or (current or {}).get("itemType")
        if item_type not in self.schema:
            raise _Refused(400, f"'{item_type}' is not a valid itemType")
        if current is not None and obj.get("itemType", item_type) != current["itemType"]:
            rules_type = obj["itemType"]
            if rules_type not in self.schema:
                raise _Refused(400, f"'{rules_type}' is not a valid itemType")
        rules = self.schema[item_type]
        allowed = _BASE_FIELDS | rules.fields | {"parentItem"}
        if item_type == "note":
            allowed = _BASE_FIELDS | {"note", "parentItem"}
        for name in obj:
            if name not in allowed:
                raise _Refused(400, f"'{name}' is not a valid field for type '{item_type}'")
        for person in obj.get("creators") or []:
            kind = person.get("creatorType")
            if kind not in rules.creator_types:
                raise _Refused(
                    400, f"'{kind}' is not a valid creator type for item type '{item_type}'"
                )
            if not (person.get("name") or person.get("lastName") or person.get("firstName")):
                raise _Refused(400, "Creator must have a name")
        for tag in obj.get("tags") or []:
            if not isinstance(tag, dict) or not isinstance(tag.get("tag"), str) or not tag["tag"]:
                raise _Refused(400, "Tag must be an object with a non-empty 'tag'")
        for collection in obj.get("collections") or []:
            if collection not in self.collections:
                raise _Refused(409, f"Collection {collection} doesn't exist")
        parent = obj.get("parentItem")
        if parent and parent not in self.items:
            raise _Refused(409, f"Parent item {parent} doesn't exist")

    def _write_collection(self, obj: dict[str, Any], version: int) -> tuple[str, dict[str, Any]]:
        if not obj.get("name"):
            raise _Refused(400, "Collection name cannot be empty")
        key = obj.get("key")
        current = self.collections.get(key) if isinstance(key, str) else None
        if current is not None:
            if obj.get("version") != current["version"]:
                raise _Refused(
                    412,
                    f"Collection has been modified since specified version "
                    f"(expected {obj.get('version')}, found {current['version']})",
                )
            if current["name"] == obj["name"]:
                return "unchanged", current
            current.update(name=obj["name"], version=version)
            return "updated", current
        key = key if isinstance(key, str) else self._new_key()
        if not KEY.match(key):
            raise _Refused(400, f"'{key}' is not a valid collection key")
        stored = {
            "key": key,
            "version": version,
            "name": obj["name"],
            "parentCollection": obj.get("parentCollection") or False,
            "relations": {},
        }
        self.collections[key] = stored
        return "created", stored

    def _patch(
        self, method: str, key: str, headers: Mapping[str, str], obj: Any
    ) -> tuple[int, dict[str, str], bytes]:
        current = self.items.get(key)
        if current is None:
            raise _Refused(404, "Item not found")
        if not isinstance(obj, dict):
            raise _Refused(400, "Uploaded data must be a JSON object")
        expected = headers.get("if-unmodified-since-version", obj.get("version"))
        if expected is None:
            raise _Refused(428, "If-Unmodified-Since-Version not provided")
        if int(expected) != current["version"]:
            raise _Refused(
                412,
                f"Item has been modified since specified version "
                f"(expected {expected}, found {current['version']})",
            )
        self._validate(obj, current)
        fields = {k: v for k, v in obj.items() if k not in ("key", "version")}
        base = current if method == "PATCH" else {"key": key, "itemType": current["itemType"]}
        updated = {**base, **fields}
        if updated != current:
            self.version += 1
            updated["version"] = self.version
            self.items[key] = updated
            self.objects_written += 1
        return 204, {"Last-Modified-Version": str(self.version)}, b""

    def _new_key(self) -> str:
        alphabet = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
        while True:
            self._serial += 1
            number, chars = self._serial * 7919 + 104729, []
            for _ in range(8):
                number, rest = divmod(number, len(alphabet))
                chars.append(alphabet[rest])
            key = "".join(chars)
            if key not in self.items and key not in self.collections:
                return key


class _Handler(BaseHTTPRequestHandler):
    fake: FakeZotero
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body as one reply, not two 40 ms-apart packets

    def _serve(self) -> None:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, out = self.fake.handle(self.command, split.path, query, headers, body)
        with self.fake._lock:
            self.fake.log.append((self.command, split.path, status))
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PATCH = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test log keeps what matters."""
