"""Commands as a person uses them: resolve, edit the lock by hand, review, export, status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from papersync import commands
from papersync.cli import main
from papersync.config import Config, load
from papersync.lock import load as load_lock
from papersync.model import DecidedBy, Status

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    (tmp_path / "papersync.yaml").write_text(
        "notes: [notes/log.md]\ncache_dir: cache\n"
        "export:\n  bibtex: {path: refs.bib}\n  csl: {path: papers.json}\n  vault: {path: vault}\n",
        encoding="utf-8",
    )
    made = load(tmp_path / "papersync.yaml")
    for catalog in ("catalog.jsonl", "library.bib"):
        commands.catalog_import(made, EXAMPLES / catalog, None)
    return made


def lock_file(config: Config) -> Path:
    return config.state_dir / "papersync.lock.yaml"


def test_resolve_json_shape_and_exit_code(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["resolve", "--offline", "--json", "--config", str(config.source_file)])
    decisions = json.loads(capsys.readouterr().out)
    assert code == 0, "an ambiguous mention is a finished answer; only failed sources are partial"
    assert {"raw", "title", "status", "score", "paper", "candidates", "decided_by"} <= set(
        decisions[0]
    )
    lora = next(d for d in decisions if d["raw"].startswith("LoRA"))
    assert lora["status"] == "matched" and lora["paper"]["arxiv"] == "2106.09685"
    assert lora["paper"]["authors"][0] == "Edward J. Hu"
    gan = next(d for d in decisions if d["raw"].startswith("GAN"))
    assert gan["status"] == "ambiguous" and gan["paper"] is None
    assert gan["candidates"][0]["arxiv"] == "1406.2661"


def test_a_hand_edit_in_the_lock_stands(config: Config) -> None:
    commands.resolve(config, offline=True)
    text = lock_file(config).read_text(encoding="utf-8")
    start = text.index("  title:generative adversarial nets:")
    end = text.index("decided_by: auto", start) + len("decided_by: auto")
    edited = (
        "  title:generative adversarial nets:\n    status: matched\n"
        "    raw: 'GAN: Generative Adversarial Nets'\n    arxiv: '1406.2661'\n"
        "    decided_by: user"
    )
    lock_file(config).write_text(text[:start] + edited + text[end:], encoding="utf-8")
    for refresh in (False, True):
        run = commands.resolve(config, offline=True, refresh=refresh)
        gan = next(m for m in run.resolution.matches.values() if m.mention.raw.startswith("GAN"))
        assert gan.status is Status.MATCHED and gan.decided_by is DecidedBy.USER
        assert gan.paper is not None and gan.paper.title == "Generative Adversarial Networks"
    decision = load_lock(lock_file(config)).decisions["title:generative adversarial nets"]
    assert decision.decided_by is DecidedBy.USER and decision.ids.arxiv == "1406.2661"


def test_review_accept_best_and_mark_not_a_paper(config: Config) -> None:
    commands.resolve(config, offline=True)
    assert commands.review(config, accept_best=True) == 1
    assert commands.review(config, not_papers=["Attention Is All You Need"]) == 1
    decisions = load_lock(lock_file(config)).decisions
    gan = decisions["title:generative adversarial nets"]
    assert gan.status is Status.MATCHED and gan.decided_by is DecidedBy.USER
    attention = decisions["title:attention is all you need"]
    assert attention.status is Status.NOT_A_PAPER and attention.decided_by is DecidedBy.USER
    with pytest.raises(commands.CommandError, match="no mention"):
        commands.review(config, not_papers=["A title nobody wrote"])


def test_interactive_review_takes_ids_numbers_and_skips(config: Config) -> None:
    commands.resolve(config, offline=True)
    answers = iter(["arXiv:1406.2661v3"])
    asked: list[str] = []

    def ask(match: object, where: str) -> str:
        asked.append(where)
        return next(answers, "")

    assert commands.review(config, ask=ask) == 1
    assert asked == ["notes/log.md:70"]
    gan = load_lock(lock_file(config)).decisions["title:generative adversarial nets"]
    assert gan.ids.arxiv == "1406.2661" and gan.decided_by is DecidedBy.USER



def test_an_answer_review_cannot_read_asks_the_same_mention_again_saying_why(
    config: Config,
) -> None:
    commands.resolve(config, offline=True)
    answers = iter(["7", "1"])
    asked: list[str] = []

    def ask(match: object, where: str) -> str:
        asked.append(where)
        return next(answers, "")

    assert commands.review(config, ask=ask) == 1
    assert asked[0] == "notes/log.md:70" and asked[1].startswith("notes/log.md:70")
    assert "'7' not understood" in asked[1]
    gan = load_lock(lock_file(config)).decisions["title:generative adversarial nets"]
    assert gan.status is Status.MATCHED and gan.decided_by is DecidedBy.USER


def test_accept_best_passes_over_a_mention_without_candidates(config: Config) -> None:
    log = config.state_dir / "notes" / "log.md"
    log.write_text(log.read_text(encoding="utf-8") + "\n《Qzxv Wvut Unheard Of》\n", "utf-8")
    commands.resolve(config, offline=True)
    assert commands.review(config, accept_best=True) == 1  # the GAN mention, not this one
    assert load_lock(lock_file(config)).decisions["title:qzxv wvut unheard of"].status is (
        Status.UNRESOLVED
    )

def test_review_from_a_terminal_prompt(config: Config) -> None:
    commands.resolve(config, offline=True)
    done = subprocess.run(
        [sys.executable, "-m", "papersync", "review", "--config", str(config.source_file)],
        input="1\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Generative Adversarial Networks" in done.stdout
    assert "1 decision(s) recorded" in done.stdout


def test_export_targets_from_the_lock_and_status(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    commands.resolve(config, offline=True)
    for target in ("bibtex", "csl", "vault"):
        outcome = commands.export(config, target)
        assert outcome.written and not outcome.problems
    out = config.state_dir / "elsewhere.bib"
    assert commands.export(config, "bibtex", out=out).written == (str(out),) or out.exists()
    assert main(["status", "--config", str(config.source_file)]) == 0
    status = capsys.readouterr().out
    assert "16 matched, 1 ambiguous" in status
    assert "15 with citation keys" in status


def test_resolve_without_any_network_finishes_with_a_clear_message(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = "http://127.0.0.1:9"
    env = {
        "PAPERSYNC_ARXIV_URL": closed,
        "PAPERSYNC_S2_URL": closed,
        "PAPERSYNC_CROSSREF_URL": closed,
        "PAPERSYNC_CACHE_DIR": str(config.state_dir / "empty-cache"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "papersync", "resolve", "--config", str(config.source_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**__import__("os").environ, **env},
    )
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    errors = done.stderr.strip().splitlines()
    assert errors and all(line.startswith("papersync: ") for line in errors)
    assert any("arxiv" in line and "cannot reach" in line for line in errors)


def test_doctor_checks_every_service_and_the_zotero_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fake_services import Record, serve
    from fake_zotero import FakeZotero

    subset = Path(__file__).parent / "fixtures" / "zotero" / "schema-subset.json"
    records = [Record(title="Attention Is All You Need", arxiv="1706.03762")]
    with serve(records) as services, FakeZotero(subset) as zotero:
        for var in ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL"):
            monkeypatch.setenv(var, services.url)
        (tmp_path / "log.md").write_text("## 2024.1.1\n\n《Attention Is All You Need》\n")
        config = tmp_path / "papersync.yaml"
        zotero_settings = (
            f"export:\n  zotero: {{library_id: '{zotero.library_id}', "
            f"api_key: {{key}}, url: '{zotero.url}'}}\n"
        )
        config.write_text(
            "notes: [log.md]\ncache_dir: cache\n" + zotero_settings.replace("{key}", zotero.api_key)
        )
        assert main(["doctor", "--config", str(config)]) == 0
        out = capsys.readouterr().out
        for name in ("arxiv", "semanticscholar", "crossref", "zotero (API key)"):
            assert f"ok   {name}: answers" in out
        config.write_text(
            "notes: [log.md]\ncache_dir: cache\n" + zotero_settings.replace("{key}", "wrong")
        )
        assert main(["doctor", "--config", str(config)]) == 1
        assert "FAIL  zotero (API key)" in capsys.readouterr().out


CLOSED = "http://127.0.0.1:9"
"""The discard port: nothing answers there."""


@pytest.fixture
def offline_doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A config for `doctor` with every service unreachable; `zotero` is its Zotero setting."""
    for var in ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL"):
        monkeypatch.setenv(var, CLOSED)
    (tmp_path / "log.md").write_text("## 2024.1.1\n\n《Attention Is All You Need》\n")
    config = tmp_path / "papersync.yaml"

    def write(zotero: str) -> Path:
        config.write_text(
            "notes: [log.md, missing.md]\ncache_dir: cache\n"
            f"export:\n  zotero: {{library_id: '1', url: '{CLOSED}'{zotero}}}\n"
        )
        return config

    return write


