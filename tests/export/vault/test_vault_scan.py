"""Reading the vault back: the names a person gave papers in their notes' `aliases` feed the
resolver (issue 13), and a name chosen in review is written there."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from vault_samples import ALL, BLIP, PIXELCNN, VAE, frontmatter, mention, sync

from papersync.export.vault import PAPERS_DIR, VaultExporter
from papersync.lock import Decision, Lock
from papersync.model import DecidedBy, Reference, Status

VAE_NOTE = f"{PAPERS_DIR}/Auto-Encoding Variational Bayes.md"


def add_aliases(path: Path, *names: str) -> None:
    """What a person does in Obsidian's property editor: add items to `aliases`."""
    text = path.read_text("utf-8")
    head = "aliases:\n"
    assert head in text
    path.write_text(text.replace(head, head + "".join(f"  - {n}\n" for n in names), 1), "utf-8")


def decided(references: Sequence[Reference], lock: Lock) -> Lock:
    """The lock as a sync leaves it: a matched decision per mention, besides the pins."""
    return lock.with_decisions(
        {
            f"{r.key}:{m.line}": Decision(
                Status.MATCHED,
                m.raw,
                r.paper.ids,
                decided_by=DecidedBy.USER if m.is_name else DecidedBy.AUTO,
            )
            for r in references
            for m in r.mentions
        }
    )


def test_a_persons_aliases_name_their_papers(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    add_aliases(tmp_path / VAE_NOTE, "Kingma VAE", "shared name")
    add_aliases(tmp_path / PAPERS_DIR / f"{BLIP.paper.title.replace(':', ' -')}.md", "shared name")

    # The log's own names (VAE, PixelCNN, BLIP) are papersync's copies; citekeys and a name
    # two notes claim are out too: what is left is what the person added.
    assert exporter.aliases(decided(ALL, lock)) == {"Kingma VAE": VAE.key}
    # Without a lock, every alias counts: each was written for its own paper.
    assert exporter.aliases(Lock()) == {
        "BLIP": BLIP.key,
        "Kingma VAE": VAE.key,
        "PixelCNN": PIXELCNN.key,
        "VAE": VAE.key,
    }
    sync(exporter, ALL, lock)
    assert "Kingma VAE" in frontmatter((tmp_path / VAE_NOTE).read_text("utf-8"))["aliases"]


def test_a_name_chosen_in_review_is_written_into_the_notes_aliases(tmp_path: Path) -> None:
    chosen = mention("Kingma's VAE", 70, alias="Kingma's VAE")  # a name-only mention
    assert chosen.is_name
    vae = dataclasses.replace(VAE, mentions=(*VAE.mentions, chosen))
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, [vae, *ALL[1:]], Lock())
    assert "Kingma's VAE" in frontmatter((tmp_path / VAE_NOTE).read_text("utf-8"))["aliases"]
    # The lock keeps the choice; the note keeps it for when the lock is lost.
    assert "Kingma's VAE" not in exporter.aliases(decided([vae, *ALL[1:]], lock))
    assert exporter.aliases(Lock())["Kingma's VAE"] == VAE.key


def test_aliases_a_person_wrote_wrongly_are_passed_over(tmp_path: Path) -> None:
    """Hand-edited properties are input like any other: a number, a mapping, a blank item,
    broken YAML or a stray file never stop the others' aliases from counting."""
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    add_aliases(tmp_path / VAE_NOTE, "Kingma VAE", "42", "{a: b}", "''")
    blip = tmp_path / PAPERS_DIR / f"{BLIP.paper.title.replace(':', ' -')}.md"
    blip.write_text(blip.read_text("utf-8").replace("aliases:\n", "aliases: [unclosed\n", 1))
    (tmp_path / PAPERS_DIR / "stray.md").write_bytes(b"---\naliases: [\xff\xfe]\n---\n")
    (tmp_path / PAPERS_DIR / "folder.md").mkdir()

    assert exporter.aliases(decided(ALL, lock)) == {"Kingma VAE": VAE.key}
