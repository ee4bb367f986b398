"""One thing broken at a time around a working sync: nothing lost, duplicated or leaked, and
every failure one line with its exit code (issue 12)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from papersync import commands
from papersync.cli import main
from papersync.config import load
from papersync.lock import load as load_lock
from papersync.model import DecidedBy, Status
from papersync.session import LAST_GOOD_NAME

Outputs = Callable[[Path], dict[str, bytes]]
GAN = "title:generative adversarial nets"


def sync(root: Path, *extra: str) -> int:
    return main(["sync", "--offline", "--quiet", "--config", str(root / "papersync.yaml"), *extra])


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- 6. decisions made by hand take effect exactly ----------------------------------------


def test_an_id_set_by_hand_matches_and_an_unquoted_one_stays_as_typed(
    example_folder: Path,
) -> None:
    assert sync(example_folder) == 3  # GAN is ambiguous in the example
    lock_file = example_folder / "papersync.lock.yaml"
    text = lock_file.read_text(encoding="utf-8")
    gan = re.search(rf"  {GAN}:\n(    .*\n)+", text)
    assert gan is not None
    # The person adds an id and says it is theirs; `status: ambiguous` is left as it was.
    edited = gan.group(0).replace("decided_by: auto", "decided_by: user\n    arxiv: 2210.10760")
    lock_file.write_text(text.replace(gan.group(0), edited), encoding="utf-8")

    assert sync(example_folder) == 0
    decision = load_lock(lock_file).decisions[GAN]
    assert decision.status is Status.MATCHED and decision.ids.arxiv == "2210.10760"
    bib = (example_folder / "out" / "refs.bib").read_text(encoding="utf-8")
    assert "2210.10760" in bib and "2210.1076}" not in bib
    assert "arxiv: '2210.10760'" in lock_file.read_text(encoding="utf-8")


def test_accept_best_records_the_candidates_real_score(example_folder: Path) -> None:
    config = load(example_folder / "papersync.yaml")
    run = commands.resolve(config, offline=True)
    candidate = run.resolution.matches[GAN].candidates[0]
    assert commands.review(config, accept_best=True) == 1
    decision = load_lock(example_folder / "papersync.lock.yaml").decisions[GAN]
    assert decision.decided_by is DecidedBy.USER
    assert decision.score == pytest.approx(candidate.score, abs=1e-3) and decision.score < 1.0


def test_an_interrupted_review_keeps_every_answer_already_given(
    example_folder: Path, add_entry: Callable[..., None]
) -> None:
    add_entry(example_folder, "《A Title No Catalog Holds》")
    config = load(example_folder / "papersync.yaml")
    asked: list[str] = []

    def ask(match: object, where: str) -> str:
        asked.append(where)
        if len(asked) == 2:
            raise KeyboardInterrupt
        return "n"

    with pytest.raises(KeyboardInterrupt):
        commands.review(config, ask=ask)
    decisions = load_lock(example_folder / "papersync.lock.yaml").decisions
    answered = [d for d in decisions.values() if d.decided_by is DecidedBy.USER]
    assert len(asked) == 2 and len(answered) == 1
    assert answered[0].status is Status.NOT_A_PAPER


# --- 8. hand-edited lock values of the wrong type -----------------------------------------


@pytest.mark.parametrize(
    ("edit", "key", "expected"),
    [
        pytest.param(
            lambda t: t.replace("score: 0.667", "score: abc"), f"mentions.{GAN}.score", "a number"
        ),
        pytest.param(
            lambda t: t.replace("mentions:\n", "mentions: [1, 2]\nold_mentions:\n", 1),
            "mentions",
            "a mapping",
        ),
        pytest.param(
            lambda t: re.sub(r"(citekey: \w+)", r"\1\n    zotero_version: abc", t, count=1),
            ".zotero_version",
            "a whole number",
        ),
        pytest.param(
            lambda t: t.replace("papers:\n", "papers: 5\nold_papers:\n", 1), "papers", "a mapping"
        ),
    ],
)
def test_a_lock_value_of_the_wrong_type_is_one_line_and_the_file_is_untouched(
    example_folder: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[str], str],
    key: str,
    expected: str,
) -> None:
    sync(example_folder)
    lock_file = example_folder / "papersync.lock.yaml"
    broken = edit(lock_file.read_text(encoding="utf-8"))
    lock_file.write_text(broken, encoding="utf-8")
    capsys.readouterr()

    assert sync(example_folder) == 1
    line = one_line_error(capsys.readouterr().err)
    assert str(lock_file) in line and key in line and f"expected {expected}" in line
    assert lock_file.read_text(encoding="utf-8") == broken


# --- 4. an output path that is an input is refused ----------------------------------------


def _configure(root: Path, old: str, new: str) -> None:
    config = root / "papersync.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "keys"),
    [
        pytest.param(
            "csl: {path: out/papers.json}",
            "csl: {path: notes/log.md}",
            ("export.csl.path", "notes[0]"),
            id="csl_is_the_log",
        ),
        pytest.param(
            "vault: {path: out/vault}",
            "vault: {path: notes}",
            ("export.vault.path", "notes[0]"),
            id="vault_holds_the_log",
        ),
        pytest.param(
            "bibtex: {path: out/refs.bib}",
            "bibtex: {path: out/vault/refs.bib}",
            ("export.bibtex.path", "export.vault.path"),
            id="bib_inside_the_vault",
        ),
        pytest.param(
            "cache_dir: cache",
            "cache_dir: cache\nstate_dir: notes/log.md",
            ("state_dir", "notes[0]"),
            id="state_folder_is_the_log",
        ),
    ],
)
def test_an_output_that_is_an_input_is_a_config_error(
    example_folder: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    keys: tuple[str, str],
) -> None:
    log = example_folder / "notes" / "log.md"
    before = log.read_bytes()
    _configure(example_folder, old, new)
    assert sync(example_folder) == 2
    line = one_line_error(capsys.readouterr().err)
    assert all(key in line for key in keys), line
    assert log.read_bytes() == before and log.is_file()


def test_notes_globs_never_read_papersyncs_own_vault(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(example_folder, "notes: [notes/log.md]", 'notes: ["**/*.md"]')
    sync(example_folder)
    first = capsys.readouterr().out
    assert list((example_folder / "out" / "vault").rglob("*.md"))
    sync(example_folder, "--refresh")
    again = capsys.readouterr().out
    assert first.splitlines()[:2] == again.splitlines()[:2]
    assert "mentions: 18;" in again


# --- 1. a note file that cannot be read is not a note file that was emptied ---------------


def _gone(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log.unlink()


def _unreadable(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permission denied, as for a file of another user (root would read a mode-0 file)."""
    read_bytes = Path.read_bytes

    def denied(path: Path) -> bytes:
        if path == log:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", denied)


