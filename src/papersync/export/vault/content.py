"""What each note says: a paper note's properties and region, the day notes, the index.

Pure: entries and links in, `Note`s out; where they go and what is on disk is `plan`'s and
the exporter's business.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from papersync.export.vault.layout import DAY_KEYS, INDEX_NOTE, PAPER_KEYS, day_path
from papersync.export.vault.links import Aliases, WikiLinks, link_words, settle_wikilinks
from papersync.export.vault.names import fold
from papersync.export.vault.render import Renderer, markdown_text
from papersync.lock import Pins
from papersync.match import identity
from papersync.model import Candidate, Match, Mention, MentionKind, Reference, Status


@dataclass(frozen=True)
class Note:
    """One note papersync wants in the vault: where, its owned properties and region."""

    path: str
    """Relative to the vault, POSIX separators."""
    properties: Mapping[str, Any]
    owned: tuple[str, ...]
    region: str
    withdrawn: Mapping[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    """List items papersync may have written before and gives no more (see `_with_extras`)."""


@dataclass(frozen=True)
class Entry:
    """A paper note to be: a reference, or a group of unresolved mentions of one title."""

    key: str
    title: str
    mentions: tuple[Mention, ...]
    reference: Reference | None
    candidates: tuple[Candidate, ...] = ()
    """For an unresolved title: the papers a source offered, none sure enough to choose."""


def _read(mention: Mention) -> bool:
    return mention.date is not None and mention.kind in (MentionKind.READ, MentionKind.LINK)


def read_dates(mentions: Iterable[Mention]) -> list[dt.date]:
    """The days the log says a paper was read. A month-only date names no day: it gives
    none here, so no day note is made for a day the log never wrote."""
    return sorted({m.date for m in mentions if m.date and _read(m) and not m.month_only})


def read_months(mentions: Iterable[Mention]) -> list[str]:
    """The months (`2022-05`) a paper was read in, day-dated or month-dated alike."""
    return sorted({f"{m.date:%Y-%m}" for m in mentions if m.date and _read(m)})


def own_aliases(entry: Entry) -> list[str]:
    """The log's own short names for the paper, then its citekey, each once (ignoring case)."""
    own = [m.alias for m in entry.mentions if m.alias]
    if entry.reference is not None:
        own.append(entry.reference.citekey)
    first: dict[str, str] = {}
    for alias in own:
        first.setdefault(fold(alias), alias)
    return list(first.values())


def paper_properties(
    entry: Entry, aliases: Sequence[str], pins: Pins, zotero_library: str = "library"
) -> dict[str, Any]:
    """The note's properties. A paper is a work: its top-level fields are its published
    record's where it has one (venue, DOI, year), its arXiv id kept beside them."""
    props: dict[str, Any] = {"title": entry.title}
    if aliases:
        props["aliases"] = list(aliases)
    ref = entry.reference
    if ref is not None:
        paper = ref.paper
        authors = [a.family if a.literal else a.display for a in paper.authors]
        optional: dict[str, Any] = {
            "authors": authors or None,
            "year": paper.year,
            "citekey": ref.citekey,
            "arxiv": paper.ids.arxiv,
            "doi": paper.ids.doi,
            "dblp": paper.ids.dblp,
            "url": paper.url,
            "venue": paper.venue,
        }
        props.update({k: v for k, v in optional.items() if v})
        props["tags"] = ["paper"]
    else:
        props["tags"] = ["paper", "unresolved"]
    dates = read_dates(entry.mentions)
    props["status"] = "read" if read_months(entry.mentions) else "to-read"
    if dates:
        props["read"] = dates
    if ref is not None and pins.zotero_key:
        props["zotero"] = f"zotero://select/{zotero_library}/items/{pins.zotero_key}"
    if ref is None:
        props["resolved"] = False
    return props


def _reading(mention: Mention, body: str, links: WikiLinks) -> dict[str, Any]:
    date = mention.date
    day = date if date and not mention.month_only and mention.kind != MentionKind.TO_READ else None
    return {
        "date": (f"{date:%Y-%m}" if mention.month_only else str(date)) if date else None,
        "day_link": links.to(day_path(day)) if day else None,
        "kind": str(mention.kind),
        "section": markdown_text(mention.section),
        "source": f"{mention.file}:{mention.line}",
        "raw": mention.raw,
        "body": body.rstrip(),
    }


