"""Where candidate papers come from: the local catalog and online services, behind one protocol.

A source never decides: it returns candidates per mention and `match.py` chooses.
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


class Source(Protocol):
    name: str

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        """Candidate papers for each mention; failures are data, never raised."""
        ...

    def lookup(self, ids: Sequence[Ids]) -> Mapping[Ids, Paper]:
        """Full records for papers already known by id (lock-file entries, links in notes)."""
        ...
