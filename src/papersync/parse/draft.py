"""A mention while the log is being read: where it starts and where its body begins."""

from __future__ import annotations

from dataclasses import dataclass, field

from papersync.model import Hints, Ids, MentionKind
from papersync.parse.dates import StatedDate


@dataclass
class Draft:
    """A mention before its body is known: where it starts and where its body begins."""

    line: int  # 0-based
    start: int
    body_from: int  # column on `line` where the body text starts
    raw: str
    kind: MentionKind
    ids: Ids = field(default_factory=Ids)
    inferred: bool = False
    title: str | None = None  # None: read `raw`; "": no title (a bare id)
    alias: str | None = None
    hints: Hints = field(default_factory=Hints)
    year_hint: int | None = None
    url: str | None = None
    body: str | None = None  # set for link mentions, whose body is their own line or cell
    cuts_body: bool = True
    reference: str | None = None  # the label of a `[name]` that a `[name]: url` may define
    not_a_paper: str | None = None
    date: StatedDate | None = None
    level: int = 0
    """The level of the heading the mention sits in or under (0: none): its body runs until a
    heading of this level or higher."""
