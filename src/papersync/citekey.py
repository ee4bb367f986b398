"""Citation keys: a small formula language, and stable assignment that never renames a key.

A formula is terms joined by `+`; each term is a function with optional integer arguments
and `.modifier`s, or a quoted literal. The default mirrors Better BibTeX's
`auth.lower + year + shorttitle(1,0).lower` and gives `kingma2013autoencoding`.

Functions (every value is ASCII-folded; characters other than letters and digits dropped):
- `auth`, `auth(n)`: the first author's family name (its first `n` characters).
- `authors`, `authors(n)`: family names of all (the first `n`) authors, run together,
  with `EtAl` appended when authors were left out.
- A paper with no author (or none whose name has an ASCII letter) uses its first significant
  title word as the name, and the title functions below then start at the next word:
  `Deep Residual Learning` (2016, no author) → `deep2016residual`.
- `year`: four digits; `shortyear`: the last two. Empty when the year is unknown.
- `shorttitle(n,m)`: the first `n` significant words of the title (stop words such as
  a, an, the, of, on, towards are skipped), the first `m` of them capitalised;
  `shorttitle` alone is `shorttitle(3,3)`, `veryshorttitle` is `shorttitle(1,0)`.
- `title`: every significant word of the title, capitalised.
- `'text'`: a literal made of letters, digits and `_ - : .`.
Modifiers: `.lower`, `.upper`.

A key with no ASCII letter at all (a CJK-only title and names, say) becomes `ref` followed by
the paper's identity with punctuation dropped (`refarxiv230100001`), so it is still unique.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass

from papersync.errors import FormulaError
from papersync.model import Paper

DEFAULT_FORMULA = "auth.lower + year + shorttitle(1,0).lower"

VALID_KEY = re.compile(r"[A-Za-z0-9_.:/\-]+")
"""What a key may contain so that bibtex, biber and hyperref all accept it."""

_SKIP_WORDS = """
    a ab aboard about above across after against al along amid among an and anti around as
    at before behind below beneath beside besides between beyond but by d da das de del dell
    dello dei degli della delle dem den der des despite die do down du during ein eine einem
    einen einer eines el en et except for from gli i il in inside into is l la las le les like
    lo los near nor of off on onto or over past per plus round save since so some sur than the
    through to toward towards un una unas under underneath une unlike uno unos until up upon
    versus via von while with within without yet zu zum"""
STOP_WORDS = frozenset(_SKIP_WORDS.split())
"""Better BibTeX's skip words: articles and prepositions that make a poor key word."""

_FOLD = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
        "ı": "i",
    }
)  # fmt: skip
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_LITERAL = re.compile(r"[A-Za-z0-9_.:\-]*")


