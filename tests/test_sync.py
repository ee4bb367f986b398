"""The whole run: a growing log converges, a killed run recovers, a broken state is explained."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papersync import commands
from papersync.config import Config, load
from papersync.errors import LockError, RunLockedError
from papersync.fingerprint import FINGERPRINT_NAME
from papersync.session import run_lock

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def make_config(root: Path, notes: str = "notes/log.md", extra: str = "") -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "papersync.yaml").write_text(
        f"notes: [{notes}]\n"
        "cache_dir: cache\n"
        "export:\n"
        "  bibtex: {path: out/refs.bib}\n"
        "  vault: {path: out/vault}\n"
        "  csl: {path: out/papers.json}\n" + extra,
        encoding="utf-8",
    )
    return load(root / "papersync.yaml")


def import_catalog(config: Config, *files: Path) -> None:
    for file in files:
        commands.catalog_import(config, file, None)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every output file papersync owns, by path: what two runs must agree on."""
    files = {}
    for path in sorted((root / "out").rglob("*")):
        if path.is_file():
            files[str(path.relative_to(root))] = path.read_bytes()
    files["papersync.lock.yaml"] = (root / "papersync.lock.yaml").read_bytes()
    return files


def example_catalogs() -> list[Path]:
    return [EXAMPLES / "catalog.jsonl", EXAMPLES / "library.bib"]


def test_example_sync_writes_every_target_and_a_second_run_writes_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    report = commands.sync(config, offline=True, say=lambda line: None)
    assert report.papers >= 10
    assert (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8").count("@") >= 10
    assert len(json.loads((tmp_path / "out" / "papers.json").read_text(encoding="utf-8"))) == (
        report.papers
    )
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()}
    again = commands.sync(config, offline=True, say=lambda line: None)
    assert all(not o.written for o in again.outcomes.values())
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert before == after


def test_growing_log_ends_where_one_sync_of_the_last_snapshot_ends(
    tmp_path: Path, seeds: list[Path], shared: Path
) -> None:
    snapshots = seeds[:3]
    grown = make_config(tmp_path / "grown")
    once = make_config(tmp_path / "once")
    for config in (grown, once):
        import_catalog(config, shared / "eval" / "catalog.jsonl")
        (Path(str(config.source_file)).parent / "notes").mkdir()
    for snapshot_file in snapshots:
        shutil.copy(snapshot_file, tmp_path / "grown" / "notes" / "log.md")
        commands.sync(grown, offline=True, say=lambda line: None)
    shutil.copy(snapshots[-1], tmp_path / "once" / "notes" / "log.md")
    commands.sync(once, offline=True, say=lambda line: None)
    assert snapshot(tmp_path / "grown") == snapshot(tmp_path / "once")


