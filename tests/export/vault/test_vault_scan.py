"""Reading the vault back: the names a person gave papers in their notes' `aliases` feed the
resolver (issue 13), and a name chosen in review is written there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vault_samples import ALL, BLIP, PIXELCNN, VAE, frontmatter, mention, sync

from papersync.export.vault import PAPERS_DIR, VaultExporter
from papersync.lock import Lock

VAE_NOTE = f"{PAPERS_DIR}/Auto-Encoding Variational Bayes.md"


def add_aliases(path: Path, *names: str) -> None:
    """What a person does in Obsidian's property editor: add items to `aliases`."""
    text = path.read_text("utf-8")
    head = "aliases:\n"
    assert head in text
    path.write_text(text.replace(head, head + "".join(f"  - {n}\n" for n in names), 1), "utf-8")


def test_a_persons_aliases_name_their_papers(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    add_aliases(tmp_path / VAE_NOTE, "Kingma VAE", "shared name")
    add_aliases(tmp_path / PAPERS_DIR / f"{BLIP.paper.title.replace(':', ' -')}.md", "shared name")

    aliases = exporter.aliases(lock)

    assert aliases == {
        "BLIP": BLIP.key,
        "Kingma VAE": VAE.key,
        "PixelCNN": PIXELCNN.key,
        "VAE": VAE.key,
    }  # the log's own names agree with the lock; citekeys and a name two notes claim are out
    assert exporter.aliases(Lock()) == aliases  # without a lock, the notes' ids say whose
    sync(exporter, ALL, lock)
    assert "Kingma VAE" in frontmatter((tmp_path / VAE_NOTE).read_text("utf-8"))["aliases"]


def test_a_name_chosen_in_review_is_written_into_the_notes_aliases(tmp_path: Path) -> None:
    chosen = mention("Kingma's VAE", 70, alias="Kingma's VAE")  # a name-only mention
    assert chosen.is_name
    vae = dataclasses.replace(VAE, mentions=(*VAE.mentions, chosen))
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, [vae, *ALL[1:]], Lock())
    assert "Kingma's VAE" in frontmatter((tmp_path / VAE_NOTE).read_text("utf-8"))["aliases"]
    assert exporter.aliases(lock)["Kingma's VAE"] == VAE.key
