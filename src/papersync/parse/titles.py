"""The title inside a mention: cleaned of the log's markup, its alias split off, and the
shape test that tells an unmarked title from prose."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from papersync.model import Hints
from papersync.parse.trailers import split_trailers

CJK = re.compile(  # ideographs, kana, CJK and full-width punctuation
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
MD_LINK_TEXT = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_EMPHASIS = re.compile(r"\*+|~~|`+|(?<!\w)_+|_+(?!\w)")
_PAREN_ALIAS = re.compile(r"^\((?P<alias>[^()\s]{1,30})\)\s*(?P<rest>.+)$")
_COLON_ALIAS = re.compile(r"^(?P<prefix>[^:]{1,40}?)\s*:\s*(?P<rest>.+)$")
_NAME_TOKEN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9][\w.+-]*$")
_CODED_NAME = re.compile(r"^(?:[A-Za-z0-9.+-]*[A-Z][A-Za-z0-9.+-]*[A-Z0-9][A-Za-z0-9.+-]*)$")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.+-]*")
GLUED_YEAR = re.compile(r"(?<=[A-Za-z])(?:19|20)\d\d$")
_REMARK_YEAR = re.compile(r"(?:(?<=[A-Za-z])|\s+)(?:19|20)\d\d$")
"""A year opening a to-do's remark, glued on or spaced: `…translation2014年`, `…Title  2023年`."""
_REMARK_EDGE = " \t([{（【,，;；:：-—/"
_NOT_A_TITLE_START = re.compile(r"^(?:[-*+>|#!<$`{=\[]|\d+[.)、]|https?:)")
_SENTENCE_END = re.compile(r"[.,;:。，；：、!！]$")
_TEX_MATH = re.compile(r"\$([^$]{1,80})\$")
_TEX_FORMAT = re.compile(r"\\(?:math[a-z]*|text[a-z]*|operatorname|rm|bf|it|boldsymbol)\b")
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_TEX_MARKS = str.maketrans("", "", "^_{}\\")
_DOTS = re.compile(r"\.{2,}|…+")
_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…+)\s*$")
_LATIN = re.compile(r"[A-Za-z]")
_NAME_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+·'’-]*$")
_MIN_TITLE_WORDS = 3
_MAX_TITLE_WORDS = 30

_YEAR_STATED = re.compile(
    # a note opening with the year: `2015 ICLR`, `2023.10 UC Berkeley`
    r"^\W*(?P<lead>(?:19|20)\d\d)"
    r"(?=\s*[年\u4e00-\u9fff]|\.(?:1[0-2]|0?[1-9])(?!\d)|\s*[A-Z]|\s*[，,：:;；]|\s*$)"
    # `2016年`, `2017 年的文章`
    r"|(?<!\d)(?P<cn>(?:19|20)\d\d)\s*年"
    # a venue acronym and its year: `ICLR 2015`, `NeurIPS2020`
    r"|\b(?=[A-Za-z]*[A-Z][A-Za-z]*[A-Z])[A-Za-z]{3,}\s*'?(?P<venue>(?:19|20)\d\d)(?!\d)"
)


@dataclass(frozen=True)
class TitleParts:
    """A mention's text read apart: the title, the log's short name for it, and the rest."""

    title: str
    alias: str | None = None
    hints: Hints = field(default_factory=Hints)

    @property
    def is_name(self) -> bool:
        return self.alias is not None and self.title == self.alias


def clean_title(raw: str) -> tuple[str, str | None]:
    """Turn the log's spelling of a title into (title, alias); see `read_title`."""
    parts = read_title(raw)
    return parts.title, parts.alias


def read_title(raw: str, *, names: bool = False) -> TitleParts:
    """Read the title out of what the log wrote for a mention.

    Markup goes (full-width forms folded, ligatures and TeX spelled out, Markdown links to
    their text, HTML and emphasis removed, whitespace collapsed); then what is written
    around the title (numbering, venue and year, track, author lists, bracketed remarks) is
    cut off into `hints` (see `trailers.py`); a truncated title ends in `…`, which matching
    may read as a prefix. An alias is split off only where the log wrote a short name
    before the title (`(GenRead)Generate…`, `VAE: Auto-encoding…`, `T5/Google: Exploring…`)
    or in brackets after it. Text that is only a short name gives title == alias == name;
    `names=True` (link texts and table cells, where people name papers) also takes names of
    up to three words (`Swin Transformer`, `Chain of Thought`).
    """
    text = _DOTS.sub("…", plain_text(raw))
    split = split_trailers(text)
    title, hints = _truncation(split.title), split.hints
    title, alias = _split_alias(title)
    latin_title = bool(_LATIN.search(title))
    for remark in split.bracketed:
        named = _short_name(remark, names=not latin_title) and remark.lower() != remark
        if alias is None and named:
            alias = remark
        else:
            hints = replace(hints, remark=f"{hints.remark}, {remark}" if hints.remark else remark)
    if alias is not None and not latin_title and _LATIN.search(alias):
        title = alias  # `参数服务器（Parameter Server）`: the Latin name is what a catalog knows
    elif alias is None and _short_name(title, names=names):
        alias = title
    return TitleParts(title=title, alias=alias, hints=hints)


