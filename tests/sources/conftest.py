"""What the source tests share: an HTTP layer that gives up fast (with its own answer cache),
and mentions as a log gives them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from papersync.model import Ids, Mention
from papersync.sources.http import Http, Policy

FAST = Policy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.05)


@pytest.fixture
def http(tmp_path: Path) -> Iterator[Http]:
    with Http(tmp_path / "answers.sqlite", policy=FAST) as client:
        yield client


@pytest.fixture
def mention() -> Callable[..., Mention]:
    """A mention as a log line gives it: `mention(title, line=1, ids=None)`."""

    def make(title: str, line: int = 1, ids: Ids | None = None) -> Mention:
        return Mention(raw=title, title=title, file="log.md", line=line, ids=ids or Ids())

    return make
