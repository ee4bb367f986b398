"""How alike two titles are: normalised forms, sequel markers and a weighted word overlap.

Pure. `match` decides with these scores; the catalog shortlists with the same forms.
A mention's forms forgive what extraction left around its title (`trailer`), a title cut short
(`…`) and a word damaged at one end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import Indel

from papersync.model import Mention
from papersync.trailer import HTML_TAG, without_trailer

_EMPHASIS = re.compile(r"[*_`~]+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s+]")  # `+` tells CodeT5+ from CodeT5

MAIN_TITLE_FACTOR = 0.95
"""A mention that gives only the main title (before the colon) of a long paper title matches
it, but less surely than the full title would; an exact full-title match wins over it."""
SHORT_TITLE = 16
"""Titles shorter than this (in characters, normalised) must match exactly: one changed letter
in `BERT` is `BART`, a different paper."""
NAME_PREFIX_WORDS = 3
"""A part before the first colon of at most this many words is a name (`LoRA`, `BEiT v2`), which
people drop or change; a longer one is a main title."""
MAIN_TITLE_WORDS = 5
"""A paper's main title (before its colon) stands in for the whole only when this long."""

SPECIALISED_CAP = 0.85
"""The most a paper scores when its title is the mention's plus words of its own (`Deep Session
Interest Network…` for `Deep Interest Network…`, `Stable Segment Anything Model` for `Segment
Anything Model`): follow-up papers name themselves that way, so it is shown, never chosen."""
NAMED_MATCH = 0.9
"""Score for a title cut short but named alike on both sides (see `_named_containment`): enough
to match alone, not enough to beat a candidate whose full title agrees."""
NAMED_MIN_WORDS = 3
NAMED_MIN_COVERAGE = 0.5
SPELLED_MIN_WORDS = 2
"""A title inside a mention that spells out its own name (`SAM: Segment Anything Model` holds
`Segment Anything`) may be this short: the name agreeing with the words is the second clue."""
RENAMED_SHARED = 3
"""Content words a renamed subtitle must still share with the one the log wrote."""
TRUNCATED_MATCH = 0.9
"""Score for a title cut short (`…`, `...`) that opens a paper's title: enough to match when no
other candidate opens the same way, never more than that."""
TRUNCATED_MIN_WORDS = 3
FRAGMENT_CREDIT = 0.75
"""A word cut at one end (`ous` for `continuous`, `Recog` before `…`) keeps most of its weight."""
FRAGMENT_MIN_LENGTH = 3
PREFILTER = 0.6
"""Character similarity under which two titles are not worth comparing word by word."""
STOPWORD_WEIGHT = 0.25
"""Function words count a quarter: `for`/`with` swapped is not a different paper."""
TYPO_SIMILARITY = 0.7
"""Two words this alike (Indel) are one word misspelt: `conversational` for `convolutional`."""
TYPO_MIN_LENGTH = 5
"""Shorter words must match exactly: `deep` and `deer` are different words, not a typo."""
ACRONYM_MAX = 6

STOPWORDS = frozenset(
    {"a", "an", "the", "of", "for", "with", "and", "in", "on", "to", "by", "via", "from", "at"}
    | {"as", "is", "are", "be", "its", "into", "using", "toward", "towards", "vs", "or", "we"}
    | {"our", "do", "does", "can", "how", "what", "why", "when", "than"}
)
_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
_SIZE_MARKERS = frozenset({"xl", "xxl"})
_DIGITS = re.compile(r"\d+")
_LEADING_PAREN = re.compile(r"^\s*[(（\[【]([^)）\]】]{1,40})[)）\]】]\s*")
_COLON = re.compile(r"[:：]")
_DISTINCT_NAME = re.compile(r"[A-Z][^A-Z]*[A-Z]|\d")
"""A name no common word spells: two capitals or a digit (`Qwen-VL`, `YOLOv3`)."""
_TRUNCATED = re.compile(r"(?:…|\.{3,}|。{3,})\s*$")
_VENUE_REMARK = re.compile(r"[\s(\[,.]+[A-Z][A-Za-z]*[A-Z][A-Za-z]*\s?'?(?:19|20)?\d{2}\b")
"""A curated list's remark after a title, starting with a venue and year: `… NAACL 2022 …`."""


