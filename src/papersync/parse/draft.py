"""A mention while the log is being read: where it starts and where its body begins."""

from __future__ import annotations

from dataclasses import dataclass, field

from papersync.model import Ids, MentionKind


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
    title: str | None = None  # None: clean `raw`; "": no title (a bare id)
    alias: str | None = None
    year_hint: int | None = None
    body: str | None = None  # set for link mentions, whose body is their own line
    cuts_body: bool = True
    reference: str | None = None  # the label of a `[name]` that a `[name]: url` may define