def _gbk(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log.write_bytes(log.read_text(encoding="utf-8").encode("gbk", errors="replace"))


def _folder(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log.unlink()
    log.mkdir()


@pytest.mark.parametrize(
    ("break_it", "why"),
    [
        pytest.param(_gone, "no such file", id="missing"),
        pytest.param(_unreadable, "cannot read", id="unreadable"),
        pytest.param(_gbk, "not UTF-8", id="gbk"),
        pytest.param(_folder, "a folder", id="directory"),
    ],
)
def test_an_unreadable_note_file_keeps_what_came_from_it(
    example_folder: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
    monkeypatch: pytest.MonkeyPatch,
    break_it: Callable[[Path, pytest.MonkeyPatch], None],
    why: str,
) -> None:
    sync(example_folder)
    before = outputs(example_folder)
    log = example_folder / "notes" / "log.md"
    break_it(log, monkeypatch)
    capsys.readouterr()

    assert sync(example_folder) == 3
    out = capsys.readouterr().out
    problem = [line for line in out.splitlines() if line.startswith("problem:")]
    assert len(problem) == 1 and str(log) in problem[0] and why in problem[0]
    assert "mentions: 18;" in out
    assert outputs(example_folder) == before


@pytest.mark.parametrize("break_it", [_gone, _gbk, _folder], ids=["missing", "gbk", "directory"])
def test_a_note_file_unreadable_with_no_last_good_copy_holds_every_output_back(
    example_folder: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
    monkeypatch: pytest.MonkeyPatch,
    break_it: Callable[[Path, pytest.MonkeyPatch], None],
) -> None:
    """The safety net gone too (a fresh clone that shares the lock, a cleaned state folder):
    what came from the file is unknown, so nothing is written as if it held nothing."""
    sync(example_folder)
    before = outputs(example_folder)
    config = load(example_folder / "papersync.yaml")
    shutil.rmtree(config.state_dir / LAST_GOOD_NAME)
    log = example_folder / "notes" / "log.md"
    break_it(log, monkeypatch)
    capsys.readouterr()

    assert sync(example_folder) == 3
    out = capsys.readouterr().out
    held = [line for line in out.splitlines() if "no last good copy" in line]
    assert len(held) == 1 and str(log) in held[0] and "every output kept" in held[0]
    assert outputs(example_folder) == before


# --- 2. a lost, emptied or truncated lock file does not duplicate the outputs ------------


def _lost(lock: Path) -> None:
    lock.unlink()


def _emptied(lock: Path) -> None:
    lock.write_text("", encoding="utf-8")


def _truncated(lock: Path) -> None:
    """Cut at a line boundary half-way through `papers:`, as a bad merge or copy leaves it."""
    lines = lock.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("papers:\n")
    cut = start + (len(lines) - start) // 2
    while lines[cut].startswith("    "):  # keep whole entries: the YAML stays valid
        cut += 1
    lock.write_text("".join(lines[:cut]), encoding="utf-8")


@pytest.mark.parametrize("damage", [_lost, _emptied, _truncated])
def test_a_lost_lock_is_rebuilt_from_the_outputs_without_duplicates(
    example_folder: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
    damage: Callable[[Path], None],
) -> None:
    sync(example_folder)
    before = outputs(example_folder)
    lock = example_folder / "papersync.lock.yaml"
    pins_before = load_lock(lock).papers
    damage(lock)
    capsys.readouterr()

    sync(example_folder)
    out = capsys.readouterr().out
    assert "lock rebuilt from outputs" in out
    assert set(outputs(example_folder)) == set(before)  # no second note, no new file
    bib = (example_folder / "out" / "refs.bib").read_text(encoding="utf-8")
    assert sorted(re.findall(r"^@\w+\{([^,]+),", bib, re.M)) == sorted(
        p.citekey for p in pins_before.values() if p.citekey
    )
    assert {k: (p.citekey, p.note) for k, p in load_lock(lock).papers.items()} == {
        k: (p.citekey, p.note) for k, p in pins_before.items()
    }


# --- 3. an outage never wipes outputs -------------------------------------------------------


ONLINE_PAPERS = {
    "Attention Is All You Need": ("1706.03762", ("Ashish Vaswani", "Noam Shazeer"), 2017),
    "Deep Residual Learning for Image Recognition": ("1512.03385", ("Kaiming He",), 2015),
}


def _online_project(root: Path, extra: str = "") -> Path:
    """A log of two papers, resolved online (catalog off), with every file target."""
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "log.md").write_text(
        "# 2024\n\n## 2024.2.3\n\n《Attention Is All You Need》\n\n"
        "## 2024.2.11\n\n《Deep Residual Learning for Image Recognition》\n",
        encoding="utf-8",
    )
    (root / "papersync.yaml").write_text(
        "notes: [notes/log.md]\ncache_dir: cache\n"
        "sources:\n  catalog: {enabled: false}\n  retries: 0\n  timeout: 2\n"
        "  arxiv: {interval: 0.01}\n  semanticscholar: {interval: 0.01}\n"
        "  crossref: {interval: 0.01}\n"
        "export:\n  bibtex: {path: out/refs.bib}\n  vault: {path: out/vault}\n"
        "  csl: {path: out/papers.json}\n" + extra,
        encoding="utf-8",
    )
    return root


def _online_records() -> list[object]:
    from fake_services import Record

    return [Record(title=t, arxiv=a, authors=au, year=y) for t, (a, au, y) in ONLINE_PAPERS.items()]


def test_refresh_during_an_outage_keeps_every_decision_and_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
) -> None:
    from fake_services import serve

    root = _online_project(tmp_path / "project")
    config = ["--config", str(root / "papersync.yaml")]
    with serve(_online_records()) as services:
        for var in ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL"):
            monkeypatch.setenv(var, services.url)
        assert main(["sync", "--quiet", *config]) == 0
    before = outputs(root)
    lock = (root / "papersync.lock.yaml").read_bytes()
    assert b"1706.03762" in before["out/refs.bib"]
    capsys.readouterr()

    assert main(["sync", "--refresh", "--quiet", *config]) == 3  # the services are gone
    out = capsys.readouterr().out
    assert "failed" in out
    assert outputs(root) == before
    assert (root / "papersync.lock.yaml").read_bytes() == lock


