"""The first hour with papersync (issue 17): `init` finds the logs, first mistakes are one
clear line with the file or key named, and counters never contradict each other."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from papersync import commands, report
from papersync.cli import main
from papersync.config import load
from papersync.session import RUN_LOCK_NAME

LOG = "# 2024\n\n## 2024.3.2\n\n《Attention Is All You Need》\n\n读了一遍。\n"


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_init_proposes_the_logs_it_finds_and_never_a_vault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "2024.md").write_text(LOG, encoding="utf-8")
    (tmp_path / "logs" / "todo.md").write_text("# todo\n\n- buy milk\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# my notes\n", encoding="utf-8")
    papers = tmp_path / "vault" / "Papers"
    papers.mkdir(parents=True)
    (papers / "Attention Is All You Need.md").write_text(
        "# Attention Is All You Need\n\n%% papersync:begin hash=0 %%\n"
        "- 2024.3.2 《Attention Is All You Need》\n%% papersync:end %%\n",
        encoding="utf-8",
    )
    (tmp_path / "vault" / ".obsidian").mkdir()
    (tmp_path / "vault" / ".obsidian" / "x.md").write_text(LOG, encoding="utf-8")

    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "logs/2024.md  (1 mentions)" in out
    assert "vault" not in out.replace("papersync.yaml", "") and "todo.md" not in out
    config = load(tmp_path / "papersync.yaml")
    assert config.notes == ("logs/2024.md",)
    assert [m.title for m in commands.scan(config).mentions] == ["Attention Is All You Need"]



def test_init_finds_a_log_kept_as_plain_text_but_not_other_text_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "2024.txt").write_text(LOG, encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("numpy>=1.26\nrequests\n", encoding="utf-8")
    (tmp_path / "LICENSE.txt").write_text("See http://www.apache.org/licenses/\n", "utf-8")

    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "logs/2024.txt  (1 mentions)" in out and "LICENSE" not in out
    assert load(tmp_path / "papersync.yaml").notes == ("logs/2024.txt",)

def test_init_in_a_folder_without_logs_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert "no Markdown file here mentions a paper" in capsys.readouterr().out
    assert load(tmp_path / "papersync.yaml").notes == ("notes/*.md",)


def test_a_notes_glob_that_matches_nothing_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "papersync.yaml"
    config.write_text('notes: ["notes/*.md"]\ncache_dir: cache\n', encoding="utf-8")
    assert main(["sync", "--offline", "--config", str(config)]) == 2
    (line,) = lines_of(capsys.readouterr().err)
    assert str(config) in line and "`notes/*.md` matches no file" in line


@pytest.mark.parametrize("command", ["status", "sync", "resolve", "review"])
def test_without_a_config_a_command_says_so_and_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([command]) == 2
    (line,) = lines_of(capsys.readouterr().err)
    assert "papersync.yaml: no config file here" in line and "papersync init" in line
    assert not (tmp_path / RUN_LOCK_NAME).exists() and not list(tmp_path.iterdir())


def test_scan_without_paths_reads_the_configured_notes(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--config", str(example_folder / "papersync.yaml")]) == 0
    assert "18 mentions of" in capsys.readouterr().out


def test_catalog_import_names_the_file_on_every_skipped_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERSYNC_CACHE_DIR", str(tmp_path / "cache"))
    records = tmp_path / "records.jsonl"
    records.write_text(
        '{"id": "1706.03762", "title": "Attention Is All You Need", "authors": "A. Vaswani"}\n'
        "not json at all\n",
        encoding="utf-8",
    )
    assert main(["catalog", "import", str(records)]) == 3
    captured = capsys.readouterr()
    (problem,) = lines_of(captured.err)
    assert problem.startswith(f"papersync: {records}:2:")
    assert "1 skipped" in captured.out


def test_offline_with_an_empty_catalog_suggests_importing_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "log.md").write_text(LOG, encoding="utf-8")
    config = tmp_path / "papersync.yaml"
    config.write_text(
        "notes: [log.md]\ncache_dir: cache\nexport: {bibtex: {path: refs.bib}}\n", "utf-8"
    )
    assert main(["sync", "--offline", "--config", str(config)]) == 3
    out = capsys.readouterr().out
    assert "1 unresolved" in out and "`papersync catalog import FILE`" in out


def test_counters_agree_dry_run_status_and_a_run_that_did_nothing(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(example_folder / "papersync.yaml")]
    assert main(["status", *config]) == 0
    before = capsys.readouterr().out
    assert "0 awaiting review, 17 not resolved yet" in before

    main(["sync", "--offline", "--dry-run", *config])
    planned = capsys.readouterr().out
    assert "bibtex: 1 would be written" in planned and not re.search(r"\d written", planned)

    main(["sync", "--offline", "--quiet", *config])
    first = capsys.readouterr().out
    assert "added" in first
    main(["sync", "--offline", "--quiet", *config])
    again = capsys.readouterr().out
    assert "nothing changed since the last run" in again
    assert "bibtex: 0 written, 1 unchanged" in again
    assert not re.search(r"[1-9]\d* (entries )?added", again)

    main(["status", *config])
    after = capsys.readouterr().out
    assert "1 awaiting review, 0 not resolved yet" in after  # GAN, ambiguous in the example
    assert "1 ambiguous" in first


def test_a_zotero_line_says_unchanged_once() -> None:
    from papersync.export import Outcome

    line = report.outcome_line("zotero", Outcome(counts={"created": 2, "unchanged": 25}))
    assert line.count("unchanged") == 1 and "2 created" in line


def test_mark_not_a_paper_takes_what_scan_shows(
    example_folder: Path, add_entry: Callable[..., None]
) -> None:
    add_entry(example_folder, "- [DETR] 组会上提到的检测方法")
    config = load(example_folder / "papersync.yaml")
    shown = {report.mention_row(m)[3]: m for m in commands.scan(config).mentions}
    aliased = next(text for text, m in shown.items() if m.alias)
    assert aliased.startswith("[")
    assert commands.review(config, not_papers=[aliased]) == 1
    with pytest.raises(commands.CommandError, match="no mention"):
        commands.review(config, not_papers=["A title nobody wrote"])


def test_catalog_import_of_a_file_in_no_catalog_format_is_one_line(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = example_folder / "papersync.yaml"
    assert main(["catalog", "import", str(config), "--config", str(config)]) == 1
    (line,) = lines_of(capsys.readouterr().err)
    assert line.startswith(f"papersync: {config}:") and "Traceback" not in line


def test_sync_json_is_the_report_as_one_object(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    config = ["--config", str(example_folder / "papersync.yaml")]
    assert main(["sync", "--offline", "--json", *config]) == 3
    done = json.loads(capsys.readouterr().out)
    assert done["mentions"] == 18 and done["statuses"]["ambiguous"] == 1
    assert done["outcomes"]["bibtex"]["written"] == [str(example_folder / "out" / "refs.bib")]
    assert done["dry_run"] is False and done["failures"] == {}


def test_a_notes_glob_that_matches_nothing_beside_others_is_a_problem_line(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = example_folder / "papersync.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("notes: [notes/log.md]", 'notes: [notes/log.md, "archve/*.md"]'))
    assert main(["sync", "--offline", "--quiet", "--config", str(config)]) == 3
    out = capsys.readouterr().out
    assert f"problem: {config}: notes[1]: `archve/*.md` matches no file" in out
    assert "mentions: 18;" in out
