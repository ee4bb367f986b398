"""The answer cache: what each service said to each question, one row per question.

A question is what one source asks one service about one thing: a title (`title:…`) or an id
(`arxiv:…`, `doi:…`). The answer is the records the service gave for it, each kept as the text
the service sent (an Atom entry, a JSON object), so a source re-reads it exactly as it read the
response. Batched requests (arXiv `id_list`, OR-ed titles, Semantic Scholar `/paper/batch`) are
split into their questions before they are stored, and assembled only from the questions the
cache cannot answer: a warm run sends nothing, whatever the batches were the first time.

An empty answer ("asked, no match") is kept for `negative_ttl` seconds, so a paper that appears
later is found; a non-empty answer is kept until `--refresh`. The file is disposable: a corrupt
one is rebuilt rather than fatal, and every answer is committed at once (Ctrl-C loses nothing).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

Answer = tuple[str, ...]
"""The records a service gave for one question, as it sent them; empty for "no match"."""

DAY = 86400.0
NEGATIVE_TTL = 30 * DAY


class AnswerCache:
    """SQLite store of answers per (service, question); safe to share between threads."""

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS answers ("
        "service TEXT NOT NULL, question TEXT NOT NULL, records TEXT NOT NULL, "
        "asked REAL NOT NULL, PRIMARY KEY (service, question))"
    )

    def __init__(
        self,
        path: Path,
        *,
        negative_ttl: float = NEGATIVE_TTL,
        refresh: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.negative_ttl = negative_ttl
        self.refresh = refresh
        """Ask again: nothing is read from the cache, every new answer is still stored."""
        self.hits: Counter[str] = Counter()
        """Questions answered from the cache, per service."""
        self._clock = clock
        self._lock = threading.Lock()
        self._db = self._open()

    def get(self, service: str, question: str) -> Answer | None:
        """The stored answer, or None when never asked, refreshing, or a "no match" expired."""
        if self.refresh:
            return None
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT records, asked FROM answers WHERE service = ? AND question = ?",
                    (service, question),
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                log.warning("answer cache read failed (%s); rebuilding it", exc)
                self._rebuild()
                return None
        if row is None:
            return None
        records = _records(row[0])
        if records is None or (not records and self._clock() - row[1] > self.negative_ttl):
            return None
        self.hits[service] += 1
        return records

    def recall(self, service: str, questions: Iterable[str]) -> dict[str, Answer]:
        """The stored answers among `questions`; the ones absent must be asked."""
        return {q: a for q in dict.fromkeys(questions) if (a := self.get(service, q)) is not None}

    def put(self, service: str, question: str, records: Sequence[str]) -> None:
        """Store what `service` answered to `question`; committed at once."""
        payload = json.dumps(list(records), ensure_ascii=False)
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                    (service, question, payload, self._clock()),
                )
            except sqlite3.DatabaseError as exc:
                log.warning("answer cache write failed (%s); rebuilding it", exc)
                self._rebuild()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            log.warning("answer cache %s is unreadable (%s); rebuilding it", self.path, exc)
            self._remove()
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(self._SCHEMA)
            db.execute("SELECT count(*) FROM answers").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _rebuild(self) -> None:
        self._db.close()
        self._remove()
        self._db = self._connect()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _records(payload: str) -> Answer | None:
    """A stored row's records; None for a row that is not a list of strings (never trusted)."""
    try:
        records = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(records, list) or not all(isinstance(r, str) for r in records):
        return None
    return tuple(records)
