"""Small papers, mentions and checks the vault tests share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from obsidiantools.api import Vault

from papersync.export.vault import DAYS_DIR, PAPERS_DIR, VaultExporter
from papersync.export.vault.frontmatter import split_frontmatter
from papersync.lock import Lock
from papersync.model import Author, Ids, Match, Mention, MentionKind, Paper, Reference, Status

FIXTURES = Path(__file__).parents[2] / "fixtures" / "vault"
D1, D2, D3 = dt.date(2024, 2, 6), dt.date(2024, 2, 7), dt.date(2024, 3, 1)


def mention(
    title: str,
    line: int,
    date: dt.date | None = D1,
    alias: str | None = None,
    body: str = "",
    kind: MentionKind = MentionKind.READ,
) -> Mention:
    return Mention(f"《{title}》", title, "log.md", line, kind, alias, date=date, body=body)


def reference(
    arxiv: str, title: str, citekey: str, *mentions: Mention, **paper: object
) -> Reference:
    return Reference(
        f"arxiv:{arxiv}",
        Paper(Ids(arxiv=arxiv), title, "test", **paper),  # type: ignore[arg-type]
        citekey,
        mentions,
    )


VAE = reference(
    "1312.6114",
    "Auto-Encoding Variational Bayes",
    "kingma2013auto",
    mention(
        "VAE: Auto-encoding variational bayes", 3, D1, "VAE", "Decoder like PixelCNN? See [5007]."
    ),
    mention("VAE", 20, D3, "VAE", "Second pass; BLIP2 uses a `VAE`-free design."),
    authors=(Author("Kingma", "Diederik P."), Author("Welling", "Max")),
    year=2014,
    abstract="How can we perform efficient inference?",
)
PIXELCNN = reference(
    "1606.05328",
    "Conditional Image Generation with PixelCNN Decoders",
    "oord2016conditional",
    mention("PixelCNN: Conditional image generation", 8, D1, "PixelCNN", "Builds on the vae idea."),
)
BLIP = reference(
    "2201.12086",
    "BLIP: Bootstrapping Language-Image Pre-training",
    "li2022blip",
    mention("BLIP", 12, D2, "BLIP"),
)
LATER = reference(
    "2304.08485",
    "Visual Instruction Tuning",
    "liu2023visual",
    mention("Visual Instruction Tuning", 1, None, kind=MentionKind.TO_READ),
)
MYSTERY = Match(mention("A paper nobody can find", 30, D3), Status.UNRESOLVED)
ALL = (VAE, PIXELCNN, BLIP, LATER)


def sync(
    exporter: VaultExporter,
    references: Sequence[Reference],
    lock: Lock,
    unresolved: Sequence[Match] = (),
) -> tuple[Lock, tuple[str, ...], tuple[str, ...]]:
    """One run as `sync` does it: export, then record the pins it returned."""
    outcome = exporter.export(references, unresolved, lock)
    return lock.with_pins(outcome.pins), outcome.written, outcome.problems


def notes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*.md")}


def frontmatter(text: str) -> dict[str, Any]:
    inner, _ = split_frontmatter(text)
    assert inner is not None
    data = yaml.safe_load(inner)
    assert isinstance(data, dict)
    return data


def check_vault_like_obsidian(root: Path) -> Vault:
    """What a person would see in Obsidian: every link lands, every paper is reached from a day."""
    vault = Vault(root).connect()
    assert vault.nonexistent_notes == []
    owners: dict[str, str] = {}
    for name, rel in vault.md_file_index.items():
        path = Path(rel).as_posix()
        if not path.startswith(f"{PAPERS_DIR}/") or name.endswith(".papersync-conflict"):
            continue
        front = vault.get_front_matter(name)
        for key in ("aliases", "tags", "authors"):
            assert isinstance(front.get(key, []), list), (name, key)
        for alias in front.get("aliases", []):
            assert alias.casefold() not in owners, f"{alias} names two notes"
            owners[alias.casefold()] = name
        days = [
            n
            for n in vault.backlinks_index[name]
            if str(vault.md_file_index[n]).startswith(DAYS_DIR)
        ]
        if front.get("status") == "read":
            assert {str(d) for d in front.get("read", [])} == {Path(n).stem for n in days}, name
        else:
            assert "Reading index" in vault.backlinks_index[name], name
    names = {n.casefold() for n in vault.md_file_index}
    assert not names & set(owners), "an alias equals another note's name"
    return vault
