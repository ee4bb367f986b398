"""A real HTTP server on 127.0.0.1 that answers like arXiv, Semantic Scholar and Crossref.

Paths and payload shapes follow the live services (arXiv `/api/query` Atom feed, Semantic Scholar
Graph v1 `/graph/v1/paper/search/match`, `/graph/v1/paper/search` and `/graph/v1/paper/batch`,
Crossref `/works/{doi}` and `/works?query.bibliographic=`), built from the small `Record`s a
test hands it. It records every request with its arrival time, can enforce a service's rate
limit, and can be scripted to fail.
DBLP's publication search (`/search/publ/api?format=json`) answers for records with a DBLP key.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from rapidfuzz import fuzz, process

ARXIV = "/api/query"
S2 = "/graph/v1"
CROSSREF = "/works"
DBLP = "/search/publ/api"

_ATOM = "http://www.w3.org/2005/Atom"
_ARXIV_NS = "http://arxiv.org/schemas/atom"
_OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
ET.register_namespace("", _ATOM)
ET.register_namespace("arxiv", _ARXIV_NS)
ET.register_namespace("opensearch", _OPENSEARCH)

_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
_OLD_ID = re.compile(r"^[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")


@dataclass(frozen=True)
class Record:
    """One paper as the fake services know it; each service shows the parts it really has."""

    title: str
    arxiv: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    date: str | None = None
    abstract: str = ""
    venue: str | None = None
    venue_type: str | None = None
    """Semantic Scholar's `publicationVenue.type`: `journal` or `conference`."""
    publication_types: tuple[str, ...] = ()
    crossref_type: str = "journal-article"
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    primary_class: str = "cs.LG"
    journal_ref: str | None = None
    dblp: str | None = None
    """DBLP's record key (`conf/cvpr/HeZRS16`): only records with one are in DBLP's search."""
    dblp_type: str = "Conference and Workshop Papers"
    relations: tuple[tuple[str, str, str], ...] = ()
    """Crossref's `relation`s as (relation, id-type, id): `("has-preprint", "arxiv", "1512.03385")`
    for a published record whose preprint is on arXiv."""

    @property
    def paper_id(self) -> str:
        return hashlib.sha1(self.title.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fault:
    """A scripted answer: a status (with headers/body), a raw body, or a delay before answering."""

    status: int | None = None
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@dataclass(frozen=True)
class Hit:
    time: float
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class _Limit:
    interval: float
    status: int
    last: float | None = None
    violations: int = 0


@dataclass
class FakeServices:
    """State shared with the handler threads: records, scripted faults, limits and the log."""

    records: Sequence[Record] = ()
    hits: list[Hit] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    limits: dict[str, _Limit] = field(default_factory=dict)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, prefix: str, *faults: Fault) -> None:
        """The next requests under `prefix` get these answers, in order, then normal ones."""
        with self.lock:
            self.faults.setdefault(prefix, []).extend(faults)

    def limit(self, prefix: str, interval: float, status: int = 429) -> None:
        """Answer `status` with Retry-After to any request sooner than `interval` after the last."""
        with self.lock:
            self.limits[prefix] = _Limit(interval, status)

    def violations(self, prefix: str) -> int:
        return self.limits[prefix].violations

    def requests(self, prefix: str = "") -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path.startswith(prefix)]

    def gaps(self, prefix: str) -> list[float]:
        """Seconds between consecutive arrivals under `prefix`."""
        times = [hit.time for hit in self.requests(prefix)]
        return [b - a for a, b in itertools.pairwise(times)]