def test_doctor_with_every_service_unreachable_is_one_line_per_check(
    offline_doctor: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = offline_doctor(", api_key: k")
    assert main(["doctor", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert not captured.err
    lines = captured.out.splitlines()
    assert all(line.startswith(("ok   ", "FAIL  ")) for line in lines)
    failed = [line for line in lines if line.startswith("FAIL")]
    for name in ("missing.md", "arxiv", "semanticscholar", "crossref", "zotero (API key)"):
        assert sum(name in line for line in failed) == 1, name


def test_doctor_with_a_malformed_zotero_key_fails_that_check_and_runs_the_others(
    offline_doctor: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZOTERO_API_KEY", "abc def")
    assert main(["doctor", "--config", str(offline_doctor(""))]) == 1
    out = capsys.readouterr().out
    (zotero,) = [line for line in out.splitlines() if "malformed API key" in line]
    assert zotero.startswith("FAIL") and "abc" not in zotero
    assert "FAIL  crossref:" in out


def test_a_zotero_dry_run_that_cannot_read_the_library_is_partial(
    config: Config, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERSYNC_ZOTERO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ZOTERO_API_KEY", "k" * 24)
    yaml = config.source_file
    assert yaml is not None
    yaml.write_text(yaml.read_text() + "  zotero: {library_id: '12345'}\n", encoding="utf-8")
    assert main(["zotero", "push", "--dry-run", "--config", str(yaml)]) == 3
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "library not read" in err and "127.0.0.1:9" in err


def test_status_counts_the_decisions_of_the_notes_as_sync_does_and_names_the_kept_rest(
    config: Config,
) -> None:
    log = config.state_dir / "notes" / "log.md"
    commands.sync(config, offline=True, say=lambda _: None)
    dinov2 = "《DINOv2: Learning Robust Visual Features without Supervision》"
    log.write_text(log.read_text(encoding="utf-8").replace(dinov2, ""), encoding="utf-8")
    report = commands.sync(config, offline=True, say=lambda _: None)
    counts = commands.status(config)
    assert dict(counts.decisions) == dict(report.statuses)
    assert counts.kept == 1


def test_export_out_onto_another_targets_file_is_refused_and_leaves_it_intact(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    commands.sync(config, offline=True, say=lambda _: None)
    bib = config.state_dir / "refs.bib"
    before = bib.read_bytes()
    yaml = str(config.source_file)
    assert main(["export", "csl", "--out", str(bib), "--config", yaml]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--out and export.bibtex.path overlap" in err
    assert bib.read_bytes() == before
    assert main(["export", "bibtex", "--out", str(bib), "--config", yaml]) == 0
