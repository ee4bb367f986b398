"""The Obsidian vault: a note per paper, a note per reading day, an index, all linked both ways.

Rendering (names, properties, Jinja2 templates, merging into what is on disk) is pure; only
`VaultExporter.export` reads and writes files. papersync owns the frontmatter keys it writes
and the text between its region markers; everything else in the vault is the person's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import yaml

from papersync import atomic
from papersync.errors import VaultError
from papersync.export import Outcome
from papersync.lock import Lock, Pins
from papersync.match import identity
from papersync.model import Candidate, Match, Mention, MentionKind, Reference, Status

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAPERS_DIR = "Papers"
UNRESOLVED_DIR = "Papers/Unresolved"
DAYS_DIR = "Reading log"
INDEX_NOTE = "Reading index.md"
CONFLICT_SUFFIX = ".papersync-conflict"

PAPER_KEYS = (
    "title", "aliases", "authors", "year", "citekey", "arxiv", "doi", "url", "venue",
    "tags", "status", "read", "zotero", "resolved", "in_log",
)  # fmt: skip
"""Frontmatter keys papersync owns in a paper note, in the order it writes them."""
DAY_KEYS = ("date", "tags", "in_log")
MERGED_LISTS = frozenset({"aliases", "tags"})
"""Owned list keys to which a person may add items of their own; those items are kept."""

MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 180
"""UTF-8 bytes; leaves room for ` (12)`, the conflict suffix and `.md` under the 255-byte limit."""

_BEGIN = re.compile(r"^%% papersync:begin(?: hash=(?P<hash>[0-9a-f]*))? %%[ \t]*\r?$", re.M)
_END = re.compile(r"^%% papersync:end %%[ \t]*\r?$", re.M)
_FORBIDDEN = str.maketrans(
    {
        ":": " - ",
        "/": "-",
        "\\": "-",
        "|": "-",
        '"': "'",
        "?": "",
        "*": "",
        "<": "",
        ">": "",
        "#": "",
        "^": "",
        "[": "(",
        "]": ")",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{p}{i}" for p in ("com", "lpt") for i in (*range(1, 10), "¹", "²", "³")}
)
_KEY_LINE = re.compile(r"""^(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s#\-?:][^:\n]*?)[ \t]*:(?:[ \t]|\r?$)""")
_WORD = r"A-Za-z0-9_\-\u00c0-\u024f"
"""Letters that continue a word: `beta-VAE` and `BLIP2` are other names; a CJK neighbour is not."""
_LINKABLE = re.compile(r"[\w.+\- ]+")
"""An alias safe as a wikilink's display text: no `|`, `]` or `#`."""
_BLANK_RUNS = re.compile(r"\n{3,}")
_PROTECTED = re.compile(r"`[^`\n]*`|\[\[[^\]\n]*\]\]|\[[^\]\n]*\]\([^)\n]*\)|<?https?://\S+")


# ---------------------------------------------------------------- names


def note_name(title: str) -> str:
    """A file name (without `.md`) from a title, valid on Windows, macOS and Linux.

    Also free of the characters Obsidian cannot link to (`# ^ [ ] |`), and bounded in length.
    """
    name = unicodedata.normalize("NFC", title).translate(_FORBIDDEN)
    name = " ".join(_CONTROL.sub(" ", name).split())
    if len(name) > MAX_NAME_CHARS or len(name.encode()) > MAX_NAME_BYTES:
        name = _shorten(name)
    name = name.strip(" .")
    if not name:
        return "Untitled"
    if name.split(".")[0].strip().casefold() in _RESERVED:
        name = f"{name} (paper)"
    return name


def _shorten(name: str) -> str:
    """Cut at a word boundary where one is near the limit, else mid-word."""
    cut = name[:MAX_NAME_CHARS]
    while len(cut.encode()) > MAX_NAME_BYTES:
        cut = cut[:-1]
    head, _, _ = cut.rpartition(" ")
    return head if len(head) >= len(cut) * 2 // 3 else cut


def _fold(name: str) -> str:
    """File names collide when they differ only in case or normalisation (macOS, Windows)."""
    return unicodedata.normalize("NFC", name).casefold()


def assign_names(
    wanted: Sequence[tuple[str, str]], pinned: Mapping[str, str], taken: Iterable[str]
) -> dict[str, str]:
    """Give each `(key, title)` a note name: its pinned one, else a free name from the title.

    Deterministic: pinned names are honoured in key order; new ones are chosen in key order,
    a clash gaining ` (2)`, ` (3)`… Names in `taken` (other files, other pins) are avoided.
    """
    used = {_fold(name) for name in taken}
    names: dict[str, str] = {}
    fresh: list[tuple[str, str]] = []
    for key, title in sorted(wanted):
        pin = pinned.get(key)
        if pin and _fold(pin) not in used:
            names[key] = pin
            used.add(_fold(pin))
        else:
            fresh.append((key, title))
    for key, title in fresh:
        base = note_name(title)
        name, n = base, 1
        while _fold(name) in used:
            n += 1
            name = f"{base} ({n})"
        names[key] = name
        used.add(_fold(name))
    return names


# ---------------------------------------------------------------- frontmatter


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as Obsidian writes its properties."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_PLAIN = re.compile(r"\w(?:[\w .,()/+'\-:]*[\w.,()/+'\-:])?")
"""Text YAML writes as it is, or single-quoted if it reads as a number, date, bool… or has
a `: ` (or ends in `:`), which would make it a key."""
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(value: Any) -> str | None:
    """`value` as `yaml.dump` writes it, for the simple values properties mostly hold; else None."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.date:
        return str(value.isoformat())
    if kind is str and _PLAIN.fullmatch(value):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR_TAG and ": " not in value and not value.endswith(":"):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    return None


def dump_property(key: str, value: Any) -> str:
    """`key: value` exactly as `yaml.dump` writes it, without calling it for simple values:
    at ~40 µs a call, yaml was most of a warm vault export."""
    if _scalar(key) != key:
        return _yaml_dump(key, value)
    if type(value) is list:
        items = [_scalar(item) for item in value]
        if not items:
            return f"{key}: []\n"
        if None not in items:
            return f"{key}:\n" + "".join(f"  - {item}\n" for item in items)
        return _yaml_dump(key, value)
    text = _scalar(value)
    return f"{key}: {text}\n" if text is not None else _yaml_dump(key, value)


def _yaml_dump(key: str, value: Any) -> str:
    """Not libyaml (`CSafeDumper`): it cannot indent list items under their key, escapes
    characters beyond the BMP and writes some keys otherwise; the bytes would change."""
    return yaml.dump(
        {key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=2**31 - 1,
    )  # fmt: skip


@dataclass(frozen=True)
class _Block:
    key: str | None
    """The top-level key this text defines; None for comments and blank lines between keys."""
    text: str


def _lines(text: str) -> list[str]:
    """Split after each `\\n` only: `str.splitlines` would also split on `\\r`, U+2028…"""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    return [*out, parts[-1]] if parts[-1] else out


def split_frontmatter(text: str) -> tuple[str | None, str]:
    """`(inner, rest)`: the YAML between the `---` lines (None when there is none) and the body."""
    first = text.split("\n", 1)[0]
    if first.rstrip("\r") != "---" or "\n" not in text:
        return None, text
    offset = len(first) + 1
    for line in _lines(text[offset:]):
        if line.rstrip("\r\n") == "---":
            end = offset + len(line)
            return text[len(first) + 1 : offset], text[end:]
        offset += len(line)
    return None, text


def _frontmatter_open(text: str) -> tuple[str, str]:
    """The exact opening and closing `---` lines, so a CRLF file keeps its line endings."""
    first = text.split("\n", 1)[0] + "\n"
    inner, rest = split_frontmatter(text)
    assert inner is not None
    closing = text[len(first) + len(inner) : len(text) - len(rest)]
    return first, closing


def frontmatter_blocks(inner: str) -> list[_Block]:
    """Cut YAML frontmatter into top-level keys, keeping every byte: joined, they are `inner`."""
    blocks: list[_Block] = []
    pending: list[str] = []
    for line in _lines(inner):
        match = _KEY_LINE.match(line)
        if match:
            blocks.extend(_Block(None, p) for p in pending)
            pending = []
            blocks.append(_Block(match["key"].strip("'\""), line))
        elif line.strip() == "" or line.startswith("#"):
            pending.append(line)
        elif blocks and blocks[-1].key is not None and line[0] in " \t-":
            blocks[-1] = _Block(blocks[-1].key, blocks[-1].text + "".join(pending) + line)
            pending = []
        else:
            blocks.extend(_Block(None, p) for p in [*pending, line])
            pending = []
    blocks.extend(_Block(None, p) for p in pending)
    return blocks


def _parsed(block: _Block) -> tuple[bool, Any]:
    try:
        data = yaml.load(block.text.replace("\r\n", "\n"), Loader=_Loader)
    except yaml.YAMLError:
        return False, None
    if not isinstance(data, dict) or block.key not in data:
        return False, None
    return True, data[block.key]


def _with_extras(ours: list[Any], theirs: Any, withdrawn: Collection[Any] = ()) -> list[Any]:
    """Our items first, then the items a person added, in their order.

    `withdrawn` items are ones papersync may have written before and no longer gives (an
    alias now claimed by another note): they are not the person's, so they go.
    """
    items = theirs if isinstance(theirs, list) else [] if theirs is None else [theirs]
    gone = {_fold(w) if isinstance(w, str) else w for w in withdrawn}
    return ours + [
        item
        for item in items
        if item not in ours and (_fold(item) if isinstance(item, str) else item) not in gone
    ]


def merge_frontmatter(
    inner: str,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    newline: str = "\n",
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> str:
    """Set the owned keys to `properties`, touching no other byte of the frontmatter.

    An owned key whose parsed value already equals ours keeps its text, however formatted;
    an owned key absent from `properties` is removed (a `MERGED_LISTS` key only once no item
    of the person's is left); a new one goes after its predecessor in `owned` order.
    """
    blocks = frontmatter_blocks(inner)
    out: list[_Block] = []
    seen: set[str] = set()
    for block in blocks:
        key = block.key
        if key is None or key not in owned:
            out.append(block)
            continue
        if key in seen or (key not in properties and key not in MERGED_LISTS):
            continue
        seen.add(key)
        wanted = properties.get(key, [])
        text = dump_property(key, wanted).replace("\n", newline)
        if key in properties and block.text.rstrip("\r\n") == text.rstrip("\r\n"):
            out.append(block)
            continue
        ok, value = _parsed(block)
        if key in MERGED_LISTS and isinstance(wanted, list):
            wanted = _with_extras(wanted, value if ok else None, (withdrawn or {}).get(key, ()))
            if not wanted:
                continue
        if ok and value == wanted:
            out.append(block)
        else:
            text = dump_property(key, wanted).replace("\n", newline)
            if not block.text.endswith("\n"):
                text = text.rstrip("\r\n")
            out.append(_Block(key, text))
    for key in owned:
        if key in properties and key not in seen:
            earlier = [i for i, b in enumerate(out) if b.key in owned[: owned.index(key)]]
            at = earlier[-1] + 1 if earlier else 0
            if at and not out[at - 1].text.endswith("\n"):
                out[at - 1] = _Block(out[at - 1].key, out[at - 1].text + newline)
            out.insert(at, _Block(key, dump_property(key, properties[key]).replace("\n", newline)))
            seen.add(key)
    return "".join(block.text for block in out)


# ---------------------------------------------------------------- the managed region


def region_hash(content: str) -> str:
    return hashlib.sha256(content.replace("\r\n", "\n").encode()).hexdigest()[:12]


def region_block(content: str, newline: str = "\n") -> str:
    text = f"%% papersync:begin hash={region_hash(content)} %%\n{content}%% papersync:end %%\n"
    return text.replace("\n", newline) if newline != "\n" else text


@dataclass(frozen=True)
class _Region:
    start: int
    end: int
    """`text[start:end]` is the whole region, marker lines included."""
    content: str
    hash: str | None

    @property
    def edited(self) -> bool:
        """True when a person changed the text since papersync last wrote it."""
        return self.hash != region_hash(self.content)


def find_region(body: str) -> _Region | None:
    begin = _BEGIN.search(body)
    if begin is None:
        return None
    end = _END.search(body, begin.end())
    if end is None:
        return None
    content_start = begin.end() + 1 if body[begin.end() : begin.end() + 1] == "\n" else begin.end()
    stop = end.end() + 1 if body[end.end() : end.end() + 1] == "\n" else end.end()
    return _Region(begin.start(), stop, body[content_start : end.start()], begin["hash"])


@dataclass(frozen=True)
class Merged:
    text: str
    conflict: bool = False
    """The person edited the managed region: their text was kept, ours goes beside it."""


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_properties(
    existing: str,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> tuple[str, str]:
    """`(head, body)`: the frontmatter with the owned keys set, and the body untouched."""
    newline = _newline(existing)
    inner, body = split_frontmatter(existing)
    if inner is not None:
        opening, closing = _frontmatter_open(existing)
        merged = merge_frontmatter(inner, properties, owned, newline, withdrawn)
        return opening + merged + closing, body
    front = "".join(dump_property(k, properties[k]) for k in owned if k in properties)
    return (f"---\n{front}---\n".replace("\n", newline) if front else ""), body


def merge_note(
    existing: str | None,
    properties: Mapping[str, Any],
    owned: Sequence[str],
    region: str,
    withdrawn: Mapping[str, Collection[Any]] | None = None,
) -> Merged:
    """The note as it should be on disk: the person's text kept, papersync's parts refreshed."""
    if existing is None:
        front = "".join(dump_property(k, properties[k]) for k in owned if k in properties)
        return Merged((f"---\n{front}---\n" if front else "") + region_block(region))
    newline = _newline(existing)
    head, body = _with_properties(existing, properties, owned, withdrawn)
    found = find_region(body)
    if found is None:
        gap = "" if not body or body.endswith("\n") else newline
        return Merged(head + body + gap + region_block(region, newline))
    current = found.content.replace("\r\n", "\n")
    if found.edited and current != region:
        return Merged(head + body, conflict=True)
    return Merged(head + body[: found.start] + region_block(region, newline) + body[found.end :])


def retire_note(existing: str, notice: str) -> str | None:
    """A note whose paper or day left the log: None to delete it, else the text to keep.

    Kept (marked `in_log: false`) when it holds any of the person's writing: text outside the
    region, frontmatter keys papersync does not own, or edits inside the region — which stay
    marked as edits, so a paper that comes back cannot overwrite them.
    """
    inner, body = split_frontmatter(existing)
    theirs = [b for b in frontmatter_blocks(inner or "") if b.key not in (*PAPER_KEYS, *DAY_KEYS)]
    found = find_region(body)
    outside = body if found is None else body[: found.start] + body[found.end :]
    personal = outside.strip() or any(b.text.strip() for b in theirs)
    if found is not None and not found.edited and not personal:
        return None
    if found is None or found.edited:
        return "".join(_with_properties(existing, {"in_log": False}, ("in_log",)))
    return merge_note(existing, {"in_log": False}, ("in_log",), notice).text


# ---------------------------------------------------------------- linking


_TOKEN = re.compile(rf"[{_WORD}]+|.", re.IGNORECASE | re.DOTALL)
"""A whole word, or one character that is not part of one: where an alias may start."""
_WORD_CHAR = re.compile(rf"[{_WORD}]", re.IGNORECASE)


@dataclass(frozen=True)
class Aliases:
    """Aliases ready to find in text, built once per export rather than once per note.

    `folded` maps each alias, case-folded, to the alias as written (the last of several that
    fold alike); `lengths` maps the first token of a folded alias to the lengths of the
    aliases that start with it, longest first, so a word in the text costs one lookup.
    """

    targets: Mapping[str, str]
    folded: Mapping[str, str]
    lengths: Mapping[str, tuple[int, ...]]

    @classmethod
    def of(cls, targets: Mapping[str, str]) -> Aliases:
        """`targets` maps alias (as the log writes it) → wikilink target."""
        folded = {a.casefold(): a for a in targets if a}
        lengths: dict[str, set[int]] = defaultdict(set)
        for alias in folded:
            first = _TOKEN.match(alias)
            assert first is not None
            lengths[first[0]].add(len(alias))
        return cls(targets, folded, {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()})

    def find(self, text: str, word: re.Match[str]) -> tuple[str, int] | None:
        """The longest alias spelt from `word` on in `text` that ends where a word may end,
        and where it ends: the alias as written may differ in length (`ß` is `SS`)."""
        start = word.start()
        for length in self.lengths.get(word[0].casefold(), ()):
            end = start + length
            if end > len(text) or not _word_ends(text, end):
                continue
            spelt = text[start:end].casefold()
            alias = self.folded.get(spelt) if len(spelt) == length else None
            if alias is not None:
                return alias, end
        return None


def _word_ends(text: str, at: int) -> bool:
    """No word goes on at `at`: `VAEs` and `VAE.x` are not `VAE`, but `VAE.` and `VAE,` are."""
    if _WORD_CHAR.match(text, at):
        return False
    return not (text.startswith(".", at) and _WORD_CHAR.match(text, at + 1))


def _same_name(word: str, alias: str) -> bool:
    """`whisper` is `Whisper` and `VAE` is `Vae`, but `align` is not `ALIGN`, nor `FID` `FiD`."""
    if word == alias or alias.islower():
        return True
    return alias.isupper() and not word.islower()


def _link_span(text: str, aliases: Aliases, exclude: str, linked: list[str]) -> Iterable[str]:
    """The pieces of `text` (free of code, links and URLs) with the aliases in it linked.

    An alias found but not linked (to `exclude`, or in the wrong case) still covers its
    words: a shorter alias inside it is not looked for.
    """
    covered = last = 0
    glued = False
    for token in _TOKEN.finditer(text):
        start, after_glue = token.start(), glued
        glued = token[0] == "." or _WORD_CHAR.match(token[0]) is not None
        if start < covered or after_glue:
            continue
        found = aliases.find(text, token)
        if found is None:
            continue
        alias, covered = found
        word, target = text[start:covered], aliases.targets[alias]
        if target == exclude or not _same_name(word, alias):
            continue
        if target not in linked:
            linked.append(target)
        yield text[last:start]
        yield f"[[{target}|{word}]]"
        last = covered
    yield text[last:]


def link_words(
    text: str, targets: Mapping[str, str] | Aliases, exclude: str = ""
) -> tuple[str, list[str]]:
    """Turn a word equal to another paper's alias or citekey into a wikilink to its note.

    Conservative: whole words only (no Latin letter, digit or hyphen either side, so neither
    `BLIP2` nor `beta-VAE` links `BLIP` or `VAE`); never inside code, existing links or URLs,
    never to `exclude`. Case is ignored unless it tells words apart (`_same_name`).
    `targets` maps alias (as the log writes it) → wikilink target; pass `Aliases.of(targets)`
    when linking many texts. Returns the text and the targets linked.
    """
    aliases = targets if isinstance(targets, Aliases) else Aliases.of(targets)
    if not aliases.folded:
        return text, []
    linked: list[str] = []
    out: list[str] = []
    last = 0
    for protected in _PROTECTED.finditer(text):
        out.extend(_link_span(text[last : protected.start()], aliases, exclude, linked))
        out.append(protected[0])
        last = protected.end()
    out.extend(_link_span(text[last:], aliases, exclude, linked))
    return "".join(out), linked


# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class Note:
    """One note papersync wants in the vault: where, its owned properties and region."""

    path: str
    """Relative to the vault, POSIX separators."""
    properties: Mapping[str, Any]
    owned: tuple[str, ...]
    region: str
    withdrawn: Mapping[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    """List items papersync may have written before and gives no more (see `_with_extras`)."""


@dataclass(frozen=True)
class _Entry:
    """A paper note to be: a reference, or a group of unresolved mentions of one title."""

    key: str
    title: str
    mentions: tuple[Mention, ...]
    reference: Reference | None
    candidates: tuple[Candidate, ...] = ()
    """For an unresolved title: the papers a source offered, none sure enough to choose."""


def _read_dates(mentions: Iterable[Mention]) -> list[dt.date]:
    return sorted(
        {m.date for m in mentions if m.date and m.kind in (MentionKind.READ, MentionKind.LINK)}
    )


def _entries(references: Sequence[Reference], unresolved: Sequence[Match]) -> list[_Entry]:
    entries = [_Entry(r.key, r.paper.title, r.mentions, r) for r in references]
    groups: dict[str, list[Match]] = defaultdict(list)
    for match in unresolved:
        groups[f"unresolved:{identity(match.mention)}"].append(match)
    for key, matches in sorted(groups.items()):
        mentions = tuple(m.mention for m in matches)
        offered = max((m.candidates for m in matches), key=len)
        entries.append(_Entry(key, mentions[0].full_title, mentions, None, offered))
    return entries


def _paper_properties(
    entry: _Entry,
    aliases: Sequence[str],
    pins: Pins,
    dates: Sequence[dt.date],
    zotero_library: str = "library",
) -> dict[str, Any]:
    props: dict[str, Any] = {"title": entry.title}
    if aliases:
        props["aliases"] = list(aliases)
    ref = entry.reference
    if ref is not None:
        paper = ref.paper
        authors = [a.family if a.literal else a.display for a in paper.authors]
        optional: dict[str, Any] = {
            "authors": authors or None,
            "year": paper.year,
            "citekey": ref.citekey,
            "arxiv": paper.ids.arxiv,
            "doi": paper.ids.doi,
            "url": paper.url,
            "venue": paper.venue,
        }
        props.update({k: v for k, v in optional.items() if v})
        props["tags"] = ["paper"]
    else:
        props["tags"] = ["paper", "unresolved"]
    props["status"] = "read" if dates else "to-read"
    if dates:
        props["read"] = list(dates)
    if ref is not None and pins.zotero_key:
        props["zotero"] = f"zotero://select/{zotero_library}/items/{pins.zotero_key}"
    if ref is None:
        props["resolved"] = False
    return props


def _own_aliases(entry: _Entry) -> list[str]:
    """The log's own short names for the paper, then its citekey, each once (ignoring case)."""
    own = [m.alias for m in entry.mentions if m.alias]
    if entry.reference is not None:
        own.append(entry.reference.citekey)
    first: dict[str, str] = {}
    for alias in own:
        first.setdefault(_fold(alias), alias)
    return list(first.values())


def _aliases(entries: Sequence[_Entry], names: Mapping[str, str]) -> dict[str, list[str]]:
    """Each note's aliases, dropping any that two notes share or that equal a note's name, so
    every alias resolves to exactly one note. Papers claim theirs before unresolved titles."""
    wanted = {
        e.key: [a for a in _own_aliases(e) if _fold(a) != _fold(names[e.key])] for e in entries
    }
    kept: dict[str, list[str]] = {}
    claims: Counter[str] = Counter()
    for tier in ([e for e in entries if e.reference], [e for e in entries if not e.reference]):
        claims.update(_fold(a) for e in tier for a in wanted[e.key])
        claims.update(_fold(names[e.key]) for e in tier)
        kept |= {e.key: [a for a in wanted[e.key] if claims[_fold(a)] == 1] for e in tier}
    return kept


class Renderer:
    """Jinja2 templates: the person's folder first, papersync's defaults for whatever is missing."""

    def __init__(self, templates: Path | None = None) -> None:
        if templates is not None and not templates.is_dir():
            raise VaultError(f"{templates}: export.vault.templates is not a folder")
        search = [str(templates)] if templates is not None else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*search, str(DEFAULT_TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, template: str, **context: Any) -> str:
        try:
            loaded = self.env.get_template(template)
        except jinja2.TemplateSyntaxError as exc:
            raise VaultError(f"{exc.filename}:{exc.lineno}: {exc.message}") from exc
        try:
            text = loaded.render(**context)
        except jinja2.TemplateError as exc:
            raise VaultError(f"{loaded.filename}: {exc.message}") from exc
        text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
        return _BLANK_RUNS.sub("\n\n", text) + "\n"


@dataclass(frozen=True)
class _Links:
    """Wikilinks as Obsidian writes them: "shortest path when possible"."""

    stems: Mapping[str, int]
    """Folded file name → how many files in the vault (after this run) carry it."""

    def target(self, path: str) -> str:
        """The bare name, unless another file shares it: then the path without `.md`."""
        pure = PurePosixPath(path)
        return pure.stem if self.stems.get(_fold(pure.stem), 0) <= 1 else str(pure.with_suffix(""))

    def to(self, path: str) -> str:
        stem, target = PurePosixPath(path).stem, self.target(path)
        return f"[[{target}]]" if target == stem else f"[[{target}|{stem}]]"

    def day(self, day: dt.date) -> str:
        return self.to(f"{DAYS_DIR}/{day}.md")


def _place(
    entries: Sequence[_Entry],
    lock: Lock,
    existing: Sequence[str],
    located: Mapping[str, str],
    fixed: Sequence[str],
) -> dict[str, str]:
    """Paper key → the note's path: where the person moved it, its pinned name, or a new name.

    New names avoid every other file in the vault and every name ever pinned; unresolved
    titles get theirs after the papers, so a resolved paper never loses its name to one.
    """
    pinned = {e.key: n for e in entries if e.reference and (n := lock.pins(e.key).note)}
    pinned |= {k: PurePosixPath(p).stem for k, p in located.items()}
    ours = {located.get(k, f"{PAPERS_DIR}/{n}.md") for k, n in pinned.items()}
    in_unresolved = [p.startswith(f"{UNRESOLVED_DIR}/") for p in existing]
    others = [PurePosixPath(p).stem for p, u in zip(existing, in_unresolved, strict=True) if not u]
    our_names = {PurePosixPath(p).stem for p in ours}
    others = [s for s in others if s not in our_names]
    unresolved_files = [
        PurePosixPath(p).stem for p, u in zip(existing, in_unresolved, strict=True) if u
    ]
    reserved = [p.note for p in lock.papers.values() if p.note and p.note not in pinned.values()]
    names = assign_names(
        [(e.key, e.title) for e in entries if e.reference],
        pinned,
        [*fixed, *others, *unresolved_files, *reserved],
    )
    paper_aliases = [a for e in entries if e.reference for a in _own_aliases(e)]
    names |= assign_names(
        [(e.key, e.title) for e in entries if not e.reference],
        {},
        [*fixed, *others, *reserved, *names.values(), *paper_aliases],
    )
    paths: dict[str, str] = {}
    for entry in entries:
        moved = located.get(entry.key)
        if moved and PurePosixPath(moved).stem == names[entry.key]:
            paths[entry.key] = moved
        else:
            folder = PAPERS_DIR if entry.reference else UNRESOLVED_DIR
            paths[entry.key] = f"{folder}/{names[entry.key]}.md"
    return paths


def _reading(mention: Mention, body: str, links: _Links) -> dict[str, Any]:
    dated = mention.date is not None and mention.kind != MentionKind.TO_READ
    return {
        "date": str(mention.date) if mention.date else None,
        "day_link": links.day(mention.date) if dated and mention.date else None,
        "kind": str(mention.kind),
        "section": mention.section,
        "source": f"{mention.file}:{mention.line}",
        "raw": mention.raw,
        "body": body.rstrip(),
    }


def _paper_note(
    entry: _Entry,
    path: str,
    props: Mapping[str, Any],
    links: _Links,
    word_targets: Aliases,
    renderer: Renderer,
) -> Note:
    readings: list[dict[str, Any]] = []
    mentioned: list[str] = []
    for mention in sorted(entry.mentions, key=lambda m: (m.date or dt.date.min, m.file, m.line)):
        body, linked = link_words(mention.body.strip("\n"), word_targets, links.target(path))
        mentioned.extend(t for t in linked if t not in mentioned)
        readings.append(_reading(mention, body, links))
    ref = entry.reference
    region = renderer.render(
        "paper.md.j2",
        title=entry.title,
        unresolved=ref is None,
        uncertain=ref is not None and ref.status == Status.AMBIGUOUS,
        authors=props.get("authors", []),
        year=props.get("year"),
        venue=props.get("venue"),
        citekey=ref.citekey if ref else None,
        arxiv=props.get("arxiv"),
        doi=props.get("doi"),
        url=props.get("url"),
        zotero=props.get("zotero"),
        abstract=ref.paper.abstract if ref and ref.paper.abstract else None,
        status=props["status"],
        days=[links.day(d) for d in props.get("read", [])],
        readings=readings,
        mentioned=[f"[[{t}]]" for t in mentioned],
        candidates=[
            {
                "title": c.paper.title,
                "id": c.paper.ids.key() or "",
                "year": c.paper.year,
                "score": round(c.score, 2),
            }
            for c in entry.candidates
        ],
        index_link=links.to(INDEX_NOTE),
    )
    dropped = tuple(a for a in _own_aliases(entry) if a not in props.get("aliases", []))
    return Note(path, props, PAPER_KEYS, region, {"aliases": dropped} if dropped else {})


def _day_notes(
    entries: Sequence[_Entry], paths: Mapping[str, str], links: _Links, renderer: Renderer
) -> list[Note]:
    by_day: dict[dt.date, list[tuple[tuple[str, int], _Entry]]] = defaultdict(list)
    for entry in entries:
        for day in _read_dates(entry.mentions):
            first = min((m.file, m.line) for m in entry.mentions if m.date == day)
            by_day[day].append((first, entry))
    days = sorted(by_day)
    notes = []
    for i, day in enumerate(days):
        papers = [
            {
                "link": links.to(paths[e.key]),
                "title": e.title,
                "unresolved": e.reference is None,
            }
            for _, e in sorted(by_day[day], key=lambda pair: pair[0])
        ]
        region = renderer.render(
            "day.md.j2",
            date=str(day),
            papers=papers,
            previous=links.day(days[i - 1]) if i else None,
            next=links.day(days[i + 1]) if i + 1 < len(days) else None,
            index_link=links.to(INDEX_NOTE),
        )
        props = {"date": day, "tags": ["reading-log"]}
        notes.append(Note(f"{DAYS_DIR}/{day}.md", props, DAY_KEYS, region))
    return notes


def _index_note(
    entries: Sequence[_Entry],
    paths: Mapping[str, str],
    unresolved: Sequence[Match],
    links: _Links,
    renderer: Renderer,
) -> Note:
    months: dict[str, list[str]] = defaultdict(list)
    to_read: list[str] = []
    for entry in entries:
        dates = _read_dates(entry.mentions)
        for month in sorted({f"{d:%Y-%m}" for d in dates}):
            months[month].append(links.to(paths[entry.key]))
        if entry.reference and not dates:
            to_read.append(links.to(paths[entry.key]))
    still_unresolved = []
    for match in unresolved:
        path = paths.get(f"unresolved:{identity(match.mention)}")
        still_unresolved.append(
            {
                "title": match.mention.full_title,
                "source": f"{match.mention.file}:{match.mention.line}",
                "link": links.to(path) if path else None,
            }
        )
    region = renderer.render(
        "index.md.j2",
        months=[
            {"month": k, "count": len(v), "papers": sorted(v)} for k, v in sorted(months.items())
        ],
        to_read=sorted(to_read),
        unresolved=still_unresolved,
        days=sorted({links.day(d) for e in entries for d in _read_dates(e.mentions)}),
        papers=sum(1 for e in entries if e.reference),
    )
    return Note(INDEX_NOTE, {}, (), region)


def plan(
    references: Sequence[Reference],
    unresolved: Sequence[Match],
    lock: Lock,
    existing: Iterable[str],
    renderer: Renderer,
    *,
    include_unresolved: bool = False,
    located: Mapping[str, str] | None = None,
    zotero_library: str = "library",
) -> tuple[list[Note], dict[str, str]]:
    """Every note the vault should hold, and the note path of each paper key.

    `existing` lists the vault's Markdown files (relative POSIX paths): their names are
    avoided for new notes, and decide whether a link needs its folder to be unambiguous.
    `located` maps a paper key to its note where the person moved or renamed it.
    `zotero_library` is `library` (a user's own) or `groups/<id>`, for `zotero://` links.
    """
    existing = list(existing)
    unresolved = [m for m in unresolved if m.status != Status.NOT_A_PAPER]
    entries = _entries(references, unresolved if include_unresolved else ())
    days = sorted({d for e in entries for d in _read_dates(e.mentions)})
    fixed = [str(d) for d in days] + [PurePosixPath(INDEX_NOTE).stem]
    paths = _place(entries, lock, existing, located or {}, fixed)
    planned = [*paths.values(), *(f"{DAYS_DIR}/{d}.md" for d in days), INDEX_NOTE]
    links = _Links(Counter(_fold(PurePosixPath(p).stem) for p in {*existing, *planned}))
    names = {key: PurePosixPath(path).stem for key, path in paths.items()}
    aliases = _aliases(entries, names)
    word_targets = Aliases.of(
        {
            a: links.target(paths[e.key])
            for e in entries
            for a in aliases[e.key]
            if len(a) >= 3 and not a.isdigit() and _LINKABLE.fullmatch(a)
        }
    )
    notes = []
    for entry in entries:
        pins = lock.pins(entry.key) if entry.reference else Pins()
        dates = _read_dates(entry.mentions)
        props = _paper_properties(entry, aliases[entry.key], pins, dates, zotero_library)
        notes.append(_paper_note(entry, paths[entry.key], props, links, word_targets, renderer))
    notes.extend(_day_notes(entries, paths, links, renderer))
    notes.append(_index_note(entries, paths, unresolved, links, renderer))
    return notes, paths


# ---------------------------------------------------------------- the exporter


def _vault_files(root: Path) -> list[str]:
    """The vault's Markdown files as Obsidian sees them: skips `.obsidian`, `.trash`…"""
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.md")
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _conflict_path(path: str) -> str:
    pure = PurePosixPath(path)
    return str(pure.with_name(f"{pure.stem}{CONFLICT_SUFFIX}.md"))


def _conflict_text(path: str, region: str) -> str:
    return (
        f"%% papersync: this is what papersync would have written in the managed region of "
        f"[[{PurePosixPath(path).stem}]]; you edited that region, so your version was kept. "
        "To settle it, move your own text out of the region (or delete the region, markers "
        "included): papersync then writes its version there again. Delete this file when "
        "done. %%\n\n" + region
    )


def _citekey(frontmatter: str | None) -> str | None:
    if not frontmatter:
        return None
    for block in frontmatter_blocks(frontmatter):
        if block.key == "citekey":
            ok, value = _parsed(block)
            return str(value) if ok and value else None
    return None


@dataclass
class _Report:
    """What one export did, gathered as it goes."""

    written: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    unchanged: int = 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


class VaultExporter:
    """Writes the vault under `out`; `templates` may override any of the three templates.

    `zotero_library` names the Zotero library the `zotero` links open: `library` for a
    user's own, `groups/<id>` for a group library.
    """

    name = "vault"

    def __init__(
        self,
        out: Path,
        templates: Path | None = None,
        include_unresolved: bool = False,
        *,
        zotero_library: str = "library",
    ) -> None:
        self.out = out
        self.renderer = Renderer(templates)
        self.include_unresolved = include_unresolved
        self.zotero_library = zotero_library

    def export(
        self, references: Sequence[Reference], unresolved: Sequence[Match], lock: Lock
    ) -> Outcome:
        files = _vault_files(self.out)
        located = self._locate(references, lock, files)
        notes, paths = plan(
            references,
            unresolved,
            lock,
            files,
            self.renderer,
            include_unresolved=self.include_unresolved,
            located=located,
            zotero_library=self.zotero_library,
        )
        report = _Report()
        for note in notes:
            self._write(note, report)
        stale = [
            f"{PAPERS_DIR}/{pins.note}.md"
            for key, pins in sorted(lock.papers.items())
            if pins.note and key not in paths
        ]
        stale += [
            f
            for f in files
            if f.startswith((f"{UNRESOLVED_DIR}/", f"{DAYS_DIR}/"))
            and not PurePosixPath(f).stem.endswith(CONFLICT_SUFFIX)
        ]
        for rel in sorted(set(stale) - {note.path for note in notes}):
            self._retire(rel, report)
        if report.written or report.counts["removed"]:
            os.sync()  # one flush for the whole vault: an fsync per note cost more than the rest
        pins = {
            key: dataclasses.replace(lock.pins(key), note=PurePosixPath(path).stem)
            for key, path in paths.items()
            if not key.startswith("unresolved:") and lock.pins(key).note != PurePosixPath(path).stem
        }
        report.counts["papers"] = len(references)
        report.counts["days"] = sum(1 for n in notes if n.owned == DAY_KEYS)
        return Outcome(
            written=tuple(report.written),
            unchanged=report.unchanged,
            pins=pins,
            problems=tuple(report.problems),
            counts=dict(report.counts),
        )

    def _locate(
        self, references: Sequence[Reference], lock: Lock, files: Sequence[str]
    ) -> dict[str, str]:
        """Paper notes the person moved or renamed in Obsidian, found so they are not re-created.

        A pinned note missing from `Papers/` is looked for by its name elsewhere in the vault,
        then (as is a paper with no pin yet) by the `citekey` property of papersync's notes.
        """
        present = set(files)
        missing = [
            r for r in references if f"{PAPERS_DIR}/{lock.pins(r.key).note}.md" not in present
        ]
        if not missing:
            return {}
        by_name: dict[str, list[str]] = defaultdict(list)
        by_citekey: dict[str, list[str]] = defaultdict(list)
        for rel in files:
            if rel.startswith((f"{UNRESOLVED_DIR}/", f"{DAYS_DIR}/")) or rel == INDEX_NOTE:
                continue
            text = _read(self.out / rel) or ""
            inner, body = split_frontmatter(text)
            if find_region(body) is None:
                continue
            by_name[_fold(PurePosixPath(rel).stem)].append(rel)
            citekey = _citekey(inner)
            if citekey:
                by_citekey[citekey].append(rel)
        located: dict[str, str] = {}
        for ref in missing:
            pin = lock.pins(ref.key).note
            found = by_name.get(_fold(pin), []) if pin else []
            if len(found) != 1:
                found = by_citekey.get(ref.citekey, [])
            if len(found) == 1:
                located[ref.key] = found[0]
        return located

    def _write(self, note: Note, report: _Report) -> None:
        path = self.out / note.path
        existing = _read(path)
        if existing is not None and note.owned != PAPER_KEYS and find_region(existing) is None:
            report.problems.append(f"{note.path}: not a papersync note; left as it is")
            return
        merged = merge_note(existing, note.properties, note.owned, note.region, note.withdrawn)
        if merged.conflict:
            report.counts["conflicts"] += 1
            conflict = _conflict_path(note.path)
            report.problems.append(
                f"{note.path}: you edited papersync's region; kept yours, ours is in {conflict}"
            )
            conflict_text = _conflict_text(note.path, note.region)
            if atomic.write_text(self.out / conflict, conflict_text, durable=False):
                report.written.append(conflict)
        if atomic.write_text(path, merged.text, durable=False):
            report.written.append(note.path)
        else:
            report.unchanged += 1

    def _retire(self, rel: str, report: _Report) -> None:
        path = self.out / rel
        text = _read(path)
        if text is None or find_region(split_frontmatter(text)[1]) is None:
            return
        kept = retire_note(text, "No longer in the reading log.\n")
        if kept is None:
            path.unlink()
            report.counts["removed"] += 1
        else:
            report.counts["kept"] += 1
            if atomic.write_text(path, kept, durable=False):
                report.written.append(rel)
