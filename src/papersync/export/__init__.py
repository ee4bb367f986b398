"""Targets papersync writes: BibTeX, Obsidian vault, Zotero, CSL-JSON — one protocol each.

An exporter is built from its own settings, takes the references (matched papers with pinned
citation keys and their mentions) plus what is still unresolved, and reports what it did.
Only the Zotero exporter touches the network; none may lose what a person wrote by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from papersync.lock import Lock, Pins
from papersync.model import Match, Reference


@dataclass(frozen=True)
class Outcome:
    written: tuple[str, ...] = ()
    """Files (or Zotero items) actually written this run; unchanged ones are not listed."""
    unchanged: int = 0
    pins: Mapping[str, Pins] = field(default_factory=dict)
    """Paper key → pins to record in the lock file (note names, Zotero keys)."""
    problems: tuple[str, ...] = ()
    """One line each: conflicts kept for the user, items that failed and why."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Exporter-specific tallies of what this run did, e.g. Zotero `created`/`updated`/`adopted`."""
    totals: Mapping[str, int] = field(default_factory=dict)
    """What the target holds after the run (a vault's papers and days): true also of a no-op."""


class Exporter(Protocol):
    name: str

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome: ...