# --- 9. a full disk during a sync ---------------------------------------------------------


class _FullDisk:
    """`os` as `papersync.atomic` sees it, on a disk with no space left: every rename of a
    finished temp file fails, as the write before it would."""

    def __init__(self, real: object) -> None:
        self._real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    @staticmethod
    def replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device", str(dst))


def test_a_full_disk_is_one_line_and_leaves_no_half_written_file(
    example_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
) -> None:
    import os

    from papersync import atomic

    sync(example_folder)
    log = example_folder / "notes" / "log.md"
    log.write_text(log.read_text(encoding="utf-8").replace("第二次读", "第三次读"), "utf-8")
    before = outputs(example_folder)
    lock = (example_folder / "papersync.lock.yaml").read_bytes()
    capsys.readouterr()
    monkeypatch.setattr(atomic, "os", _FullDisk(os))

    code = sync(example_folder)
    line = one_line_error(capsys.readouterr().err)
    assert code != 0 and "No space left on device" in line
    assert outputs(example_folder) == before
    assert (example_folder / "papersync.lock.yaml").read_bytes() == lock
    assert not list(example_folder.rglob(f"*{atomic.TEMP_SUFFIX}"))


# --- any sequence of mishaps ends, after one healthy run, where one healthy run ends -------


def _killed_mid_run(root: Path, delay: float) -> None:
    """`papersync sync` in its own process, killed with SIGKILL after `delay` seconds."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "papersync", "sync", "--offline", "--quiet"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_any_sequence_of_mishaps_ends_where_one_healthy_run_ends(
    example_folder: Path, tmp_path_factory: pytest.TempPathFactory, outputs: Outputs
) -> None:
    import shutil

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    healthy_log = (example_folder / "notes" / "log.md").read_bytes()
    reference = tmp_path_factory.mktemp("reference") / "project"
    shutil.copytree(example_folder, reference)
    sync(reference)
    expected = outputs(reference)
    expected_lock = (reference / "papersync.lock.yaml").read_bytes()

    step = st.one_of(
        st.just(("sync", 0.0)),
        st.just(("delete lock", 0.0)),
        st.just(("unreadable note", 0.0)),
        st.just(("restore note", 0.0)),
        st.tuples(st.just("kill -9"), st.floats(0.2, 2.0)),
    )

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(step, max_size=4))
    def mishaps(steps: list[tuple[str, float]]) -> None:
        root = tmp_path_factory.mktemp("mishaps") / "project"
        shutil.copytree(example_folder, root)
        log, lock = root / "notes" / "log.md", root / "papersync.lock.yaml"
        for name, delay in steps:
            if name == "sync":
                sync(root)
            elif name == "delete lock":
                lock.unlink(missing_ok=True)
            elif name == "unreadable note":
                log.write_bytes(healthy_log.decode("utf-8").encode("gbk", errors="replace"))
            elif name == "restore note":
                log.write_bytes(healthy_log)
            else:
                _killed_mid_run(root, delay)
        log.write_bytes(healthy_log)
        sync(root)
        assert outputs(root) == expected
        assert lock.read_bytes() == expected_lock

    mishaps()


def test_a_lost_lock_keeps_the_zotero_items_bib_keys_and_notes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    outputs: Outputs,
) -> None:
    from fake_services import serve
    from fake_zotero import FakeZotero

    subset = Path(__file__).parent / "fixtures" / "zotero" / "schema-subset.json"
    with serve(_online_records()) as services, FakeZotero(subset) as library:
        for var in ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL"):
            monkeypatch.setenv(var, services.url)
        zotero = (
            f"  zotero: {{library_id: '{library.library_id}', api_key: {library.api_key}, "
            f"url: '{library.url}'}}\n"
        )
        root = _online_project(tmp_path / "project", zotero)
        config = ["--config", str(root / "papersync.yaml")]
        assert main(["sync", "--quiet", *config]) == 0
        items = sorted(i["key"] for i in library.top_items())
        before = outputs(root)
        (root / "papersync.lock.yaml").unlink()
        capsys.readouterr()

        assert main(["sync", "--quiet", *config]) == 0
        assert "lock rebuilt from outputs" in capsys.readouterr().out
        assert sorted(i["key"] for i in library.top_items()) == items and len(items) == 2
        assert set(outputs(root)) == set(before)
        assert outputs(root)["out/refs.bib"] == before["out/refs.bib"]


def test_export_out_onto_a_note_file_is_refused(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = example_folder / "notes" / "log.md"
    before = log.read_bytes()
    config = ["--config", str(example_folder / "papersync.yaml")]
    assert main(["export", "csl", "--out", str(log), *config]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "--out" in line and "notes[0]" in line
    assert log.read_bytes() == before


def test_an_emptied_note_file_is_read_as_empty_not_as_it_was(
    example_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sync(example_folder)
    (example_folder / "notes" / "log.md").write_text("\n", encoding="utf-8")
    capsys.readouterr()
    assert sync(example_folder) == 3
    out = capsys.readouterr().out
    assert "mentions: 0;" in out and "empty file, no mentions" in out
    assert "last good read" not in out
