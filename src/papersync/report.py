"""What a run did, rendered for people and for `--json`: the only place that words results.

Commands return values (a `Report`, counts, an `Outcome`); this module turns them into the
lines the CLI prints, so the wording lives in one place and commands stay free of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from papersync.export import Outcome
from papersync.match import identity
from papersync.model import Match, Mention, Status
from papersync.starter import Started


@dataclass(frozen=True)
class Report:
    mentions: int = 0
    statuses: Mapping[str, int] = field(default_factory=dict)
    """Distinct mentions per status: matched, ambiguous, unresolved, not-a-paper."""
    papers: int = 0
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    failures: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    """What the person should know that is not a failure (a lock rebuilt from the outputs)."""
    dry_run: bool = False
    """Outcomes are what a run would do: files listed are those it would write."""

    @property
    def open(self) -> int:
        return self.statuses.get(Status.AMBIGUOUS, 0) + self.statuses.get(Status.UNRESOLVED, 0)

    @property
    def partial(self) -> bool:
        """Exit 3 territory: something is unresolved, a source failed, or an item failed."""
        failed = any(o.counts.get("failed", 0) or o.problems for o in self.outcomes.values())
        return bool(self.open or self.failures or self.problems or failed)


def statuses(matches: Mapping[str, Match]) -> dict[str, int]:
    """Distinct mentions per status, every status named (zeros included)."""
    counted = Counter(str(m.status) for m in matches.values())
    return {str(s): counted.get(str(s), 0) for s in Status}


def outcome_line(name: str, o: Outcome, *, dry_run: bool = False) -> str:
    """One target's line: files (or items) written and unchanged, then its own tallies.

    A target that counts `unchanged` itself (Zotero's items) says it once.
    """
    parts = [f"{len(o.written)} {'would be written' if dry_run else 'written'}"]
    if "unchanged" not in o.counts:
        parts.append(f"{o.unchanged} unchanged")
    tallies = sorted({**o.counts, **o.totals}.items())
    parts += [f"{n} {k.replace('_', ' ')}" for k, n in tallies]
    return f"{name}: {', '.join(parts)}"


def describe(report: Report) -> str:
    """The report a person reads after `sync`."""
    s = report.statuses
    lines = [
        f"mentions: {report.mentions}; papers exported: {report.papers}",
        "distinct mentions: " + ", ".join(f"{n} {k}" for k, n in s.items()),
        *report.notices,
    ]
    lines += [outcome_line(n, o, dry_run=report.dry_run) for n, o in report.outcomes.items()]
    lines += [f"source {source} failed: {why}" for source, why in sorted(report.failures.items())]
    lines += [f"problem: {p}" for p in report.problems]
    if report.open:
        lines.append(f"{report.open} mention(s) need review: run `papersync review`")
    return "\n".join(lines)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "mentions": report.mentions,
        "statuses": dict(report.statuses),
        "papers": report.papers,
        "outcomes": {
            name: {
                "written": list(o.written),
                "unchanged": o.unchanged,
                "counts": {**o.counts, **o.totals},
                "problems": list(o.problems),
            }
            for name, o in report.outcomes.items()
        },
        "failures": dict(report.failures),
        "problems": list(report.problems),
        "notices": list(report.notices),
        "dry_run": report.dry_run,
    }


def summary(counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{n} {s}" for s, n in counts.items())
    return f"{total} distinct mentions: {parts}"


@dataclass(frozen=True)
class StatusCounts:
    """What `status` counts: the notes as they are and the lock file as it is."""

    mentions: int | None
    """None: the notes could not be read (see `why`)."""
    distinct: int
    never_asked: int
    """Distinct mentions the lock holds no decision for: the next run resolves them."""
    awaiting_review: int
    """Distinct mentions decided ambiguous or unresolved: `papersync review` settles them."""
    decisions: Mapping[str, int]
    """Decisions of the mentions in the notes (all of them when the notes cannot be read)."""
    kept: int
    """Decisions kept in the lock for mentions no longer in the notes."""
    citekeys: int
    notes: int
    zotero: int


def describe_status(s: StatusCounts) -> str:
    lines = []
    if s.mentions is not None:
        lines.append(
            f"notes: {s.mentions} mentions of {s.distinct} distinct papers; "
            f"{s.awaiting_review} awaiting review, {s.never_asked} not resolved yet"
        )
    kept = f"; {s.kept} kept for mentions no longer in the notes" if s.kept else ""
    lines.append("lock: " + ", ".join(f"{n} {k}" for k, n in s.decisions.items()) + kept)
    lines.append(
        f"papers: {s.citekeys} with citation keys, {s.notes} vault notes, {s.zotero} in Zotero"
    )
    return "\n".join(lines)


def describe_push(outcome: Outcome, plan: Sequence[str]) -> str:
    """`zotero push`: the plan of a dry run, else what was done."""
    if plan:
        return "zotero plan (dry run, nothing written):\n  " + "\n  ".join(plan)
    return outcome_line("zotero", outcome)


def mention_json(m: Mention) -> dict[str, Any]:
    return {
        "raw": m.raw,
        "title": m.title,
        "alias": m.alias,
        "kind": str(m.kind),
        "date": m.date.isoformat() if m.date else None,
        "file": m.file,
        "line": m.line,
        "section": m.section,
        "year_hint": m.year_hint,
        "ids": {"arxiv": m.ids.arxiv, "doi": m.ids.doi},
        "body": m.body,
        "inferred": m.inferred,
        "identity": identity(m),
    }


def match_json(m: Match) -> dict[str, Any]:
    p = m.paper
    return {
        "raw": m.mention.raw,
        "title": m.mention.title,
        "status": str(m.status),
        "score": round(m.score, 4),
        "paper": None
        if p is None
        else {
            "arxiv": p.ids.arxiv,
            "doi": p.ids.doi,
            "title": p.title,
            "year": p.year,
            "authors": [a.display for a in p.authors],
        },
        "candidates": [
            {
                "arxiv": c.paper.ids.arxiv,
                "doi": c.paper.ids.doi,
                "title": c.paper.title,
                "year": c.paper.year,
                "score": round(c.score, 4),
            }
            for c in m.candidates[:3]
        ],
        "decided_by": str(m.decided_by),
        "reason": m.reason,
    }


def mention_row(m: Mention) -> list[str]:
    title = f"[{m.alias}] {m.title}" if m.alias else m.title
    return [f"{m.file}:{m.line}", str(m.date or ""), str(m.kind), title]


def match_row(m: Match) -> list[str]:
    paper = m.reason if m.paper is None else f"{m.paper.key}  {m.paper.title[:70]}"
    return [str(m.status), f"{m.score:.2f}", m.mention.raw[:60], paper]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows as aligned columns; the last column runs free."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header[:-1])]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def describe_init(started: Started) -> str:
    """What `init` found and wrote, and what to do next."""
    if not started.found:
        return (
            f"wrote {started.config}: no Markdown file here mentions a paper yet; "
            "edit `notes:` to name your reading logs, then run `papersync sync`"
        )
    lines = [f"found {len(started.found)} reading log(s):"]
    lines += [f"  {f.path}  ({f.mentions} mentions)" for f in started.found]
    lines.append(
        f"wrote {started.config} with these as `notes:`; check the export paths, "
        "then run `papersync sync`"
    )
    return "\n".join(lines)