def normalise(text: str) -> str:
    """Fold a title to the form two spellings of the same title share.

    NFKC turns full-width colons and letters into ASCII; markdown emphasis and HTML are
    dropped; quotes and dashes are unified; case is folded; punctuation becomes space.
    """
    text = unicodedata.normalize("NFKC", text)
    text = HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = _DASHES.sub("-", text).translate(_QUOTES)
    text = _NON_WORD.sub(" ", text.casefold())
    return _SPACES.sub(" ", text).strip()


def markers(normalised: str) -> tuple[str, ...]:
    """What tells a sequel from its original: numbers (`v2`, `-2`, `1.5`), roman numerals, `+`, XL.

    Two titles that differ in these name different papers however alike the rest is.
    """
    found: list[str] = []
    for token in normalised.split():
        if token in _ROMAN:
            found.append(_ROMAN[token])
        elif token in _SIZE_MARKERS:
            found.append(token)
        else:
            found.extend(_DIGITS.findall(token))
            found.extend("+" * token.count("+"))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Form:
    """One way of writing a title, normalised, with its markers; `factor` discounts weak forms."""

    text: str
    markers: tuple[str, ...]
    factor: float = 1.0
    name: frozenset[str] = frozenset()
    """Words of the log's own name for the paper (`din`), which the paper's title may lack."""
    truncated: bool = False
    """The log cut the title short (`…`): it opens the paper's title rather than equals it."""


def _form(text: str, factor: float = 1.0) -> Form | None:
    norm = normalise(text)
    truncated = bool(_TRUNCATED.search(text))
    return Form(norm, markers(norm), factor, truncated=truncated) if norm else None


def _split_name(text: str) -> tuple[str, str] | None:
    """`Name: rest` → (`Name`, `rest`) when the part before the colon is short enough for a name."""
    parts = _COLON.split(text, maxsplit=1)
    if len(parts) == 2 and parts[1].strip():
        head = normalise(parts[0])
        if head and len(head.split()) <= NAME_PREFIX_WORDS:
            return parts[0], parts[1]
    return None


def mention_forms(mention: Mention) -> tuple[Form, ...]:
    """The ways the log may have written the title: with and without its alias, raw but cleaned,
    each without what is written around it (`without_trailer`)."""
    texts: list[str] = []
    for title in without_trailer(mention.title):
        texts.append(title)
        if mention.alias and not title.startswith(mention.alias):
            texts.append(f"{mention.alias}: {title}")
    for prefix, rest in _name_and_rest(mention.raw):
        texts += [f"{prefix}: {rest}", rest] if prefix else [rest]
    named = mention_name(mention)
    own = frozenset(named[0].split()) if named else frozenset()
    forms: dict[str, Form] = {}
    for text in texts:
        form = _form(text)
        if form and form.text not in forms:
            forms[form.text] = replace(form, name=own)
    return tuple(forms.values())


@lru_cache(maxsize=65536)
def paper_forms(title: str) -> tuple[Form, ...]:
    """The ways a paper's title may be cited: whole, without its name prefix, or main title only."""
    forms = [_form(title)]
    named = _split_name(title)
    if named:
        forms.append(_form(named[1]))
    else:
        parts = _COLON.split(title, maxsplit=1)
        if len(parts) == 2 and len(normalise(parts[0]).split()) >= MAIN_TITLE_WORDS:
            forms.append(_form(parts[0], MAIN_TITLE_FACTOR))
    remark = _VENUE_REMARK.search(title)
    if remark and len(normalise(title[: remark.start()]).split()) >= MAIN_TITLE_WORDS:
        forms.append(_form(title[: remark.start()], MAIN_TITLE_FACTOR))
    return tuple(form for form in forms if form)


def _similarity(a: Form, b: Form) -> float:
    if a.truncated:
        return _opening(a, b)
    if a.markers != b.markers:
        return 0.0
    if min(len(a.text), len(b.text)) < SHORT_TITLE:
        same = a.text.replace(" ", "") == b.text.replace(" ", "")
        return b.factor if same else 0.0
    if Indel.normalized_similarity(a.text, b.text) < PREFILTER:
        return 0.0
    return _word_overlap(a.text.split(), b.text.split(), a.name) * b.factor


