"""Plain text from sources → BibTeX field values that compile; never trusted LaTeX.

`& % $ # _ { } ~ ^ \\ < > |` are escaped (braces as `\\textbraceleft{}`, since BibTeX counts
`\\{` as a brace). A `$…$` span that looks like math (non-blank just inside each `$`, no digit
right after the closing one, balanced braces) is kept as math and braced; any other `$` is a
dollar sign. Title words with a capital after their first character (`BERT`, `ImageNet`, `T5`)
or a lone capital other than `A` are braced so styles keep their case. In ASCII mode, accented
letters become BibTeX special characters (`{\\"u}`), Greek letters math; characters with no
LaTeX spelling (CJK) stay UTF-8 and are reported. Control characters (C0 but for whitespace,
DEL, C1), which pdflatex and biber refuse, are dropped and reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from papersync.model import Author

DIALECTS = ("bibtex", "biblatex")

BEGIN_MARK = (
    "% papersync: not exported (ambiguous or unresolved); settle them with `papersync review`"
)
END_MARK = "% papersync: end of the not-exported list"

_SPECIAL = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"\textless{}",
    ">": r"\textgreater{}", "|": r"\textbar{}",
}  # fmt: skip
_TYPOGRAPHY = {
    "\u2013": "--", "\u2014": "---", "\u2018": "`", "\u2019": "'", "\u201c": "``",
    "\u201d": "''", "\u2026": r"\ldots{}", "\u00a0": "~", "\u00ad": "", "\u2010": "-",
    "\u2011": "-",
}  # fmt: skip
_LETTERS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}",
    "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "ȷ": r"{\j}",
}  # fmt: skip
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H", "\u0327": "c",
    "\u0328": "k", "\u030a": "r", "\u0323": "d", "\u0331": "b",
}  # fmt: skip
_BELOW = {"\u0327", "\u0328", "\u0323", "\u0331"}
_MATH_SYMBOLS = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ϵ": r"\epsilon",
    "ε": r"\varepsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota",
    "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "µ": r"\mu", "ν": r"\nu", "ξ": r"\xi",
    "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon",
    "ϕ": r"\phi", "φ": r"\varphi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi",
    "Π": r"\Pi", "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi",
    "Ω": r"\Omega", "×": r"\times", "±": r"\pm", "≤": r"\leq", "≥": r"\geq",
    "≈": r"\approx", "→": r"\rightarrow", "∞": r"\infty", "·": r"\cdot", "∈": r"\in",
    "∗": r"\ast", "−": "-", "°": r"^{\circ}", "′": r"\prime",
}  # fmt: skip
"""Symbols that only math mode spells in plain LaTeX: `$\\alpha$` in text, `{\\alpha}` in math."""

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""C0 and C1 control characters and DEL: no TeX engine or biber accepts them in a .bib."""
_MATH = re.compile(r"\$(?=\S)([^$]*?\S)\$(?!\d)")
_WORD = re.compile(r"[^\W_]+")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '{}\\"')


@dataclass
class Untypable:
    """Characters met that have no ASCII LaTeX spelling, and control characters dropped:
    collected to report, not to fail."""

    chars: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)


