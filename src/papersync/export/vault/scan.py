"""Reading the vault back: which files it holds, which of them are papersync's paper notes,
and what their properties say (ids, citekey, aliases). A stray file is skipped with a
problem line, never a reason to stop.

What the notes say is what rebuilds a lost lock (a note's ids name its paper) and what
teaches the resolver the names a person gave a paper (its `aliases`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papersync.errors import VaultError
from papersync.export.vault.frontmatter import read_properties, split_frontmatter
from papersync.export.vault.layout import DAYS_DIR, ID_KEYS, INDEX_NOTE, UNRESOLVED_DIR, note_stem
from papersync.export.vault.names import fold
from papersync.export.vault.regions import find_region
from papersync.ids import bare_arxiv, normalise_doi
from papersync.lock import Decision
from papersync.model import Ids, Reference, Status

_READ_KEYS = (*ID_KEYS, "citekey", "title", "aliases")


class StrayFile(VaultError):
    """A file in the vault papersync cannot read as a note (not UTF-8, a folder, no access)."""

    def __init__(self, rel: str, why: str) -> None:
        super().__init__(f"{rel}: {why}")
        self.rel = rel


def read_note(root: Path, rel: str) -> str | None:
    """A note's text, its line endings as they are (`read_text` would turn CRLF into LF);
    None when there is no such file; `StrayFile` when it is not readable text."""
    try:
        return (root / rel).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise StrayFile(rel, "not UTF-8 text; skipped, left as it is") from None
    except IsADirectoryError:
        raise StrayFile(rel, "not a file; skipped, left as it is") from None
    except OSError as exc:
        raise StrayFile(rel, f"cannot be read ({exc.strerror or exc}); skipped") from exc


def vault_files(root: Path) -> tuple[list[str], list[StrayFile]]:
    """`(files, strays)`: the vault's Markdown files as Obsidian sees them (skipping
    `.obsidian`, `.trash`…), relative POSIX paths, and any folder named like a note."""
    if not root.is_dir():
        return [], []
    files: list[str] = []
    strays: list[StrayFile] = []
    for path in root.rglob("*.md"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            files.append(rel.as_posix())
        else:
            strays.append(StrayFile(rel.as_posix(), "not a file; skipped, left as it is"))
    return sorted(files), sorted(strays, key=lambda s: s.rel)


@dataclass(frozen=True)
class PaperNote:
    """A paper note papersync wrote (it holds a region), as its properties describe it."""

    path: str
    properties: Mapping[str, Any]

    @property
    def name(self) -> str:
        return note_stem(self.path)

    @property
    def ids(self) -> Ids:
        props = self.properties
        arxiv, doi, dblp = (str(props[k]) if props.get(k) else None for k in ID_KEYS)
        return Ids(
            arxiv=bare_arxiv(arxiv) if arxiv else None,
            doi=normalise_doi(doi) if doi else None,
            dblp=dblp,
        )

    @property
    def citekey(self) -> str | None:
        value = self.properties.get("citekey")
        return str(value) if value else None


def paper_notes(
    root: Path, files: Sequence[str], strays: list[StrayFile] | None = None
) -> list[PaperNote]:
    """Every papersync paper note among `files` (not the day notes, the index or unresolved
    titles); an unreadable file is added to `strays`."""
    found: list[PaperNote] = []
    for rel in files:
        if rel.startswith((f"{UNRESOLVED_DIR}/", f"{DAYS_DIR}/")) or rel == INDEX_NOTE:
            continue
        try:
            text = read_note(root, rel) or ""
        except StrayFile as exc:
            if strays is not None:
                strays.append(exc)
            continue
        inner, body = split_frontmatter(text)
        if find_region(body) is not None:
            found.append(PaperNote(rel, read_properties(inner, _READ_KEYS)))
    return found


def _unique(found: Sequence[PaperNote], taken: set[str]) -> PaperNote | None:
    free = [n for n in found if n.path not in taken]
    return free[0] if len(free) == 1 else None


def locate(
    notes: Sequence[PaperNote], references: Sequence[Reference], pinned: Mapping[str, str | None]
) -> dict[str, str]:
    """Paper key → the path of its note, for papers whose note is not where the lock says.

    Looked for by its pinned name (the person moved it), then by the ids in its properties
    (the lock was lost or emptied), then by citekey, then by exact title. A note two papers
    could claim, or a paper matching two notes, is left alone: a wrong guess would
    overwrite a note.
    """
    index: dict[tuple[str, str], list[PaperNote]] = defaultdict(list)
    for note in notes:
        index[("name", fold(note.name))].append(note)
        for kind, value in note.ids.ranked():
            if value:
                index[(kind, value)].append(note)
        if note.citekey:
            index[("citekey", note.citekey)].append(note)
        if isinstance(note.properties.get("title"), str):
            index[("title", note.properties["title"])].append(note)
    located: dict[str, str] = {}
    taken: set[str] = set()
    for ref in references:
        pin = pinned.get(ref.key)
        tries = [("name", fold(pin))] if pin else []
        tries += [(kind, value) for kind, value in ref.paper.ids.ranked() if value]
        tries += [("citekey", ref.citekey), ("title", ref.paper.title)]
        for found in (index.get(t, []) for t in tries):
            chosen = _unique(found, taken)
            if chosen is not None:
                located[ref.key] = chosen.path
                taken.add(chosen.path)
                break
    return located


def _logged(decisions: Iterable[Decision]) -> dict[tuple[str, str], list[str]]:
    """Each id of a matched paper → the log texts decided for it: where the log's own names
    for the paper are written, which papersync copied into its note's aliases."""
    logged: dict[tuple[str, str], list[str]] = defaultdict(list)
    for decision in decisions:
        if decision.status is Status.MATCHED and decision.raw:
            for kind, value in decision.ids.ranked():
                if value:
                    logged[(kind, value)].append(decision.raw)
    return logged


def _written_in(alias: str, texts: Iterable[str]) -> bool:
    word = re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", re.IGNORECASE)
    return any(word.search(text) for text in texts)


def person_aliases(
    notes: Sequence[PaperNote], keys: Mapping[str, str], decisions: Iterable[Decision] = ()
) -> dict[str, str]:
    """Alias → paper key: the names a person gave papers in their notes' `aliases`.

    Left out: the note's citekey, and the names papersync wrote there itself — the log's own
    name for the paper, found written in a mention the lock decided for it (the log teaches
    that name anyway; fed back as the person's word it would vouch for its own guess).
    Without a lock every alias counts: papersync wrote each for the paper its mention was
    decided for, so they agree. A name two papers' notes claim says nothing and is left out.
    `keys` maps a folded note name to its paper key (from the lock); a note the lock does
    not name is keyed by the ids in its properties.
    """
    logged = _logged(decisions)
    claims: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, str] = {}
    for note in notes:
        key = keys.get(fold(note.name)) or note.ids.key()
        aliases = note.properties.get("aliases")
        if key is None or not isinstance(aliases, list):
            continue
        raws = [raw for kind, value in note.ids.ranked() if value for raw in logged[(kind, value)]]
        for alias in aliases:
            if not isinstance(alias, str) or not alias.strip() or alias == note.citekey:
                continue
            if not _written_in(alias, raws):
                claims[fold(alias)].add(key)
                spelling.setdefault(fold(alias), alias)
    return {spelling[f]: next(iter(k)) for f, k in sorted(claims.items()) if len(k) == 1}
