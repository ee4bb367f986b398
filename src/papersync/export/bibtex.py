"""The .bib target: entries a LaTeX document can cite at once, merged into the user's own file.

Merging. The existing file is cut into top-level blocks at each `@` that starts a line
(leading blanks allowed), each running to its matching closing brace or parenthesis, braces
counted as BibTeX counts them. An entry is papersync's when its key (compared without case,
as BibTeX does) is the citation key of a reference being exported or is pinned in the lock
file's `papers`; everything else — other entries, `@string`/`@preamble`/`@comment`, free
text between blocks — is copied byte for byte, in place. papersync's entries are written,
sorted by key, into the places its entries held (with the blank lines after them) slot by
slot; extra ones go after the last block, spare slots are dropped (a paper left the log).
So papersync's part of the file does not depend on the history of runs. A block under a key
papersync owns that is not in the exact shape papersync writes (see `written_by_papersync`)
was written or edited by a person: it is left as it is and reported, never overwritten.
A `%` comment block at the end, between two marker lines, lists what was not exported; it is
replaced on every run. bibtexparser only writes papersync's own entries, so nothing of the
user's is ever re-serialised.

Text. Values are plain text from sources, never trusted LaTeX: `& % $ # _ { } ~ ^ \\ < > |`
are escaped (braces as `\\textbraceleft{}`, since BibTeX counts `\\{` as a brace). A `$…$`
span that looks like math (non-blank just inside each `$`, no digit right after the closing
one, balanced braces) is kept as math and braced; any other `$` is a dollar sign. Title words
with a capital after their first character (`BERT`, `ImageNet`, `T5`) or a lone capital other
than `A` are braced so styles keep their case. In ASCII mode, accented letters become BibTeX
special characters (`{\\"u}`), Greek letters math; characters with no LaTeX spelling (CJK)
stay UTF-8 and are reported.

Entries. A journal paper is `@article`, a proceedings paper `@inproceedings`, a book
`@book`, a report `@techreport` — when the fields bibtex's standard styles require are known;
otherwise `@misc` (biblatex: `@online` when there is a link), so plain styles never warn
about a missing field (plainnat still wants a year of every entry; none is invented).
arXiv ids become `eprint` + `archivePrefix`/`primaryClass` (biblatex:
`eprinttype`/`eprintclass`) beside any venue. Nothing is invented; the one field not from a
source is bibtex's `key` (the title) on author-less entries, which styles sort and label by.
Ambiguous matches exported on request carry an `annote` saying so (styles do not print it).

A key renamed by hand in the lock file leaves its old entry behind as the user's own (papersync
no longer owns that key); delete it by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bwriter import BibTexWriter

from papersync import atomic
from papersync.citekey import is_valid
from papersync.export import Outcome
from papersync.lock import Lock, Pins
from papersync.model import Author, Match, Paper, PaperKind, Reference, Status

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
_MATH = re.compile(r"\$(?=\S)([^$]*?\S)\$(?!\d)")
_WORD = re.compile(r"[^\W_]+")
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_BLOCK_START = re.compile(r"^[ \t]*@", re.MULTILINE)
_BLOCK_HEAD = re.compile(r"@[ \t\r\n]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_KEY = re.compile(r"[ \t\r\n]*([^,\s{}()\"#%'=]*)")
_TRAILING_BLANKS = re.compile(r"(?:[ \t]*\r?\n)*(?:[ \t]+\Z)?")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '{}\\"')
_NOT_ENTRIES = {"comment", "string", "preamble"}
_FIELD_ORDER = [
    "author", "title", "journal", "journaltitle", "booktitle", "howpublished", "publisher",
    "institution", "year", "date", "volume", "number", "pages", "doi", "eprint",
    "archiveprefix", "eprinttype", "primaryclass", "eprintclass", "url", "key", "annote",
]  # fmt: skip


# --- text --------------------------------------------------------------------------------


@dataclass
class _Untypable:
    """Characters met that have no ASCII LaTeX spelling; collected to report, not to fail."""

    chars: set[str] = field(default_factory=set)


def latex(
    text: str, *, ascii: bool, title: bool = False, untypable: _Untypable | None = None
) -> str:
    """Plain text → a BibTeX field value that compiles; see the module docstring for the rules."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
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


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _math(text: str, ascii: bool, untypable: _Untypable | None) -> str:
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


