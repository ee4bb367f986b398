"""Where candidate papers come from: the local catalog and online services, behind one protocol.

A source never decides: it returns candidates per mention and `match.py` chooses. A source that
could not answer says so as data (`failed`), never only in a log, so the run can report it and
keep the last good decision instead of taking "could not ask" for "no match".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from papersync.model import Ids, Mention, Paper


@dataclass(frozen=True)
class Found:
    """What one source said about a batch of mentions, keyed by `match.identity(mention)`."""

    candidates: Mapping[str, tuple[Paper, ...]] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)
    """identity → why the source could not answer (network, 429 storm, malformed body)."""


@dataclass(frozen=True)
class Records:
    """What one source said about papers known by id: the records it has, and its failures."""

    papers: Mapping[Ids, Paper] = field(default_factory=dict)
    failed: Mapping[Ids, str] = field(default_factory=dict)
    """ids → why the source could not answer; an id in neither map is unknown to the source."""


class Source(Protocol):
    name: str

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        """Candidate papers for each mention; failures are data, never raised."""
        ...

    def lookup(self, ids: Sequence[Ids]) -> Records:
        """Full records for papers already known by id (lock-file entries, links in notes)."""
        ...


class OnlineSource(Source, Protocol):
    """A source behind a paced service, as the scheduler (`sources.schedule`) drives it."""

    batch: int
    """How many mentions one request can answer (OR-ed titles on arXiv; one elsewhere)."""
    workers: int
    """How many requests the service allows in flight at once."""
    interval: float
    """Seconds between requests the service allows, for estimates of the time left."""

    def cached(self, mentions: Sequence[Mention]) -> Found:
        """What the answer cache already says about these mentions, without any request;
        mentions it cannot answer are absent from the result."""
        ...