def latex(
    text: str, *, ascii: bool, title: bool = False, untypable: Untypable | None = None
) -> str:
    """Plain text → a BibTeX field value that compiles; see the module docstring for the rules."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    text = without_controls(text, untypable)
    out: list[str] = []
    pos = 0
    for math in _MATH.finditer(text):
        if not _balanced(math.group(1)):
            continue
        out.append(_text(text[pos : math.start()], ascii, title, untypable))
        out.append("{$" + _math(math.group(1), ascii, untypable) + "$}")
        pos = math.end()
    out.append(_text(text[pos:], ascii, title, untypable))
    return "".join(out)


def without_controls(text: str, untypable: Untypable | None = None) -> str:
    """`text` with its control characters dropped (whitespace ones are already spaces)."""
    if untypable is not None:
        untypable.dropped.update(_CONTROL.findall(text))
    return _CONTROL.sub("", text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _math(text: str, ascii: bool, untypable: Untypable | None) -> str:
    """Math is kept as written, but `%`, `#`, `&` would end or break it, so they are escaped."""
    out = []
    for i, char in enumerate(text):
        if char in "%#&" and (i == 0 or text[i - 1] != "\\"):
            out.append("\\" + char)
        elif ascii and not char.isascii():
            symbol = _MATH_SYMBOLS.get(char)
            out.append("{" + symbol + "}" if symbol else _keep(char, untypable))
        else:
            out.append(char)
    return "".join(out)


def _protect(word: str, first: bool) -> bool:
    if not any(c.isupper() for c in word):
        return False
    if len(word) == 1:
        return word != "A" and not first
    rest = word[1:]
    return not (rest.isalpha() and rest.islower())


def _text(text: str, ascii: bool, title: bool, untypable: Untypable | None) -> str:
    if not title:
        return "".join(_char(c, ascii, untypable) for c in text)
    out = []
    pos = 0
    for word in _WORD.finditer(text):
        out.append("".join(_char(c, ascii, untypable) for c in text[pos : word.start()]))
        converted = "".join(_char(c, ascii, untypable) for c in word.group())
        first = word.start() == 0
        out.append("{" + converted + "}" if _protect(word.group(), first) else converted)
        pos = word.end()
    out.append("".join(_char(c, ascii, untypable) for c in text[pos:]))
    return "".join(out)


def _char(char: str, ascii: bool, untypable: Untypable | None) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char.isascii() or not ascii:
        return char
    if char in _TYPOGRAPHY:
        return _TYPOGRAPHY[char]
    if char in _LETTERS:
        return _LETTERS[char]
    if char in _MATH_SYMBOLS:
        return "$" + _MATH_SYMBOLS[char] + "$"
    compatible = unicodedata.normalize("NFKC", char)  # full-width `：` → `:`, `ﬁ` → `fi`
    if compatible.isascii():
        return "".join(_char(c, ascii, untypable) for c in compatible)
    return _accented(char) or _keep(char, untypable)


def _accented(char: str) -> str | None:
    """`ü` → `{\\"u}`, `ç` → `{\\c{c}}`, `ệ` → `{\\d{\\^e}}`; None unless ASCII plus known marks."""
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not base.isascii() or not base.isalpha() or not marks:
        return None
    if any(m not in _ACCENTS for m in marks):
        return None
    inner = "\\" + base if base in "ij" and marks[0] not in _BELOW else base
    for mark in marks:
        command = _ACCENTS[mark]
        if command.isalpha() or len(inner) > 1:
            inner = "\\" + command + "{" + inner + "}"
        else:
            inner = "\\" + command + inner
    return "{" + inner + "}"


def _keep(char: str, untypable: Untypable | None) -> str:
    if untypable is not None:
        untypable.chars.add(char)
    return char


def verbatim(value: str) -> str:
    """URL-like fields stay verbatim; only what would break the .bib is percent-encoded.

    Existing `%xx` escapes are kept; a `%` that starts none becomes `%25`.
    """
    return quote(_LONE_PERCENT.sub("%25", value.strip()), safe=_URL_SAFE)


def latex_name(author: Author, ascii: bool, untypable: Untypable | None = None) -> str:
    """`van den Oord, Aaron`; an organisation braced whole (`{OpenAI}`) so BibTeX never splits it.

    A family name with a comma or the word `and` is braced too, as is a bare multi-word one.
    """
    family = latex(author.family, ascii=ascii, untypable=untypable)
    given = latex(author.given, ascii=ascii, untypable=untypable)
    if author.literal or not family:
        return "{" + (family or given) + "}"

    def guarded(part: str) -> str:
        risky = "," in part or re.search(r"(?i)(^|\s)and(\s|$)", part) is not None
        return "{" + part + "}" if risky else part

    if not given:
        return "{" + family + "}" if " " in family or "," in family else family
    return f"{guarded(family)}, {guarded(given)}"