def _text(text: str, ascii: bool, title: bool, untypable: _Untypable | None) -> str:
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


def _char(char: str, ascii: bool, untypable: _Untypable | None) -> str:
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


def _keep(char: str, untypable: _Untypable | None) -> str:
    if untypable is not None:
        untypable.chars.add(char)
    return char


def _verbatim(value: str) -> str:
    """URL-like fields stay verbatim; only what would break the .bib is percent-encoded.

    Existing `%xx` escapes are kept; a `%` that starts none becomes `%25`.
    """
    return quote(_LONE_PERCENT.sub("%25", value.strip()), safe=_URL_SAFE)


def latex_name(author: Author, ascii: bool, untypable: _Untypable | None = None) -> str:
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


# --- entries -----------------------------------------------------------------------------


def _date(paper: Paper) -> str | None:
    agrees = paper.year is None or (paper.date or "").startswith(f"{paper.year:04d}")
    if paper.date and _ISO_DATE.fullmatch(paper.date) and agrees:
        return paper.date
    return f"{paper.year:04d}" if paper.year is not None else None


def entry_fields(
    reference: Reference, *, dialect: str, ascii: bool, untypable: _Untypable | None = None
) -> tuple[str, dict[str, str]]:
    """Entry type and fields for one reference: only what its source said, in BibTeX spelling."""
    paper = reference.paper
    biblatex = dialect == "biblatex"

    def text(value: str | None) -> str | None:
        return latex(value, ascii=ascii, untypable=untypable) if value else None

    names = [latex_name(a, ascii, untypable) for a in paper.authors if a.family or a.given]
    venue, publisher = text(paper.venue), text(paper.publisher)
    year = f"{paper.year:04d}" if paper.year is not None else None
    fields: dict[str, str | None] = {
        "author": " and ".join(names) or None,
        "title": latex(paper.title, ascii=ascii, title=True, untypable=untypable) or None,
    }
    complete = bool(names) and (year is not None or biblatex)
    kind = paper.kind
    if kind is PaperKind.ARTICLE and venue and complete:
        entrytype = "article"
        fields["journaltitle" if biblatex else "journal"] = venue
        fields.update(volume=text(paper.volume), number=text(paper.issue), pages=text(paper.pages))
    elif kind is PaperKind.CONFERENCE and venue and complete:
        entrytype = "inproceedings"
        fields.update(booktitle=venue, publisher=publisher, pages=text(paper.pages))
    elif kind is PaperKind.BOOK and publisher and complete:
        entrytype = "book"
        fields["publisher"] = publisher
    elif kind is PaperKind.REPORT and publisher and complete:
        entrytype = "techreport"
        fields["institution"] = publisher
    else:
        # an arXiv preprint's venue says "arXiv" again; any other venue is worth keeping
        howpublished = None if kind is PaperKind.PREPRINT and paper.ids.arxiv else venue
        linked = bool(paper.ids.arxiv or paper.ids.doi or paper.url)
        entrytype = "online" if biblatex and linked and not howpublished else "misc"
        fields["howpublished"] = howpublished
        fields["publisher"] = publisher if kind is not PaperKind.PREPRINT else None
    if biblatex:
        fields["date"] = _date(paper)
    else:
        fields["year"] = year
        if not names:  # bibtex styles sort and label by `key` when there is no author
            fields["key"] = latex(paper.title, ascii=ascii, untypable=untypable) or None
    fields["doi"] = _verbatim(paper.ids.doi) if paper.ids.doi else None
    if paper.ids.arxiv:
        fields["eprint"] = _verbatim(paper.ids.arxiv)
        if biblatex:
            fields.update(eprinttype="arxiv", eprintclass=text(paper.primary_class))
        else:
            fields.update(archiveprefix="arXiv", primaryclass=text(paper.primary_class))
    url = paper.url or (f"https://arxiv.org/abs/{paper.ids.arxiv}" if paper.ids.arxiv else None)
    fields["url"] = _verbatim(url) if url else None
    if reference.status is Status.AMBIGUOUS:
        where = ", ".join(f"{m.file}:{m.line}" for m in reference.mentions[:3])
        note = "papersync: uncertain match, check it before citing" + (
            f" ({where})" if where else ""
        )
        fields["annote"] = latex(note, ascii=ascii)
    return entrytype, {k: v for k, v in fields.items() if v}


