"""What people write around a title: venue and year, track or award, authors, numbering and
bracketed remarks. Separated from the title and kept as `Hints`, never guessed from a list of
titles: the venue lexicon (`venues.py`) and the shapes of years and author lists decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from papersync.model import Hints
from papersync.parse.venues import PRESENTATION, QUALIFIER, VENUE, canonical

_YEAR = r"(?:(?:19|20)\d\d|['’]\d\d)"
_DATE_TAIL = r"(?:\s*[./-]\s*\d{1,2}){0,2}(?!\d)"
"""`arXiv 2022/4/30`: a year may carry its month and day."""
_VENUE_YEAR = (
    rf"(?:{QUALIFIER}\s+)?(?P<venue>{VENUE})(?:-?W\b|\s+Workshops?)?"
    rf"(?:\s*-?\s*(?P<year>{_YEAR}){_DATE_TAIL})?"
    rf"(?:\s*,?\s+(?P<track>{PRESENTATION}))?"
    rf"|(?P<lead_year>(?:19|20)\d\d){_DATE_TAIL}(?:\s+(?P<lead_venue>{VENUE}))?"
)
_NAME = r"(?-i:(?:[A-Z]\.\s*)*[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|['’-])+(?:\s+[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|['’-])+)?)"
"""A family name, perhaps with initials or a given name: capitalised, any script's letters
(`Müller`, `Üstün`)."""
_AUTHORS = (
    # `Yang, Li, et al. CAS`, `He et al.`: names, `et al.` and perhaps an affiliation
    rf"(?P<authors>(?:{_NAME}\s*(?:,|and|&)\s*)*{_NAME},?\s+et\s*al\.?)"
    r"(?:\s*,?\s*(?P<affiliation>(?-i:[A-Z][A-Za-z&-]*(?:\s+[A-Z][A-Za-z&-]*){0,3})))?"
    # `K. He, X. Zhang and J. Sun`: initials make a list of names unmistakable
    r"|(?P<initials>(?-i:(?:[A-Z]\.\s*)+[A-Z][a-z]+(?:\s*(?:,|and|&)\s*(?:[A-Z]\.\s*)+[A-Z][a-z]+)*))"
)
_UNIT = re.compile(rf"(?:{_VENUE_YEAR}|(?P<presentation>{PRESENTATION})|{_AUTHORS})", re.IGNORECASE)
_GAP = re.compile(r"[\s,.;:|/()\[\]（）【】<>–—-]*")
_CUT = re.compile(r"\s*[.,;:|–—]\s+|\s+[-/]\s+|\s*(?=[(\[（【])|\s+")
"""Where a trailer may begin: after sentence or list punctuation, a dash, before a bracket,
or (for a venue and its year only) after a plain space."""
_BRACKETED = re.compile(
    r"\s*(?:\((?P<a>[^()]*)\)|\[(?P<b>[^\[\]]*)\]|（(?P<c>[^（）]*)）"
    r"|【(?P<d>[^【】]*)】)\s*[.。]?$"
)
_LEADING_NUMBER = re.compile(r"^\s*(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}[.)、]|No\.\s*\d+)\s+")
_LEADING_TAG = re.compile(r"^\s*(?:\[(?P<a>[^\[\]]+)\]|\((?P<b>[^()]+)\)|【(?P<c>[^【】]+)】)\s*")
_LEADING_YEAR = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\s*(?:[-–—:|]|\.(?!\d))\s*")
_TRAILING_DOT = re.compile(r"(?<![.…])[.。]\s*$")
_SPACED_TRAILER = re.compile(
    rf"(?:(?:{QUALIFIER}\s+)?{VENUE}\s*-?\s*{_YEAR}|(?:19|20)\d\d)(?!\w)"
    r"|(?-i:[A-Z][\w'’-]+)\s+et\s*al\.?$",
    re.IGNORECASE,
)
"""What may follow a title after a plain space: a venue with its year, a year, `He et al.`."""


@dataclass(frozen=True)
class Split:
    """A title with what was written around it cut off, and what that was."""

    title: str
    hints: Hints = field(default_factory=Hints)
    bracketed: tuple[str, ...] = ()
    """Bracketed words cut from the title's end that were no venue, year or author list:
    a short name or a remark (`titles.py` tells which)."""


def split_trailers(text: str) -> Split:
    """Cut numbering, leading venue tags, trailing venue/year/track/author lists and trailing
    bracketed remarks off `text`, repeating until nothing more comes off."""
    hints = Hints()
    text, hints = _leading(text, hints)
    bracketed: list[str] = []
    while True:
        before = text
        text = _TRAILING_DOT.sub("", text).rstrip()
        text, hints = _trailer(text, hints)
        text, remark = _bracket(text)
        if remark is not None:
            inside = _read_units(remark)
            if inside is not None:
                hints = _merge(hints, inside)
            else:
                bracketed.insert(0, remark)
        if text == before:
            return Split(title=text, hints=hints, bracketed=tuple(bracketed))


def trailing_hints(text: str) -> Hints:
    """Venue and year written just after a mention (`》 <kbd>ICCV 2019</kbd>`, `(EMNLP 2021)`)."""
    for found in _UNIT.finditer(text):
        if (found["venue"] and found["year"]) or (found["lead_year"] and found["lead_venue"]):
            return _hints_of(found)
    return Hints()


def _leading(text: str, hints: Hints) -> tuple[str, Hints]:
    while True:
        number = _LEADING_NUMBER.match(text)
        if number:
            text = text[number.end() :]
            continue
        tag = _LEADING_TAG.match(text)
        if tag:
            inside = _read_units(tag["a"] or tag["b"] or tag["c"])
            if inside is not None and text[tag.end() :].strip():
                text, hints = text[tag.end() :], _merge(hints, inside)
                continue
        year = _LEADING_YEAR.match(text)
        if year and len(text[year.end() :].split()) >= 2:
            text, hints = text[year.end() :], _merge(hints, Hints(year=int(year["year"])))
            continue
        return text, hints


def _trailer(text: str, hints: Hints) -> tuple[str, Hints]:
    """The longest tail of `text` made only of trailer units, cut at a place a trailer may
    begin; the title before it keeps at least one word."""
    for cut in _CUT.finditer(text):
        if cut.start() == 0:
            continue
        rest = text[cut.end() :]
        if not rest:
            break
        found = _read_units(rest)
        if found is None:
            continue
        spaced_only = not cut.group().strip() and not rest.startswith(("(", "[", "（", "【"))
        if spaced_only and not _SPACED_TRAILER.match(rest):
            continue  # `Learning in Science`, `Deep Residual Learning He et al.`: too loose
        return text[: cut.start()].rstrip(), _merge(hints, found)
    return text, hints


def _read_units(text: str) -> Hints | None:
    """Hints when `text` consists of trailer units only, else None."""
    at, hints, units = 0, Hints(), 0
    text = text.strip()
    while at < len(text):
        gap = _GAP.match(text, at)
        at = gap.end() if gap else at
        if at >= len(text):
            break
        found = _UNIT.match(text, at)
        if not found or found.end() == at or not _unit_ends_word(text, found.end()):
            return None
        hints, units, at = _merge(hints, _hints_of(found)), units + 1, found.end()
    return hints if units else None


def _unit_ends_word(text: str, end: int) -> bool:
    return end >= len(text) or not text[end].isalnum()


def _hints_of(found: re.Match[str]) -> Hints:
    venue = found["venue"] or found["lead_venue"]
    year = _year(found["year"] or found["lead_year"])
    authors = found["authors"] or found["initials"]
    remark = found["presentation"] or found["track"] or found["affiliation"]
    return Hints(
        venue=canonical(venue) if venue else None,
        year=year,
        authors=_names(authors) if authors else (),
        remark=remark.strip() if remark else None,
    )


def _year(written: str | None) -> int | None:
    if not written:
        return None
    if not written[0].isdigit():  # `'21`
        short = int(written[1:])
        return 2000 + short if short < 50 else 1900 + short
    return int(written)


def _names(written: str) -> tuple[str, ...]:
    written = re.sub(r",?\s+et\s*al\.?$", "", written.strip(), flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", written)
    return tuple(part for part in parts if part)


def _bracket(text: str) -> tuple[str, str | None]:
    found = _BRACKETED.search(text)
    if not found or not text[: found.start()].strip():
        return text, None
    inside = (found["a"] or found["b"] or found["c"] or found["d"] or "").strip()
    return text[: found.start()].rstrip(), inside


def _merge(old: Hints, new: Hints) -> Hints:
    """The first thing written wins: a trailer read later fills only what is still unknown."""
    remark = old.remark
    if new.remark:
        remark = f"{new.remark}, {remark}" if remark else new.remark
    return replace(
        old,
        venue=old.venue or new.venue,
        year=old.year or new.year,
        authors=old.authors or new.authors,
        remark=remark,
    )