def fold(text: str) -> str:
    """ASCII-fold: `Müller` → `Muller`, `Łukasz` → `Lukasz`; what has no ASCII form is dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _words(title: str) -> list[str]:
    """Title words, folded and stripped of punctuation (`Auto-Encoding` → `AutoEncoding`)."""
    return [w for w in (_NOT_ALNUM.sub("", t) for t in fold(title).split()) if w]


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class _View:
    """What the functions read of one paper, folded once: names, significant title words, year.

    With no usable author name, the first title word stands in as the name and title
    functions start after it, so an anonymous paper is not keyed `deep2016deep`.
    """

    names: tuple[str, ...]
    words: tuple[str, ...]
    year: int | None

    @classmethod
    def of(cls, paper: Paper, uses_names: bool) -> _View:
        names = tuple(n for n in (_NOT_ALNUM.sub("", fold(a.family)) for a in paper.authors) if n)
        words = tuple(w for w in _words(paper.title) if w.lower() not in STOP_WORDS)
        if not names and uses_names and words:
            return cls(words[:1], words[1:], paper.year)
        return cls(names, words, paper.year)


def _auth(view: _View, args: tuple[int, ...]) -> str:
    name = view.names[0] if view.names else ""
    return name[: args[0]] if args else name


def _authors(view: _View, args: tuple[int, ...]) -> str:
    limit = args[0] if args else len(view.names)
    return "".join(view.names[:limit]) + ("EtAl" if len(view.names) > limit else "")


def _year(view: _View, args: tuple[int, ...]) -> str:
    return f"{view.year:04d}" if view.year is not None else ""


def _shortyear(view: _View, args: tuple[int, ...]) -> str:
    return _year(view, args)[-2:]


def _shorttitle(view: _View, args: tuple[int, ...]) -> str:
    count, capitalised = args if args else (3, 3)
    words = view.words[:count]
    return "".join(_capitalise(w) if i < capitalised else w for i, w in enumerate(words))


def _veryshorttitle(view: _View, args: tuple[int, ...]) -> str:
    return _shorttitle(view, (1, 0))


def _title(view: _View, args: tuple[int, ...]) -> str:
    return "".join(_capitalise(w) for w in view.words)


_Function = Callable[[_View, tuple[int, ...]], str]


@dataclass(frozen=True)
class _Signature:
    function: _Function
    arities: tuple[int, ...]


_FUNCTIONS: dict[str, _Signature] = {
    "auth": _Signature(_auth, (0, 1)),
    "authors": _Signature(_authors, (0, 1)),
    "year": _Signature(_year, (0,)),
    "shortyear": _Signature(_shortyear, (0,)),
    "shorttitle": _Signature(_shorttitle, (0, 2)),
    "veryshorttitle": _Signature(_veryshorttitle, (0,)),
    "title": _Signature(_title, (0,)),
}
_MODIFIERS: dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper}


@dataclass(frozen=True)
class Term:
    """One `+`-separated part of a formula: a function call or a literal, then modifiers."""

    name: str | None
    args: tuple[int, ...] = ()
    modifiers: tuple[str, ...] = ()
    literal: str = ""

    def render(self, view: _View) -> str:
        if self.name is None:
            text = self.literal
        else:
            text = _FUNCTIONS[self.name].function(view, self.args)
        for modifier in self.modifiers:
            text = _MODIFIERS[modifier](text)
        return text


@dataclass(frozen=True)
class Formula:
    source: str
    terms: tuple[Term, ...]

    def render(self, paper: Paper) -> str:
        """The key this formula gives `paper`, before collisions are resolved."""
        uses_names = any(term.name in ("auth", "authors") for term in self.terms)
        view = _View.of(paper, uses_names)
        return "".join(term.render(view) for term in self.terms)


_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_]\w*)|(?P<int>\d+)|(?P<str>'[^']*')|(?P<op>[+().,]))")


def parse(formula: str) -> Formula:
    """Compile a formula, raising `FormulaError` that names the bad part and its position."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(formula):
        if formula[pos:].strip() == "":
            break
        found = _TOKEN.match(formula, pos)
        if not found or found.lastgroup is None:
            start = len(formula) - len(formula[pos:].lstrip())
            raise FormulaError(f"unexpected {formula[start]!r} at position {start + 1}")
        tokens.append((found.lastgroup, found.group(found.lastgroup), found.start(found.lastgroup)))
        pos = found.end()
    if not tokens:
        raise FormulaError("empty formula")
    return Formula(formula, tuple(_Parser(formula, tokens).terms()))


