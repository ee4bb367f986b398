"""The HTTP layer against a real server on 127.0.0.1: pacing, retries, timeouts, the cache."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_services import CROSSREF, S2, FakeServices, Fault, Record, serve
from papersync import __version__
from papersync.sources.http import (
    Http,
    MalformedResponse,
    Policy,
    RateLimited,
    Response,
    ServiceError,
    Unreachable,
    cache_key,
    retry_after,
    user_agent,
)

FAST = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05, max_wait=5.0)
RECORD = Record("Factorization Machines", doi="10.1109/icdm.2010.127", year=2010)
SECRET = "s2-secret-key-123"


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with serve([RECORD]) as state:
        yield state


def fast_http(services: FakeServices, cache: Path | None = None, *, refresh: bool = False) -> Http:
    """An Http whose only pace is a short one for the whole fake server."""
    http = Http(cache, policy=FAST, refresh=refresh)
    http.pace(services.url, 0.01)
    return http


def work_url(services: FakeServices) -> str:
    return f"{services.url}{CROSSREF}/{RECORD.doi}"


def test_user_agent_names_papersync_version_and_contact(services: FakeServices) -> None:
    with Http(contact="me@example.org", policy=FAST) as http:
        http.get(work_url(services))
    agent = services.requests()[0].headers["User-Agent"]
    assert agent == f"papersync/{__version__} (mailto:me@example.org)"
    assert user_agent(None) == f"papersync/{__version__}"


def test_requests_to_one_service_are_paced(services: FakeServices) -> None:
    with Http(policy=FAST) as http:
        http.pace(f"{services.url}{CROSSREF}", 0.2)
        http.pace(f"{services.url}{S2}", 0.05)
        for n in range(4):
            http.get(
                f"{services.url}{S2}/paper/search/match",
                params={"query": str(n)},
                accept=(200, 404),
            )
        for n in range(4):
            http.get(f"{work_url(services)}?n={n}")
    crossref_gaps = services.gaps(CROSSREF)
    s2_gaps = services.gaps(S2)
    assert len(crossref_gaps) == 3
    assert min(crossref_gaps) >= 0.2
    assert min(s2_gaps) >= 0.05
    assert min(s2_gaps) < 0.2, "each service keeps its own pace"


def test_429_waits_as_long_as_retry_after_asks(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(status=429, headers=(("Retry-After", "1"),)))
    with Http(policy=FAST) as http:
        response = http.get(work_url(services))
    assert response.status == 200
    statuses = [hit.status for hit in services.requests()]
    assert statuses == [429, 200]
    assert services.gaps(CROSSREF)[0] >= 1.0


def test_500_then_success_is_retried(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(status=500), Fault(status=502))
    with fast_http(services) as http:
        assert http.get(work_url(services)).status == 200
    assert [hit.status for hit in services.requests()] == [500, 502, 200]


def test_retries_are_bounded_then_a_typed_error(services: FakeServices) -> None:
    services.plan(CROSSREF, *[Fault(status=503)] * 5)
    started = time.monotonic()
    with fast_http(services) as http, pytest.raises(RateLimited, match="after 3 tries"):
        http.get(work_url(services))
    assert len(services.requests()) == FAST.retries + 1
    assert time.monotonic() - started < 2.0


def test_retry_after_beyond_the_longest_wait_gives_up_at_once(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(status=429, headers=(("Retry-After", "3600"),)))
    with fast_http(services) as http, pytest.raises(RateLimited, match="asked to wait 3600 s"):
        http.get(work_url(services))
    assert len(services.requests()) == 1


def test_client_errors_are_not_retried(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(status=400, body=b'{"status":"failed"}'))
    with fast_http(services) as http, pytest.raises(ServiceError, match="HTTP 400"):
        http.get(work_url(services))
    assert len(services.requests()) == 1


def test_an_error_feed_is_quoted_as_text(services: FakeServices) -> None:
    feed = (
        b"<?xml version='1.0'?><feed><entry><title>Error</title>"
        b"<summary>incorrect id format for abc</summary></entry></feed>"
    )
    services.plan(CROSSREF, Fault(status=400, body=feed))
    with fast_http(services) as http, pytest.raises(ServiceError) as failure:
        http.get(work_url(services))
    assert "HTTP 400: Error incorrect id format for abc" in str(failure.value)


def test_a_slow_server_times_out_within_bounded_time(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(delay=1.5), Fault(delay=1.5))
    policy = Policy(connect_timeout=0.5, read_timeout=0.3, retries=1, backoff=0.05)
    started = time.monotonic()
    with Http(policy=policy) as http, pytest.raises(Unreachable, match="timed out"):
        http.pace(services.url, 0.01)
        http.get(work_url(services))
    assert time.monotonic() - started < 1.5


def test_an_unreachable_service_fails_fast_and_stays_down() -> None:
    started = time.monotonic()
    with Http(policy=FAST) as http:
        http.pace("http://127.0.0.1:9", 0.01)
        with pytest.raises(Unreachable, match=re.escape("cannot reach http://127.0.0.1:9/works")):
            http.get("http://127.0.0.1:9/works/10.1/x")
        with pytest.raises(Unreachable, match="giving up"):
            http.get("http://127.0.0.1:9/works/10.1/y")
        assert http.stats.requests["http://127.0.0.1:9"] == FAST.unreachable_retries + 1
    assert time.monotonic() - started < 3.0


def test_a_warm_run_makes_no_requests(services: FakeServices, tmp_path: Path) -> None:
    cache = tmp_path / "responses.sqlite"
    for _ in range(2):
        with fast_http(services, cache) as http:
            assert http.get(work_url(services)).status == 200
    assert len(services.requests()) == 1
    with fast_http(services, cache, refresh=True) as http:
        http.get(work_url(services))
    assert len(services.requests()) == 2


def test_api_keys_stay_out_of_the_cache_and_its_keys(
    services: FakeServices, tmp_path: Path
) -> None:
    cache = tmp_path / "responses.sqlite"
    url = f"{services.url}{S2}/paper/search/match"
    with fast_http(services, cache) as http:
        http.get(url, params={"query": "x"}, headers={"x-api-key": SECRET}, accept=(200, 404))
    assert services.requests()[0].headers["x-api-key"] == SECRET
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT * FROM responses").fetchall()
    assert rows and SECRET not in repr(rows)
    assert cache_key("GET", url, {"query": "x"}, None) == rows[0][0]


def test_rejected_bodies_are_not_cached(services: FakeServices, tmp_path: Path) -> None:
    cache = tmp_path / "responses.sqlite"
    services.plan(CROSSREF, Fault(body=b'{"status": "ok", "mess'))

    def must_be_json(response: Response) -> None:
        response.json()

    with fast_http(services, cache) as http, pytest.raises(MalformedResponse, match="JSON"):
        http.get(work_url(services), validate=must_be_json)
    with fast_http(services, cache) as http:
        assert not http.get(work_url(services), validate=must_be_json).cached
    assert len(services.requests()) == 2


def test_a_corrupt_cache_is_rebuilt_with_a_warning(
    services: FakeServices, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "responses.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING), fast_http(services, cache) as http:
        assert http.get(work_url(services)).status == 200
    assert "rebuilding" in caplog.text
    with fast_http(services, cache) as http:
        assert http.get(work_url(services)).cached


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("Wed, 21 Oct 2015 07:28:10 GMT", 10.0, id="http-date"),
        pytest.param("soon", None, id="garbage"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_retry_after_reads_seconds_and_dates(header: str | None, expected: float | None) -> None:
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert retry_after(header, now) == expected


def test_ctrl_c_keeps_every_answer_already_received(services: FakeServices, tmp_path: Path) -> None:
    cache = tmp_path / "responses.sqlite"
    answered = 0

    def interrupt_second(response: Response) -> None:
        nonlocal answered
        answered += 1
        if answered == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), fast_http(services, cache) as http:
        for n in range(3):
            http.get(f"{work_url(services)}?n={n}", validate=interrupt_second)
    with fast_http(services, cache) as http:
        assert http.get(f"{work_url(services)}?n=0").cached
        assert not http.get(f"{work_url(services)}?n=1").cached


def test_api_keys_stay_out_of_logs_and_errors(
    services: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    services.plan(S2, Fault(status=500), Fault(status=400))
    url = f"{services.url}{S2}/paper/search/match"
    with (
        caplog.at_level(logging.DEBUG),
        fast_http(services) as http,
        pytest.raises(ServiceError) as failure,
    ):
        http.get(url, params={"query": "x"}, headers={"x-api-key": SECRET})
    assert SECRET not in caplog.text
    assert SECRET not in str(failure.value)
    assert services.requests()[0].headers["x-api-key"] == SECRET
