"""The answer cache: one row per question, "no match" kept for a while, never fatal."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from papersync.sources.answers import DAY, AnswerCache


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_answers_are_kept_per_question(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "answers.sqlite")
    cache.put("arxiv", "id:1706.03762", ["<entry/>"])
    cache.put("arxiv", "title:x", [])
    cache.close()
    again = AnswerCache(tmp_path / "answers.sqlite")
    assert again.recall("arxiv", ["id:1706.03762", "title:x", "title:y"]) == {
        "id:1706.03762": ("<entry/>",),
        "title:x": (),
    }
    assert again.get("semanticscholar", "id:1706.03762") is None, "each service its own"
    assert again.hits["arxiv"] == 2


def test_no_match_expires_and_a_match_does_not(tmp_path: Path) -> None:
    clock = Clock()
    cache = AnswerCache(tmp_path / "answers.sqlite", negative_ttl=7 * DAY, clock=clock)
    cache.put("crossref", "title:new paper", [])
    cache.put("crossref", "title:old paper", ['{"DOI": "10.1/x"}'])
    clock.now += 6 * DAY
    assert cache.get("crossref", "title:new paper") == ()
    clock.now += 2 * DAY
    assert cache.get("crossref", "title:new paper") is None, "asked again after the ttl"
    assert cache.get("crossref", "title:old paper") == ('{"DOI": "10.1/x"}',)


def test_refresh_reads_nothing_and_still_stores(tmp_path: Path) -> None:
    path = tmp_path / "answers.sqlite"
    AnswerCache(path).put("arxiv", "title:x", ["a"])
    fresh = AnswerCache(path, refresh=True)
    assert fresh.get("arxiv", "title:x") is None
    fresh.put("arxiv", "title:x", ["b"])
    assert AnswerCache(path).get("arxiv", "title:x") == ("b",)


def test_a_corrupt_cache_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "answers.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        cache = AnswerCache(path)
    assert "rebuilding" in caplog.text
    cache.put("arxiv", "title:x", ["a"])
    assert cache.get("arxiv", "title:x") == ("a",)


def test_a_row_of_the_wrong_shape_is_no_answer(tmp_path: Path) -> None:
    path = tmp_path / "answers.sqlite"
    AnswerCache(path).put("arxiv", "title:x", ["a"])
    with sqlite3.connect(path) as db:
        db.execute('UPDATE answers SET records = \'{"not": "a list"}\'')
    assert AnswerCache(path).get("arxiv", "title:x") is None