def _sync_process(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "papersync",
            "sync",
            "--offline",
            "--quiet",
            "--config",
            str(root / "papersync.yaml"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_runs_converge_to_the_uninterrupted_result(
    tmp_path: Path, seeds: list[Path], shared: Path
) -> None:
    roots = {name: tmp_path / name for name in ("reference", "probe", "killed")}
    for root in roots.values():
        config = make_config(root)
        (root / "notes").mkdir()
        shutil.copy(seeds[3], root / "notes" / "log.md")
        import_catalog(config, shared / "eval" / "catalog.jsonl")
    commands.sync(load(roots["reference"] / "papersync.yaml"), offline=True, say=lambda _: None)

    started = time.monotonic()
    assert _sync_process(roots["probe"]).wait(timeout=300) in (0, 3)
    cold = time.monotonic() - started
    kills = 0
    for step in range(1, 13):
        process = _sync_process(roots["killed"])
        time.sleep(cold * step / 13)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=300)
    assert kills >= 3, "every run finished before its kill landed; the test proved nothing"
    commands.sync(load(roots["killed"] / "papersync.yaml"), offline=True, say=lambda _: None)
    assert snapshot(roots["killed"]) == snapshot(roots["reference"])


def test_broken_lock_file_is_reported_and_kept(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    broken = "mentions: [this is not\n"
    (tmp_path / "papersync.lock.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(LockError, match=r"papersync\.lock\.yaml:.*not valid YAML"):
        commands.sync(config, offline=True, say=lambda line: None)
    assert (tmp_path / "papersync.lock.yaml").read_text(encoding="utf-8") == broken


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    catalog_file = tmp_path / "cache" / "catalog.sqlite"
    catalog_file.write_bytes(catalog_file.read_bytes()[:100])
    commands.sync(config, offline=True, say=lambda line: None)
    import_catalog(config, *example_catalogs())
    report = commands.sync(config, offline=True, say=lambda line: None)
    assert report.papers >= 10


def test_one_run_at_a_time_per_state_folder(tmp_path: Path) -> None:
    with run_lock(tmp_path), pytest.raises(RunLockedError, match="another papersync run"):  # noqa: SIM117
        with run_lock(tmp_path):
            pass
    with run_lock(tmp_path):
        pass


PAPERS = {
    "Attention Is All You Need": ("1706.03762", ("Ashish Vaswani", "Noam Shazeer"), 2017),
    "Deep Residual Learning for Image Recognition": (
        "1512.03385",
        ("Kaiming He", "Jian Sun"),
        2015,
    ),
    "Adam: A Method for Stochastic Optimization": (
        "1412.6980",
        ("Diederik P. Kingma", "Jimmy Ba"),
        2014,
    ),
    "Auto-Encoding Variational Bayes": ("1312.6114", ("Diederik P. Kingma", "Max Welling"), 2013),
    "Generative Adversarial Networks": ("1406.2661", ("Ian J. Goodfellow", "Yoshua Bengio"), 2014),
}
ENTRIES = [  # newest first, as the seeds' logs grow: (date, title)
    ("2024.3.9", "Generative Adversarial Networks"),
    ("2024.3.2", "Auto-Encoding Variational Bayes"),
    ("2024.2.20", "Adam: A Method for Stochastic Optimization"),
    ("2024.2.11", "Deep Residual Learning for Image Recognition"),
    ("2024.2.3", "Attention Is All You Need"),
]


def grown_log(entries: int, pending: bool) -> str:
    """A log in the seeds' shape holding its oldest `entries` entries."""
    lines = ["# papers daily", "", "# pending list", ""]
    if pending:
        lines += ["- [ ] Adam: A method for stochastic optimization", ""]
    lines += ["# 2024", ""]
    for date, title in ENTRIES[len(ENTRIES) - entries :]:
        lines += [f"## {date}", "", f"《{title}》", "", "读了一遍，记下要点。", ""]
    return "\n".join(lines)


def test_growing_log_online_asks_only_about_new_titles_and_converges_in_zotero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_services import Record, serve
    from fake_zotero import FakeZotero
    from papersync.sources.arxiv import title_clause

    subset = Path(__file__).parent / "fixtures" / "zotero" / "schema-subset.json"
    records = [Record(title=t, arxiv=a, authors=au, year=y) for t, (a, au, y) in PAPERS.items()]
    fast = (
        "sources:\n  arxiv: {interval: 0.01}\n  semanticscholar: {interval: 0.01}\n"
        "  crossref: {interval: 0.01}\n"
    )
    with (
        serve(records) as services,
        FakeZotero(subset) as grown_lib,
        FakeZotero(subset) as once_lib,
    ):
        for var in ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL"):
            monkeypatch.setenv(var, services.url)

        def config(root: Path, library: FakeZotero) -> Config:
            zotero = (
                f"  zotero: {{library_id: '{library.library_id}', api_key: {library.api_key}, "
                f"url: '{library.url}', collection: reading}}\n"
            )
            made = make_config(root, extra=zotero + fast)
            (root / "notes").mkdir()
            return made

        grown = config(tmp_path / "grown", grown_lib)
        seen: list[str] = []
        for entries, pending in [(2, True), (4, True), (5, False)]:
            (tmp_path / "grown" / "notes" / "log.md").write_text(grown_log(entries, pending))
            start = len(services.requests())
            commands.sync(grown, say=lambda _: None)
            sent = services.requests()[start:]
            queries = " ".join(h.query.get("search_query", [""])[0] for h in sent)
            queries += " ".join(h.query.get("query", [""])[0] for h in sent)
            present = [t for _, t in ENTRIES[len(ENTRIES) - entries :]]
            present += ["Adam: A Method for Stochastic Optimization"] if pending else []
            new = [t for t in dict.fromkeys(present) if t not in seen]
            asked = queries.lower()

            def in_query(title: str, asked: str = asked) -> bool:
                forms = {title, title.partition(": ")[2] or title}
                clauses = [c for c in map(title_clause, forms) if c is not None]
                return any(" ".join(c.words) in asked for c in clauses)

            assert new and all(in_query(t) for t in new)
            assert not any(in_query(t) for t in seen), "a title settled earlier was asked again"
            assert sum(h.path == "/api/query" for h in sent) == 1, "one arXiv query a step"
            seen += new
        settled = len(services.requests())
        commands.sync(grown, say=lambda _: None)
        assert len(services.requests()) == settled, "a warm run sent requests"

        once = config(tmp_path / "once", once_lib)
        (tmp_path / "once" / "notes" / "log.md").write_text(grown_log(5, False))
        commands.sync(once, say=lambda _: None)

        def library(fake: FakeZotero) -> list[tuple[str, str, str]]:
            return sorted((i["key"], i["citationKey"], i["title"]) for i in fake.top_items())

        assert library(grown_lib) == library(once_lib)
        assert len(library(grown_lib)) == len(PAPERS)

    def without_versions(files: dict[str, bytes]) -> dict[str, bytes]:
        lock = b"\n".join(
            line
            for line in files["papersync.lock.yaml"].splitlines()
            if b"zotero_version" not in line
        )
        return {**files, "papersync.lock.yaml": lock}

    assert without_versions(snapshot(tmp_path / "grown")) == without_versions(
        snapshot(tmp_path / "once")
    )


def test_a_hand_written_key_is_never_given_to_a_new_paper(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    mine = (
        "% my own entry\n@book{vaswani2017attention,\n    title={Not the paper},\n"
        "    year=1999\n}\n"
    )
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "refs.bib").write_text(mine, encoding="utf-8")
    commands.sync(config, offline=True, say=lambda _: None)
    bib = (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8")
    assert bib.startswith(mine)
    assert "@misc{vaswani2017attentiona," in bib


def test_a_paper_that_leaves_the_log_leaves_the_outputs_and_keeps_its_key(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    log = (EXAMPLES / "reading-log.md").read_text(encoding="utf-8")
    todo = "- [ ] Distilling the knowledge in a neural network  模型蒸馏的起点\n"
    assert todo in log
    (tmp_path / "notes" / "log.md").write_text(log, encoding="utf-8")
    import_catalog(config, *example_catalogs())
    commands.sync(config, offline=True, say=lambda _: None)
    bib = tmp_path / "out" / "refs.bib"
    assert "@misc{hinton2015distilling," in bib.read_text(encoding="utf-8")

    (tmp_path / "notes" / "log.md").write_text(log.replace(todo, ""), encoding="utf-8")
    commands.sync(config, offline=True, say=lambda _: None)
    assert "hinton2015distilling" not in bib.read_text(encoding="utf-8")
    assert "1503.02531" not in (tmp_path / "out" / "papers.json").read_text(encoding="utf-8")
    assert not (
        tmp_path / "out" / "vault" / "Papers" / "Distilling the Knowledge in a Neural Network.md"
    ).exists()
    assert "hinton2015distilling" in (tmp_path / "papersync.lock.yaml").read_text(encoding="utf-8")

    (tmp_path / "notes" / "log.md").write_text(
        log.replace(
            "# 2024.3\n",
            "# 2024.3\n\n## 2024.3.30\n\n《Distilling the Knowledge in a Neural Network》\n\n"
            "蒸馏。\n",
            1,
        ),
        encoding="utf-8",
    )
    commands.sync(config, offline=True, say=lambda _: None)
    assert "@misc{hinton2015distilling," in bib.read_text(encoding="utf-8")


def test_a_no_op_run_is_recognised_and_any_change_runs_again(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    log = tmp_path / "notes" / "log.md"
    shutil.copy(EXAMPLES / "reading-log.md", log)
    import_catalog(config, *example_catalogs())
    first = commands.sync(config, offline=True, say=lambda _: None)
    lock_before = (tmp_path / "papersync.lock.yaml").stat().st_mtime_ns
    again = commands.sync(config, offline=True, say=lambda _: None)
    assert again.statuses == first.statuses and again.papers == first.papers
    assert (tmp_path / "papersync.lock.yaml").stat().st_mtime_ns == lock_before

    note = tmp_path / "out" / "vault" / "Papers" / "Attention Is All You Need.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nMy own thought.\n", encoding="utf-8")
    log.write_text(log.read_text(encoding="utf-8").replace("第二次读", "第三次读"), "utf-8")
    commands.sync(config, offline=True, say=lambda _: None)
    text = note.read_text(encoding="utf-8")
    assert "第三次读" in text and text.endswith("\nMy own thought.\n")



def test_a_no_op_run_reports_the_same_totals_as_a_run_that_found_nothing_to_do(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    commands.sync(config, offline=True, say=lambda _: None)
    remembered = commands.sync(config, offline=True, say=lambda _: None)
    (tmp_path / FINGERPRINT_NAME).unlink()
    rerun = commands.sync(config, offline=True, say=lambda _: None)
    assert rerun.outcomes["vault"].totals["papers"] > 0
    assert {n: o.totals for n, o in remembered.outcomes.items()} == {
        n: o.totals for n, o in rerun.outcomes.items()
    }
    assert {n: o.counts for n, o in remembered.outcomes.items()} == {
        n: o.counts for n, o in rerun.outcomes.items()
    }

def test_a_lost_catalog_never_strips_metadata_from_exports(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    commands.sync(config, offline=True, say=lambda _: None)
    bib = (tmp_path / "out" / "refs.bib").read_bytes()
    shutil.rmtree(tmp_path / "cache")
    report = commands.sync(config, offline=True, say=lambda _: None)
    assert report.partial and not report.outcomes
    assert any(re.search(r"not in the catalog.*nothing was exported", p) for p in report.problems)
    assert (tmp_path / "out" / "refs.bib").read_bytes() == bib
    import_catalog(config, *example_catalogs())
    commands.sync(config, offline=True, say=lambda _: None)
    assert (tmp_path / "out" / "refs.bib").read_bytes() == bib


def test_dry_run_lists_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    import_catalog(config, *example_catalogs())
    said: list[str] = []
    planned = commands.sync(config, offline=True, dry_run=True, say=said.append)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "papersync.lock.yaml").exists()
    would = {w for o in planned.outcomes.values() for w in o.written}
    assert str(tmp_path / "out" / "refs.bib") in would
    assert any(line.startswith("vault: would write Papers/") for line in said)
    real = commands.sync(config, offline=True, say=lambda _: None)
    written = {
        str(tmp_path / "out" / w) if not Path(w).is_absolute() else w
        for o in real.outcomes.values()
        for w in o.written
    }
    assert len(written) == len(would)


def test_a_config_without_any_export_target_says_so_instead_of_claiming_exports(
    tmp_path: Path,
) -> None:
    (tmp_path / "notes").mkdir()
    shutil.copy(EXAMPLES / "reading-log.md", tmp_path / "notes" / "log.md")
    (tmp_path / "papersync.yaml").write_text("notes: [notes/log.md]\ncache_dir: cache\n")
    config = load(tmp_path / "papersync.yaml")
    import_catalog(config, *example_catalogs())
    report = commands.sync(config, offline=True, say=lambda _: None)
    assert not report.outcomes
    assert any(
        "no export target is configured" in n and "export.bibtex.path" in n
        for n in report.notices
    )