def _candidates(entry: Entry) -> list[dict[str, Any]]:
    return [
        {
            "title": markdown_text(c.paper.title),
            "id": c.paper.ids.key() or "",
            "year": c.paper.year,
            "score": round(c.score, 2),
        }
        for c in entry.candidates
    ]


def paper_note(
    entry: Entry,
    path: str,
    props: Mapping[str, Any],
    links: WikiLinks,
    word_targets: Aliases,
    renderer: Renderer,
) -> Note:
    readings: list[dict[str, Any]] = []
    mentioned: list[str] = []
    for mention in sorted(entry.mentions, key=lambda m: (m.date or dt.date.min, m.file, m.line)):
        body = settle_wikilinks(mention.body.strip("\n"), links.resolve)
        body, linked = link_words(body, word_targets, links.target(path))
        mentioned.extend(t for t in linked if t not in mentioned)
        readings.append(_reading(mention, body, links))
    ref = entry.reference
    region = renderer.render(
        "paper.md.j2",
        title=markdown_text(entry.title),
        unresolved=ref is None,
        uncertain=ref is not None and ref.status == Status.AMBIGUOUS,
        authors=[markdown_text(a) for a in props.get("authors", [])],
        year=props.get("year"),
        venue=markdown_text(props["venue"]) if props.get("venue") else None,
        citekey=ref.citekey if ref else None,
        arxiv=props.get("arxiv"),
        doi=props.get("doi"),
        url=props.get("url"),
        zotero=props.get("zotero"),
        abstract=markdown_text(ref.paper.abstract, paragraphs=True)
        if ref and ref.paper.abstract
        else None,
        status=props["status"],
        days=[links.to(day_path(d)) for d in props.get("read", [])],
        readings=readings,
        mentioned=[f"[[{t}]]" for t in mentioned],
        candidates=_candidates(entry),
        index_link=links.to(INDEX_NOTE),
    )
    dropped = tuple(a for a in own_aliases(entry) if a not in props.get("aliases", []))
    return Note(path, props, PAPER_KEYS, region, {"aliases": dropped} if dropped else {})


def day_notes(
    entries: Sequence[Entry], paths: Mapping[str, str], links: WikiLinks, renderer: Renderer
) -> list[Note]:
    by_day: dict[dt.date, list[tuple[tuple[str, int], Entry]]] = defaultdict(list)
    for entry in entries:
        for day in read_dates(entry.mentions):
            first = min((m.file, m.line) for m in entry.mentions if m.date == day)
            by_day[day].append((first, entry))
    days = sorted(by_day)
    notes = []
    for i, day in enumerate(days):
        papers = [
            {
                "link": links.to(paths[e.key]),
                "title": markdown_text(e.title),
                "unresolved": e.reference is None,
            }
            for _, e in sorted(by_day[day], key=lambda pair: pair[0])
        ]
        region = renderer.render(
            "day.md.j2",
            date=str(day),
            papers=papers,
            previous=links.to(day_path(days[i - 1])) if i else None,
            next=links.to(day_path(days[i + 1])) if i + 1 < len(days) else None,
            index_link=links.to(INDEX_NOTE),
        )
        props = {"date": day, "tags": ["reading-log"]}
        notes.append(Note(day_path(day), props, DAY_KEYS, region))
    return notes


def index_note(
    entries: Sequence[Entry],
    paths: Mapping[str, str],
    unresolved: Sequence[Match],
    links: WikiLinks,
    renderer: Renderer,
) -> Note:
    months: dict[str, list[str]] = defaultdict(list)
    to_read: list[str] = []
    for entry in entries:
        read_in = read_months(entry.mentions)
        for month in read_in:
            months[month].append(links.to(paths[entry.key]))
        if entry.reference and not read_in:
            to_read.append(links.to(paths[entry.key]))
    still_unresolved = []
    for match in unresolved:
        path = paths.get(f"unresolved:{identity(match.mention)}")
        still_unresolved.append(
            {
                "title": markdown_text(match.mention.full_title),
                "source": f"{match.mention.file}:{match.mention.line}",
                "link": links.to(path) if path else None,
            }
        )
    region = renderer.render(
        "index.md.j2",
        months=[
            {"month": k, "count": len(v), "papers": sorted(v)} for k, v in sorted(months.items())
        ],
        to_read=sorted(to_read),
        unresolved=still_unresolved,
        days=sorted({links.to(day_path(d)) for e in entries for d in read_dates(e.mentions)}),
        papers=sum(1 for e in entries if e.reference),
    )
    return Note(INDEX_NOTE, {}, (), region)
