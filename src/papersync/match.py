"""Normalise titles, score candidates, decide: the pure heart of resolution.

No I/O here: sources supply candidate papers, this module says which one (if any) a mention means.
"""

from __future__ import annotations

import re
import unicodedata

from papersync.model import Mention

_HTML_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"[*_`~]+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s+]")  # `+` tells CodeT5+ from CodeT5


def normalise(text: str) -> str:
    """Fold a title to the form two spellings of the same title share.

    NFKC turns full-width colons and letters into ASCII; markdown emphasis and HTML are
    dropped; quotes and dashes are unified; case is folded; punctuation becomes space.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = _DASHES.sub("-", text).translate(_QUOTES)
    text = _NON_WORD.sub(" ", text.casefold())
    return _SPACES.sub(" ", text).strip()


def identity(mention: Mention) -> str:
    """The stable key under which all mentions of one paper gather: an id, else the title."""
    return mention.ids.key() or f"title:{normalise(mention.title)}"
