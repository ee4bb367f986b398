"""Short names for papers (`DETR`, `MoCo`, `Swin Transformer`), known only from evidence.

Pure. A name is never looked up in a hand list: a paper is called `N` because its own title
says so (`ViLT: Vision-and-…`, `…with AlphaCode`, `Mask R-CNN`), because its abstract defines
it (`We present Momentum Contrast (MoCo)`, `called DEtection TRansformer or DETR`), because the
person's log writes it before the title (`ResNet: Deep Residual…`), or because the person gave
it in the vault or in review (`Alias`). Names are compared folded, so version markers must
agree exactly: `MoCov2` is not `MoCo`, `YOLOv2` is not `YOLO9000`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from papersync.model import Mention, Name, Paper
from papersync.similarity import mention_name, normalise

PERSON = ("vault", "review")
"""Evidence a person gave: it settles a name whatever the papers say."""
STRONG = ("log", "title", "title-prefix", "abstract")
"""Evidence that a paper is called by the name: one paper holding it may be matched."""
WEAK = ("title-suffix", "abstract-mention")
"""Evidence that a paper uses the name, maybe someone else's (`Passage Re-ranking with BERT`)."""
RANK = {evidence: rank for rank, evidence in enumerate((*PERSON, *STRONG, *WEAK))}

PREFIX_WORDS = 3
"""A part before a title's colon of at most this many words is the paper's name."""
WHOLE_TITLE_WORDS = 3
"""A title this short with no colon is a name too (`Mask R-CNN`, `Wasserstein GAN`)."""
ACRONYM_WORDS = 8
"""How far back from `(MoCo)` an abstract's long form may start."""

