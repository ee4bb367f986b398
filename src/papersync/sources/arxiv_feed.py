"""arXiv's Atom feed read with lxml (pure: bytes in, papers out).

The API answers every query with one Atom feed: `opensearch:totalResults` says how many entries
the query matched, each `<entry>` one paper. An entry is kept as the text arXiv sent, so the
answer cache stores exactly what was read and reads it back the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from papersync.ids import bare_arxiv
from papersync.model import Author, Ids, Paper, PaperKind
from papersync.sources.http import MalformedResponse

NAME = "arxiv"
_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_ABS = "arxiv.org/abs/"
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la"})


@dataclass(frozen=True)
class Feed:
    entries: tuple[str, ...]
    """Each `<entry>` element as the text arXiv sent (namespaces declared on it)."""
    total: int
    """How many entries the query matched in all, beyond this page too."""


def read_feed(body: bytes, where: str) -> Feed:
    """A feed's entries and total; a body that is not a well-formed Atom feed is malformed."""
    root = _root(body, where)
    if etree.QName(root).localname != "feed":
        raise MalformedResponse(f"malformed Atom from {where}: no <feed> element")
    entries = tuple(
        etree.tostring(entry, encoding="unicode") for entry in root.iterfind("atom:entry", _NS)
    )
    total_text = root.findtext("opensearch:totalResults", default="", namespaces=_NS).strip()
    return Feed(entries, int(total_text) if total_text.isdigit() else len(entries))


def parse_entry(text: str) -> Paper | None:
    """One `<entry>` as a preprint Paper; None for what is no paper (arXiv's error entry)."""
    entry = _root(text.encode("utf-8"), "an arXiv entry")
    found = _text(entry, "atom:id")
    if _ABS not in found:
        return None
    arxiv = bare_arxiv(found.split(_ABS, 1)[1])
    published = _text(entry, "atom:published")[:10]
    day = _iso_day(published)
    doi = _text(entry, "arxiv:doi")
    primary = entry.find("arxiv:primary_category", _NS)
    return Paper(
        ids=Ids(arxiv=arxiv, doi=doi.lower() or None),
        title=_text(entry, "atom:title"),
        source=NAME,
        authors=tuple(
            split_name(" ".join(name.split()))
            for name in entry.xpath("atom:author/atom:name/text()", namespaces=_NS)
        ),
        year=day.year if day else None,
        date=day.isoformat() if day else None,
        kind=PaperKind.PREPRINT,
        abstract=_text(entry, "atom:summary") or None,
        url=f"https://arxiv.org/abs/{arxiv}",
        primary_class=(primary.get("term") if primary is not None else None) or None,
        raw=text,
    )


def split_name(name: str) -> Author:
    """`Peter H. N. de With` → given `Peter H. N.`, family `de With`: arXiv gives one string."""
    words = name.split()
    if len(words) < 2:
        return Author(family=name.strip())
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].casefold() in _PARTICLES:
        cut -= 1
    return Author(family=" ".join(words[cut:]), given=" ".join(words[:cut]))


def _root(body: bytes, where: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"malformed Atom from {where}: {exc}") from exc
    if root is None:
        raise MalformedResponse(f"malformed Atom from {where}: empty")
    return root


def _text(element: etree._Element, path: str) -> str:
    """The element's text with its whitespace runs collapsed; empty when absent."""
    return " ".join((element.findtext(path, default="", namespaces=_NS) or "").split())


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