def _opening(a: Form, b: Form) -> float:
    """A title cut short scores `TRUNCATED_MATCH` when it opens the paper's title word for word
    (its last word may be cut); never more, however alike the rest."""
    mine, theirs = a.text.split(), b.text.split()
    opens = (
        len(mine) <= len(theirs)
        and mine[:-1] == theirs[: len(mine) - 1]
        and theirs[len(mine) - 1].startswith(mine[-1])
        and sum(map(_weight, mine)) >= TRUNCATED_MIN_WORDS
        and markers(" ".join(mine[:-1])) == markers(" ".join(theirs[: len(mine) - 1]))
    )
    if opens:
        return TRUNCATED_MATCH * b.factor
    whole = replace(a, truncated=False)
    return min(_similarity(whole, b), TRUNCATED_MATCH)


def _weight(word: str) -> float:
    return STOPWORD_WEIGHT if word in STOPWORDS else 1.0


def _word_overlap(left: list[str], right: list[str], name: frozenset[str] = frozenset()) -> float:
    """Weighted share of words the two titles have in common, in any order.

    A word counts as shared when equal, when a typo away (`conversational`/`convolutional`),
    when written apart on the other side (`HuggingFace`/`Hugging Face`), or as an acronym of
    a run of words there (`CTR`/`click through rate`). A whole word more or less costs its
    full weight. Words only the paper (`right`) has cap the score at `SPECIALISED_CAP`, unless
    the mention too has words of its own besides its `name` (then it is a reworded title).
    """
    credit_left = [0.0] * len(left)
    credit_right = [0.0] * len(right)
    positions: dict[str, list[int]] = {}
    for j, word in enumerate(right):
        positions.setdefault(word, []).append(j)
    for i, word in enumerate(left):
        free = positions.get(word)
        if free:
            credit_right[free.pop(0)] = credit_left[i] = 1.0
    if 0.0 in credit_left and 0.0 in credit_right:
        _pair_rest(left, right, credit_left, credit_right)
        _pair_rest(right, left, credit_right, credit_left)
    shared = sum(c * _weight(w) for c, w in zip(credit_left, left, strict=True)) + sum(
        c * _weight(w) for c, w in zip(credit_right, right, strict=True)
    )
    total = sum(map(_weight, left)) + sum(map(_weight, right))
    overlap = shared / total if total else 0.0
    if _unpaired_content(right, credit_right) and not _unpaired_content(left, credit_left, name):
        return min(overlap, SPECIALISED_CAP)
    return overlap


def _unpaired_content(
    words: list[str], credits: list[float], name: frozenset[str] = frozenset()
) -> bool:
    return any(
        not c and w not in STOPWORDS and w not in name for c, w in zip(credits, words, strict=True)
    )


def _pair_rest(these: list[str], those: list[str], mine: list[float], theirs: list[float]) -> None:
    """Credit words left unpaired by exact comparison: typos, split words, acronyms."""
    for i, word in enumerate(these):
        if mine[i]:
            continue
        typo = len(word) >= TYPO_MIN_LENGTH
        acronym = 2 <= len(word) <= ACRONYM_MAX and word.isalpha()
        for j, other in enumerate(those):
            if theirs[j]:
                continue
            if typo and len(other) >= TYPO_MIN_LENGTH:
                similarity = Indel.normalized_similarity(word, other, score_cutoff=TYPO_SIMILARITY)
                if similarity:
                    mine[i] = theirs[j] = similarity
                    break
            if _fragment(word, other):
                mine[i] = theirs[j] = FRAGMENT_CREDIT
                break
            run = those[j : j + len(word)]
            if (
                acronym
                and other[0] == word[0]
                and _initials(run, theirs[j : j + len(word)]) == word
            ):
                mine[i] = 1.0
                theirs[j : j + len(word)] = [1.0] * len(word)
                break
            if (
                word.startswith(other)
                and j + 1 < len(those)
                and not theirs[j + 1]
                and (other + those[j + 1] == word)
            ):
                mine[i] = theirs[j] = theirs[j + 1] = 1.0
                break


def _fragment(word: str, other: str) -> bool:
    return (
        FRAGMENT_MIN_LENGTH <= len(word) < len(other)
        and not word.isdigit()
        and (other.startswith(word) or other.endswith(word))
    )