_NAME_SHAPE = r"[A-Z][\w.+·-]*(?:[ -][\w.+·-]+){0,2}?"
_DISTINCT = re.compile(r"^(?=.*[A-Z].*[A-Z]|.*\d)\S+$|^[A-Z][a-z]+[A-Z]\S*$")
"""A one-token name that cannot be an ordinary word: two capitals or a digit (`AlphaCode`)."""
_SUFFIX = re.compile(r"\b(?:with|via|using|by|of|from|for|in|and)\s+(?P<name>\S+)\s*$")
_DEFINED = re.compile(r"(?P<before>[^()]{0,200}?)\((?P<name>[^()\s,;]{2,20}(?: v?\d+)?)\)")
_CALLED = re.compile(
    r"(?<!-)\b(?:called|named|dubbed|termed|coined)\s+(?:it\s+|as\s+)?(?:the\s+)?"
    r"(?:(?P<long>[^,.;()]{1,60}?)\s+or\s+)?(?P<name>" + _NAME_SHAPE + r")(?=[\s,.;:)]|$)"
)
_PRESENT = re.compile(
    r"\b[Ww]e\s+(?:present|introduce|propose|release|develop|describe|report|train)"
    r"(?:\s+the\s+development\s+of)?\s+(?P<name>" + _NAME_SHAPE + r"),\s+(?:a|an|the)\b"
)
_PROPOSING = re.compile(
    r"\b(?:we|this paper|this work)\b.*\b(?:present|introduce|propose|call|name|term|dub|develop"
    r"|design|release|build|train)\w*(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)
"""The words before a long form, when they say the paper brings it: `We present [a new] …`."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Alias:
    """A name a person gave a paper: a note's `aliases` (`vault`) or a choice in `review`."""

    name: str
    key: str
    """The paper's key (`Ids.key()`, e.g. `arxiv:2005.12872`)."""
    evidence: str = "vault"


@dataclass(frozen=True)
class Claim:
    """One paper's evidence for being called by a name."""

    paper: Paper
    evidence: str

    @property
    def strong(self) -> bool:
        return self.evidence not in WEAK


def fold(name: str) -> str:
    """The form two spellings of one name share: `DALL·E 2`/`DALL.E 2`, `Mask RCNN`/`Mask R-CNN`."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[^\w+]|_", "", text)


def is_name_only(mention: Mention) -> bool:
    """A mention that writes only a short name: marked so by the parser, or a single token."""
    return mention.is_name or (
        not mention.alias and " " not in mention.title.strip() and bool(fold(mention.title))
    )


def title_names(title: str) -> tuple[Name, ...]:
    """Names a paper's own title gives it: before its colon, after its last `with`, or whole."""
    title = " ".join(title.split())
    found: list[Name] = []
    head, colon, rest = _colon_parts(title)
    if colon and rest and 0 < len(head.split()) <= PREFIX_WORDS:
        found.append(Name(head, "title-prefix"))
    elif not colon and len(title.split()) <= WHOLE_TITLE_WORDS:
        found.append(Name(title, "title"))
    suffix = _SUFFIX.search(title.rstrip("?.!"))
    if suffix and _DISTINCT.match(suffix["name"]):
        found.append(Name(suffix["name"], "title-suffix"))
    return tuple(found)


def _colon_parts(title: str) -> tuple[str, str, str]:
    parts = re.split(r"\s*[:：]\s*", title, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else (title, "", "")


def abstract_names(abstract: str) -> tuple[Name, ...]:
    """Names an abstract defines: `Momentum Contrast (MoCo)` after `we present`, `called … or
    DETR`, `We introduce AlphaCode, a …`. A definition without a proposing verb in its sentence
    (`e.g., in Momentum Contrast (MoCo)`) is only a mention of someone else's name."""
    found: list[Name] = []
    for sentence in _SENTENCE.split(" ".join(abstract.split())):
        for match in _DEFINED.finditer(sentence):
            start = _long_form(match["name"], match["before"])
            if start is not None:
                lead = sentence[: match.start()] + " ".join(match["before"].split()[:start])
                evidence = "abstract" if _PROPOSING.search(lead) else "abstract-mention"
                found.append(Name(match["name"], evidence))
        for pattern in (_CALLED, _PRESENT):
            for match in pattern.finditer(sentence):
                found.append(Name(match["name"].rstrip("."), "abstract"))
    return tuple(found)


def _long_form(name: str, before: str) -> int | None:
    """Where in `before` the words `name` abbreviates start (`… Momentum Contrast` for `MoCo`):
    its letters in order through the last few words, the first being a word's first letter."""
    letters = [c for c in fold(name) if c.isalpha()]
    words = before.split()
    if not letters or not any(c.isupper() for c in name):
        return None
    for start in range(len(words) - 1, max(len(words) - ACRONYM_WORDS, 0) - 1, -1):
        text = " ".join(words[start:]).casefold()
        if text[:1] == letters[0] and _subsequence(letters, text):
            return start if len(words) - start <= len(letters) else None
    return None


def _subsequence(letters: Sequence[str], text: str) -> bool:
    remaining = iter(text)
    return all(letter in remaining for letter in letters)


def names_of(paper: Paper) -> tuple[Name, ...]:
    """Every name the evidence gives `paper`: its title, its abstract, names already on it."""
    return (
        *paper.names,
        *title_names(paper.title),
        *(abstract_names(paper.abstract) if paper.abstract else ()),
    )


def claims(name: str, candidates: Iterable[Paper], aliases: Sequence[Alias] = ()) -> list[Claim]:
    """Each candidate's best evidence for being called `name`, strongest first."""
    folded = fold(name)
    given = {alias.key: alias.evidence for alias in aliases if fold(alias.name) == folded}
    best: dict[str, Claim] = {}
    for paper in candidates:
        key = paper.key or f"title:{normalise(paper.title)}"
        evidence = [given[key]] if key in given else []
        evidence += [n.evidence for n in names_of(paper) if fold(n.text) == folded]
        for kind in evidence:
            if kind in RANK and (key not in best or RANK[kind] < RANK[best[key].evidence]):
                best[key] = Claim(paper, kind)
    return sorted(best.values(), key=lambda c: (RANK[c.evidence], c.paper.key or ""))


def nearest(name: str, candidates: Iterable[Paper], count: int = 3) -> tuple[str, ...]:
    """The names candidates do have that look most like `name`, for a person to compare."""
    folded = fold(name)
    written = {n.text: fold(n.text) for paper in candidates for n in names_of(paper)}
    ranked = sorted(written, key=lambda text: (-_likeness(folded, written[text]), text))
    return tuple(ranked[:count])


def _likeness(a: str, b: str) -> float:
    shared = sum(1 for x, y in zip(a, b, strict=False) if x == y)
    return shared / max(len(a), len(b), 1)


def learn(mentions: Iterable[Mention]) -> dict[str, str]:
    """Names the log teaches: `ResNet: Deep Residual…` or `(ViT)An Image is…` makes `ResNet`
    and `ViT` mean those titles. A name taught two different titles teaches nothing."""
    taught: dict[str, str] = {}
    clashing: set[str] = set()
    for mention in mentions:
        named = mention_name(mention) if not is_name_only(mention) else None
        if not named or not named[1]:
            continue
        name = fold(mention.alias or named[0])
        title = mention.title if mention.alias else named[1]
        if name in taught and normalise(taught[name]) != normalise(title):
            clashing.add(name)
        taught.setdefault(name, title)
    return {name: title for name, title in taught.items() if name not in clashing}


def teach(mentions: Iterable[Mention], taught: dict[str, str]) -> tuple[Mention, ...]:
    """Name-only mentions whose name the log taught get that title (their name kept as alias),
    so they resolve, and gather, with the mention that wrote the title."""
    return tuple(
        replace(mention, alias=mention.alias or mention.title, title=taught[fold(mention.title)])
        if is_name_only(mention) and fold(mention.title) in taught
        else mention
        for mention in mentions
    )
