"""The data model every stage shares: what the log mentions, what a source says, what we decided.

All frozen: stages pass values, never mutate them. Tuples, not lists, inside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
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
    record: str | None = None
    """The catalog record's own key (a `.bib` entry's key, a CSL item's id), as `bib:…`/`csl:…`."""

    def __bool__(self) -> bool:
        return any((self.arxiv, self.doi, self.s2, self.dblp, self.record))

    def key(self) -> str | None:
        """A paper's identity from the best id it has: arXiv, DOI, DBLP, S2, record key.

        The lock pins a paper's names under the first key it was given; a better id found
        later is linked to that key, never a reason to rename.
        """
        for prefix, value in self.ranked():
            if value:
                return f"{prefix}:{value}"
        return None

    def ranked(self) -> tuple[tuple[str, str | None], ...]:
        """The ids in the order they make a paper's key, best first."""
        return (
            ("arxiv", self.arxiv),
            ("doi", self.doi),
            ("dblp", self.dblp),
            ("s2", self.s2),
            ("record", self.record),
        )


@dataclass(frozen=True)
class Hints:
    """What the log wrote around a title: evidence for scoring, never part of the title."""

    venue: str | None = None
    """`CVPR`, `NeurIPS`, `arXiv`: a venue named beside the title."""
    year: int | None = None
    authors: tuple[str, ...] = ()
    """Family names or `et al.` lists written beside the title."""
    remark: str | None = None
    """Bracketed or trailing words cut from the title (`Oral`, `(survey)`)."""

    def __bool__(self) -> bool:
        return any((self.venue, self.year, self.authors, self.remark))


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
    hints: Hints = Hints()
    url: str | None = None
    """The link the log gave for this mention, when it gave one: evidence, never a title."""
    month_only: bool = False
    """True where the log dates this mention by a month alone: `date` is that month's first
    day, which the log never named, so no day note is made for it."""
    not_a_paper: str | None = None
    """Why the log's own structure says this is not one paper (a talk, a book, a video
    covering many papers); such a mention is never matched."""

    @property
    def is_name(self) -> bool:
        """A mention that writes only a short name (`[DETR]`): its title is its alias."""
        return self.alias is not None and self.title == self.alias

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
class Name:
    """A short name for a paper (`DETR`) and where it was written, which makes it evidence."""

    text: str
    evidence: str
    """`title-prefix`, `title-suffix`, `title`, `abstract`, `log`, `vault`, `review`."""


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
    names: tuple[Name, ...] = ()
    versions: tuple[Paper, ...] = ()
    """The records this work was built from (a preprint, a published version), each as its
    source stated it; empty for a paper known from one record."""
    raw: Any = field(default=None, compare=False, repr=False, hash=False)
    """The source's payload, for debugging only."""

    @property
    def key(self) -> str | None:
        return self.ids.key()

    def version(self, prefer: str) -> Paper:
        """This work as exporters show it: `published` (its conference or journal record) or
        `preprint`, keeping every id of the work (so a published entry still has its eprint).

        A work with no record of that kind is shown as it is.
        """
        wanted = [
            v for v in self.versions if (v.kind is PaperKind.PREPRINT) == (prefer == "preprint")
        ]
        if not wanted:
            return self
        return replace(wanted[0], ids=self.ids, names=self.names, versions=self.versions)


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
