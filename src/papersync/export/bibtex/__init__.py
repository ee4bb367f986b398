"""The .bib target: entries a LaTeX document can cite at once, merged into the person's own file.

`latex` spells plain text as BibTeX field values, `entry` turns one reference into one entry,
`merge` places papersync's entries into the existing file without touching anything else.
bibtexparser only writes papersync's own entries, so nothing of the person's is re-serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from papersync import atomic
from papersync.export import Outcome
from papersync.export.bibtex.entry import entry_fields, written_by_papersync
from papersync.export.bibtex.latex import latex, latex_name
from papersync.export.bibtex.merge import (
    BEGIN_MARK,
    END_MARK,
    entry_keys,
    merge,
    own_citekeys,
    render,
    split_blocks,
)
from papersync.lock import Lock, Pins
from papersync.model import Match, Reference

__all__ = [
    "BEGIN_MARK",
    "DIALECTS",
    "END_MARK",
    "PREFER",
    "BibtexExporter",
    "entry_fields",
    "entry_keys",
    "latex",
    "latex_name",
    "merge",
    "render",
    "split_blocks",
    "written_by_papersync",
]

DIALECTS = ("bibtex", "biblatex")
PREFER = ("published", "preprint")
"""Which version of a work its entry shows (`export.bibtex.prefer`)."""


class BibtexExporter:
    """Writes (atomically, and only when the bytes change) one .bib file."""

    name = "bibtex"

    def __init__(
        self,
        path: Path,
        dialect: str = "bibtex",
        ascii: bool | None = None,
        include_ambiguous: bool = False,
        prefer: str = "published",
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})")
        if prefer not in PREFER:
            raise ValueError(f"unknown version {prefer!r} (known: {', '.join(PREFER)})")
        self.path = path
        self.dialect = dialect
        self.ascii = dialect == "bibtex" if ascii is None else ascii
        self.include_ambiguous = include_ambiguous
        self.prefer = prefer

    def _existing(self) -> str:
        """The file's text with its line endings as they are (CRLF included)."""
        try:
            return self.path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return ""

    def hand_written_keys(self, lock: Lock) -> frozenset[str]:
        """Keys in the target file papersync does not own: for `citekey.assign(reserved=...)`."""
        pinned = {p.citekey.casefold() for p in lock.papers.values() if p.citekey}
        try:
            text = self._existing()
        except (OSError, UnicodeDecodeError):
            return frozenset()
        return frozenset(k for k in entry_keys(text) if k.casefold() not in pinned)

    def recover_pins(self) -> dict[str, Pins]:
        """Per paper key, the citation key papersync's own entry for that paper holds in the file.

        What a lost, emptied or truncated lock file is rebuilt from, so every paper keeps its
        key and no second entry is written. Papers are known by the eprint, DOI or DBLP record
        of entries in papersync's exact shape; an unreadable file recovers nothing.
        """
        try:
            text = self._existing()
        except (OSError, UnicodeDecodeError):
            return {}
        return {key: Pins(citekey=citekey) for key, citekey in own_citekeys(text).items()}

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        """Merge into the file; an unreadable file is left alone, a failed write an ExportError."""
        try:
            existing = self._existing()
        except (OSError, UnicodeDecodeError) as exc:
            return Outcome(
                problems=(f"{self.path}: cannot read it as UTF-8 ({exc}); left untouched",)
            )
        merged = merge(
            existing,
            references,
            unresolved,
            lock,
            dialect=self.dialect,
            ascii=self.ascii,
            include_ambiguous=self.include_ambiguous,
            prefer=self.prefer,
            name=str(self.path),
        )
        written = atomic.write_text(self.path, merged.text)
        pins: dict[str, Pins] = {}
        for reference in references:
            current = lock.pins(reference.key)
            if reference.key in merged.exported and current.citekey != reference.citekey:
                pins[reference.key] = replace(current, citekey=reference.citekey)
        return Outcome(
            written=(str(self.path),) if written else (),
            unchanged=0 if written else 1,
            pins=pins,
            problems=merged.problems,
            counts=merged.counts,
        )
