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

from papersync.model import Ids, Mention, Name, Paper
from papersync.similarity import STOPWORDS, mention_name, normalise

PERSON = ("vault", "review")
"""Evidence a person gave: it settles a name whatever the papers say."""
STRONG = ("log", "title", "title-prefix", "abstract", "title-acronym")
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
ACRONYM_TITLE_WORDS = 4
"""A title this short with no colon is also named by its initials (`Contrastive Multiview Coding`
is `CMC`): strong only beside the name written in its text, which retrieval requires."""

_NAME_SHAPE = r"[A-Z][\w.+·-]*(?:[ -][\w.+·-]+){0,2}?"
_DISTINCT = re.compile(r"^(?=.*[A-Z].*[A-Z]|.*\d)\S+$|^[A-Z][a-z]+[A-Z]\S*$")
"""A one-token name that cannot be an ordinary word: two capitals or a digit (`AlphaCode`)."""
_SUFFIX = re.compile(r"\b(?:with|via|using|by|of|from|for|in|and)\s+(?P<name>\S+)\s*$")
_DEFINED = re.compile(r"(?P<before>[^()]{0,200}?)\((?P<name>[^()\s,;]{2,20}(?: v?\d+)?)\)")
_END = r"[\"”]?(?=[\s,.;:)]|$)"
_CALLED = re.compile(
    r"(?<!-)\b(?:call|called|named|dubbed|termed|coined|namely)\s+(?:[a-z]+\s+){0,3}?"
    r"(?:(?P<long>[^,.;()]{1,60}?)\s+or\s+)?[\"“]?(?P<name>" + _NAME_SHAPE + r")" + _END
)
_PRESENT = re.compile(
    r"\b(?:[Ww]e|[Tt]his (?:paper|work|note))\s+(?:also\s+)?(?:present|introduce|propose|release"
    r"|develop|describe|report|train)s?(?:\s+the\s+development\s+of)?\s+[\"“]?(?P<name>"
    + _NAME_SHAPE
    + r")[\"”]?[,:]\s+(?:a|an|the)\b"
)
_APPOSITION = re.compile(
    r"(?:\b[Ww]e\s+(?:propose|present|introduce)\w*\s+an?\s|\b[Oo]ur\s"
    r"|\b[Tt]he\s+(?:improved|resulting|proposed|new)\s)[^,.;]{1,60},\s+[\"“]?"
    r"(?P<name>" + _NAME_SHAPE + r")[\"”]?,"
)
_QUOTED = re.compile(r"[\"“](?P<name>[^\"”\s]{2,24}?)[,.]?[\"”]")
"""A quoted name (`Our "SimSiam" method`): a definition where the sentence brings it."""
_PRESENT_BARE = re.compile(
    r"\b[Ww]e\s+(?:present|propose|introduce)\s+(?P<name>[A-Z]\S*)\s+(?:networks?|models?|method)\b"
)
_PROPOSING = re.compile(
    r"\b(?:we|this paper|this work|our)\b.*\b(?:present|introduce|propose|call|name|term|dub"
    r"|develop|design|release|build|train)\w*(?:\s+[^\s,;]+){0,3}\s*$",
    re.IGNORECASE,
)
"""The words before a long form, when they say the paper brings it: `We present [a new] …`."""
_PROPOSING_BEFORE = re.compile(
    r"\b(?:we|our|this paper|this work)\b.*\b(?:present|introduce|propose|design|develop|call"
    r"|name)\w*\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Alias:
    """A name a person gave a paper: a note's `aliases` (`vault`) or a choice in `review`."""

    name: str
    ids: Ids
    """The paper's ids as the note or the lock holds them: resolve looks the paper up by them
    (`given`) so that it is among the candidates."""
    evidence: str = "vault"


def given(name: str, aliases: Iterable[Alias]) -> tuple[Ids, ...]:
    """The ids of the papers a person named `name`: resolve fetches these as candidates."""
    folded = fold(name)
    return tuple(dict.fromkeys(a.ids for a in aliases if fold(a.name) == folded))


@dataclass(frozen=True)
class Claim:
    """One paper's evidence for being called by a name."""

    paper: Paper
    evidence: str

    @property
    def strong(self) -> bool:
        return self.evidence not in WEAK


def fold(name: str) -> str:
    """The form two spellings of one name share: `DALL·E 2`/`DALL.E 2`, `Mask RCNN`/`Mask R-CNN`,
    `MobileNets`/`MobileNet` (a plural `s` after a letter is dropped), `MoCov1`/`MoCo`."""
    text = re.sub(r"[^\w+]|_", "", unicodedata.normalize("NFKC", searchable(name)).casefold())
    return text[:-1] if len(text) > 3 and text.endswith("s") and text[-2].isalpha() else text


def searchable(name: str) -> str:
    """The name as a paper writes it: a first version is unnumbered (`MoCov1` is `MoCo`)."""
    return re.sub(r"(?<=[A-Za-z])[\s-]?v1$", "", name.strip())


def is_name_only(mention: Mention) -> bool:
    """A mention that writes only a short name: marked so by the parser, or a single token that
    is not an id or a link (those are decided by the id they carry)."""
    title = mention.title.strip()
    return mention.is_name or (
        not mention.alias
        and not mention.ids
        and " " not in title
        and bool(fold(title))
        and "/" not in title
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
    words = normalise(title).split()
    if not colon and 2 <= len(words) <= ACRONYM_TITLE_WORDS:
        initials = "".join(w[0] for w in words if w not in STOPWORDS)
        found.append(Name(initials.upper(), "title-acronym"))
    suffix = _SUFFIX.search(title.rstrip("?.!"))
    if suffix and _DISTINCT.match(suffix["name"]):
        found.append(Name(suffix["name"], "title-suffix"))
    return tuple(found)


def _colon_parts(title: str) -> tuple[str, str, str]:
    parts = re.split(r"\s*[:：]\s*", title, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else (title, "", "")


def abstract_names(abstract: str, title: str = "") -> tuple[Name, ...]:
    """Names an abstract defines: `Momentum Contrast (MoCo)` right after `we present`, `called …
    or DETR`, `We introduce AlphaCode, a …`, or a long form that opens the paper's own title
    (`masked autoencoders (MAE)` in `Masked Autoencoders Are…`). Any other definition
    (`e.g., in Momentum Contrast (MoCo)`) only mentions a name, maybe someone else's."""
    found: list[Name] = []
    for sentence in _SENTENCE.split(" ".join(abstract.split())):
        for match in _DEFINED.finditer(sentence):
            words = match["before"].split()
            start = _long_form(match["name"], match["before"])
            if start is not None:
                lead = sentence[: match.start()] + " ".join(words[:start])
                own = _opens(" ".join(words[start:]), title)
                strong = own or _PROPOSING.search(lead)
                found.append(Name(match["name"], "abstract" if strong else "abstract-mention"))
                if strong:
                    found.append(Name(" ".join(words[start:]), "abstract"))
        for pattern in (_CALLED, _PRESENT, _APPOSITION, _PRESENT_BARE):
            for match in pattern.finditer(sentence):
                found.append(Name(match["name"].rstrip(".,"), "abstract"))
        for match in _QUOTED.finditer(sentence):
            before = sentence[: match.start()]
            if _DISTINCT.match(match["name"]) and (
                _PROPOSING_BEFORE.search(before) or re.search(r"\b[Oo]ur\s+$", before)
            ):
                found.append(Name(match["name"], "abstract"))
    return tuple(found)


def _long_form(name: str, before: str) -> int | None:
    """Where in `before` the words `name` abbreviates start (`… Momentum Contrast` for `MoCo`):
    its letters in order through the last few words, the first being a word's first letter."""
    letters = [c for c in fold(name) if c.isalnum()]
    words = before.split()
    if not letters or not any(c.isupper() for c in name):
        return None
    for start in range(len(words) - 1, max(len(words) - ACRONYM_WORDS, 0) - 1, -1):
        text = " ".join(words[start:]).casefold()
        if text[:1] == letters[0] and _subsequence(letters, text):
            content = [w for w in words[start:] if w.casefold() not in STOPWORDS]
            return start if len(content) <= len(letters) else None
    return None


def _opens(long_form: str, title: str) -> bool:
    """The paper's title starts with the long form (`Temporal Segment Network` opens `Temporal
    Segment Networks: …`): the name is the paper's own."""
    stems = [w.removesuffix("s") for w in normalise(long_form).split()]
    opening = [w.removesuffix("s") for w in normalise(title).split()[: len(stems)]]
    return len(stems) >= 2 and stems == opening


def _subsequence(letters: Sequence[str], text: str) -> bool:
    remaining = iter(text)
    return all(letter in remaining for letter in letters)


def _headed(name: str, paper: Paper) -> bool:
    """The title opens with the name and the abstract brings it, in any case (`Two-Stream
    Convolutional Networks…` and `we propose a two-stream ConvNet`)."""
    words = paper.title.split()
    if not paper.abstract or not words or fold(words[0]) != fold(name):
        return False
    brings = re.compile(
        r"\b(?:we|this paper)\s+(?:present|propose|introduce)s?\s+(?:(?:a|an|the)\s+)?"
        + re.escape(words[0]),
        re.IGNORECASE,
    )
    return bool(brings.search(paper.abstract))


def names_of(paper: Paper) -> tuple[Name, ...]:
    """Every name the evidence gives `paper`: its title, its abstract, names already on it."""
    return (
        *paper.names,
        *title_names(paper.title),
        *(abstract_names(paper.abstract, paper.title) if paper.abstract else ()),
    )


def claims(name: str, candidates: Iterable[Paper], aliases: Sequence[Alias] = ()) -> list[Claim]:
    """Each candidate's best evidence for being called `name`, strongest first."""
    folded = fold(name)
    person = {a.ids.key(): a.evidence for a in aliases if fold(a.name) == folded}
    best: dict[str, Claim] = {}
    for paper in candidates:
        key = paper.key or f"title:{normalise(paper.title)}"
        evidence = [person[key]] if key in person else []
        evidence += [n.evidence for n in names_of(paper) if fold(n.text) == folded]
        evidence += ["title"] if _headed(name, paper) else []
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
        title = mention.title if normalise(mention.title) == named[1] else named[1]
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