@contextmanager
def serve(records: Iterable[Record] = ()) -> Iterator[FakeServices]:
    """Run the fake services on a free port of 127.0.0.1 for the duration of the block."""
    state = FakeServices(records=tuple(records))
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    state: FakeServices
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `state.hits` instead."""

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        now = time.monotonic()
        state = self.state
        with state.lock:
            fault = next(
                (
                    state.faults[p].pop(0)
                    for p in state.faults
                    if parts.path.startswith(p) and state.faults[p]
                ),
                None,
            )
            limited = self._over_limit(parts.path, now)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if limited is not None:
            status, headers, payload, kind = limited
        elif fault is not None and (fault.status is not None or fault.body is not None):
            status = fault.status or 200
            headers = dict(fault.headers)
            payload = fault.body if fault.body is not None else b'{"message": "scripted"}'
            kind = "application/json"
        else:
            status, payload, kind = _route(state.records, self.command, parts.path, query, body)
            headers = {}
        with state.lock:
            state.hits.append(
                Hit(now, self.command, parts.path, query, dict(self.headers.items()), body, status)
            )
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def _over_limit(self, path: str, now: float) -> tuple[int, dict[str, str], bytes, str] | None:
        for prefix, limit in self.state.limits.items():
            if not path.startswith(prefix):
                continue
            last, limit.last = limit.last, now
            if last is not None and now - last < limit.interval:
                limit.violations += 1
                wait = str(max(1, round(limit.interval)))
                body = b'{"message": "Too Many Requests. Please wait and try again."}'
                return limit.status, {"Retry-After": wait}, body, "application/json"
        return None


def _route(
    records: Sequence[Record], method: str, path: str, query: dict[str, list[str]], body: bytes
) -> tuple[int, bytes, str]:
    if path == ARXIV:
        return _arxiv(records, query)
    if path == f"{S2}/paper/search/match":
        return _s2_match(records, query)
    if path == f"{S2}/paper/search":
        return _s2_search(records, query)
    if path == f"{S2}/paper/batch" and method == "POST":
        return _s2_batch(records, query, body)
    if path == CROSSREF:
        return _crossref_query(records, query)
    if path == DBLP:
        return _dblp_search(records, query)
    if path.startswith(CROSSREF + "/"):
        return _crossref_work(records, unquote(path[len(CROSSREF) + 1 :]))
    return 404, b'{"message": "Not Found"}', "application/json"


# --- arXiv -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _token_tuple(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.casefold()))


def _tokens(text: str) -> list[str]:
    return list(_token_tuple(text))


@functools.lru_cache(maxsize=65536)
def _padded(title: str) -> str:
    """The title's words between spaces, so a phrase matches whole words only."""
    return f" {' '.join(_token_tuple(title))} "


_CHOICES: dict[int, tuple[Sequence[Record], list[str]]] = {}


def _choices(records: Sequence[Record]) -> list[str]:
    """Every record's title as the title matcher compares them, built once per record list."""
    known = _CHOICES.get(id(records))
    if known is None or known[0] is not records:
        known = _CHOICES[id(records)] = (
            records,
            [" ".join(_token_tuple(r.title)) for r in records],
        )
    return known[1]


def _clauses(search_query: str) -> list[list[str]]:
    """`ti:"a b" OR (ti:c AND ti:d)` → [[" a b "], [" c ", " d "]]: OR of ANDs of phrases,
    each phrase padded as `_padded` pads titles."""
    clauses = []
    for clause in re.split(r"\s+OR\s+", search_query.strip()):
        terms = re.findall(r'ti:(?:"([^"]*)"|([^\s()"]+))', clause)
        phrases = [_tokens(quoted or bare) for quoted, bare in terms]
        if phrases and all(phrases):
            clauses.append([f" {' '.join(phrase)} " for phrase in phrases])
    return clauses


def _arxiv(records: Sequence[Record], query: dict[str, list[str]]) -> tuple[int, bytes, str]:
    start = int(query.get("start", ["0"])[0] or 0)
    size = int(query.get("max_results", ["10"])[0] or 10)
    ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
    on_arxiv = [r for r in records if r.arxiv]
    if ids:
        bad = [i for i in ids if not (_NEW_ID.match(i) or _OLD_ID.match(i))]
        if bad:
            return 400, _arxiv_error(f"incorrect id format for {bad[0]}"), "application/atom+xml"
        wanted = [re.sub(r"v\d+$", "", i) for i in ids]
        found = [r for w in wanted for r in on_arxiv if r.arxiv == w]
    else:
        clauses = _clauses(query.get("search_query", [""])[0])
        scored = []
        for record in on_arxiv:
            padded = _padded(record.title)
            hits = sum(all(p in padded for p in clause) for clause in clauses)
            if hits:
                scored.append((-hits, len(_token_tuple(record.title)), record.title, record))
        found = [r for *_, r in sorted(scored, key=lambda s: s[:3])]
    page = found[start : start + size]
    return 200, _feed(page, len(found), start, size), "application/atom+xml; charset=utf-8"