class _Parser:
    """Recursive descent over `term ('+' term)*`; keeps its place in the token list."""

    def __init__(self, formula: str, tokens: list[tuple[str, str, int]]) -> None:
        self.formula = formula
        self.tokens = tokens
        self.index = 0

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self, kind: str, text: str | None = None, wanted: str = "") -> tuple[str, str, int]:
        token = self._peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            where = f"{token[1]!r} at position {token[2] + 1}" if token else "the end"
            raise FormulaError(f"expected {wanted or text or kind} but found {where}")
        self.index += 1
        return token

    def terms(self) -> list[Term]:
        terms = [self._term()]
        while self._peek() is not None:
            self._take("op", "+", "'+' between terms")
            terms.append(self._term())
        return terms

    def _term(self) -> Term:
        token = self._peek()
        if token is not None and token[0] == "str":
            self.index += 1
            literal = token[1][1:-1]
            if not _LITERAL.fullmatch(literal):
                raise FormulaError(
                    f"literal {token[1]} at position {token[2] + 1} may hold only letters, "
                    "digits and _ - : ."
                )
            return Term(None, literal=literal)
        _, name, at = self._take("name", wanted="a function or a 'literal'")
        signature = _FUNCTIONS.get(name)
        if signature is None:
            known = ", ".join(sorted(_FUNCTIONS))
            raise FormulaError(f"unknown function {name!r} at position {at + 1} (known: {known})")
        args = self._args()
        if len(args) not in signature.arities:
            counts = " or ".join(str(n) for n in signature.arities)
            raise FormulaError(
                f"{name} at position {at + 1} takes {counts} arguments, not {len(args)}"
            )
        modifiers = []
        while (token := self._peek()) is not None and token[:2] == ("op", "."):
            self.index += 1
            _, modifier, mat = self._take("name", wanted="a modifier after '.'")
            if modifier not in _MODIFIERS:
                known = ", ".join(sorted(_MODIFIERS))
                raise FormulaError(
                    f"unknown modifier {modifier!r} at position {mat + 1} (known: {known})"
                )
            modifiers.append(modifier)
        return Term(name, args, tuple(modifiers))

    def _args(self) -> tuple[int, ...]:
        token = self._peek()
        if token is None or token[:2] != ("op", "("):
            return ()
        self.index += 1
        args = [int(self._take("int", wanted="a whole number")[1])]
        while (token := self._peek()) is not None and token[:2] == ("op", ","):
            self.index += 1
            args.append(int(self._take("int", wanted="a whole number")[1]))
        self._take("op", ")", "')'")
        return tuple(args)


def is_valid(citekey: str) -> bool:
    return VALID_KEY.fullmatch(citekey) is not None


def _base(paper_key: str, paper: Paper, formula: Formula) -> str:
    key = formula.render(paper)
    if not re.search(r"[A-Za-z]", key):
        key = "ref" + _NOT_ALNUM.sub("", paper_key.lower())
    return key


def _suffixes() -> Iterator[str]:
    """`a` … `z`, then `aa` … `zz`, and so on without end."""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def assign(
    papers: Mapping[str, Paper],
    pinned: Mapping[str, str],
    formula: str = DEFAULT_FORMULA,
    reserved: Collection[str] = (),
    seniority: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Give every paper (by paper key) a citation key, keeping every pinned one as it is.

    Pinned keys (of any paper, present or not) and `reserved` keys (e.g. hand-written entries
    already in the .bib) are taken first; new papers are then keyed in a stable order
    (`seniority`, year, title, paper key) and a taken key gets `a`, `b`, … appended.
    `seniority` (e.g. the date a paper was first read) makes a growing log, keyed run by run,
    end with the keys one run over the whole log gives: earlier papers claim keys first.
    Keys compare case-insensitively, as BibTeX does. Raises `FormulaError` for a bad formula.
    """
    compiled = parse(formula)
    taken = {key.casefold() for key in pinned.values()} | {key.casefold() for key in reserved}
    result = {paper_key: pinned[paper_key] for paper_key in papers if paper_key in pinned}

    def order(paper_key: str) -> tuple[str, int, str, str]:
        paper = papers[paper_key]
        year = paper.year if paper.year is not None else 10_000
        return ((seniority or {}).get(paper_key, ""), year, paper.title, paper_key)

    for paper_key in sorted((k for k in papers if k not in pinned), key=order):
        base = _base(paper_key, papers[paper_key], compiled)
        key = base
        if key.casefold() in taken:
            key = next(base + s for s in _suffixes() if (base + s).casefold() not in taken)
        taken.add(key.casefold())
        result[paper_key] = key
    return result
