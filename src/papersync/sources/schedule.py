"""Every online source at once: each title walks the sources in order, each service at its pace.

The services are independent hosts with independent limits, so each source gets its own
worker threads (as many as its service allows in flight) fed by its own queue. A title moves
to the next source as soon as the previous one answered without settling it, so the run takes
about as long as the slowest service's own pacing, not the sum of all of them. Questions the
answer cache knows are answered before any request, and the rest leave in full batches.

What a title ends with does not depend on timing: its pool holds each asked source's answer in
the sources' order (never in arrival order), and whether the next source is asked depends only
on the answers already pooled for that title.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from papersync.errors import PapersyncError
from papersync.model import Mention, Paper
from papersync.sources import Found, OnlineSource


@dataclass(frozen=True)
class Tick:
    """Where the run stands, after each request (or cache answer) comes back."""

    done: int
    """Titles no source needs to be asked about any more."""
    total: int
    requests: int
    """Requests sent so far, over every service (one batch counts once)."""
    left: float
    """Estimated seconds left, from the services' pacing and what waits for each; 0 when done."""


Progress = Callable[[Tick], None]
"""Called from the worker threads, one call at a time."""
Settled = Callable[[Mention, Sequence[Paper]], bool]
"""Whether the candidates pooled so far settle a mention, so no further source is asked."""


@dataclass(frozen=True)
class Asked:
    """What the sources said about each title they were asked about."""

    pooled: Mapping[str, tuple[Paper, ...]]
    """identity → candidates of every source asked, in the sources' order."""
    failed: Mapping[str, Mapping[str, str]]
    """identity → source name → why that source could not answer about it."""


@dataclass
class _Stage:
    source: OnlineSource
    fresh: deque[str] = field(default_factory=deque)
    """Titles the answer cache has not been consulted about yet."""
    pending: deque[str] = field(default_factory=deque)
    """Titles that need a request."""
    busy: int = 0
    arrived: int = 0

    def waiting(self) -> int:
        return len(self.fresh) + len(self.pending) + self.busy


class _Run:
    """The shared state of one scheduled run; every field is guarded by `self.lock`."""

    def __init__(
        self,
        mentions: Mapping[str, Mention],
        sources: Sequence[OnlineSource],
        settled: Settled,
        progress: Progress | None,
    ) -> None:
        self.mentions = mentions
        self.stages = [_Stage(s) for s in sources]
        self.settled = settled
        self.progress = progress
        self.answers: dict[str, dict[int, tuple[Paper, ...]]] = {k: {} for k in mentions}
        self.failed: dict[str, dict[str, str]] = {k: {} for k in mentions}
        self.done = 0
        self.requests = 0
        self.error: BaseException | None = None
        self.lock = threading.Condition()
        self.report_lock = threading.Lock()
        first = self.stages[0]
        first.fresh.extend(mentions)
        first.arrived = len(mentions)

    def work(self, index: int) -> None:
        """One worker of stage `index`: cache answers first, then one request at a time."""
        stage = self.stages[index]
        try:
            while (taken := self._take(index)) is not None:
                keys, ask = taken
                mentions = [self.mentions[k] for k in keys]
                try:
                    found = (stage.source.candidates if ask else stage.source.cached)(mentions)
                except PapersyncError as exc:  # a source that breaks mid-run is a failure
                    found = Found(failed=dict.fromkeys(keys, str(exc)))
                self._answered(index, keys, found, ask)
        except BaseException as exc:  # a bug in a source must end the run, not hang it
            with self.lock:
                self.error = self.error or exc
                self.lock.notify_all()

    def _take(self, index: int) -> tuple[list[str], bool] | None:
        """The next titles to look up in the cache (False) or to ask (True); None when no
        title can reach this stage any more."""
        stage = self.stages[index]
        with self.lock:
            while True:
                if self.error is not None:
                    return None
                if stage.fresh:
                    keys = list(stage.fresh)
                    stage.fresh.clear()
                    stage.busy += len(keys)
                    return keys, False
                if stage.pending:
                    size = min(stage.source.batch, len(stage.pending))
                    keys = [stage.pending.popleft() for _ in range(size)]
                    stage.busy += len(keys)
                    return keys, True
                if not stage.busy and not any(s.waiting() for s in self.stages[:index]):
                    return None  # nothing upstream, nor a cache look-up here, can bring more
                self.lock.wait()

    def _answered(self, index: int, keys: Sequence[str], found: Found, asked: bool) -> None:
        stage = self.stages[index]
        with self.lock:
            stage.busy -= len(keys)
            self.requests += asked
            for key in keys:
                if key in found.failed:
                    self.failed[key][stage.source.name] = found.failed[key]
                elif key in found.candidates:
                    self.answers[key][index] = found.candidates[key]
                elif not asked:
                    stage.pending.append(key)
                    continue
                else:  # a source that leaves a mention out has not answered about it
                    self.failed[key][stage.source.name] = "no answer from the source"
                self._move_on(index, key)
            self.lock.notify_all()
            tick = Tick(self.done, len(self.mentions), self.requests, self._left())
        if self.progress is not None and keys:
            with self.report_lock:
                self.progress(tick)

    def _move_on(self, index: int, key: str) -> None:
        """After stage `index` answered (or failed) about `key`: the next stage, or done."""
        if index + 1 < len(self.stages) and not self.settled(self.mentions[key], self.pool(key)):
            following = self.stages[index + 1]
            following.fresh.append(key)
            following.arrived += 1
        else:
            self.done += 1

    def pool(self, key: str) -> tuple[Paper, ...]:
        answers = self.answers[key]
        return tuple(p for index in sorted(answers) for p in answers[index])

    def _left(self) -> float:
        """The slowest stage's remaining pacing: titles that wait for it (those still
        upstream weighted by the share that has gone on so far) over its batch and workers."""
        left = 0.0
        upstream = 0.0
        for index, stage in enumerate(self.stages):
            if index:
                before = self.stages[index - 1]
                gone = before.arrived - before.waiting()
                share = stage.arrived / gone if gone > 0 else 1.0
                upstream *= min(1.0, share)
            upstream += stage.waiting()
            source = stage.source
            requests = math.ceil(upstream / source.batch)
            left = max(left, requests * source.interval / source.workers)
        return left if self.done < len(self.mentions) else 0.0


def ask_all(
    mentions: Mapping[str, Mention],
    sources: Sequence[OnlineSource],
    settled: Settled,
    progress: Progress | None = None,
) -> Asked:
    """Ask `sources` (in this order, each only about what the earlier ones left unsettled)
    about every mention, all services side by side; failures come back as data."""
    if not mentions or not sources:
        return Asked({k: () for k in mentions}, {k: {} for k in mentions})
    run = _Run(mentions, sources, settled, progress)
    threads = [
        threading.Thread(target=run.work, args=(index,), name=f"papersync-{source.name}-{n}")
        for index, source in enumerate(sources)
        for n in range(max(1, source.workers))
    ]
    for thread in threads:
        thread.daemon = True  # Ctrl-C ends the run; every answer received is already cached
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    except BaseException as exc:  # Ctrl-C: the workers stop after their request in flight
        with run.lock:
            run.error = exc
            run.lock.notify_all()
        raise
    if run.error is not None:
        raise run.error
    return Asked({k: run.pool(k) for k in mentions}, run.failed)