def _feed(records: Sequence[Record], total: int, start: int, size: int) -> bytes:
    feed = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(feed, f"{{{_ATOM}}}id").text = "https://arxiv.org/api/fake"
    ET.SubElement(feed, f"{{{_ATOM}}}title").text = "arXiv Query"
    ET.SubElement(feed, f"{{{_ATOM}}}updated").text = "2026-04-12T22:09:36Z"
    ET.SubElement(feed, f"{{{_OPENSEARCH}}}itemsPerPage").text = str(size)
    ET.SubElement(feed, f"{{{_OPENSEARCH}}}totalResults").text = str(total)
    ET.SubElement(feed, f"{{{_OPENSEARCH}}}startIndex").text = str(start)
    for record in records:
        stamp = f"{record.date or _submitted(record)}T17:59:46Z"
        entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
        ET.SubElement(entry, f"{{{_ATOM}}}id").text = f"http://arxiv.org/abs/{record.arxiv}v1"
        ET.SubElement(entry, f"{{{_ATOM}}}title").text = record.title
        ET.SubElement(entry, f"{{{_ATOM}}}updated").text = stamp
        ET.SubElement(
            entry,
            f"{{{_ATOM}}}link",
            href=f"https://arxiv.org/abs/{record.arxiv}v1",
            rel="alternate",
            type="text/html",
        )
        ET.SubElement(
            entry,
            f"{{{_ATOM}}}link",
            href=f"https://arxiv.org/pdf/{record.arxiv}v1",
            rel="related",
            type="application/pdf",
            title="pdf",
        )
        ET.SubElement(entry, f"{{{_ATOM}}}summary").text = record.abstract
        ET.SubElement(
            entry,
            f"{{{_ATOM}}}category",
            term=record.primary_class,
            scheme="http://arxiv.org/schemas/atom",
        )
        ET.SubElement(entry, f"{{{_ATOM}}}published").text = stamp
        if record.journal_ref:
            ET.SubElement(entry, f"{{{_ARXIV_NS}}}journal_ref").text = record.journal_ref
        if record.doi:
            ET.SubElement(entry, f"{{{_ARXIV_NS}}}doi").text = record.doi
        ET.SubElement(entry, f"{{{_ARXIV_NS}}}primary_category", term=record.primary_class)
        for name in record.authors:
            ET.SubElement(
                ET.SubElement(entry, f"{{{_ATOM}}}author"), f"{{{_ATOM}}}name"
            ).text = name
    return bytes(ET.tostring(feed, encoding="UTF-8", xml_declaration=True))


def _submitted(record: Record) -> str:
    """The first day of the month a new-style id encodes, as arXiv's `<published>` would agree."""
    new_style = re.match(r"(\d\d)(\d\d)\.", record.arxiv or "")
    if new_style:
        return f"20{new_style[1]}-{new_style[2]}-01"
    return f"{record.year or 2000}-01-01"


def _arxiv_error(message: str) -> bytes:
    """The feed arXiv sends with HTTP 400: one entry titled `Error` and no `<published>`."""
    feed = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(feed, f"{{{_ATOM}}}id").text = "https://arxiv.org/"
    ET.SubElement(feed, f"{{{_ATOM}}}title").text = "arXiv Search Results"
    ET.SubElement(feed, f"{{{_OPENSEARCH}}}totalResults").text = "1"
    entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
    ET.SubElement(entry, f"{{{_ATOM}}}id").text = "https://arxiv.org/api/errors#error"
    ET.SubElement(entry, f"{{{_ATOM}}}title").text = "Error"
    ET.SubElement(entry, f"{{{_ATOM}}}summary").text = message
    return bytes(ET.tostring(feed, encoding="UTF-8", xml_declaration=True))


# --- Semantic Scholar --------------------------------------------------------------------------