_SPELLING = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
_OWN_SHAPE = re.compile(r"@[a-z]+\{[^,\s{}]+(?P<fields>(?:,\n  [A-Za-z]+ = \{[^\n]*\})*)\n\}")
_OWN_FIELD = re.compile(r",\n  ([A-Za-z]+) = ")


def written_by_papersync(block: str) -> bool:
    """Whether a block has exactly the shape papersync writes: its fields, in its order.

    Anything else under a key papersync owns was written or edited by hand, and is left alone;
    an edit that keeps this shape (a retyped title) cannot be told apart and is overwritten.
    """
    shape = _OWN_SHAPE.fullmatch(block)
    if shape is None:
        return False
    names = [_SPELLING.get(f, f) for f in _FIELD_ORDER]
    found = _OWN_FIELD.findall(shape.group("fields"))
    if not set(found) <= set(names):
        return False
    return found == sorted(found, key=names.index)


def _write(citekey: str, entrytype: str, fields: dict[str, str]) -> str:
    database = BibDatabase()
    database.entries = [
        {
            "ENTRYTYPE": entrytype,
            "ID": citekey,
            **{_SPELLING.get(k, k): v for k, v in fields.items()},
        }
    ]
    writer = BibTexWriter()
    writer.indent = "  "
    writer.order_entries_by = None
    writer.display_order = [_SPELLING.get(k, k) for k in _FIELD_ORDER]
    return str(writer.write(database)).rstrip("\n")


# --- the file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One `@…` block of a .bib file: where it sits, its type, and its key (None if it has none)."""

    start: int
    end: int
    entrytype: str
    key: str | None
    closed: bool = True


def split_blocks(text: str) -> list[Block]:
    """Top-level `@` blocks in file order; an unclosed one runs to the next line-start `@`."""
    blocks = []
    pos = 0
    while (found := _BLOCK_START.search(text, pos)) is not None:
        start = text.index("@", found.start())
        head = _BLOCK_HEAD.match(text, start)
        if head is None:
            pos = start + 1
            continue
        entrytype = head.group(1).lower()
        end = _closing(text, head.end(), head.group(2))
        key_match = _KEY.match(text, head.end())
        key = key_match.group(1) if key_match and entrytype not in _NOT_ENTRIES else None
        if end is None:
            following = _BLOCK_START.search(text, head.end())
            end = following.start() if following else len(text)
            blocks.append(Block(start, end, entrytype, None, closed=False))
        else:
            blocks.append(Block(start, end, entrytype, key or None))
        pos = end
    return blocks


def _closing(text: str, pos: int, opener: str) -> int | None:
    depth = 0
    for i in range(pos, len(text)):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i + 1 if opener == "{" else None
            depth -= 1
        elif char == ")" and opener == "(" and depth == 0:
            return i + 1
    return None


def entry_keys(text: str) -> tuple[str, ...]:
    """Keys of every entry in a .bib text, in file order."""
    return tuple(b.key for b in split_blocks(text) if b.key is not None)


