"""What people write around a title — venue, year, date, remark, author list — as matching sees it.

The recogniser is the parser's (`parse.trailers`, with the venue lexicon of `parse.venues`):
one place knows these shapes. Matching uses it to forgive what extraction left inside a
mention's title (`Title. CVPR 2022, Oral.`, `(ICCV'21) Title`, `Title. Yang, Li, et al. CAS.`)
and to read the year and authors written there as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from papersync.model import Hints, Mention
from papersync.parse.trailers import Split, split_trailers

HTML_TAG = re.compile(r"<[^>]+>")
"""Markup inside a mention (`<kbd>`, `<b>`): never part of a title."""


@lru_cache(maxsize=65536)
def split(text: str) -> Split:
    """`Title. CVPR 2022, Oral.` → `Title` with hints (CVPR, 2022, Oral); markup such as
    `<kbd>NeurIPS 2020</kbd>` separates like punctuation."""
    return split_trailers(unicodedata.normalize("NFKC", HTML_TAG.sub(" | ", text)).strip(" |"))


def _only_year(hints: Hints) -> bool:
    return hints.year is not None and not (hints.venue or hints.authors or hints.remark)


def without_trailer(text: str) -> tuple[str, ...]:
    """The text with a venue, year, date or author list around it cut off; the text itself
    too when the cut was only a year or a bracketed remark, which a title may own."""
    cut = split(text)
    if (not cut.hints and not cut.bracketed) or not cut.title:
        return (text,)
    return (cut.title, text) if _only_year(cut.hints) or cut.bracketed else (cut.title,)


def written_year(mention: Mention) -> int | None:
    """The year the mention states: the parser's hints, else a year cut from around its title
    (a bare year ending a title may be the title's own, so it is not believed)."""
    if mention.hints.year is not None:
        return mention.hints.year
    if mention.year_hint is not None:
        return mention.year_hint
    for text in (mention.title, mention.raw):
        hints = split(text).hints
        if hints.year is not None and not _only_year(hints):
            return hints.year
    return None


def written_authors(mention: Mention) -> tuple[str, ...]:
    """The authors the mention names: the parser's hints, else an `et al.` list cut from it."""
    if mention.hints.authors:
        return mention.hints.authors
    for text in (mention.title, mention.raw):
        authors = split(text).hints.authors
        if authors:
            return authors
    return ()
