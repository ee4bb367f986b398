"""The README's quick start, walked as written: if the README and the code drift apart, this fails.

Each command of the "Pointing it at your own notes" block runs as a person would type it, in a
fresh folder holding a reading log, with the online services served on 127.0.0.1 in their real
formats (no internet). `$EDITOR` lines are the person's; the rest must finish without a
traceback, and the sync must leave the log's paper in the .bib and the vault.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Pointing it at your own notes"
DONE = (0, 3)
"""Exit codes of a sync that finished: 3 says some mentions wait for `review` (the to-do here)."""

LOG = """\
# 2024

## 2024.3.2

《Attention Is All You Need》

Read it twice; the positional encodings are the trick.

## 2024.3.5

- [ ] 《Some Paper Nobody Has Written Yet About Widgets》
"""


def quick_start() -> list[str]:
    """The commands of the README's quick-start block, comments and continuations dropped."""
    text = README.read_text(encoding="utf-8")
    block = re.search(re.escape(SECTION) + r".*?```sh\n(?P<body>.*?)```", text, re.S)
    assert block, f"{README}: no ```sh block under {SECTION!r}"
    commands = [line.split(" #")[0].strip() for line in block["body"].splitlines()]
    return [c for c in commands if c and not c.startswith("#")]


def test_the_quick_start_names_the_commands_a_new_user_needs() -> None:
    verbs = [shlex.split(c)[1] for c in quick_start() if c.startswith("papersync ")]
    assert verbs[0] == "init" and "sync" in verbs and "review" in verbs


@pytest.fixture
def services() -> Iterator[str]:
    from fake_services import Record, serve

    paper = Record(
        title="Attention Is All You Need",
        arxiv="1706.03762",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        year=2017,
    )
    with serve([paper]) as running:
        yield running.url


def test_the_quick_start_runs_as_written(tmp_path: Path, services: str) -> None:
    home = tmp_path / "home"
    notes = home / "notes"
    (notes / "logs").mkdir(parents=True)
    (notes / "logs" / "reading.md").write_text(LOG, encoding="utf-8")
    env = {
        **os.environ,
        "HOME": str(home),
        "PAPERSYNC_ARXIV_URL": services,
        "PAPERSYNC_S2_URL": services,
        "PAPERSYNC_CROSSREF_URL": services,
        "PAPERSYNC_CACHE_DIR": str(tmp_path / "cache"),
    }
    cwd = tmp_path
    for command in quick_start():
        words = shlex.split(command)
        if words[0] == "cd":
            where = words[1]
            cwd = home / where.removeprefix("~/") if where.startswith("~/") else cwd / where
            continue
        if words[0] == "$EDITOR":  # the person reads the file papersync wrote
            assert (cwd / words[1]).is_file(), f"{command}: {words[1]} was not written"
            continue
        assert words[0] == "papersync", f"README quick start: unexpected command {command!r}"
        done = subprocess.run(
            [sys.executable, "-m", "papersync", *words[1:]],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        said = done.stdout + done.stderr
        assert "Traceback" not in said, f"{command}:\n{said}"
        expected = DONE if words[1] == "sync" else (0,)
        assert done.returncode in expected, f"{command}: exit {done.returncode}\n{said}"

    written = (cwd / "refs.bib").read_text(encoding="utf-8")
    assert "eprint = {1706.03762}" in written
    notes_written = [p.name for p in (cwd / "vault").rglob("*.md")]
    assert "Attention Is All You Need.md" in notes_written
