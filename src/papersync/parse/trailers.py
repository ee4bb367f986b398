"""What people write around a title: venue and year, track or award, authors, numbering and
bracketed remarks. Separated from the title and kept as `Hints`, never guessed from a list of
titles: the venue lexicon (`venues.py`) and the shapes of years and author lists decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from papersync.model import Hints
from papersync.parse.venues import (
    PRESENTATION,
    QUALIFIER,
    STARTS,
    VENUE,
    canonical,
    venue_named,
)

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
_UNIT = re.compile(
    rf"(?:{_VENUE_YEAR}|(?P<presentation>{PRESENTATION})|{_AUTHORS})", re.IGNORECASE
)
_GAP = re.compile(r"[\s,.;:|/()\[\]（）【】<>–—-]*")
_CUT = re.compile(r"\s+|(?=[(\[（【])")
"""Where a trailer may begin: at a space or before a bracket."""
_PUNCTUATION = (".", ",", ";", ":", "|", "–", "—", "-", "/")
_OPENERS = ("(", "[", "（", "【", "-", "–", "—", "/", "|")
_BRACKETED = re.compile(r"\s*(?:\((?P<a>[^()]*)\)|\[(?P<b>[^\[\]]*)\]|（(?P<c>[^（）]*)）"
                        r"|【(?P<d>[^【】]*)】)\s*[.。]?$")
_YEARISH = re.compile(r"(?<![\d./-])(?:(?:19|20)\d\d|['’]\d\d)(?![\d])")
_WORDS = re.compile(r"[A-Za-z][\w&-]*")
_MAYBE_TRAILER = re.compile(r"\d|et\s*al|\b[A-Z]\.\s|[.)\]）】]\s*$")
_BESIDE = 120
"""How far after a mention its venue and year may be written."""
_LEADING_NUMBER = re.compile(r"^\s*(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}[.)、]|No\.\s*\d+)\s+")
_LEADING_TAG = re.compile(r"^\s*(?:\[(?P<a>[^\[\]]+)\]|\((?P<b>[^()]+)\)|【(?P<c>[^【】]+)】)\s*")
_LEADING_YEAR = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\s*(?:[-–—:|]|\.(?!\d))\s*")
_TRAILING_DOT = re.compile(r"(?<![.…])[.。]\s*$")
_SPACED_TRAILER = re.compile(
    rf"(?:{QUALIFIER}\s+)?{VENUE}\s*-?\s*{_YEAR}(?!\w)|(?-i:[A-Z][\w'’-]+)\s+et\s*al\.?$",
    re.IGNORECASE,
)
"""What may follow a title after a plain space: a venue with its year or `He et al.`; a bare
year may end a title (`… Challenge 2023`)."""


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
    if _plainly_a_title(text):
        return Split(title=text)
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


def _plainly_a_title(text: str) -> bool:
    """Most titles carry nothing around them: no digit, no bracket, no full stop at the end,
    no word a venue, track or `et al.` begins with. Those skip the grammar."""
    if not text or _MAYBE_TRAILER.search(text) or text[0] in "[(【（":
        return False
    return not any(word.casefold().strip(".,;:") in STARTS for word in text.split())


def trailing_hints(text: str) -> Hints:
    """Venue and year written just after a mention (`》 <kbd>ICCV 2019</kbd>`, `(EMNLP 2021)`):
    the first year with a venue of the lexicon just before or just after it."""
    text = text[:_BESIDE]
    for year in _YEARISH.finditer(text):
        before = _WORDS.findall(text[: year.start()])[-3:]
        after = _WORDS.findall(text[year.end():])[:3]
        for words in (*(before[-n:] for n in (3, 2, 1)), *(after[:n] for n in (3, 2, 1))):
            venue = venue_named(" ".join(words))
            if venue:
                return Hints(venue=venue, year=_year(year.group()))
    return Hints()


def _leading(text: str, hints: Hints) -> tuple[str, Hints]:
    while True:
        number = _LEADING_NUMBER.match(text)
        if number:
            text = text[number.end():]
            continue
        tag = _LEADING_TAG.match(text)
        if tag:
            inside = _read_units(tag["a"] or tag["b"] or tag["c"])
            if inside is not None and text[tag.end():].strip():
                text, hints = text[tag.end():], _merge(hints, inside)
                continue
        year = _LEADING_YEAR.match(text)
        if year and len(text[year.end():].split()) >= 2:
            text, hints = text[year.end():], _merge(hints, Hints(year=int(year["year"])))
            continue
        return text, hints


def _trailer(text: str, hints: Hints) -> tuple[str, Hints]:
    """The longest tail of `text` made only of trailer units, cut at a place a trailer may
    begin (after punctuation or a dash, before a bracket, or after a plain space for a venue
    with its year); the title before it keeps at least one word."""
    for cut in _CUT.finditer(text):
        title = text[: cut.start()].rstrip()
        rest = text[cut.end():]
        if not title or not rest or not _could_start(rest):
            continue
        punctuated = title.endswith(_PUNCTUATION) or rest.startswith(_OPENERS)
        if not punctuated and not _SPACED_TRAILER.match(rest):
            continue  # `Learning in Science`, `Deep Residual Learning He et al.`: too loose
        found = _read_units(rest)
        if found is not None:
            return title.rstrip("".join(_PUNCTUATION) + " "), _merge(hints, found)
    return text, hints


def _could_start(rest: str) -> bool:
    """A cheap look at the first word before the full trailer grammar is tried."""
    rest = rest.lstrip(" -–—/|")
    if not rest:
        return False
    first = rest[0]
    if first.isdigit() or first in "'’([（【":
        return True
    word = rest.split(maxsplit=1)[0].rstrip(".,;:").casefold()
    return word in STARTS or word.rstrip("0123456789'’w-") in STARTS or (
        first.isupper() and ("et al" in rest or ". " in rest[:4])
    )


def _read_units(text: str) -> Hints | None:
    """Hints when `text` consists of trailer units only, naming a venue, a year or authors;
    else None."""
    at, hints = 0, Hints()
    text = text.strip()
    while at < len(text):
        gap = _GAP.match(text, at)
        at = gap.end() if gap else at
        if at >= len(text):
            break
        found = _UNIT.match(text, at)
        if not found or found.end() == at or not _unit_ends_word(text, found.end()):
            return None
        hints, at = _merge(hints, _hints_of(found)), found.end()
    # a track alone (`: Technical Report`, `, Long`) may be the title's own words
    return hints if hints.venue or hints.year or hints.authors else None


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
    if not text.rstrip(" .。").endswith((")", "]", "）", "】")):
        return text, None
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