def _without_listing(text: str) -> str:
    """The text with papersync's not-exported comment block (and the blank lines after it) cut."""
    begin = re.search(r"^" + re.escape(BEGIN_MARK) + r"$", text, re.MULTILINE)
    if begin is None:
        return text
    end = re.compile(r"^" + re.escape(END_MARK) + r"$", re.MULTILINE).search(text, begin.end())
    if end is None:
        return text
    after = _TRAILING_BLANKS.match(text, end.end() + 1)
    return text[: begin.start()] + text[after.end() if after else end.end() :]


def _listing(references: Iterable[Reference], unresolved: Iterable[Match]) -> str | None:
    rows: set[tuple[str, int, str, str]] = set()
    for reference in references:
        for mention in reference.mentions[:1]:
            rows.add((mention.file, mention.line, str(reference.status), mention.title))
    for match in unresolved:
        if match.status in (Status.AMBIGUOUS, Status.UNRESOLVED):
            mention = match.mention
            rows.add((mention.file, mention.line, str(match.status), mention.title))
    if not rows:
        return None
    lines = [BEGIN_MARK]
    for file, line, status, title in sorted(rows):
        row = _SPACE.sub(" ", f"{status} {file}:{line} {title}").strip()
        lines.append("% " + row.replace("@", "(at)"))  # an `@` would start an entry for BibTeX
    lines.append(END_MARK)
    return "\n".join(lines)


@dataclass(frozen=True)
class Merged:
    text: str
    problems: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    exported: frozenset[str] = frozenset()
    """Paper keys of the references written as entries."""


def merge(
    existing: str,
    references: Sequence[Reference],
    unresolved: Sequence[Match],
    lock: Lock,
    *,
    dialect: str = "bibtex",
    ascii: bool = True,
    include_ambiguous: bool = False,
    name: str = "the .bib file",
) -> Merged:
    """The new file text: the user's blocks untouched, papersync's entries brought up to date."""
    problems: list[str] = []
    exported: dict[str, tuple[Reference, str]] = {}
    left_out: list[Reference] = []
    for reference in sorted(references, key=lambda r: (r.citekey.casefold(), r.key)):
        if reference.status is Status.AMBIGUOUS and not include_ambiguous:
            left_out.append(reference)
            continue
        if reference.status not in (Status.MATCHED, Status.AMBIGUOUS):
            left_out.append(reference)
            continue
        if not is_valid(reference.citekey):
            problems.append(
                f"{reference.key}: citation key {reference.citekey!r} is not valid; skipped"
            )
            continue
        folded = reference.citekey.casefold()
        if folded in exported:
            other = exported[folded][0].key
            problems.append(
                f"{reference.key}: citation key {reference.citekey!r} is also {other}'s; skipped"
            )
            continue
        untypable = _Untypable()
        entrytype, fields = entry_fields(
            reference, dialect=dialect, ascii=ascii, untypable=untypable
        )
        if untypable.chars:
            chars = "".join(sorted(untypable.chars))
            problems.append(
                f"{reference.citekey}: no ASCII LaTeX spelling for {chars!r}; kept as UTF-8"
            )
        exported[folded] = (reference, _write(reference.citekey, entrytype, fields))

    pinned = {p.citekey.casefold() for p in lock.papers.values() if p.citekey}
    ours = pinned | set(exported)
    text = _without_listing(existing)
    blocks = split_blocks(text)
    by_hand = {
        b.key.casefold()
        for b in blocks
        if b.key and b.key.casefold() in ours and not written_by_papersync(text[b.start : b.end])
    }
    for block in blocks:
        if block.key and block.key.casefold() in by_hand:
            line = text.count("\n", 0, block.start) + 1
            problems.append(
                f"{name}:{line}: entry {block.key!r} was written or edited by hand; left as is "
                "(delete it to have papersync write it, or set another citekey in the lock file)"
            )
    entries = iter([exported[k][1] for k in sorted(exported) if k not in by_hand])
    pieces: list[str] = []
    present: set[str] = set()
    pos = 0
    ends_ours = False
    kept = 0
    for block in blocks:
        if not block.closed:
            line = text.count("\n", 0, block.start) + 1
            problems.append(f"{name}:{line}: @{block.entrytype} block never closes; kept as is")
        owned = block.key.casefold() if block.key else None
        if owned is None or owned not in ours or owned in by_hand:
            kept += owned is not None
            ends_ours = False
            continue
        if owned in present:
            line = text.count("\n", 0, block.start) + 1
            problems.append(f"{name}:{line}: duplicate entry {block.key!r}; one is kept")
        present.add(owned)
        pieces.append(text[pos : block.start])
        entry = next(entries, None)
        if entry is not None:
            pieces.append(entry + "\n\n")
        blanks = _TRAILING_BLANKS.match(text, block.end)
        pos = blanks.end() if blanks else block.end
        ends_ours = True
    rest = text[pos:]
    body = "".join(pieces) + rest
    tail = list(entries)
    listing = _listing(left_out, unresolved)
    if listing is not None:
        tail.append(listing)
    if tail:
        separator = (
            "" if not body or body.endswith("\n\n") else ("\n" if body.endswith("\n") else "\n\n")
        )
        body = body + separator + "\n\n".join(tail) + "\n"
    elif ends_ours and not rest:
        body = body.rstrip() + "\n" if body.strip() else ""
    written = set(exported) - by_hand
    counts = {
        "updated": len(present & written),
        "added": len(written - present),
        "removed": len(present - written),
        "kept": kept,
        "not_exported": 0 if listing is None else listing.count("\n") - 1,
    }
    exported_keys = frozenset(r.key for k, (r, _) in exported.items() if k not in by_hand)
    return Merged(body, tuple(problems), counts, exported_keys)


