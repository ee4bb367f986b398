"""The one HTTP layer every online service goes through: timeouts, pacing, retries, one error tree.

Built once per run and shared by threads. Politeness lives here, not in each caller: a source
(or the Zotero exporter) registers its service's base URL with a minimum interval between
requests and how many may be in flight at once, and every request to that service waits its
turn; a 429/503 with Retry-After pauses that service alone. The answers sources keep between
runs live in `answers.AnswerCache` (`Http.answers`), keyed per question, not per request.

Errors, all subclasses of `SourceError` (its message is one line, never containing a secret):

    SourceError
    ├── Unreachable        connection refused, DNS failure, timeouts, after the retries
    ├── RateLimited        429 (or 503) after the retries, or a Retry-After longer than we wait
    ├── ServiceError       any other unexpected status (5xx after the retries, 4xx at once)
    └── MalformedResponse  a body the caller could not read (truncated feed, broken JSON)
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
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
from papersync.sources.answers import NEGATIVE_TTL, AnswerCache
from papersync.sources.pacing import Pace

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
    """A response as its caller sees it: status, bytes, and the headers (case-insensitive)."""

    status: int
    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body as JSON; a broken body is a `MalformedResponse`, not a crash."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(f"malformed JSON from {self.url}: {exc}") from exc


Validator = Callable[[Response], None]
"""Raises `MalformedResponse` for a body that must not be used (and counts as a failure)."""


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


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    params: Params | None
    json_body: Any
    headers: Mapping[str, str]
    """May carry secrets: sent, never logged or quoted (so not in the dataclass's repr)."""
    accept: Collection[int]

    def __repr__(self) -> str:
        return f"_Request({self.method} {_where(self.url)})"


@dataclass
class _Service:
    base: str
    pace: Pace
    failures: int = 0
    down: str | None = None
    """Why the service was given up on for the rest of the run, once it has been."""
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Stats:
    """What the run sent, per service base URL."""

    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, base: str) -> None:
        with self.lock:
            self.requests[base] += 1


def user_agent(contact: str | None) -> str:
    """`papersync/<version> (mailto:<email>)`, the form Crossref's polite pool asks for."""
    base = f"papersync/{__version__}"
    return f"{base} (mailto:{contact})" if contact else base


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


