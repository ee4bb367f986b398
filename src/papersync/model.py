"""The data model every stage shares: what the log mentions, what a source says, what we decided.

All frozen: stages pass values, never mutate them. Tuples, not lists, inside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MentionKind(StrEnum):
    READ = "read"
    TO_READ = "to-read"
    LINK = "link"


class PaperKind(StrEnum):
    PREPRINT = "preprint"
    ARTICLE = "article"
    CONFERENCE = "conference"
    BOOK = "book"
    REPORT = "report"


class Status(StrEnum):
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNRESOLVED = "unresolved"
    NOT_A_PAPER = "not-a-paper"


class DecidedBy(StrEnum):
    AUTO = "auto"
    LOCK = "lock"
    USER = "user"


@dataclass(frozen=True)
class Ids:
    """Identifiers of one paper. `arxiv` carries no version suffix; `doi` is lower-case."""

    arxiv: str | None = None
    doi: str | None = None
    s2: str | None = None
    dblp: str | None = None

    def __bool__(self) -> bool:
        return any((self.arxiv, self.doi, self.s2, self.dblp))

    def key(self) -> str | None:
        """The stable identity of a paper: its arXiv id, else its DOI."""
        if self.arxiv:
            return f"arxiv:{self.arxiv}"
        if self.doi:
            return f"doi:{self.doi}"
        return None


@dataclass(frozen=True)
class Mention:
    """One place in a reading log that names a paper."""

    raw: str
    title: str
    file: str
    line: int
    kind: MentionKind = MentionKind.READ
    alias: str | None = None
    ids: Ids = Ids()
    date: dt.date | None = None
    section: str = ""
    body: str = ""
    year_hint: int | None = None
    inferred: bool = False
    """True where the title was read off a bare line rather than a marker such as 《》."""

    @property
    def full_title(self) -> str:
        """The title with the log's alias prefix kept: `LoRA: Low-Rank Adaptation…`."""
        if self.alias and not self.title.startswith(self.alias):
            return f"{self.alias}: {self.title}"
        return self.title


@dataclass(frozen=True)
class Author:
    """A person (`given`, `family`) or, with `given` empty and `literal` set, an organisation."""

    family: str
    given: str = ""
    literal: bool = False

    @property
    def display(self) -> str:
        return f"{self.given} {self.family}".strip()


@dataclass(frozen=True)
class Paper:
    """Bibliographic facts about one paper, exactly as a source stated them."""

    ids: Ids
    title: str
    source: str
    authors: tuple[Author, ...] = ()
    year: int | None = None
    date: str | None = None
    """ISO date, possibly partial (`2023`, `2023-09`, `2023-09-18`)."""
    venue: str | None = None
    kind: PaperKind = PaperKind.PREPRINT
    abstract: str | None = None
    url: str | None = None
    primary_class: str | None = None
    publisher: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    raw: Any = field(default=None, compare=False, repr=False, hash=False)
    """The source's payload, for debugging only."""

    @property
    def key(self) -> str | None:
        return self.ids.key()


@dataclass(frozen=True)
class Candidate:
    paper: Paper
    score: float


@dataclass(frozen=True)
class Match:
    """The decision for one distinct mention: a paper, or an honest "not sure"."""

    mention: Mention
    status: Status
    paper: Paper | None = None
    score: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    decided_by: DecidedBy = DecidedBy.AUTO
    reason: str = ""


@dataclass(frozen=True)
class Reference:
    """A paper as the exporters see it: its metadata, pinned citation key and every mention."""

    key: str
    """The paper's identity (`Ids.key()`): what the lock file pins names under."""
    paper: Paper
    citekey: str
    mentions: tuple[Mention, ...] = ()
    status: Status = Status.MATCHED
    """`ambiguous` only when the user asked to include uncertain matches."""
