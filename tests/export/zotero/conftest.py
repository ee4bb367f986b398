"""The Zotero tests' fake library: a real HTTP server on 127.0.0.1 (tests/fake_zotero.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from zotero_papers import SUBSET

from fake_zotero import FakeZotero


@pytest.fixture
def server() -> Iterator[FakeZotero]:
    with FakeZotero(SUBSET) as fake:
        yield fake