def _s2_paper(record: Record, fields: Sequence[str]) -> dict[str, Any]:
    external: dict[str, Any] = {"CorpusId": int(record.paper_id[:6], 16)}
    if record.arxiv:
        external["ArXiv"] = record.arxiv
        external.setdefault("DOI", f"10.48550/arXiv.{record.arxiv}")
    if record.doi:
        external["DOI"] = record.doi
    if record.dblp:
        external["DBLP"] = record.dblp
    venue_name = record.venue or ("arXiv.org" if record.arxiv else "")
    full: dict[str, Any] = {
        "paperId": record.paper_id,
        "externalIds": external,
        "title": record.title,
        "abstract": record.abstract or None,
        "venue": venue_name,
        "publicationVenue": (
            {"id": "0" * 8, "name": venue_name, "type": record.venue_type}
            if record.venue_type or record.arxiv
            else None
        ),
        "year": record.year,
        "publicationTypes": list(record.publication_types) or None,
        "publicationDate": record.date,
        "journal": (
            {"name": record.venue, "volume": record.volume, "pages": record.pages}
            if record.venue and record.venue_type == "journal"
            else ({"name": "ArXiv", "volume": f"abs/{record.arxiv}"} if record.arxiv else None)
        ),
        "authors": [
            {"authorId": str(i + 1000), "name": name} for i, name in enumerate(record.authors)
        ],
    }
    return {"paperId": record.paper_id, **{f: full[f] for f in fields if f in full}}


def _fields(query: dict[str, list[str]]) -> list[str]:
    raw = query.get("fields", ["title"])[0]
    return [f for f in raw.split(",") if f]


def _s2_match(records: Sequence[Record], query: dict[str, list[str]]) -> tuple[int, bytes, str]:
    wanted = " ".join(_tokens(query.get("query", [""])[0]))
    best = process.extractOne(
        wanted,
        _choices(records),
        scorer=fuzz.WRatio,
        score_cutoff=70,
    )
    if best is None:
        return 404, b'{"error":"Title match not found"}', "application/json"
    score, index = best[1], best[2]
    paper = _s2_paper(records[index], _fields(query))
    paper["matchScore"] = round(score * 1.7, 5)
    return 200, json.dumps({"data": [paper]}).encode(), "application/json"


def _s2_search(records: Sequence[Record], query: dict[str, list[str]]) -> tuple[int, bytes, str]:
    """Relevance search: records whose title or abstract has every query word, title hits first;
    like the live service it leaves `data` out when nothing is found."""
    wanted = set(_tokens(query.get("query", [""])[0]))
    limit = int(query.get("limit", ["100"])[0])
    hits = [
        (not wanted <= set(_tokens(r.title)), index)
        for index, r in enumerate(records)
        if wanted and wanted <= set(_tokens(f"{r.title} {r.abstract}"))
    ]
    found = [records[index] for _, index in sorted(hits)]
    payload: dict[str, Any] = {"total": len(found), "offset": 0}
    if found:
        payload["data"] = [_s2_paper(r, _fields(query)) for r in found[:limit]]
    if len(found) > limit:
        payload["next"] = limit
    return 200, json.dumps(payload).encode(), "application/json"


def _s2_lookup(records: Sequence[Record], paper_id: str) -> Record | None:
    kind, _, value = paper_id.partition(":")
    for record in records:
        if (
            (kind.upper() == "ARXIV" and record.arxiv == value)
            or (kind.upper() == "DOI" and record.doi and record.doi.lower() == value.lower())
            or (not value and record.paper_id == paper_id)
        ):
            return record
    return None


def _s2_batch(
    records: Sequence[Record], query: dict[str, list[str]], body: bytes
) -> tuple[int, bytes, str]:
    try:
        ids = json.loads(body)["ids"]
    except (ValueError, KeyError, TypeError):
        return 400, b'{"error":"Unacceptable request body"}', "application/json"
    if len(ids) > 500:
        return 400, b'{"error":"-- Too many ids. Maximum is 500"}', "application/json"
    fields = _fields(query)
    papers = [_s2_lookup(records, str(i)) for i in ids]
    payload = [None if r is None else _s2_paper(r, fields) for r in papers]
    return 200, json.dumps(payload).encode(), "application/json"


# --- Crossref ----------------------------------------------------------------------------------