def render(
    existing: str,
    references: Sequence[Reference],
    unresolved: Sequence[Match],
    lock: Lock,
    *,
    dialect: str = "bibtex",
    ascii: bool = True,
    include_ambiguous: bool = False,
) -> str:
    """`merge` without the report: just the new file text."""
    return merge(
        existing,
        references,
        unresolved,
        lock,
        dialect=dialect,
        ascii=ascii,
        include_ambiguous=include_ambiguous,
    ).text


class BibtexExporter:
    """Writes (atomically, and only when the bytes change) one .bib file."""

    name = "bibtex"

    def __init__(
        self,
        path: Path,
        dialect: str = "bibtex",
        ascii: bool | None = None,
        include_ambiguous: bool = False,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})")
        self.path = path
        self.dialect = dialect
        self.ascii = dialect == "bibtex" if ascii is None else ascii
        self.include_ambiguous = include_ambiguous

    def _existing(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def hand_written_keys(self, lock: Lock) -> frozenset[str]:
        """Keys in the target file papersync does not own: for `citekey.assign(reserved=...)`."""
        pinned = {p.citekey.casefold() for p in lock.papers.values() if p.citekey}
        try:
            text = self._existing()
        except (OSError, UnicodeDecodeError):
            return frozenset()
        return frozenset(k for k in entry_keys(text) if k.casefold() not in pinned)

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        try:
            existing = self._existing()
        except (OSError, UnicodeDecodeError) as exc:
            return Outcome(
                problems=(f"{self.path}: cannot read it as UTF-8 ({exc}); left untouched",)
            )
        merged = merge(
            existing,
            references,
            unresolved,
            lock,
            dialect=self.dialect,
            ascii=self.ascii,
            include_ambiguous=self.include_ambiguous,
            name=str(self.path),
        )
        written = atomic.write_text(self.path, merged.text)
        pins: dict[str, Pins] = {}
        for reference in references:
            current = lock.pins(reference.key)
            if reference.key in merged.exported and current.citekey != reference.citekey:
                pins[reference.key] = replace(current, citekey=reference.citekey)
        return Outcome(
            written=(str(self.path),) if written else (),
            unchanged=0 if written else 1,
            pins=pins,
            problems=merged.problems,
            counts=merged.counts,
        )
