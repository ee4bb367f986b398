"""The one HTTP layer every online source goes through: timeouts, pacing, retries, a response cache.

Built once per run. Politeness lives here, not in each source: a source registers its service's
base URL with a minimum interval, and every request to that service waits its turn.

Errors, all subclasses of `SourceError` (its message is one line, never containing a secret):

    SourceError
    ├── Unreachable        connection refused, DNS failure, timeouts, after the retries
    ├── RateLimited        429 (or 503) after the retries, or a Retry-After longer than we wait
    ├── ServiceError       any other unexpected status (5xx after the retries, 4xx at once)
    └── MalformedResponse  a body the caller could not read (truncated feed, broken JSON)
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from papersync import __version__
from papersync.errors import SourceError

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]

RETRYABLE = frozenset({429, 500, 502, 503, 504})
_BREAKER_LIMIT = 3
"""Consecutive given-up requests after which a service is treated as down for the run."""


class Unreachable(SourceError):
    pass


class RateLimited(SourceError):
    pass


class ServiceError(SourceError):
    pass


class MalformedResponse(SourceError):
    pass


@dataclass(frozen=True)
class Response:
    """A response as the sources see it: status and bytes, whether fresh or from the cache."""

    status: int
    body: bytes
    url: str
    cached: bool = False

    def json(self) -> Any:
        """The body as JSON; a broken body is a `MalformedResponse`, not a crash."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(f"malformed JSON from {self.url}: {exc}") from exc


Validator = Callable[[Response], None]
"""Raises `MalformedResponse` for a body that must not be cached or used."""


@dataclass(frozen=True)
class Policy:
    """How hard to try: timeouts in seconds, retry bound, backoff base and the longest wait."""

    connect_timeout: float = 3.05
    read_timeout: float = 30.0
    retries: int = 4
    unreachable_retries: int = 1
    """Fewer tries when the service cannot be reached at all: no network should cost seconds."""
    backoff: float = 1.0
    max_wait: float = 60.0
    """A Retry-After longer than this ends the request at once instead of stalling the run."""


@dataclass
class _Service:
    base: str
    interval: float
    last: float | None = None
    failures: int = 0
    down: str | None = None
    """Why the service was given up on for the rest of the run, once it has been."""


@dataclass
class Stats:
    """What the run did, per service base URL: requests sent and cache hits."""

    requests: Counter[str] = field(default_factory=Counter)
    cache_hits: Counter[str] = field(default_factory=Counter)


def user_agent(contact: str | None) -> str:
    """`papersync/<version> (mailto:<email>)`, the form Crossref's polite pool asks for."""
    base = f"papersync/{__version__}"
    return f"{base} (mailto:{contact})" if contact else base