def plain_text(raw: str) -> str:
    """The text a reader sees: markup, TeX and ligatures gone, whitespace collapsed."""
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    if "$" in text:
        text = _TEX_MATH.sub(_spell_tex, text)
    if "](" in text:
        text = MD_LINK_TEXT.sub(r"\1", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def _spell_tex(found: re.Match[str]) -> str:
    """`$^2$` → `2`, `$\\mathcal{O}(n)$` → `O(n)`, `$\\alpha$` → `alpha`."""
    math = _TEX_FORMAT.sub("", found[1])
    math = _TEX_COMMAND.sub(r"\1", math)
    return math.translate(_TEX_MARKS).strip()


def _truncation(title: str) -> str:
    """A title the log cut short ends in `…` (from `...`, `..`, `…`), so matching can use
    the words before it as a prefix."""
    cut = _ELLIPSIS.search(title)
    return f"{title[: cut.start()].rstrip()}…" if cut and cut.start() > 0 else title


def _short_name(text: str, *, names: bool) -> bool:
    """A short name, not a title: one name token, two with a coded one (`DCN V2`), or with
    `names` up to three Latin words."""
    tokens = text.split()
    if not tokens or len(text) > 40 or not all(_NAME_WORD.match(t) for t in tokens):
        return False
    if len(tokens) == 1 or (len(tokens) == 2 and any(map(_coded, tokens))):
        return True
    return names and len(tokens) <= 3


def _coded(token: str) -> bool:
    """`XLM-R`, `MoCo`, `V2`, `T5`: a capital inside a word or a digit; `Programmer-Interpreters`
    is two capitalised words, not a code."""
    return any(ch.isdigit() for ch in token) or any(
        any(ch.isupper() for ch in part[1:]) for part in token.split("-")
    )


def _split_alias(title: str) -> tuple[str, str | None]:
    paren = _PAREN_ALIAS.match(title)
    if paren and _NAME_TOKEN.match(paren["alias"]) and _word_count(paren["rest"]) >= 2:
        return paren["rest"], paren["alias"]
    colon = _COLON_ALIAS.match(title)
    if not colon or _word_count(colon["rest"]) < 2:
        return title, None
    alias = _alias_from_prefix(colon["prefix"].strip())
    return (colon["rest"], alias) if alias else (title, None)


def _alias_from_prefix(prefix: str) -> str | None:
    """A prefix is an alias when it is a short name: one token, or two with a coded name."""
    tokens = prefix.split()
    if len(tokens) == 1:
        name = tokens[0].split("/")[0]
        return name if _NAME_TOKEN.match(name) else None
    if len(tokens) == 2 and all(_NAME_TOKEN.match(t) for t in tokens):
        return prefix if any(_CODED_NAME.match(t) for t in tokens) else None
    return None


def _word_count(text: str) -> int:
    return len(text.split())


def looks_like_title(text: str) -> bool:
    """Whether an unmarked line has the shape of a paper title rather than prose or a to-do.

    Shape only, no list of known titles: 3-30 mostly-Latin words, no CJK, starts like a title
    (not a list marker, quote, table, URL or number), no sentence-final punctuation.
    """
    text = text.strip()
    if not text or CJK.search(text) or _NOT_A_TITLE_START.match(text):
        return False
    if _SENTENCE_END.search(text) or ". " in text or "://" in text:
        return False
    words = _LATIN_WORD.findall(text)
    if not _MIN_TITLE_WORDS <= len(words) <= _MAX_TITLE_WORDS:
        return False
    if len(text.split()) > len(words) + 2:  # symbols and numbers, not words
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


def remark_start(item: str) -> int:
    """Where a to-do's trailing remark begins: its first CJK character, edges trimmed."""
    cjk = CJK.search(item)
    if cjk is None:
        return len(item)
    cut = cjk.start()
    while cut > 0 and item[cut - 1] in _REMARK_EDGE:
        cut -= 1
    year = _REMARK_YEAR.search(item[:cut])
    return year.start() if year else cut


def year_hint(text: str) -> int | None:
    """The year a note states for its paper: `2016年`, `2015 ICLR`, `2023.10 UC Berkeley`."""
    found = _YEAR_STATED.search(text)
    if not found:
        return None
    return int(found["lead"] or found["cn"] or found["venue"])
