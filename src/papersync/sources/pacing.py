"""Turn-taking for one service: at most one request per interval, and a bound on those in flight.

With one request in flight the interval runs from the end of the previous answer (the
strictest reading of "one request every three seconds"); with more, between starts. A
Retry-After pauses the whole service, not only the request that was told. Shared by threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MARGIN = 0.05
"""Seconds added between starts when several requests may be in flight: a connection set up
slower than the next must not bring two arrivals closer than the interval."""


class Pace:
    def __init__(
        self,
        interval: float,
        concurrency: int = 1,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.concurrency = max(1, concurrency)
        self._slots = threading.Semaphore(self.concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._sleep = sleep
        self._clock = clock

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for a free slot and for the next start time; hold both for one request."""
        with self._slots:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start)
                margin = MARGIN if self.concurrency > 1 else 0.0
                self._next_start = start + self.interval + margin
            if start > now:
                self._sleep(start - now)
            try:
                yield
            finally:
                if self.concurrency == 1:
                    with self._lock:
                        self._next_start = max(self._next_start, self._clock() + self.interval)

    def hold(self, seconds: float) -> None:
        """No request starts within `seconds` from now (a service's Retry-After)."""
        with self._lock:
            self._next_start = max(self._next_start, self._clock() + seconds)
