"""CSL-JSON export: every matched paper with its pinned citation key as `id`.

The format pandoc's citeproc reads and Zotero imports (File → Import). Types and variables follow
Zotero's own CSL mapping, so a preprint comes back into Zotero as a preprint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from papersync import atomic
from papersync.export import Outcome
from papersync.lock import Lock
from papersync.model import Author, Match, PaperKind, Reference

CSL_TYPE = {
    PaperKind.PREPRINT: "article",
    PaperKind.ARTICLE: "article-journal",
    PaperKind.CONFERENCE: "paper-conference",
    PaperKind.BOOK: "book",
    PaperKind.REPORT: "report",
}
_CONTAINER_KINDS = (PaperKind.ARTICLE, PaperKind.CONFERENCE)
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def name(author: Author) -> dict[str, str]:
    if author.literal:
        return {"literal": author.family}
    out = {"family": author.family}
    if author.given:
        out["given"] = author.given
    return out


def date_parts(date: str | None, year: int | None) -> list[list[int]] | None:
    """`2023-09-18` → [[2023, 9, 18]]; a partial date keeps only the parts it has."""
    found = _ISO_DATE.match(date or "")
    if found:
        return [[int(part) for part in found.groups() if part]]
    return [[year]] if year else None


def item(reference: Reference, prefer: str = "published") -> dict[str, Any]:
    """One paper as a CSL-JSON item; variables a source did not give are left out.

    A work is shown as its `prefer`red version: its published record (`paper-conference` or
    `article-journal` in its `container-title`, its arXiv id in `note`) or its preprint.
    """
    paper = reference.paper.version(prefer)
    arxiv = paper.ids.arxiv
    out: dict[str, Any] = {
        "id": reference.citekey,
        "type": CSL_TYPE[paper.kind],
        "title": paper.title,
        "author": [name(a) for a in paper.authors if a.family],
        "issued": {"date-parts": date_parts(paper.date, paper.year)},
        "container-title": paper.venue if paper.kind in _CONTAINER_KINDS else None,
        "publisher": paper.publisher,
        "volume": paper.volume,
        "issue": paper.issue,
        "page": paper.pages,
        "DOI": paper.ids.doi,
        "URL": paper.url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        "abstract": paper.abstract,
    }
    if arxiv and paper.kind is PaperKind.PREPRINT:
        # Zotero's mapping: a preprint's repository is `publisher`, its archive ID `number`.
        out["publisher"] = paper.publisher or "arXiv"
        out["number"] = f"arXiv:{arxiv}"
    elif arxiv:
        out["note"] = f"arXiv: {arxiv}"
    return {k: v for k, v in out.items() if v not in (None, "", [], {"date-parts": None})}


def render(references: Sequence[Reference], prefer: str = "published") -> str:
    """The CSL-JSON document: items sorted by id, so the same papers give the same bytes."""
    items = sorted(
        (item(r, prefer) for r in references), key=lambda i: (str(i["id"]), str(i["title"]))
    )
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


class CslExporter:
    """Writes `papers.json` atomically, and only when its content changed."""

    name = "csl"

    def __init__(self, path: Path, prefer: str = "published") -> None:
        self.path = Path(path)
        self.prefer = prefer

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        seen: dict[str, Reference] = {}
        problems = []
        for reference in references:
            first = seen.setdefault(reference.citekey, reference)
            if first is not reference:
                problems.append(
                    f"csl: citation key {reference.citekey!r} is used by {first.key} and "
                    f"{reference.key}; only the first is exported"
                )
        text = render(list(seen.values()), self.prefer)
        counts = changes(self._previous(), json.loads(text))
        written = atomic.write_text(self.path, text)
        return Outcome(
            written=(str(self.path),) if written else (),
            unchanged=0 if written else 1,
            problems=tuple(problems),
            counts=counts,
        )

    def _previous(self) -> list[Any]:
        """The items the file holds now; none when it is missing or not a CSL-JSON list."""
        try:
            items = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return []
        return items if isinstance(items, list) else []


def changes(before: list[Any], after: list[dict[str, Any]]) -> dict[str, int]:
    """This run's items added, updated and removed (by `id`), zeros included, as every target
    reports what it did: a run that changes nothing says `0` to each."""
    old = {str(i.get("id")): i for i in before if isinstance(i, dict)}
    new = {str(i["id"]): i for i in after}
    return {
        "items added": sum(1 for k in new if k not in old),
        "items updated": sum(1 for k, i in new.items() if k in old and old[k] != i),
        "items removed": sum(1 for k in old if k not in new),
    }
