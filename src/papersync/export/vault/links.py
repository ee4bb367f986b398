"""Wikilinks: how a note is linked (Obsidian's "shortest path when possible"), the wikilinks a
person's reading notes carry (each lands on a note of this vault or becomes its text), and
the words in those notes that name another paper, linked to its note.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from papersync.export.vault.layout import note_stem
from papersync.export.vault.names import fold

_WORD = r"A-Za-z0-9_\-\u00c0-\u024f"
"""Letters that continue a word: `beta-VAE` and `BLIP2` are other names; a CJK neighbour is not."""
_TOKEN = re.compile(rf"[{_WORD}]+|.", re.IGNORECASE | re.DOTALL)
"""A whole word, or one character that is not part of one: where an alias may start."""
_WORD_CHAR = re.compile(rf"[{_WORD}]", re.IGNORECASE)
_PROTECTED = re.compile(r"`[^`\n]*`|\[\[[^\]\n]*\]\]|\[[^\]\n]*\]\([^)\n]*\)|<?https?://\S+")
LINKABLE = re.compile(r"[\w.+\- ]+")
"""An alias safe as a wikilink's display text: no `|`, `]` or `#`."""
_WIKILINK = re.compile(
    r"(?P<embed>!?)\[\[(?P<target>[^\[\]\n|#^]*)(?P<sub>[#^][^\[\]\n|]*)?(?:\|(?P<text>[^\[\]\n]*))?\]\]"
)
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)


@dataclass(frozen=True)
class WikiLinks:
    """Wikilinks as Obsidian writes them ("shortest path when possible"), and where a link
    written in a person's notes lands."""

    stems: Mapping[str, int]
    """Folded file name → how many files in the vault (after this run) carry it."""
    notes: Mapping[str, str] = field(default_factory=dict)
    """Folded link text (a file name, or a path without `.md`) → that note's path."""
    titles: Mapping[str, str] = field(default_factory=dict)
    """Folded title, as the log writes it → the path of the note of the paper it names."""

    @classmethod
    def of(cls, files: Iterable[str], titles: Mapping[str, str] | None = None) -> WikiLinks:
        """For a vault holding `files` (relative paths of `.md` notes) after this run."""
        files = sorted(set(files))
        stems = Counter(fold(note_stem(p)) for p in files)
        notes = {fold(note_stem(p)): p for p in files}
        notes |= {fold(p.removesuffix(".md")): p for p in files}
        return cls(stems, notes, {fold(" ".join(t.split())): p for t, p in (titles or {}).items()})

    def resolve(self, written: str) -> str | None:
        """The target a wikilink written as `[[written]]` should have, or None if no note
        in the vault is that one."""
        key = fold(" ".join(written.removesuffix(".md").split()))
        path = self.notes.get(key) or self.titles.get(key)
        return self.target(path) if path else None

    def target(self, path: str) -> str:
        """The bare name, unless another file shares it: then the path without `.md`."""
        stem = note_stem(path)
        return stem if self.stems.get(fold(stem), 0) <= 1 else path.removesuffix(".md")

    def to(self, path: str) -> str:
        stem, target = note_stem(path), self.target(path)
        return f"[[{target}]]" if target == stem else f"[[{target}|{stem}]]"


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


def settle_wikilinks(text: str, resolve: Callable[[str], str | None]) -> str:
    """Every wikilink lands: `resolve` gives a target for a written one (a note in the vault,
    or the note of a paper the log names by that title) or None, and then its text stays
    as plain text. Embeds of files other than notes (`![[fig.png]]`) are left as written."""

    def settle(found: re.Match[str]) -> str:
        target = found["target"].strip()
        if found["embed"] and "." in target.rpartition("/")[2]:
            return found[0]
        shown = found["text"] if found["text"] is not None else target
        landed = resolve(target) if target else None
        if landed is None:
            return shown
        if landed == target:
            return found[0]
        return f"{found['embed']}[[{landed}{found['sub'] or ''}|{shown}]]"

    out: list[str] = []
    last = 0
    for code in _CODE.finditer(text):
        out.append(_WIKILINK.sub(settle, text[last : code.start()]))
        out.append(code[0])
        last = code.end()
    out.append(_WIKILINK.sub(settle, text[last:]))
    return "".join(out)