def _crossref_item(record: Record, score: float | None = None) -> dict[str, Any]:
    parts = [int(p) for p in (record.date or str(record.year or "")).split("-") if p]
    item: dict[str, Any] = {
        "DOI": record.doi,
        "type": record.crossref_type,
        "title": [record.title],
        "author": [
            {
                "given": " ".join(n.split()[:-1]),
                "family": n.split()[-1],
                "sequence": "additional",
                "affiliation": [],
            }
            if not n.startswith("=")
            else {"name": n[1:], "sequence": "additional", "affiliation": []}
            for n in record.authors
        ],
        "container-title": [record.venue] if record.venue else [],
        "issued": {"date-parts": [parts]},
        "publisher": record.publisher or "Fake Publisher",
        "URL": f"https://doi.org/{record.doi}",
    }
    if record.abstract:
        item["abstract"] = f"<jats:title>Abstract</jats:title><jats:p>{record.abstract}</jats:p>"
    for key, value in (("volume", record.volume), ("issue", record.issue), ("page", record.pages)):
        if value:
            item[key] = value
    if record.relations:
        item["relation"] = {}
        for relation, id_type, value in record.relations:
            item["relation"].setdefault(relation, []).append(
                {"id-type": id_type, "id": value, "asserted-by": "subject"}
            )
    if score is not None:
        item["score"] = score
    return item


def _crossref_work(records: Sequence[Record], doi: str) -> tuple[int, bytes, str]:
    for record in records:
        if record.doi and record.doi.lower() == doi.lower():
            payload = {
                "status": "ok",
                "message-type": "work",
                "message-version": "1.0.0",
                "message": _crossref_item(record),
            }
            return 200, json.dumps(payload).encode(), "application/json"
    return 404, b"Resource not found.", "text/plain"


def _crossref_query(
    records: Sequence[Record], query: dict[str, list[str]]
) -> tuple[int, bytes, str]:
    wanted = " ".join(_tokens(query.get("query.bibliographic", [""])[0]))
    rows = int(query.get("rows", ["20"])[0])
    scored = sorted(
        ((fuzz.token_set_ratio(wanted, " ".join(_tokens(r.title))), r) for r in records if r.doi),
        key=lambda pair: -pair[0],
    )
    items = [_crossref_item(r, round(s / 2, 3)) for s, r in scored if s > 40][:rows]
    payload = {
        "status": "ok",
        "message-type": "work-list",
        "message-version": "1.0.0",
        "message": {
            "facets": {},
            "total-results": len(items),
            "items": items,
            "items-per-page": rows,
            "query": {"start-index": 0, "search-terms": None},
        },
    }
    return 200, json.dumps(payload).encode(), "application/json"


# --- DBLP --------------------------------------------------------------------------------------


def _dblp_info(record: Record) -> dict[str, Any]:
    """A hit's `info` as DBLP writes it: a full stop ends the title; one author is not a list."""
    people = [{"@pid": f"{n}/1", "text": name} for n, name in enumerate(record.authors)]
    info: dict[str, Any] = {
        "authors": {"author": people[0] if len(people) == 1 else people},
        "title": record.title.rstrip(".") + ".",
        "venue": record.venue or "CoRR",
        "year": str(record.year or ""),
        "type": record.dblp_type,
        "key": record.dblp,
        "url": f"https://dblp.org/rec/{record.dblp}",
    }
    if record.pages:
        info["pages"] = record.pages.replace("--", "-")
    if record.doi:
        info["doi"] = record.doi.upper()
        info["ee"] = f"https://doi.org/{record.doi}"
    if record.arxiv:
        info["ee"] = [
            *([info["ee"]] if "ee" in info else []),
            f"https://arxiv.org/abs/{record.arxiv}",
        ]
    return info


def _dblp_search(records: Sequence[Record], query: dict[str, list[str]]) -> tuple[int, bytes, str]:
    """Every word of `q` must begin a word of the title, as in DBLP's own search."""
    words = _tokens(query.get("q", [""])[0])
    wanted = int(query.get("h", ["30"])[0])
    found = [
        r
        for r in records
        if r.dblp and words and all(any(t.startswith(w) for t in _tokens(r.title)) for w in words)
    ]
    hits: dict[str, Any] = {
        "@total": str(len(found)),
        "@computed": str(len(found)),
        "@sent": str(min(len(found), wanted)),
        "@first": "0",
    }
    if found:
        hits["hit"] = [
            {"@score": "6", "@id": str(n), "info": _dblp_info(r), "url": f"URL#{n}"}
            for n, r in enumerate(found[:wanted])
        ]
    payload = {
        "result": {
            "query": " ".join(words) + "*",
            "status": {"@code": "200", "text": "OK"},
            "time": {"@unit": "msecs", "text": "1.00"},
            "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
            "hits": hits,
        }
    }
    return 200, json.dumps(payload).encode(), "application/json"
