"""LaTeX text in BibTeX fields to Unicode: the accents and letters names and titles use.

bibtexparser's `latex_to_unicode` tries each of its 2,500 table entries on every value, some
3 ms per field; a DBLP dump has thousands of accented names. The forms people and DBLP
write (`{\\"{o}}`, `\\'e`, `\\v{c}`, `{\\ss}`, `\\&`) are decoded here; anything else still goes
to bibtexparser, so nothing it knows is lost.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bibtexparser.customization import latex_to_unicode

_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "i": "ı",
    "j": "ȷ",
}
_SYMBOL_ACCENT = re.compile(
    r"\\(?P<accent>[\"'`^~=.])\s*"
    r"(?:\{\s*(?P<braced>\\[ij]|[A-Za-z])\s*\}|(?P<bare>\\[ij](?![A-Za-z])|[A-Za-z]))"
)
_LETTER_ACCENT = re.compile(
    r"\\(?P<accent>[uvHckrdb])(?:\s*\{\s*(?P<braced>\\[ij]|[A-Za-z])\s*\}|\s+(?P<bare>[A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])")
_ESCAPED = re.compile(r"\\([&%$#_{}])")


def _accented(found: re.Match[str]) -> str:
    base = found["braced"] or found["bare"]
    base = _LETTERS[base[1:]] if base.startswith("\\") else base
    if base in "ıȷ":
        base = "i" if base == "ı" else "j"
    return base + _ACCENTS[found["accent"]]


@lru_cache(maxsize=8192)
def to_unicode(value: str) -> str:
    """`G{\\"{o}}bel` → `Göbel`; braces dropped; composed (NFC) characters."""
    text = value
    if "\\" in text:
        text = _SYMBOL_ACCENT.sub(_accented, text)
        text = _LETTER_ACCENT.sub(_accented, text)
        text = _LETTER.sub(lambda found: _LETTERS[found[1]], text)
        text = _ESCAPED.sub(r"\1", text)
        if "\\" in text:
            return str(latex_to_unicode(value))
    return unicodedata.normalize("NFC", text.replace("{", "").replace("}", ""))
