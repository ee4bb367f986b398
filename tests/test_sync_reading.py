"""What the parser makes of a log reaches the run: its problems become the report's problem
lines (the file named), and `[[links]]` to the vault's own notes are never mentions."""

from __future__ import annotations

from pathlib import Path

from papersync import commands
from papersync.config import load
from small_project import arxiv_record, project

ATTENTION = arxiv_record("1706.03762", "Attention Is All You Need")


def test_a_log_whose_dates_are_not_recognised_says_so_and_how_to_fix_it(tmp_path: Path) -> None:
    log = "# Log\n\n## 2017_06_12\n\n- 《Attention Is All You Need》 transformers\n"
    config = project(tmp_path, {"log.md": log}, [ATTENTION])
    report = commands.sync(config, offline=True, say=lambda line: None)
    assert report.statuses["matched"] == 1  # the problem stops nothing else
    [problem] = report.problems
    assert problem.startswith("notes/log.md: ")
    assert "line 3 `## 2017_06_12`" in problem and "patterns.date_headings" in problem

    with (tmp_path / "papersync.yaml").open("a", encoding="utf-8") as config_file:
        config_file.write(
            "patterns:\n  date_headings: ['(?P<year>\\d{4})_(?P<month>\\d\\d)_(?P<day>\\d\\d)']\n"
        )
    fixed = commands.sync(load(tmp_path / "papersync.yaml"), offline=True, say=lambda line: None)
    assert fixed.problems == ()
    assert (tmp_path / "out" / "vault" / "Reading log" / "2017-06-12.md").is_file()


def test_a_wikilink_to_one_of_the_vaults_own_notes_is_not_a_mention(tmp_path: Path) -> None:
    own = "My Reading Notes On Vision Transformers"
    log = (
        "## 2023-04-01\n\n"
        "- [[Attention Is All You Need]] read again\n"
        f"- see [[{own}]] for the summary\n"
    )
    config = project(tmp_path, {"log.md": log}, [ATTENTION])
    before = commands.resolve(config, offline=True)
    assert own in {m.title for m in before.notes.mentions}  # title-shaped: a mention, until…

    (tmp_path / "out" / "vault").mkdir(parents=True)
    (tmp_path / "out" / "vault" / f"{own}.md").write_text("my own note\n", encoding="utf-8")
    report = commands.sync(config, offline=True, say=lambda line: None)
    assert report.mentions == 1 and report.statuses["matched"] == 1
    assert report.statuses["unresolved"] == report.statuses["ambiguous"] == 0
    after = commands.resolve(config, offline=True)
    assert [m.title for m in after.notes.mentions] == ["Attention Is All You Need"]
    # a paper note is no note of the person's, wherever they move it: a link to it names it
    vault = tmp_path / "out" / "vault"
    (vault / "Mine").mkdir()
    note = "Attention Is All You Need.md"
    (vault / "Papers" / note).rename(vault / "Mine" / note)
    moved = commands.sync(config, offline=True, say=lambda line: None)
    assert (moved.mentions, moved.statuses["matched"]) == (1, 1)


def test_the_note_of_an_unresolved_link_never_hides_the_link(tmp_path: Path) -> None:
    """The vault's note for an unresolved `[[Title]]` is named after it, and is not one of
    the person's notes: the link stays a mention, run after run."""
    log = "## 2023-04-01\n\n- [[A Study Of Unknown Widgets In The Wild]] to find\n"
    config = project(tmp_path, {"log.md": log}, [ATTENTION], vault="include_unresolved: true")
    first = commands.sync(config, offline=True, say=lambda line: None)
    notes = sorted((tmp_path / "out" / "vault" / "Papers" / "Unresolved").glob("*.md"))
    assert first.statuses["unresolved"] == 1 and len(notes) == 1
    with (tmp_path / "notes" / "log.md").open("a", encoding="utf-8") as grown:
        grown.write("- 《Attention Is All You Need》 read\n")
    again = commands.sync(config, offline=True, say=lambda line: None)
    assert (again.mentions, again.statuses["unresolved"]) == (2, 1)
    assert notes[0].is_file()
