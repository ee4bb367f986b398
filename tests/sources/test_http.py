"""The HTTP layer against a real server on 127.0.0.1: pacing, concurrency, retries, timeouts."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator

import pytest

from fake_services import CROSSREF, S2, FakeServices, Fault, Record, serve
from papersync import __version__
from papersync.sources.http import (
    Http,
    Policy,
    RateLimited,
    ServiceError,
    Unreachable,
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


def fast_http(services: FakeServices) -> Http:
    """An Http whose only pace is a short one for the whole fake server."""
    http = Http(policy=FAST)
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


def test_threads_share_a_service_in_turn_and_other_services_side_by_side(
    services: FakeServices,
) -> None:
    """Paced from the server's own clock: the slow service's gaps hold while the other
    service is asked in between, and a service allowing three in flight overlaps them."""
    services.plan(CROSSREF, *[Fault(delay=0.3)] * 6)
    with Http(policy=FAST) as http:
        http.pace(f"{services.url}{S2}", 0.25)
        http.pace(f"{services.url}{CROSSREF}", 0.0, concurrency=3)

        def s2(n: int) -> None:
            http.get(
                f"{services.url}{S2}/paper/search/match",
                params={"query": str(n)},
                accept=(200, 404),
            )

        def crossref(n: int) -> None:
            http.get(f"{work_url(services)}?n={n}")

        started = time.monotonic()
        threads = [threading.Thread(target=s2, args=(n,)) for n in range(4)]
        threads += [threading.Thread(target=crossref, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert min(services.gaps(S2)) >= 0.25
    assert 0.6 <= elapsed < 1.5, "six 0.3 s answers three at a time, beside S2's 0.75 s"


def test_a_retry_after_pauses_the_whole_service(services: FakeServices) -> None:
    services.plan(CROSSREF, Fault(status=429, headers=(("Retry-After", "1"),)))
    with Http(policy=FAST) as http:
        http.pace(f"{services.url}{CROSSREF}", 0.0, concurrency=2)
        first = threading.Thread(target=http.get, args=(work_url(services),))
        first.start()
        time.sleep(0.2)
        http.get(f"{work_url(services)}?n=2")
        first.join()
    times = [hit.time for hit in services.requests()]
    assert [hit.status for hit in services.requests()] == [429, 200, 200]
    assert min(times[1:]) - times[0] >= 1.0


@pytest.mark.parametrize("retries", [0, 1, 4])
def test_an_unreachable_service_is_an_error_whatever_the_retries(retries: int) -> None:
    """`doctor` asks with no retries: every path of the retry loop returns or raises."""
    policy = Policy(connect_timeout=0.5, read_timeout=0.5, retries=retries, backoff=0.01)
    with Http(policy=policy) as http, pytest.raises(Unreachable, match="cannot reach"):
        http.get("http://127.0.0.1:9/works/10.1/x")


def test_a_backoff_header_pauses_the_service_and_headers_reach_the_caller(
    services: FakeServices,
) -> None:
    """Zotero sends `Backoff: <seconds>` on a successful answer; the next request waits."""
    services.plan(
        CROSSREF, Fault(status=200, headers=(("Backoff", "1"), ("Last-Modified-Version", "7")))
    )
    with fast_http(services) as http:
        first = http.get(work_url(services))
        http.get(work_url(services))
    assert first.headers["last-modified-version"] == "7"
    assert services.gaps(CROSSREF)[0] >= 1.0


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
