"""Shared fixtures: where the project's shared data lives, skipping cleanly when it is absent."""

from __future__ import annotations

import os
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
