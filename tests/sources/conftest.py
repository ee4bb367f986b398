"""What the source tests share: an HTTP layer that gives up fast, with its own answer cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from papersync.sources.http import Http, Policy

FAST = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05)


@pytest.fixture
def http(tmp_path: Path) -> Iterator[Http]:
    with Http(tmp_path / "answers.sqlite", policy=FAST) as client:
        yield client