def _initials(run: list[str], credits: list[float]) -> str:
    """First letters of a run of words none of which is paired yet (`ctr` for `click through
    rate`); empty when one is."""
    return "" if any(credits) else "".join(w[0] for w in run)


def _name_and_rest(raw: str) -> list[tuple[str | None, str]]:
    """A raw mention as (its name, the title after it) — `(GenRead)Generate…`, `VAE: Auto…` — or
    (None, title), each title without what is written around it."""
    found: list[tuple[str | None, str]] = []
    for text in without_trailer(raw):
        paren = _LEADING_PAREN.match(text)
        named = (paren.group(1), text[paren.end() :]) if paren else _split_name(text)
        name, rest = named if named else (None, text)
        found += [(name, cut) for cut in without_trailer(rest)]
    return found


def mention_name(mention: Mention) -> tuple[str, str] | None:
    """The name the log gives a paper and the rest of its title, normalised: `(nci, a neural…)`;
    what is written around the title (`trailer`) is no part of either."""
    if mention.alias and mention.title:
        return normalise(mention.alias), normalise(without_trailer(mention.title)[0])
    name, rest = _name_and_rest(mention.raw)[0]
    return (normalise(name), normalise(rest)) if name else None


@lru_cache(maxsize=65536)
def _paper_name(title: str) -> tuple[str, str, str]:
    """(name, subtitle, whole title), normalised; name and subtitle empty when it has no name."""
    split = _split_name(title)
    if split:
        return normalise(split[0]), normalise(split[1]), normalise(title)
    return "", "", normalise(title)


def _named_containment(named: tuple[str, str], title: str) -> bool:
    """Two agreeing clues for a title cut short on either side: the log's name for the paper is
    the paper's own name (`PointCLIP`) or its title's acronym (`NCI` for `Neural Corpus Indexer`),
    and one side's words run unbroken inside the other's (`Point Cloud understanding` opens
    `Point Cloud Understanding by CLIP`). The name may also spell out the mention's own words
    (`SAM: Segment Anything Model`), of which the paper's title (`Segment Anything`) is a run."""
    name, rest = named
    own_name, subtitle, whole = _paper_name(title)
    least = NAMED_MIN_WORDS
    if own_name.replace(" ", "") == name.replace(" ", "") and subtitle:
        if _renamed(rest, subtitle, title):
            return True
        theirs = subtitle
    elif name.isalpha() and _spelled(whole) == name:
        theirs = whole
    elif name.isalpha() and _spelled(rest) == name and len(whole.split()) < len(rest.split()):
        theirs, least = whole, SPELLED_MIN_WORDS
    else:
        return False
    if markers(rest) != markers(theirs):
        return False
    short, long = sorted((rest.split(), theirs.split()), key=len)
    if sum(map(_weight, short)) < least:
        return False
    if sum(map(_weight, short)) < NAMED_MIN_COVERAGE * sum(map(_weight, long)):
        return False
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _renamed(rest: str, subtitle: str, title: str) -> bool:
    """A paper whose subtitle changed between versions under the same distinctive name
    (`Qwen-VL: A Frontier Large…` became `Qwen-VL: A Versatile…`): most words still shared."""
    if not _DISTINCT_NAME.search(_COLON.split(title, maxsplit=1)[0]):
        return False
    if markers(rest) != markers(subtitle):
        return False
    mine, theirs = ({w.removesuffix("s") for w in t.split()} - STOPWORDS for t in (rest, subtitle))
    shared = len(mine & theirs)
    return shared >= RENAMED_SHARED and shared >= NAMED_MIN_COVERAGE * min(len(mine), len(theirs))


def _spelled(text: str) -> str:
    return "".join(word[0] for word in text.split())


def likeness(forms: Sequence[Form], named: tuple[str, str] | None, title: str) -> float:
    """How alike the mention's best form and the paper's title are, 0..1 (no date checks)."""
    own_name = _paper_name(title)[0]
    if named and own_name and markers(named[0]) != markers(own_name):
        return 0.0  # `DINO: …` is not `DINOv2: …`, however alike the rest
    best = max((_similarity(m, p) for m in forms for p in paper_forms(title)), default=0.0)
    if best < NAMED_MATCH and named and _named_containment(named, title):
        best = NAMED_MATCH
    return best
