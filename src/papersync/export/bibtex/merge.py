"""Merging papersync's entries into the person's own .bib without touching their text.

The existing file is cut into top-level blocks at each `@` that starts a line (leading blanks
allowed), each running to its matching closing brace or parenthesis, braces counted as BibTeX
counts them. An entry is papersync's when its key (compared without case, as BibTeX does) is
the citation key of a reference being exported or is pinned in the lock file's `papers`;
everything else — other entries, `@string`/`@preamble`/`@comment`, free text between blocks —
is copied byte for byte, in place. papersync's entries are written, sorted by key, into the
places its entries held (with the blank lines after them) slot by slot; extra ones go after
the last block, spare slots are dropped (a paper left the log). So papersync's part of the
file does not depend on the history of runs. A block under a key papersync owns that is not in
the exact shape papersync writes (see `written_by_papersync`) was written or edited by a
person: it is left as it is and reported, never overwritten. A `%` comment block at the end,
between two marker lines, lists what was not exported; it is replaced on every run.

A block in papersync's exact shape that holds the eprint, DOI or DBLP record of a paper
papersync exports or has pinned is papersync's too, whatever its key: so a citation key renamed
in the lock file renames the entry instead of leaving the old one behind. A file whose lines
all end in CRLF keeps CRLF; any other file's bytes are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from papersync.citekey import is_valid
from papersync.export.bibtex.entry import (
    entry_fields,
    own_ids,
    write_entry,
    written_by_papersync,
)
from papersync.export.bibtex.latex import Untypable, without_controls
from papersync.lock import LOCK_NAME, Lock
from papersync.model import Match, Reference, Status

BEGIN_MARK = (
    "% papersync: not exported (ambiguous or unresolved); settle them with `papersync review`"
)
END_MARK = "% papersync: end of the not-exported list"

_SPACE = re.compile(r"\s+")
_BLOCK_START = re.compile(r"^\ufeff?[ \t]*@", re.MULTILINE)
"""A block starts at a line's first `@`: after blanks, or the byte-order mark Notepad writes."""
_BLOCK_HEAD = re.compile(r"@[ \t\r\n]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_KEY = re.compile(r"[ \t\r\n]*([^,\s{}()\"#%'=]*)")
_TRAILING_BLANKS = re.compile(r"(?:[ \t]*\r?\n)*(?:[ \t]+\Z)?")
_NOT_ENTRIES = {"comment", "string", "preamble"}


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


def own_citekeys(text: str) -> dict[str, str]:
    """Paper key → citation key of each entry in papersync's own shape that names its paper.

    The first entry for a paper wins; entries without an eprint, DOI or DBLP record are skipped.
    """
    text = text.replace("\r\n", "\n")
    found: dict[str, str] = {}
    for block in split_blocks(text):
        ids = own_ids(text[block.start : block.end]) if block.key else None
        paper_key = ids.key() if ids else None
        if paper_key and block.key:
            found.setdefault(paper_key, block.key)
    return found


def _without_listing(text: str) -> str:
    """The text with papersync's not-exported comment block (and the blank lines after it) cut."""
    begin = re.search(r"^" + re.escape(BEGIN_MARK) + r"\r?$", text, re.MULTILINE)
    if begin is None:
        return text
    end = re.compile(r"^" + re.escape(END_MARK) + r"\r?$", re.MULTILINE).search(text, begin.end())
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
        row = without_controls(_SPACE.sub(" ", f"{status} {file}:{line} {title}").strip())
        lines.append("% " + row.replace("@", "(at)"))  # an `@` would start an entry for BibTeX
    lines.append(END_MARK)
    return "\n".join(lines)


@dataclass(frozen=True)
class Merged:
    """A merge's result: the new file text and what the report says about it."""

    text: str
    problems: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    """Entries added, updated and removed by this merge."""
    exported: frozenset[str] = frozenset()
    """Paper keys of the references written as entries."""


@dataclass
class _Entries:
    """The entries to write, by case-folded citation key, and what could not be written."""

    written: dict[str, tuple[Reference, str]] = field(default_factory=dict)
    left_out: list[Reference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def merge(
    existing: str,
    references: Sequence[Reference],
    unresolved: Sequence[Match],
    lock: Lock,
    *,
    dialect: str = "bibtex",
    ascii: bool = True,
    include_ambiguous: bool = False,
    prefer: str = "published",
    name: str = "the .bib file",
) -> Merged:
    """The new file text: the user's blocks untouched, papersync's entries brought up to date.

    A file whose every line ends in CRLF keeps CRLF, papersync's entries included.
    """
    crlf = "\r\n" in existing and existing.count("\r\n") == existing.count("\n")
    entries = _entries(
        references,
        dialect=dialect,
        ascii=ascii,
        include_ambiguous=include_ambiguous,
        prefer=prefer,
    )
    text = _without_listing(existing.replace("\r\n", "\n") if crlf else existing)
    blocks = split_blocks(text)
    ours = {p.citekey.casefold() for p in lock.papers.values() if p.citekey} | set(entries.written)
    by_hand = {
        b.key.casefold()
        for b in blocks
        if b.key and b.key.casefold() in ours and not written_by_papersync(text[b.start : b.end])
    }
    papers = set(lock.papers) | {i for r, _ in entries.written.values() for i in _id_keys(r)}
    keys = ours - by_hand
    owned = {b for b in blocks if _owned(text, b, keys, papers)}
    written = {k: e for k, e in entries.written.items() if k not in by_hand}
    listing = _listing(entries.left_out, unresolved)
    body = _splice(text, blocks, owned, [written[k][1] for k in sorted(written)], listing)
    counts = _changes(owned, text, {k: e for k, (_, e) in written.items()})
    problems = entries.problems + _block_problems(text, blocks, by_hand, owned, name)
    exported = frozenset(reference.key for reference, _ in written.values())
    body = body.replace("\n", "\r\n") if crlf else body
    return Merged(body, tuple(problems), counts, exported)


def _id_keys(reference: Reference) -> set[str]:
    """Every id of a reference's paper in paper-key form (`arxiv:…`, `doi:…`), and its key."""
    ids = reference.paper.ids
    return {f"{prefix}:{value}" for prefix, value in ids.ranked() if value} | {reference.key}


def _owned(text: str, block: Block, keys: set[str], papers: set[str]) -> bool:
    """Whether a block is papersync's: under a key it owns, or in its shape holding the ids of a
    paper it exports or has pinned (an entry left under a key since renamed in the lock)."""
    if block.key is None:
        return False
    if block.key.casefold() in keys:
        return True
    ids = own_ids(text[block.start : block.end])
    return ids is not None and any(
        f"{prefix}:{value}" in papers for prefix, value in ids.ranked() if value
    )


def _changes(owned: Set[Block], text: str, written: Mapping[str, str]) -> dict[str, int]:
    """This run's entries added, updated (their text changed) and removed, zeros included.

    Counts of what the run did, as every target reports them: a run that changes nothing
    says `0` to each, and so does the report a no-op run remembers.
    """
    before: dict[str, str] = {}
    for block in sorted(owned, key=lambda b: b.start):
        old = text[block.start : block.end].replace("\r\n", "\n")
        before.setdefault((block.key or "").casefold(), old)
    return {
        "entries added": sum(1 for k in written if k not in before),
        "entries updated": sum(1 for k, e in written.items() if k in before and before[k] != e),
        "entries removed": sum(1 for k in before if k not in written),
    }


def _entries(
    references: Sequence[Reference],
    *,
    dialect: str,
    ascii: bool,
    include_ambiguous: bool,
    prefer: str,
) -> _Entries:
    """Each exportable reference's entry text; invalid and clashing keys reported, skipped."""
    out = _Entries()
    wanted = (Status.MATCHED, Status.AMBIGUOUS) if include_ambiguous else (Status.MATCHED,)
    for reference in sorted(references, key=lambda r: (r.citekey.casefold(), r.key)):
        if reference.status not in wanted:
            out.left_out.append(reference)
            continue
        if not is_valid(reference.citekey):
            out.problems.append(
                f"{LOCK_NAME}: papers.{reference.key}.citekey: {reference.citekey!r} is not a "
                "valid citation key (letters, digits and _.:/- only); its entry is not written"
            )
            continue
        folded = reference.citekey.casefold()
        if folded in out.written:
            other = out.written[folded][0].key
            out.problems.append(
                f"{reference.key}: citation key {reference.citekey!r} is also {other}'s; skipped"
            )
            continue
        untypable = Untypable()
        entrytype, fields = entry_fields(
            reference, dialect=dialect, ascii=ascii, untypable=untypable, prefer=prefer
        )
        out.problems.extend(_spelling_problems(reference.citekey, untypable))
        out.written[folded] = (reference, write_entry(reference.citekey, entrytype, fields))
    return out


def _spelling_problems(citekey: str, untypable: Untypable) -> list[str]:
    problems = []
    if untypable.chars:
        chars = "".join(sorted(untypable.chars))
        problems.append(f"{citekey}: no ASCII LaTeX spelling for {chars!r}; kept as UTF-8")
    if untypable.dropped:
        codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(untypable.dropped))
        problems.append(f"{citekey}: control characters {codes} in its metadata; dropped")
    return problems


def _splice(
    text: str,
    blocks: Sequence[Block],
    owned: Set[Block],
    entries: list[str],
    listing: str | None,
) -> str:
    """The file with `entries` in the slots papersync's blocks held, the rest appended."""
    queue = iter(entries)
    pieces: list[str] = []
    pos = 0
    ends_ours = False
    for block in blocks:
        if block not in owned:
            ends_ours = False
            continue
        pieces.append(text[pos : block.start])
        entry = next(queue, None)
        if entry is not None:
            pieces.append(entry + "\n\n")
        blanks = _TRAILING_BLANKS.match(text, block.end)
        pos = blanks.end() if blanks else block.end
        ends_ours = True
    rest = text[pos:]
    body = "".join(pieces) + rest
    tail = [*queue, *([listing] if listing is not None else [])]
    if tail:
        separator = (
            "" if not body or body.endswith("\n\n") else ("\n" if body.endswith("\n") else "\n\n")
        )
        body = body + separator + "\n\n".join(tail) + "\n"
    elif ends_ours and not rest:
        body = body.rstrip() + "\n" if body.strip() else ""
    return body


def _block_problems(
    text: str, blocks: Sequence[Block], by_hand: set[str], owned: Set[Block], name: str
) -> list[str]:
    """One line per block kept for the person: hand-made under our key, unclosed, duplicate."""
    problems = []
    seen: set[str] = set()
    line, counted = 1, 0
    for block in blocks:
        line, counted = line + text.count("\n", counted, block.start), block.start
        key = block.key.casefold() if block.key else None
        if key in by_hand:
            problems.append(
                f"{name}:{line}: entry {block.key!r} was written or edited by hand; left as is "
                "(delete it to have papersync write it, or set another citekey in the lock file)"
            )
        if not block.closed:
            problems.append(f"{name}:{line}: @{block.entrytype} block never closes; kept as is")
        if key is not None and block in owned:
            if key in seen:
                problems.append(f"{name}:{line}: duplicate entry {block.key!r}; one is kept")
            seen.add(key)
    return problems


def render(
    existing: str,
    references: Sequence[Reference],
    unresolved: Sequence[Match],
    lock: Lock,
    *,
    dialect: str = "bibtex",
    ascii: bool = True,
    include_ambiguous: bool = False,
    prefer: str = "published",
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
        prefer=prefer,
    ).text
