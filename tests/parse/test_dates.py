"""The dates a log states: headings, inheritance, configured patterns."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync.model import MentionKind
from papersync.parse import Patterns, parse, parse_log


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


# --- every common spelling ---------------------------------------------------------------


@pytest.mark.parametrize(
    "heading",
    ["2022/05/06", "2022.5.6", "2022-05-06", "2022年5月6日", "May 6, 2022", "6 May 2022",
     "Friday, May 6th, 2022", "2022-05-06 (Fri)", "**2022.5.6**", "5/6/2022"],
)
def test_heading_dates_in_every_common_spelling(heading: str) -> None:
    (mention,) = parse(f"### {heading}\n《Some Paper Title》\n", "m.md")
    assert mention.date == dt.date(2022, 5, 6) and not mention.month_only


@pytest.mark.parametrize(
    "line",
    ["- **2022/05/06, Friday.**", "2022.05.06", "* 2022-05-06 (Fri)", "Date: May 6, 2022",
     "**2022年5月6日 星期五**", "6 May 2022"],
)
def test_date_lines_date_the_entries_below_them(line: str) -> None:
    log = f"# log\n{line}\n\n- 《Some Paper Title》\n\n2022.05.07\n- 《Another Paper Title》\n"
    first, second = parse(log, "m.md")
    assert (first.date, second.date) == (dt.date(2022, 5, 6), dt.date(2022, 5, 7))


def test_a_line_opening_with_a_date_dates_its_own_mentions_only() -> None:
    log = (
        "## 2022.5.1\n- 2022.05.06 《Paper One Title》 notes\n- 《Paper Two Title》\n"
        "- **May 7, 2022**: 《Paper Three Title》\n- 3. 《Paper Four Title》\n"
        "2018.10 Google 的文章《Paper Five Title》\n"
    )
    assert [m.date for m in parse(log, "m.md")] == [
        dt.date(2022, 5, 6), dt.date(2022, 5, 1), dt.date(2022, 5, 7), dt.date(2022, 5, 1),
        dt.date(2022, 5, 1),
    ]


def test_a_parent_heading_gives_the_year_and_month() -> None:
    log = (
        "# 2022\n## 5.6\n《Paper One Title》\n## May 7\n《Paper Two Title》\n"
        "# 2023年3月\n## 8日\n《Paper Three Title》\n- 9日\n《Paper Four Title》\n"
    )
    assert [m.date for m in parse(log, "m.md")] == [
        dt.date(2022, 5, 6), dt.date(2022, 5, 7), dt.date(2023, 3, 8), dt.date(2023, 3, 9),
    ]


def test_a_date_line_holds_until_a_heading_of_its_section_level() -> None:
    log = (
        "## Reading\n2022-05-06\n### Vision\n《Paper One Title》\n"
        "## Other\n《Paper Two Title》\n"
    )
    one, two = parse(log, "m.md")
    assert (one.date, two.date) == (dt.date(2022, 5, 6), None)


def test_a_month_heading_gives_the_month_and_says_so() -> None:
    (mention,) = parse("### 2022/05\n《Some Paper Title》\n", "m.md")
    assert mention.date == dt.date(2022, 5, 1) and mention.month_only


def test_a_heading_that_names_a_paper_stays_under_the_date_of_its_level() -> None:
    log = (
        "### 2022/05\n### 2024 - 《Paper One Title》\nnotes\n### 2024 - 《Paper Two Title》\n"
        "### 2022/06/02\n### 《Paper Three Title》\n### Undated section\n《Paper Four Title》\n"
    )
    mentions = parse(log, "m.md")
    assert [(m.date, m.month_only) for m in mentions] == [
        (dt.date(2022, 5, 1), True), (dt.date(2022, 5, 1), True),
        (dt.date(2022, 6, 2), False), (None, False),
    ]
    assert mentions[0].body == "notes"


def test_a_year_alone_or_an_unfinished_date_dates_nothing() -> None:
    log = "# 2022\n《Paper One Title》\n## 2.1 Method\n《Paper Two Title》\n# 5.6\n《Three》\n"
    assert [m.date for m in parse(log, "m.md")] == [None, None, None]


def test_a_table_date_column_dates_its_rows() -> None:
    log = (
        "| 日期 | 标题 | 时长 |\n| --: | -- | -- |\n"
        "| 3/30/23 | [GPT-4](https://openai.com/research/gpt-4) | 1:20:38 |\n"
        "| 12/29/22 | [Instruct GPT] | 1:07:10 |\n"
        "|  | [Later Paper Name] | |\n"
    )
    assert [(m.title, m.date) for m in parse(log, "m.md")] == [
        ("GPT-4", dt.date(2023, 3, 30)),
        ("Instruct GPT", dt.date(2022, 12, 29)),
        ("Later Paper Name", None),
    ]


def test_a_table_without_a_date_header_uses_a_cell_that_is_a_date() -> None:
    log = "| when? | what |\n| -- | -- |\n| 2022-05-06 | 《Some Paper Title》 |\n"
    (mention,) = parse(log, "m.md")
    assert mention.date == dt.date(2022, 5, 6)


def test_a_log_without_any_date_says_which_lines_looked_like_dates() -> None:
    log = "# Reading\n## 2022 05 06\n## 6th of May\n《Some Paper Title》\n"
    result = parse_log(log, "m.md")
    (problem,) = result.problems
    assert "m.md" in problem and "patterns.date_headings" in problem
    assert "line 2 `## 2022 05 06`" in problem and "line 3 `## 6th of May`" in problem
    assert parse_log("## 2022.5.6\n《Some Paper Title》\n", "m.md").problems == ()
    assert parse_log("just 《Some Paper Title》 here\n", "m.md").problems == ()


# --- property: no date the log does not state --------------------------------------------

_SPELLINGS = (
    lambda d: f"## {d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"## {d.year}.{d.month}.{d.day}",
    lambda d: f"- **{d.year}-{d.month:02d}-{d.day:02d}, Friday.**",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"### {d.year}年{d.month}月{d.day}日",
    lambda d: f"#### {d.strftime('%B')} {d.day}, {d.year}",
    lambda d: f"{d.day} {d.strftime('%b')} {d.year}",
)
_NOISE = st.sampled_from([
    "", "## Notes", "### 2.1 Method", "- 5.6 is a version", "| a | b |", "3/4 of the data",
    "《Paper Title Here》", "- [ ] 《Later Paper Title》", "**bold**", "# 2021", "1997年的文章",
    "| 3/30/23 | [Name] |", "```", "text 2022/13/45 text",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(
    st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.integers(min_value=0, max_value=len(_SPELLINGS) - 1),
    st.lists(_NOISE, max_size=4),
), max_size=6))
def test_a_mention_date_is_always_one_the_log_states(
    entries: list[tuple[dt.date, int, list[str]]],
) -> None:
    lines: list[str] = []
    stated = {dt.date(2023, 3, 30)}  # the noise's own table row
    for day, spelling, noise in entries:
        lines.append(_SPELLINGS[spelling](day))
        lines.extend(["《Some Paper Title》", *noise])
        stated.add(day)
    for mention in parse("\n".join(lines), "m.md"):
        if mention.date is not None:
            assert mention.date in stated and not mention.month_only
