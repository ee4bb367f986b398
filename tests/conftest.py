"""Shared fixtures: where the project's shared data lives, skipping cleanly when it is absent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("PAPERSYNC_SHARED", Path(__file__).resolve().parents[2] / "shared"))


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (set PAPERSYNC_SHARED)")
    return SHARED


@pytest.fixture
def seeds(shared: Path) -> list[Path]:
    paths = sorted((shared / "seeds").glob("*.txt"))
    if not paths:
        pytest.skip(f"no seeds in {shared / 'seeds'}")
    return paths


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def example_folder(tmp_path: Path) -> Path:
    """A notes folder as a person has it: the example log, a config with every file target,
    and the example catalog imported into its own cache (offline syncs resolve from it)."""
    from papersync import commands
    from papersync.config import load

    root = tmp_path / "project"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "log.md").write_bytes((EXAMPLES / "reading-log.md").read_bytes())
    (root / "papersync.yaml").write_text(
        "notes: [notes/log.md]\n"
        "cache_dir: cache\n"
        "export:\n"
        "  bibtex: {path: out/refs.bib}\n"
        "  vault: {path: out/vault}\n"
        "  csl: {path: out/papers.json}\n",
        encoding="utf-8",
    )
    config = load(root / "papersync.yaml")
    for catalog in (EXAMPLES / "catalog.jsonl", EXAMPLES / "library.bib"):
        commands.catalog_import(config, catalog, None)
    return root


def _outputs(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "out").rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def outputs() -> Callable[[Path], dict[str, bytes]]:
    """Every file papersync wrote under `root/out`, by path relative to `root`."""
    return _outputs


def _add_entry(root: Path, line: str, day: str = "2024.3.30") -> None:
    log = root / "notes" / "log.md"
    log.write_text(log.read_text(encoding="utf-8") + f"\n## {day}\n\n{line}\n", encoding="utf-8")


@pytest.fixture
def add_entry() -> Callable[..., None]:
    """Append a dated entry (one line) to the example folder's log, as a person would."""
    return _add_entry
