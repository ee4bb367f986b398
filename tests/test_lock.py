"""The lock file round-trips, stays sorted, keeps hand edits, and refuses to be silently lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from papersync.errors import LockError
from papersync.lock import Decision, Lock, Pins, dump, load, save
from papersync.model import DecidedBy, Ids, Status


def sample() -> Lock:
    return Lock(
        {
            "title:b paper": Decision(Status.UNRESOLVED, raw="B paper", retry=True),
            "title:a paper": Decision(
                Status.MATCHED,
                raw="A paper",
                ids=Ids(arxiv="2106.09685"),
                title="A Paper",
                score=0.9731,
                decided_by=DecidedBy.AUTO,
            ),
        },
        {"arxiv:2106.09685": Pins(citekey="hu2021lora", zotero_key="ABCD2345", zotero_version=7)},
    )


def test_round_trip_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "papersync.lock.yaml"
    save(path, sample())
    loaded = load(path)
    assert loaded.decisions["title:a paper"].score == pytest.approx(0.973)
    assert loaded.decisions["title:b paper"].retry
    assert loaded.pins("arxiv:2106.09685").zotero_version == 7
    assert dump(loaded) == path.read_text(encoding="utf-8")


def test_output_is_sorted_and_unchanged_saves_do_not_rewrite(tmp_path: Path) -> None:
    text = dump(sample())
    assert text.index("title:a paper") < text.index("title:b paper")
    path = tmp_path / "papersync.lock.yaml"
    assert save(path, sample())
    assert not save(path, sample())


def test_hand_edit_pins_a_paper(tmp_path: Path) -> None:
    path = tmp_path / "papersync.lock.yaml"
    save(path, sample())
    text = (
        path.read_text(encoding="utf-8")
        .replace(
            "    status: unresolved\n", "    status: matched\n    doi: 10.1162/NECO.1997.9.8.1735\n"
        )
        .replace("    retry: true\n", "")
        .replace("raw: B paper\n    decided_by: auto", "raw: B paper\n    decided_by: user")
    )
    path.write_text(text, encoding="utf-8")
    decision = load(path).decisions["title:b paper"]
    assert decision.status is Status.MATCHED
    assert decision.ids.doi == "10.1162/neco.1997.9.8.1735"
    assert decision.decided_by is DecidedBy.USER and decision.settled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("mentions: [unclosed\n", "not valid YAML", id="broken_yaml"),
        pytest.param("mentions:\n  x: {status: maybe}\n", "mentions.x", id="bad_status"),
        pytest.param("papers:\n  arxiv:1: {colour: red}\n", "papers.arxiv:1.colour", id="unknown"),
    ],
)
def test_broken_lock_is_an_error_not_an_empty_lock(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "papersync.lock.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LockError, match=message):
        load(path)
    assert path.read_text(encoding="utf-8") == text