def cache_key(method: str, url: str, params: Params | None, body: Any) -> str:
    """The identity of a request: method, URL, sorted params and body — never headers (keys)."""
    material = json.dumps(
        [method.upper(), url, sorted((k, str(v)) for k, v in (params or {}).items()), body],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a `Retry-After` header asks for: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class ResponseCache:
    """SQLite store of responses; disposable, so a corrupt file is rebuilt rather than fatal."""

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS responses ("
        "key TEXT PRIMARY KEY, url TEXT NOT NULL, status INTEGER NOT NULL, "
        "body BLOB NOT NULL, fetched REAL NOT NULL)"
    )

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            log.warning("response cache %s is unreadable (%s); rebuilding it", self.path, exc)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(self._SCHEMA)
            db.execute("SELECT count(*) FROM responses").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get(self, key: str) -> tuple[int, bytes, str] | None:
        try:
            row = self._db.execute(
                "SELECT status, body, url FROM responses WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            log.warning("response cache read failed (%s); rebuilding it", exc)
            self._rebuild()
            return None
        return None if row is None else (int(row[0]), bytes(row[1]), str(row[2]))

    def put(self, key: str, url: str, status: int, body: bytes) -> None:
        """Stored and committed at once, so Ctrl-C keeps every answer already received."""
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                (key, url, status, body, time.time()),
            )
        except sqlite3.DatabaseError as exc:
            log.warning("response cache write failed (%s); rebuilding it", exc)
            self._rebuild()

    def _rebuild(self) -> None:
        self._db.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._db = self._connect()

    def close(self) -> None:
        self._db.close()


class Http:
    """One session per run: every request paced per service, retried within bounds, cached."""

    def __init__(
        self,
        cache_path: Path | None = None,
        *,
        contact: str | None = None,
        policy: Policy = Policy(),
        refresh: bool = False,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.refresh = refresh
        self.stats = Stats()
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent(contact)
        self._cache = ResponseCache(cache_path) if cache_path else None
        self._services: dict[str, _Service] = {}
        self._sleep = sleep
        self._clock = clock

    def pace(self, base_url: str, interval: float) -> None:
        """Allow at most one request per `interval` seconds to URLs under `base_url`.

        Sources register their API's own prefix (`…/api/query`, `…/graph/v1`, `…/works`), so
        one local server standing in for several services still paces each on its own.
        """
        base = base_url.rstrip("/")
        known = self._services.get(base)
        if known is None:
            self._services[base] = _Service(base, interval)
        else:
            known.interval = max(known.interval, interval)

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (200,),
        validate: Validator | None = None,
    ) -> Response:
        return self.request(
            "GET", url, params=params, headers=headers, accept=accept, validate=validate
        )

    def post(
        self,
        url: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (200,),
        validate: Validator | None = None,
    ) -> Response:
        return self.request(
            "POST",
            url,
            params=params,
            json_body=json_body,
            headers=headers,
            accept=accept,
            validate=validate,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (200,),
        validate: Validator | None = None,
    ) -> Response:
        """A response whose status is in `accept` (and which `validate` accepts), or an error.

        `headers` may carry secrets (API keys): they are sent, never cached, logged or quoted.
        Only accepted, valid responses are cached, so a warm run replays exactly what worked.
        """
        service = self._service(url)
        key = cache_key(method, url, params, json_body)
        if self._cache is not None and not self.refresh:
            hit = self._cache.get(key)
            if hit is not None:
                self.stats.cache_hits[service.base] += 1
                return Response(status=hit[0], body=hit[1], url=hit[2], cached=True)
        if service.down:
            raise Unreachable(service.down)
        try:
            response = self._fetch(service, method, url, params, json_body, headers, accept)
            if validate is not None:
                validate(response)
        except SourceError as exc:
            service.failures += 1
            if isinstance(exc, Unreachable) or service.failures >= _BREAKER_LIMIT:
                service.down = f"{exc} (giving up on {service.base} for this run)"
            raise
        service.failures = 0
        if self._cache is not None:
            self._cache.put(key, response.url, response.status, response.body)
        return response

    def _fetch(
        self,
        service: _Service,
        method: str,
        url: str,
        params: Params | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        accept: Collection[int],
    ) -> Response:
        policy = self.policy
        for attempt in range(policy.retries + 1):
            self._wait_turn(service)
            self.stats.requests[service.base] += 1
            log.debug("%s %s %s (try %d)", method, url, dict(params or {}), attempt + 1)
            wait: float | None = None
            try:
                raw = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=dict(headers or {}),
                    timeout=(policy.connect_timeout, policy.read_timeout),
                )
                service.last = self._clock()
            except requests.Timeout as exc:
                service.last = self._clock()
                failure: SourceError = Unreachable(f"{_where(url)} timed out ({_kind(exc)})")
            except requests.ConnectionError as exc:
                failure = Unreachable(f"cannot reach {_where(url)} ({_kind(exc)})")
            except requests.RequestException as exc:
                raise ServiceError(f"request to {_where(url)} failed ({_kind(exc)})") from exc
            else:
                if raw.status_code in accept:
                    return Response(status=raw.status_code, body=raw.content, url=raw.url)
                if raw.status_code not in RETRYABLE:
                    raise ServiceError(
                        f"{_where(url)} answered HTTP {raw.status_code}: {_snippet(raw.content)}"
                    )
                asked = retry_after(raw.headers.get("Retry-After"), time.time())
                if asked is not None and asked > policy.max_wait:
                    raise RateLimited(
                        f"{_where(url)} answered HTTP {raw.status_code} and asked to wait "
                        f"{asked:.0f} s"
                    )
                wait = asked
                failure = (RateLimited if raw.status_code in (429, 503) else ServiceError)(
                    f"{_where(url)} answered HTTP {raw.status_code}"
                )
            bound = (
                policy.unreachable_retries if isinstance(failure, Unreachable) else policy.retries
            )
            if attempt >= bound:
                raise type(failure)(f"{failure} after {attempt + 1} tries")
            delay = wait if wait is not None else self._backoff(attempt)
            log.info("%s; retrying in %.1f s", failure, delay)
            self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, capped by `max_wait`."""
        ceiling = min(self.policy.max_wait, self.policy.backoff * 2**attempt)
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    def _wait_turn(self, service: _Service) -> None:
        if service.last is None:
            return
        remaining = service.interval - (self._clock() - service.last)
        if remaining > 0:
            self._sleep(remaining)

    def _service(self, url: str) -> _Service:
        """The registered service whose base URL is the longest prefix of `url`."""
        best: _Service | None = None
        for base, service in self._services.items():
            if (url == base or url.startswith((base + "/", base + "?"))) and (
                best is None or len(base) > len(best.base)
            ):
                best = service
        if best is None:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            best = self._services.setdefault(origin, _Service(origin, 1.0))
        return best

    def close(self) -> None:
        self._session.close()
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _kind(exc: BaseException) -> str:
    """A short cause for a requests exception, without the URL (and so without any query)."""
    cause: BaseException = exc
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return type(cause).__name__


def _snippet(body: bytes, limit: int = 160) -> str:
    """The start of an error body as one line of text (an XML error feed without its tags)."""
    text = re.sub(r"<[^>]*>", " ", body.decode("utf-8", "replace"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
