"""What the vault should hold: every note papersync wants, at which path, with which aliases.

Pure: the references, the lock's pins and the list of files already in the vault go in;
`Note`s and the path of each paper's note come out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from papersync.export.vault.content import (
    Entry,
    Note,
    day_notes,
    index_note,
    own_aliases,
    paper_note,
    paper_properties,
    read_dates,
)
from papersync.export.vault.layout import (
    CONFLICT_SUFFIX,
    DAYS_DIR,
    INDEX_NOTE,
    PAPERS_DIR,
    UNRESOLVED_DIR,
    day_path,
    note_stem,
    paper_path,
)
from papersync.export.vault.links import LINKABLE, Aliases, WikiLinks
from papersync.export.vault.names import assign_names, fold, is_plain_name
from papersync.export.vault.render import Renderer
from papersync.lock import Lock, Pins
from papersync.match import identity
from papersync.model import Match, Reference, Status


def entries_of(references: Sequence[Reference], unresolved: Sequence[Match]) -> list[Entry]:
    """A note to be per reference, then one per unresolved title (its mentions grouped)."""
    entries = [Entry(r.key, r.paper.title, r.mentions, r) for r in references]
    groups: dict[str, list[Match]] = defaultdict(list)
    for match in unresolved:
        groups[f"unresolved:{identity(match.mention)}"].append(match)
    for key, matches in sorted(groups.items()):
        mentions = tuple(m.mention for m in matches)
        offered = max((m.candidates for m in matches), key=len)
        entries.append(Entry(key, mentions[0].full_title, mentions, None, offered))
    return entries


def pinned_note(lock: Lock, key: str) -> str | None:
    """The note name the lock pins for a paper, when it is a plain file name (see
    `is_plain_name`): a lock is shared data, and `../x` is not a note name."""
    name = lock.pins(key).note
    return name if name and is_plain_name(name) else None


def _vault_names(existing: Sequence[str], ours: Iterable[str]) -> tuple[list[str], list[str]]:
    """`(others, unresolved)`: the names of the vault's files that are not papersync's pinned
    paper notes, apart from those in the unresolved folder (which new papers may take)."""
    our_names = set(ours)
    others: list[str] = []
    unresolved: list[str] = []
    for path in existing:
        stem = note_stem(path)
        if path.startswith(f"{UNRESOLVED_DIR}/"):
            unresolved.append(stem)
        elif stem not in our_names:
            others.append(stem)
    return others, unresolved


def place(
    entries: Sequence[Entry],
    lock: Lock,
    existing: Sequence[str],
    located: Mapping[str, str],
    fixed: Sequence[str],
) -> dict[str, str]:
    """Paper key → the note's path: where the person moved it, its pinned name, or a new name.

    New names avoid every other file in the vault and every name ever pinned; unresolved
    titles get theirs after the papers, so a resolved paper never loses its name to one.
    """
    papers = [e for e in entries if e.reference]
    titles = [e for e in entries if not e.reference]
    pinned = {e.key: n for e in papers if (n := pinned_note(lock, e.key))}
    pinned |= {k: note_stem(p) for k, p in located.items()}
    ours = {note_stem(located.get(k, paper_path(n))) for k, n in pinned.items()}
    others, unresolved_files = _vault_names(existing, ours)
    reserved = [
        n for key in lock.papers if (n := pinned_note(lock, key)) and n not in pinned.values()
    ]
    names = assign_names(
        [(e.key, e.title) for e in papers], pinned, [*fixed, *others, *unresolved_files, *reserved]
    )
    paper_aliases = [a for e in papers for a in own_aliases(e)]
    names |= assign_names(
        [(e.key, e.title) for e in titles],
        {},
        [*fixed, *others, *reserved, *names.values(), *paper_aliases],
    )
    paths: dict[str, str] = {}
    for entry in entries:
        moved = located.get(entry.key)
        if moved and note_stem(moved) == names[entry.key]:
            paths[entry.key] = moved
        else:
            folder = PAPERS_DIR if entry.reference else UNRESOLVED_DIR
            paths[entry.key] = f"{folder}/{names[entry.key]}.md"
    return paths


def note_aliases(entries: Sequence[Entry], names: Mapping[str, str]) -> dict[str, list[str]]:
    """Each note's aliases, dropping any that two notes share or that equal a note's name, so
    every alias resolves to exactly one note. Papers claim theirs before unresolved titles."""
    wanted = {e.key: [a for a in own_aliases(e) if fold(a) != fold(names[e.key])] for e in entries}
    kept: dict[str, list[str]] = {}
    claims: Counter[str] = Counter()
    for tier in ([e for e in entries if e.reference], [e for e in entries if not e.reference]):
        claims.update(fold(a) for e in tier for a in wanted[e.key])
        claims.update(fold(names[e.key]) for e in tier)
        kept |= {e.key: [a for a in wanted[e.key] if claims[fold(a)] == 1] for e in tier}
    return kept


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
    entries = entries_of(references, unresolved if include_unresolved else ())
    days = sorted({d for e in entries for d in read_dates(e.mentions)})
    fixed = [str(d) for d in days] + [note_stem(INDEX_NOTE)]
    paths = place(entries, lock, existing, located or {}, fixed)
    planned = [*paths.values(), *(day_path(d) for d in days), INDEX_NOTE]
    links = WikiLinks.of([*existing, *planned], _titles(entries, paths))
    names = {key: note_stem(path) for key, path in paths.items()}
    aliases = note_aliases(entries, names)
    word_targets = Aliases.of(
        {
            a: links.target(paths[e.key])
            for e in entries
            for a in aliases[e.key]
            if len(a) >= 3 and not a.isdigit() and LINKABLE.fullmatch(a)
        }
    )
    notes = []
    for entry in entries:
        pins = lock.pins(entry.key) if entry.reference else Pins()
        props = paper_properties(entry, aliases[entry.key], pins, zotero_library)
        notes.append(paper_note(entry, paths[entry.key], props, links, word_targets, renderer))
    notes.extend(day_notes(entries, paths, links, renderer))
    notes.append(index_note(entries, paths, unresolved, links, renderer))
    return notes, paths


def _titles(entries: Sequence[Entry], paths: Mapping[str, str]) -> dict[str, str]:
    """Each title the log writes for a paper (bare, with its alias, as marked) → its note:
    where a wikilink the log wrote by that title should land."""
    titles: dict[str, str] = {}
    for entry in entries:
        for mention in entry.mentions:
            for written in (mention.title, mention.full_title, mention.raw.strip("《》[] ")):
                titles.setdefault(written, paths[entry.key])
    return titles


def stale_paths(lock: Lock, paths: Mapping[str, str], files: Sequence[str]) -> list[str]:
    """Notes papersync wrote that no paper or title wants now: pinned paper notes of papers
    gone from the log, and every unresolved-title and day note on disk (re-planned each run)
    but the conflict notes, which are the person's to delete."""
    stale = [
        paper_path(name)
        for key in sorted(lock.papers)
        if key not in paths and (name := pinned_note(lock, key))
    ]
    stale += [
        f
        for f in files
        if f.startswith((f"{UNRESOLVED_DIR}/", f"{DAYS_DIR}/"))
        and not note_stem(f).endswith(CONFLICT_SUFFIX)
    ]
    return stale
