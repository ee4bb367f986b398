"""A mention's body reaches its note as the person wrote it, with nothing that would break
in a vault (issue 11, item 5), and a month-only date makes no day note."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from vault_samples import (
    ALL,
    PIXELCNN,
    VAE,
    check_vault_like_obsidian,
    frontmatter,
    mention,
    sync,
)

from papersync.export.vault import DAYS_DIR, INDEX_NOTE, PAPERS_DIR, VaultExporter
from papersync.export.vault.bodies import clean_body
from papersync.lock import Lock

NOTES = {"pixelcnn paper": "PixelCNN note", "pixelcnn note": "PixelCNN note"}


def resolve(written: str) -> str | None:
    return NOTES.get(written.casefold())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("[[PDF]](https://x.org/a.pdf)", "[PDF](https://x.org/a.pdf)", id="log-link"),
        pytest.param("see [[Nowhere]] and [[Nowhere|that]]", "see Nowhere and that", id="no-note"),
        pytest.param("[[PixelCNN paper]]", "[[PixelCNN note|PixelCNN paper]]", id="by-title"),
        pytest.param("[[PixelCNN note]]", "[[PixelCNN note]]", id="a-note"),
        pytest.param("[[pixelcnn paper#Method|m]]", "[[PixelCNN note#Method|m]]", id="heading"),
        pytest.param("![[figure.png]]", "![[figure.png]]", id="media-embed-kept"),
        pytest.param("`[[code]]` [[x]]", "`[[code]]` x", id="code-kept"),
        pytest.param("、", "", id="punctuation-only"),
        pytest.param(") ,", "", id="brackets-only"),
        pytest.param("👍", "👍", id="emoji-is-a-body"),
        pytest.param("- a\n    - b\n    - c", "- a\n- b\n- c", id="list-stays-a-list"),
        pytest.param(
            "first\n\n    more text\n      - nested", "first\n\nmore text\n  - nested", id="no-code"
        ),
    ],
)
def test_clean_body(body: str, expected: str) -> None:
    assert clean_body(body, resolve) == expected


def test_links_in_bodies_all_land_in_the_vault(tmp_path: Path) -> None:
    body = (
        "Code: [[Code]](https://github.com/x/y). Builds on [[PixelCNN: Conditional image "
        "generation]] and [[A Paper Not In This Log]].\n    - a detail\n    - another"
    )
    vae = dataclasses.replace(
        VAE, mentions=(*VAE.mentions, mention(VAE.paper.title, 40, body=body))
    )
    sync(VaultExporter(tmp_path), [vae, *ALL[1:]], Lock())
    check_vault_like_obsidian(tmp_path)
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert "Code: [Code](https://github.com/x/y). Builds on [[" in text
    assert f"[[{PIXELCNN.paper.title}|PixelCNN: Conditional image generation]]" in text
    assert " and A Paper Not In This Log.\n- a detail\n- another\n" in text


def test_a_month_only_date_gives_the_month_and_no_day_note(tmp_path: Path) -> None:
    may = dt.date(2022, 5, 1)
    vae = dataclasses.replace(
        VAE,
        mentions=(dataclasses.replace(mention("VAE", 3, may, "VAE", "Notes."), month_only=True),),
    )
    sync(VaultExporter(tmp_path), [vae, *ALL[1:]], Lock())
    assert not (tmp_path / DAYS_DIR / "2022-05-01.md").exists()
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert "### 2022-05\n\nNotes.\n" in text and "2022-05-01" not in text
    props = frontmatter(text)
    assert props["status"] == "read" and "read" not in props
    index = (tmp_path / INDEX_NOTE).read_text("utf-8")
    assert "### 2022-05 (1)\n\n- [[Auto-Encoding Variational Bayes]]\n" in index
    check_vault_like_obsidian(tmp_path)
