"""Names a person gives papers reach the resolver through a real sync: a vault note's
`aliases`, and a name settled in `review`. Offline, on a small catalog of our own."""

from __future__ import annotations

from pathlib import Path

import yaml

from papersync import commands
from papersync.lock import LOCK_NAME
from papersync.model import Match, Status
from small_project import arxiv_record, project


def decisions(root: Path) -> dict[str, dict[str, object]]:
    lock = yaml.safe_load((root / LOCK_NAME).read_text(encoding="utf-8"))
    return dict(lock["mentions"])


def note_of(root: Path, arxiv: str) -> Path:
    lock = yaml.safe_load((root / LOCK_NAME).read_text(encoding="utf-8"))
    return root / "out" / "vault" / "Papers" / f"{lock['papers'][f'arxiv:{arxiv}']['note']}.md"


def add_alias(note: Path, name: str) -> None:
    """Add `name` under the note's `aliases`, as a person does in Obsidian (only that line)."""
    text = note.read_text(encoding="utf-8")
    assert "\naliases:\n" in text
    note.write_text(text.replace("\naliases:\n", f"\naliases:\n  - {name}\n", 1), encoding="utf-8")


DETR = "2005.12872"
DETR_TITLE = "End-to-End Object Detection with Transformers"
READING_LIST = f"""# Paper reading

| date | paper |
|---|---|
| 3/30/23 | [DETR] 逐段精读 |
| 4/02/23 | [DETR] second pass |

## 2023-04-05

- 《{DETR_TITLE}》 set prediction, no anchors
"""


def test_a_name_added_to_a_notes_aliases_resolves_there_from_then_on(tmp_path: Path) -> None:
    records = [
        arxiv_record(DETR, DETR_TITLE, "We view object detection as set prediction."),
        # another paper uses the name (weak evidence): without the person's word the name
        # stays open, and with it, it never wins
        arxiv_record("2010.04159", "Faster Convergence of Set Prediction with DETR"),
    ]
    config = project(tmp_path, {"list.md": READING_LIST}, records)
    first = commands.sync(config, offline=True, say=lambda line: None)
    assert decisions(tmp_path)["title:detr"]["status"] != "matched"
    assert first.statuses["matched"] == 1

    note = note_of(tmp_path, DETR)
    add_alias(note, "DETR")
    again = commands.sync(config, offline=True, say=lambda line: None)

    detr = decisions(tmp_path)["title:detr"]
    assert (detr["status"], detr["arxiv"]) == ("matched", DETR)
    assert again.statuses["matched"] == 2 and again.papers == 1
    read = yaml.safe_load(note.read_text(encoding="utf-8").split("---\n")[1])["read"]
    assert [str(day) for day in read] == ["2023-03-30", "2023-04-02", "2023-04-05"]
    assert "DETR" in read_aliases(note)  # the person's alias is kept in their note


def read_aliases(note: Path) -> list[str]:
    return list(yaml.safe_load(note.read_text(encoding="utf-8").split("---\n")[1])["aliases"])


def test_a_vault_alias_outweighs_a_name_the_lock_decided_automatically(tmp_path: Path) -> None:
    records = [
        arxiv_record("2101.00001", "ZetaNet: Fast Widgets for Vision"),
        arxiv_record("2102.00002", "Widgets Seen Slowly"),
    ]
    log = "## 2023-04-01\n\n- 《ZetaNet》 widgets\n- 《Widgets Seen Slowly》 gadgets\n"
    config = project(tmp_path, {"log.md": log}, records)
    commands.sync(config, offline=True, say=lambda line: None)
    assert decisions(tmp_path)["title:zetanet"]["arxiv"] == "2101.00001"  # its title prefix

    add_alias(note_of(tmp_path, "2102.00002"), "ZetaNet")
    commands.sync(config, offline=True, say=lambda line: None)
    assert decisions(tmp_path)["title:zetanet"]["arxiv"] == "2102.00002"


def test_a_name_settled_in_review_resolves_the_same_name_written_elsewhere(
    tmp_path: Path,
) -> None:
    records = [
        arxiv_record("2101.00001", "ZetaNet: Fast Widgets for Vision"),
        arxiv_record("2102.00002", "ZetaNet: Slow Gadgets for Language"),
    ]
    logs = {
        "a.md": "## 2023-04-01\n\n- 《ZetaNet》 the gadget one\n",
        "b.md": "## 2023-04-03\n\n- 《Zeta-Net》 read it again\n",  # same name, other identity
    }
    config = project(tmp_path, logs, records)
    commands.sync(config, offline=True, say=lambda line: None)
    before = decisions(tmp_path)
    assert before["title:zetanet"]["status"] == "ambiguous"  # two papers are called so
    assert before["title:zeta net"]["status"] != "matched"

    def ask(m: Match, where: str) -> str:
        """Settle only the mention in a.md, choosing the language paper."""
        if not where.startswith("notes/a.md"):
            return ""
        return next(
            str(n) for n, c in enumerate(m.candidates, 1) if c.paper.ids.arxiv == "2102.00002"
        )

    assert commands.review(config, ask=ask) == 1
    report = commands.sync(config, offline=True, say=lambda line: None)

    after = decisions(tmp_path)
    assert after["title:zetanet"]["decided_by"] == "user"
    assert (after["title:zeta net"]["status"], after["title:zeta net"]["arxiv"]) == (
        "matched",
        "2102.00002",
    )
    assert report.papers == 1 and report.statuses[Status.MATCHED] == 2
