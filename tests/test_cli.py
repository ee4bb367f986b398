"""The command-line contract: help everywhere, JSON shapes, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from papersync import __version__
from papersync.cli import _parser, main

LOG = Path(__file__).parent / "fixtures" / "cli" / "log.md"


def test_version_through_python_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "papersync", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"papersync {__version__}"


def _commands() -> list[list[str]]:
    parser = _parser()
    found: list[list[str]] = []

    def walk(p: object, prefix: list[str]) -> None:
        for action in getattr(p, "_actions", []):
            choices = getattr(action, "choices", None)
            if not isinstance(choices, dict):
                continue
            for name, sub in choices.items():
                if hasattr(sub, "_actions"):
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(parser, [])
    return found


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help_and_takes_config(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--config" in out
    assert len(out.splitlines()) > 3


def test_commands_named_in_the_contract_exist() -> None:
    names = {" ".join(c) for c in _commands()}
    assert {
        "scan",
        "catalog import",
        "resolve",
        "review",
        "export",
        "zotero push",
        "sync",
        "status",
        "doctor",
        "init",
    } <= names


def test_scan_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(LOG), "--json"]) == 0
    mentions = json.loads(capsys.readouterr().out)
    keys = {
        "raw",
        "title",
        "alias",
        "kind",
        "date",
        "file",
        "line",
        "section",
        "year_hint",
        "ids",
        "body",
    }
    assert all(keys <= set(m) for m in mentions)
    vae = next(m for m in mentions if m["alias"] == "VAE")
    assert vae["title"] == "Auto-encoding variational bayes"
    assert vae["date"] == "2024-03-02" and vae["kind"] == "read" and vae["year_hint"] == 2013
    assert any(
        m["kind"] == "link" and m["ids"] == {"arxiv": "1512.03385", "doi": None} for m in mentions
    )
    assert any(m["kind"] == "to-read" and m["alias"] == "Adam" for m in mentions)


def test_scan_reports_bad_files_and_scans_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(b"## 2024.1.1\n\nCaf\xe9 society: a study of papers\n")
    empty = tmp_path / "empty.md"
    empty.write_text("")
    missing = tmp_path / "missing.md"
    code = main(["scan", str(latin1), str(empty), str(missing), str(LOG), "--json"])
    captured = capsys.readouterr()
    assert code == 3
    assert len(json.loads(captured.out)) >= 4
    errors = captured.err.strip().splitlines()
    assert len(errors) == 3
    assert any(str(latin1) in e and "UTF-8" in e for e in errors)
    assert any(str(empty) in e and "empty" in e for e in errors)
    assert any(str(missing) in e and "no such file" in e for e in errors)
    assert "Traceback" not in captured.err


def test_config_error_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "papersync.yaml"
    config.write_text("export:\n  bibtex:\n    path: [1]\n")
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"papersync: {config}: export.bibtex.path: expected a string"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["frobnicate"])
    assert done.value.code == 2


def test_init_writes_a_config_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "papersync.yaml").is_file()
    assert main(["status", "--config", str(tmp_path / "papersync.yaml")]) == 0
    assert main(["init", str(tmp_path)]) == 1
