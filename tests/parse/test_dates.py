"""The dates a log states: headings, inheritance, configured patterns."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from papersync.model import MentionKind
from papersync.parse import Patterns, parse


def test_month_heading_dates_on_the_first_and_keeps_its_text() -> None:
    log = "# 2022.6\n\nAttention Is All You Need\n    一篇经典。\n"
    (mention,) = parse(log, "m.md")
    assert mention.date == dt.date(2022, 6, 1) and mention.section == "2022.6"


def test_undated_subheading_inherits_the_enclosing_date() -> None:
    log = "## 2024.1.5\n### morning\n《Adam: A Method for Stochastic Optimization》\n"
    (mention,) = parse(log, "m.md")
    assert (mention.date, mention.section) == (dt.date(2024, 1, 5), "morning")


def test_an_impossible_date_heading_is_an_undated_section() -> None:
    (mention,) = parse("## 2024.2.31\n《Deep Residual Learning》\n", "m.md")
    assert mention.date is None and mention.section == "2024.2.31"


def test_custom_date_heading() -> None:
    patterns = Patterns(date_headings=(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})",))
    (mention,) = parse("## 5/1/2024\n《Adam》\n", "m.md", patterns)
    assert mention.date == dt.date(2024, 1, 5)


def test_patterns_accept_lists_from_yaml() -> None:
    month = r"(?P<year>\d{4})-(?P<month>\d\d)"
    patterns = Patterns(title_markers=[["<u>", "</u>"]], date_headings=[month])  # type: ignore[arg-type]
    assert patterns.title_markers == (("<u>", "</u>"),)
    (mention,) = parse("## 2024-05\n<u>Adam</u>\n", "m.md", patterns)
    assert mention.date == dt.date(2024, 5, 1)


def test_seeds_every_marked_mention_with_its_heading_date(seeds: list[Path], shared: Path) -> None:
    marked = []
    for path in seeds:
        if path.name[:3] in ("000", "001", "002", "003"):
            text = path.read_text(encoding="utf-8")
            found = [m for m in parse(text, path.name) if m.kind is MentionKind.READ
                     and not m.inferred]
            assert len(found) == text.count("《"), path.name
            marked += found
    assert len(marked) == 215
    gold = {json.loads(line)["raw"] for line in (shared / "eval" / "seed_gold.jsonl").open()}
    assert {m.raw for m in marked} == gold and len(gold) == 199
    lines = {p.name: p.read_text(encoding="utf-8").split("\n") for p in seeds}
    for mention in marked:
        assert mention.date is not None, mention
        heading = _heading_above(lines[mention.file], mention.line)
        assert heading == mention.section
        assert mention.date == _date_of(heading)


def _heading_above(lines: list[str], line: int) -> str:
    for text in reversed(lines[: line - 1]):
        if text.startswith("#"):
            return text.lstrip("#").strip()
    raise AssertionError("no heading above")


def _date_of(heading: str) -> dt.date:
    year, month, *day = (int(part) for part in heading.split("."))
    return dt.date(year, month, day[0] if day else 1)
