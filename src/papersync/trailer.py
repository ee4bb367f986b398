"""What people write around a title — venue, year, date, remark, author list — told from it.

Matching uses this to forgive what extraction left inside a mention's title: `Title. CVPR
2022, Oral.`, `(ICCV'21) Title`, `Title. Yang, Li, et al. CAS.`. A tail is cut only when it
holds an anchor (a year, a date, a known venue, `et al`); remark words alone (`Oral`) are
never cut, so a title is never shortened on a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from papersync.model import Mention

VENUES = frozenset(
    {"arxiv", "corr", "openreview", "cvpr", "iccv", "eccv", "wacv", "bmvc", "accv", "3dv"}
    | {"neurips", "nips", "icml", "iclr", "aaai", "ijcai", "uai", "aistats", "colt", "tmlr"}
    | {"jmlr", "acl", "emnlp", "naacl", "eacl", "aacl", "coling", "tacl", "conll", "lrec"}
    | {"kdd", "www", "sigir", "wsdm", "cikm", "recsys", "icde", "vldb", "sigmod", "icdm"}
    | {"tpami", "pami", "ijcv", "siggraph", "uist", "icra", "iros"}
    | {"corl", "rss", "interspeech", "icassp", "miccai", "mlsys", "osdi"}
    | {"tkde", "tnnls", "ieee", "acm", "springer", "elsevier", "biorxiv", "medrxiv"}
)
"""Venues common in the logs papersync reads; an unknown acronym counts only before a year."""
BEFORE_VENUE = frozenset(
    {"submitted", "submit", "submission", "accepted", "accept", "to", "at", "in", "appear"}
    | {"under", "review"}
)
"""Words written before a venue (`Submit to NeurIPS 2022`): cut only before an anchor."""
REMARKS = BEFORE_VENUE | frozenset(
    {"oral", "spotlight", "poster", "workshop", "findings", "long", "short", "paper", "best"}
    | {"main", "track", "demo", "preprint", "version", "camera", "ready", "honorable"}
    | {"mention", "award", "outstanding", "student", "conference", "journal"}
)
"""Words that go with a venue (`Oral`, `Best paper`): cut only after an anchor."""
AFFILIATION_WORDS = 3
"""After `et al.` this many capitalised words (an institution: `CAS.`) belong to the authors."""

_HTML_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"[^\s,;:()\[\]{}<>|，。；：（）【】《》]+")
_YEAR = re.compile(r"^'?(?P<year>(?:19|20)\d\d)\.?$|^'(?P<short>\d\d)\.?$")
_DATE = re.compile(
    r"^(?P<year>(?:19|20)\d\d)(?:[/.-]\d{1,2}){1,2}\.?$|^\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d\d\.?$"
    r"|^(?P<cn>(?:19|20)\d\d)年(?:\d{1,2}月(?:\d{1,2}日)?)?$"
)
_VENUE_SHAPE = re.compile(
    r"^(?P<venue>[A-Z][A-Za-z]*[A-Z][A-Za-z]*)'?(?P<year>(?:19|20)?\d\d)?\.?$"
)
_CAPITALISED = re.compile(r"^[A-Z][\w'’.-]*$")
_LEADING = re.compile(r"^\s*[(\[【](?P<inner>[^)\]】]{1,40})[)\]】]\s*[-–—:|]?\s*")
_LEADING_YEAR = re.compile(r"^\s*(?:19|20)\d\d\s*[-–—:|]\s+")


@dataclass(frozen=True)
class Cut:
    """A title with what was written around it taken off, and what that told."""

    title: str
    year: int | None = None
    venue: str | None = None
    authors: tuple[str, ...] = ()
    only_year: bool = False
    """The only thing cut was a bare year at the end: a title may end in a year of its own."""

    @property
    def cut(self) -> bool:
        return self.year is not None or self.venue is not None or bool(self.authors)


@dataclass
class _Tail:
    year: int | None = None
    venue: str | None = None
    anchored: bool = False
    only_year: bool = True
    dated: bool = False
    """A year or date was cut: without one, a venue alone must be set off by punctuation."""
    last: str | None = None
    """The kind of the token cut last (the one right of the next)."""


@lru_cache(maxsize=65536)
def split(text: str) -> Cut:
    """`Title. CVPR 2022, Oral.` → Cut(`Title`, year 2022, venue `CVPR`); the text as it is when
    nothing around it is recognised."""
    text = unicodedata.normalize("NFKC", _HTML_TAG.sub(" | ", text)).strip(" |")
    tail = _Tail()
    text = _cut_leading(text, tail)
    tokens = list(_TOKEN.finditer(text))
    found = _Tail()
    start = _strip_tail(tokens, found)
    end, authors = _authors(text, tokens[:start] if found.anchored else tokens)
    if authors:
        found.anchored = True
        start = _strip_tail(tokens[:end], found)
    elif not found.anchored or not (found.dated or _set_off(text, tokens, start)):
        start = len(tokens)
    if start == 0 or (start == len(tokens) and not tail.anchored):
        return Cut(text)  # nothing around the title, or nothing would be left of it
    title = text[: tokens[start - 1].end()] if start < len(tokens) else text
    year = found.year if found.year is not None else tail.year
    title = title.strip(" \t,;:-–—|(")
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return Cut(
        title,
        year=year,
        venue=found.venue or tail.venue,
        authors=authors,
        only_year=found.only_year and not authors and not tail.anchored and found.anchored,
    )


def _set_off(text: str, tokens: list[re.Match[str]], start: int) -> bool:
    """Punctuation (or markup) between the title and what follows it: `Title. CVPR`, not the
    `… in Data Science` a title may end with."""
    if not 0 < start < len(tokens):
        return False
    gap = text[tokens[start - 1].end() - 1 : tokens[start].start()]
    return bool(re.search(r"[.,;:(\[|]", gap))


def _cut_leading(text: str, tail: _Tail) -> str:
    """A venue or year written before the title: `(ICCV'21) Title`, `2024 - Title`."""
    found = _LEADING_YEAR.match(text)
    if found:
        tail.year, tail.anchored = int(found.group().strip(" -–—:|")), True
        return text[found.end() :]
    found = _LEADING.match(text)
    if found:
        tokens = list(_TOKEN.finditer(found["inner"]))
        inner = _Tail()
        if tokens and _strip_tail(tokens, inner) == 0 and inner.anchored:
            tail.year, tail.venue, tail.anchored = inner.year, inner.venue, True
            return text[found.end() :]
    return text


def _strip_tail(tokens: list[re.Match[str]], tail: _Tail) -> int:
    """Index of the first token of the trailer at the end of `tokens` (len when none)."""
    start = len(tokens)
    while start > 0:
        word = tokens[start - 1].group()
        kind = _classify(word, after_year=tail.last == "year" and tail.venue is None)
        if kind is None or (kind == "remark" and tail.anchored and not _before_venue(word)):
            break
        if kind != "remark":
            tail.anchored = True
            tail.dated = tail.dated or _year_of(word) is not None
            tail.only_year = tail.only_year and kind == "year"
        year = _year_of(word)
        if year is not None and tail.year is None:
            tail.year = year
        if kind == "venue" and tail.venue is None:
            tail.venue = _VENUE_SHAPE.sub(r"\g<venue>", word.rstrip("."))
        tail.last = kind
        start -= 1
    return start


def _classify(word: str, *, after_year: bool) -> str | None:
    bare = word.rstrip(".")
    if _YEAR.match(word):
        return "year"
    if _DATE.match(word):
        return "date"
    if bare.casefold() in VENUES:
        return "venue"
    shape = _VENUE_SHAPE.match(word)
    if shape and (shape["year"] or after_year) and len(shape["venue"]) >= 3:
        return "venue"
    if bare.casefold() in REMARKS:
        return "remark"
    return None


def _before_venue(word: str) -> bool:
    return word.rstrip(".").casefold() in BEFORE_VENUE


def _year_of(word: str) -> int | None:
    found = _YEAR.match(word) or _DATE.match(word)
    if found:
        groups = found.groupdict()
        if groups.get("year") or groups.get("cn"):
            return int(groups.get("year") or groups["cn"])
        if groups.get("short"):
            return _century(int(groups["short"]))
        return None
    shape = _VENUE_SHAPE.match(word.rstrip("."))
    if shape and shape["year"]:
        digits = int(shape["year"])
        return digits if digits > 1900 else _century(digits)
    return None


def _century(yy: int) -> int:
    return 2000 + yy if yy < 70 else 1900 + yy


def _authors(text: str, tokens: list[re.Match[str]]) -> tuple[int, tuple[str, ...]]:
    """Where an `A, B, et al.` list (and an institution after it) starts, and its names.

    Walking left from `et al`, names are one or two capitalised words each, separated by
    commas or `and`; the list ends at a sentence mark, else at the last comma before a word
    that cannot be a name.
    """
    words = [t.group().rstrip(".").casefold() for t in tokens]
    k = next((i for i in range(len(words) - 2, -1, -1) if words[i : i + 2] == ["et", "al"]), -1)
    after = [t.group() for t in tokens[k + 2 :]]
    if k <= 0 or len(after) > AFFILIATION_WORDS or not all(map(_CAPITALISED.match, after)):
        return len(tokens), ()
    start, chunk, after_comma = k, 0, 0
    while start > 0:
        token = tokens[start - 1]
        gap = text[token.end() : tokens[start].start()]
        if "," in gap and start < k:
            after_comma, chunk = start, 0
        if token.group().casefold() in ("and", "&"):
            chunk, start = 0, start - 1
            continue
        chunk += 1
        if not _CAPITALISED.match(token.group()) or chunk > 2:
            start = after_comma
            break
        start -= 1
        before = text[tokens[start - 1].end() - 1 : token.start()] if start else ""
        if re.search(r"[.;:(\[–—]|\s-\s", before):
            break
    else:
        start = after_comma
    if start <= 0:
        return len(tokens), ()
    names = [t.group().rstrip(".,") for t in tokens[start:k]]
    return start, tuple(n for n in names if n.casefold() not in ("and", "&"))


def without_trailer(text: str) -> tuple[str, ...]:
    """The text with a venue, year, date or author list around it cut off (`trailer`); the text
    itself too when the only cut was a year at its end, which a title may own."""
    cut = split(text)
    if not cut.cut:
        return (text,)
    return (cut.title, text) if cut.only_year else (cut.title,)


def written_year(mention: Mention) -> int | None:
    """The year the mention states: the parser's hints, else a year cut from around its title."""
    if mention.hints.year is not None:
        return mention.hints.year
    if mention.year_hint is not None:
        return mention.year_hint
    for text in (mention.title, mention.raw):
        cut = split(text)
        if cut.year is not None and not cut.only_year:
            return cut.year
    return None


def written_authors(mention: Mention) -> tuple[str, ...]:
    """The authors the mention names: the parser's hints, else an `et al.` list cut from it."""
    if mention.hints.authors:
        return mention.hints.authors
    for text in (mention.title, mention.raw):
        cut = split(text)
        if cut.authors:
            return cut.authors
    return ()
