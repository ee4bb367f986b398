"""Helpers the parse tests share: our own small logs, and the seeds by their number."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

import pytest

from papersync.model import Mention
from papersync.parse import DEFAULT_PATTERNS, Patterns, parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notes"


@pytest.fixture
def log_fixture() -> Callable[..., tuple[Mention, ...]]:
    """Parse one of tests/fixtures/notes by file name."""

    def read(
        name: str, patterns: Patterns = DEFAULT_PATTERNS, ignore: Collection[str] = ()
    ) -> tuple[Mention, ...]:
        return parse((FIXTURES / name).read_text(encoding="utf-8"), name, patterns, ignore)

    return read


@pytest.fixture
def seed_log(seeds: list[Path]) -> Callable[[str], tuple[Path, tuple[Mention, ...]]]:
    """A seed, by its number prefix (`003`), and its mentions."""

    def read(prefix: str) -> tuple[Path, tuple[Mention, ...]]:
        (path,) = [p for p in seeds if p.name.startswith(prefix)]
        return path, parse(path.read_text(encoding="utf-8"), path.name)

    return read