class Http:
    """One session per run: every request paced per service and retried within bounds."""

    def __init__(
        self,
        cache_path: Path | None = None,
        *,
        contact: str | None = None,
        policy: Policy = Policy(),
        refresh: bool = False,
        negative_ttl: float = NEGATIVE_TTL,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.stats = Stats()
        self.answers = (
            AnswerCache(cache_path, negative_ttl=negative_ttl, refresh=refresh)
            if cache_path
            else None
        )
        """What sources asked before, per question; None when the run keeps no cache."""
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent(contact)
        self._services: dict[str, _Service] = {}
        self._services_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock

    def pace(self, base_url: str, interval: float, concurrency: int = 1) -> None:
        """Allow one request per `interval` seconds, `concurrency` at once, under `base_url`.

        Sources register their API's own prefix (`…/api/query`, `…/graph/v1`, `…/works`), so
        one local server standing in for several services still paces each on its own.
        """
        base = base_url.rstrip("/")
        with self._services_lock:
            known = self._services.get(base)
            if known is None:
                pace = Pace(interval, concurrency, sleep=self._sleep, clock=self._clock)
                self._services[base] = _Service(base, pace)
            else:
                known.pace.interval = max(known.pace.interval, interval)

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

        `headers` may carry secrets (API keys): they are sent, never stored, logged or quoted.
        After `_BREAKER_LIMIT` given-up requests in a row (or one unreachable), the service is
        down for the rest of the run and every further request fails at once.
        """
        service = self._service(url)
        if service.down:
            raise Unreachable(
                f"{_where(url)} not asked: giving up on {service.base} for this run "
                f"({service.down})"
            )
        try:
            request = _Request(method, url, params, json_body, headers or {}, accept)
            response = self._fetch(service, request)
            if validate is not None:
                validate(response)
        except SourceError as exc:
            with service.lock:
                service.failures += 1
                if isinstance(exc, Unreachable) or service.failures >= _BREAKER_LIMIT:
                    service.down = str(exc)
            raise
        with service.lock:
            service.failures = 0
        return response

    def _fetch(self, service: _Service, request: _Request) -> Response:
        """Send until accepted or out of tries; every path returns a response or raises."""
        attempt = 0
        while True:
            try:
                return self._once(service, request)
            except _Retryable as retry:
                failure, wait = retry.failure, retry.wait
            bound = self.policy.retries
            if isinstance(failure, Unreachable):
                bound = min(bound, self.policy.unreachable_retries)
            if attempt >= bound:
                raise type(failure)(f"{failure} after {attempt + 1} tries")
            delay = wait if wait is not None else self._backoff(attempt)
            log.info("%s; retrying in %.1f s", failure, delay)
            if wait is not None:
                service.pace.hold(delay)
            else:
                self._sleep(delay)
            attempt += 1

    def _once(self, service: _Service, request: _Request) -> Response:
        """One request in its turn: the response, a final error, or `_Retryable`."""
        url = request.url
        with service.pace.turn():
            self.stats.count(service.base)
            log.debug("%s %s %s", request.method, url, dict(request.params or {}))
            try:
                raw = self._session.request(
                    request.method,
                    url,
                    params=request.params,
                    json=request.json_body,
                    headers=dict(request.headers),
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
            except requests.Timeout as exc:
                raise _Retryable(Unreachable(f"{_where(url)} timed out ({_kind(exc)})")) from exc
            except requests.ConnectionError as exc:
                raise _Retryable(Unreachable(f"cannot reach {_where(url)} ({_kind(exc)})")) from exc
            except requests.RequestException as exc:
                raise ServiceError(f"request to {_where(url)} failed ({_kind(exc)})") from exc
        slow_down = retry_after(raw.headers.get("Backoff"), time.time())
        if slow_down:  # Zotero's way to ask for a pause, on any answer
            service.pace.hold(min(slow_down, self.policy.max_wait))
        if raw.status_code in request.accept:
            return Response(raw.status_code, raw.content, raw.url, raw.headers)
        if raw.status_code not in RETRYABLE:
            raise ServiceError(
                f"{_where(url)} answered HTTP {raw.status_code}: {_snippet(raw.content)}"
            )
        asked = retry_after(raw.headers.get("Retry-After"), time.time())
        if asked is not None and asked > self.policy.max_wait:
            raise RateLimited(
                f"{_where(url)} answered HTTP {raw.status_code} and asked to wait {asked:.0f} s"
            )
        kind = RateLimited if raw.status_code in (429, 503) else ServiceError
        raise _Retryable(kind(f"{_where(url)} answered HTTP {raw.status_code}"), asked)

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, capped by `max_wait`."""
        ceiling = min(self.policy.max_wait, self.policy.backoff * 2**attempt)
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    def _service(self, url: str) -> _Service:
        """The registered service whose base URL is the longest prefix of `url`."""
        with self._services_lock:
            best: _Service | None = None
            for base, service in self._services.items():
                if (url == base or url.startswith((base + "/", base + "?"))) and (
                    best is None or len(base) > len(best.base)
                ):
                    best = service
            if best is None:
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                pace = Pace(1.0, sleep=self._sleep, clock=self._clock)
                best = self._services.setdefault(origin, _Service(origin, pace))
            return best

    def close(self) -> None:
        self._session.close()
        if self.answers is not None:
            self.answers.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Retryable(Exception):
    """A failed try that may be tried again: the error to raise if not, and the wait asked."""

    def __init__(self, failure: SourceError, wait: float | None = None) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.wait = wait


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
