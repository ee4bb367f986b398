"""The vault as Obsidian reads it: every link lands, every paper reached from its days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from vault_samples import ALL, D3, MYSTERY, check_vault_like_obsidian, mention, sync

from papersync.export.vault import DAYS_DIR, PAPERS_DIR, VaultExporter
from papersync.lock import Lock
from papersync.match import decide, identity
from papersync.model import Match, Mention, MentionKind, Paper, Reference, Status
from papersync.parse import parse
from papersync.sources.catalog import Catalog


def test_the_vault_reads_well_in_obsidian(tmp_path: Path) -> None:
    vague = Match(mention("VAE", 33, D3, "VAE"), Status.UNRESOLVED)
    sync(VaultExporter(tmp_path, include_unresolved=True), ALL, Lock(), [MYSTERY, vague])
    vault = check_vault_like_obsidian(tmp_path)
    assert "VAE" in vault.get_front_matter("Auto-Encoding Variational Bayes")["aliases"]
    assert "VAE (2)" in vault.md_file_index  # the unresolved title yields the name to the paper
    assert vault.get_wikilinks("Auto-Encoding Variational Bayes").count("2024-02-06") == 2
    assert "Conditional Image Generation with PixelCNN Decoders" in vault.get_wikilinks(
        "Auto-Encoding Variational Bayes"
    )


def test_a_name_shared_with_a_persons_note_is_linked_by_its_path(tmp_path: Path) -> None:
    daily = tmp_path / "Daily" / "2024-02-06.md"
    daily.parent.mkdir()
    daily.write_text("my own day\n", encoding="utf-8")
    sync(VaultExporter(tmp_path), ALL, Lock())
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert "### [[Reading log/2024-02-06|2024-02-06]]\n" in text and "[[2024-03-01]]" in text
    assert daily.read_text("utf-8") == "my own day\n"
    vault = check_vault_like_obsidian(tmp_path)
    assert "Auto-Encoding Variational Bayes" in vault.backlinks_index["Reading log/2024-02-06"]


# ---------------------------------------------------------------- built from the seeds


def _resolve_against_catalog(mentions: Sequence[Mention], catalog: Path, db: Path) -> list[Match]:
    """Resolution as papersync does it offline: the local catalog's candidates, `decide`."""
    with Catalog(db) as local:
        local.import_file(catalog, "arxiv-jsonl")
        found = local.candidates(mentions)
    return [decide(m, found.candidates.get(identity(m), ())) for m in mentions]


def test_the_seeds_make_a_vault_with_a_day_for_every_dated_heading(
    tmp_path: Path, seeds: list[Path], shared: Path
) -> None:
    mentions = [m for path in seeds for m in parse(path.read_text("utf-8"), path.name)]
    matches = _resolve_against_catalog(
        mentions, shared / "eval" / "catalog.jsonl", tmp_path / "catalog.sqlite"
    )
    by_paper: dict[str, list[Mention]] = {}
    papers: dict[str, Paper] = {}
    for match in matches:
        if match.status == Status.MATCHED and match.paper is not None and match.paper.key:
            by_paper.setdefault(match.paper.key, []).append(match.mention)
            papers[match.paper.key] = match.paper
    references = [
        Reference(key, papers[key], f"ref{n}", tuple(by_paper[key]))
        for n, key in enumerate(sorted(by_paper))
    ]
    unresolved = [m for m in matches if m.status != Status.MATCHED]
    assert len(references) > 50
    vault = tmp_path / "vault"
    lock, _, problems = sync(VaultExporter(vault), references, Lock(), unresolved)
    assert problems == ()

    read_on: dict[dt.date, set[str]] = {}
    for ref in references:
        for m in ref.mentions:
            if m.date and m.kind in (MentionKind.READ, MentionKind.LINK):
                read_on.setdefault(m.date, set()).add(lock.pins(ref.key).note or "")
    assert len(read_on) > 20
    for day, names in read_on.items():
        day_note = (vault / DAYS_DIR / f"{day}.md").read_text("utf-8")
        for name in names:
            assert f"[[{name}]]" in day_note, (day, name)
    days = {
        ref.key: {m.date for m in ref.mentions if m.date and m.kind != MentionKind.TO_READ}
        for ref in references
    }
    twice = [ref for ref in references if len(days[ref.key]) >= 2]
    assert twice, "the seeds read some paper on two days"
    for ref in twice:
        text = (vault / PAPERS_DIR / f"{lock.pins(ref.key).note}.md").read_text("utf-8")
        for day in days[ref.key]:
            assert f"[[{day}]]" in text, (ref.key, day)
    check_vault_like_obsidian(vault)
    assert VaultExporter(vault).export(references, unresolved, lock).written == ()
