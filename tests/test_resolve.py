"""Resolution order: lock, then catalog, then online — and network only for what is new."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from papersync.lock import Decision, Lock
from papersync.match import identity
from papersync.model import Author, DecidedBy, Ids, Mention, MentionKind, Paper, Status
from papersync.resolve import representative, resolve
from papersync.sources import Found, Records
from papersync.sources.catalog import Catalog

LORA = Paper(
    Ids(arxiv="2106.09685"),
    "LoRA: Low-Rank Adaptation of Large Language Models",
    "test",
    (Author("Hu", "Edward J."),),
    2021,
)
ADAM = Paper(
    Ids(arxiv="1412.6980"),
    "Adam: A Method for Stochastic Optimization",
    "test",
    (Author("Kingma", "Diederik P."), Author("Ba", "Jimmy")),
    2014,
)
LSTM = Paper(
    Ids(doi="10.1162/neco.1997.9.8.1735"),
    "Long Short-Term Memory",
    "test",
    (Author("Hochreiter", "Sepp"),),
    1997,
)


@dataclass
class ListedSource:
    """A source answering from a fixed list of papers, counting what it was asked."""

    papers: Sequence[Paper]
    name: str = "listed"
    fail: bool = False
    asked: list[str] = field(default_factory=list)
    batch: int = 1
    workers: int = 1
    interval: float = 0.0

    def cached(self, mentions: Sequence[Mention]) -> Found:
        return Found()

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        self.asked.extend(m.title for m in mentions)
        if self.fail:
            return Found(failed={identity(m): "connection refused" for m in mentions})
        words = {identity(m): set(m.title.lower().split()) for m in mentions}
        return Found(
            candidates={
                key: tuple(p for p in self.papers if len(ws & set(p.title.lower().split())) >= 2)
                for key, ws in words.items()
            }
        )

    def lookup(self, ids: Sequence[Ids]) -> Records:
        if self.fail:
            return Records(failed=dict.fromkeys(ids, "connection refused"))
        return Records({i: p for i in ids for p in self.papers if p.ids.key() == i.key()})


def mention(title: str, line: int = 1, **kw: object) -> Mention:
    return Mention(raw=title, title=title, file="log.md", line=line, **kw)  # type: ignore[arg-type]


def groups(*mentions: Mention) -> dict[str, tuple[Mention, ...]]:
    out: dict[str, list[Mention]] = {}
    for m in mentions:
        out.setdefault(identity(m), []).append(m)
    return {k: tuple(v) for k, v in out.items()}


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog.sqlite")


def test_online_sources_are_asked_only_for_what_the_lock_does_not_settle(catalog: Catalog) -> None:
    source = ListedSource([LORA, ADAM])
    first = resolve(
        groups(mention("LoRA: Low-Rank Adaptation of Large Language Models")),
        Lock(),
        catalog=catalog,
        online=[source],
    )
    assert [m.status for m in first.matches.values()] == [Status.MATCHED]
    assert len(source.asked) == 1

    grown = groups(
        mention("LoRA: Low-Rank Adaptation of Large Language Models"),
        mention("Adam: A method for stochastic optimization", line=9),
    )
    second = resolve(grown, first.lock, catalog=catalog, online=[source])
    assert source.asked == [
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "Adam: A method for stochastic optimization",
    ]
    assert {m.paper.ids.arxiv for m in second.matches.values() if m.paper} == {
        "2106.09685",
        "1412.6980",
    }


def test_papers_found_online_are_remembered_for_offline_runs(catalog: Catalog) -> None:
    found = resolve(
        groups(mention("Adam: A method for stochastic optimization")),
        Lock(),
        catalog=catalog,
        online=[ListedSource([ADAM])],
    )
    offline = resolve(
        groups(mention("Adam: A method for stochastic optimization")), found.lock, catalog=catalog
    )
    (m,) = offline.matches.values()
    assert m.status is Status.MATCHED and m.decided_by is DecidedBy.LOCK
    assert m.paper is not None and m.paper.authors == ADAM.authors


def test_a_failed_source_marks_the_mention_for_retry(catalog: Catalog) -> None:
    down = ListedSource([ADAM], fail=True)
    first = resolve(
        groups(mention("Adam: A method for stochastic optimization")),
        Lock(),
        catalog=catalog,
        online=[down],
    )
    (m,) = first.matches.values()
    assert m.status is Status.UNRESOLVED and "source failed" in m.reason
    assert "listed" in first.failures
    (decision,) = first.lock.decisions.values()
    assert decision.retry and not decision.settled

    up = ListedSource([ADAM])
    again = resolve(
        groups(mention("Adam: A method for stochastic optimization")),
        first.lock,
        catalog=catalog,
        online=[up],
    )
    assert up.asked and next(iter(again.matches.values())).status is Status.MATCHED


def test_an_answered_unresolved_mention_is_not_asked_again(catalog: Catalog) -> None:
    source = ListedSource([ADAM])
    todo = groups(mention("Write the survey of graph papers"))
    first = resolve(todo, Lock(), catalog=catalog, online=[source])
    resolve(todo, first.lock, catalog=catalog, online=[source])
    assert len(source.asked) == 1
    resolve(todo, first.lock, catalog=catalog, online=[source], refresh=True)
    assert len(source.asked) == 2


def test_user_decisions_stand_even_with_refresh(catalog: Catalog) -> None:
    m = mention("Long short-term memory")
    key = identity(m)
    lock = Lock(
        {
            key: Decision(
                Status.MATCHED, raw=m.raw, ids=LSTM.ids, title=LSTM.title, decided_by=DecidedBy.USER
            )
        }
    )
    source = ListedSource([LSTM])
    result = resolve(groups(m), lock, catalog=catalog, online=[source], refresh=True)
    assert result.matches[key].decided_by is DecidedBy.USER
    assert result.matches[key].paper is not None
    assert result.matches[key].paper.title == "Long Short-Term Memory"
    assert result.lock.decisions[key] == lock.decisions[key]


def test_not_a_paper_silences_a_todo_line(catalog: Catalog) -> None:
    m = mention("Write the survey of graph papers")
    lock = Lock({identity(m): Decision(Status.NOT_A_PAPER, raw=m.raw, decided_by=DecidedBy.USER)})
    source = ListedSource([ADAM])
    result = resolve(groups(m), lock, catalog=catalog, online=[source])
    assert result.matches[identity(m)].status is Status.NOT_A_PAPER
    assert source.asked == []


def test_an_id_in_the_notes_is_looked_up_not_searched(catalog: Catalog) -> None:
    m = mention("LoRA", kind=MentionKind.LINK, ids=Ids(arxiv="2106.09685"))
    source = ListedSource([LORA])
    result = resolve(groups(m), Lock(), catalog=catalog, online=[source])
    (match,) = result.matches.values()
    assert match.status is Status.MATCHED and match.paper == LORA
    assert source.asked == []


def test_representative_prefers_a_read_entry_with_ids_and_a_year() -> None:
    todo = mention("Adam", line=1, kind=MentionKind.TO_READ)
    read = mention("Adam", line=30, year_hint=2014)
    assert representative([todo, read]) is read


@pytest.mark.parametrize("with_catalog", [True, False], ids=["empty-catalog", "no-catalog"])
def test_an_outage_keeps_the_last_good_decision_even_with_refresh(
    catalog: Catalog, with_catalog: bool
) -> None:
    """`sync --refresh` with every source down: "could not ask" is not "no match"."""
    adam, todo = mention("Adam: A method for stochastic optimization"), mention("Read more", line=2)
    found = resolve(groups(adam, todo), Lock(), catalog=None, online=[ListedSource([ADAM])])
    assert found.matches[identity(adam)].status is Status.MATCHED
    down = ListedSource([ADAM], fail=True)
    again = resolve(
        groups(adam, todo),
        found.lock,
        catalog=catalog if with_catalog else None,
        online=[down],
        refresh=True,
    )
    assert down.asked, "refresh asks again"
    kept = again.matches[identity(adam)]
    assert kept.status is Status.MATCHED and kept.decided_by is DecidedBy.LOCK
    assert kept.paper is not None and kept.paper.ids.arxiv == ADAM.ids.arxiv
    assert again.lock.decisions[identity(adam)] == found.lock.decisions[identity(adam)]
    assert "listed" in again.failures
    unresolved = again.lock.decisions[identity(todo)]
    assert unresolved.status is Status.UNRESOLVED and unresolved.retry, "asked again next run"


def test_failed_id_lookups_reach_the_report(catalog: Catalog) -> None:
    m = mention("LoRA", kind=MentionKind.LINK, ids=Ids(arxiv="2106.09685"))
    result = resolve(groups(m), Lock(), catalog=None, online=[ListedSource([LORA], fail=True)])
    assert "id lookup(s) failed: connection refused" in result.failures["listed"]


def test_an_offline_refresh_with_an_empty_catalog_unmatches_nothing(catalog: Catalog) -> None:
    adam = mention("Adam: A method for stochastic optimization")
    found = resolve(groups(adam), Lock(), catalog=None, online=[ListedSource([ADAM])])
    again = resolve(groups(adam), found.lock, catalog=catalog, refresh=True)
    assert again.matches[identity(adam)].status is Status.MATCHED
    assert again.lock == found.lock


def test_sync_refresh_during_an_outage_keeps_every_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 3 on a real sync: sources down and the catalog cache deleted."""
    from fake_services import Record, serve
    from papersync import commands
    from papersync.config import load

    (tmp_path / "log.md").write_text(
        "## 2024.1.1\n\n《Adam: A Method for Stochastic Optimization》\n\n"
        "《LoRA: Low-Rank Adaptation of Large Language Models》\n",
        encoding="utf-8",
    )
    (tmp_path / "papersync.yaml").write_text(
        "notes: [log.md]\ncache_dir: cache\nexport:\n  bibtex: {path: refs.bib}\n"
        "sources:\n  retries: 0\n  arxiv: {interval: 0.01}\n"
        "  semanticscholar: {interval: 0.01}\n  crossref: {interval: 0.01}\n",
        encoding="utf-8",
    )
    records = [Record(ADAM.title, arxiv="1412.6980"), Record(LORA.title, arxiv="2106.09685")]
    variables = ("PAPERSYNC_ARXIV_URL", "PAPERSYNC_S2_URL", "PAPERSYNC_CROSSREF_URL")
    with serve(records) as services:
        for variable in variables:
            monkeypatch.setenv(variable, services.url)
        first = commands.sync(load(tmp_path / "papersync.yaml"), say=lambda _: None)
    assert first.statuses.get(Status.MATCHED) == 2
    bib = (tmp_path / "refs.bib").read_bytes()
    lock = (tmp_path / "papersync.lock.yaml").read_bytes()
    for variable in variables:
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    config = load(tmp_path / "papersync.yaml")
    kept = commands.sync(config, refresh=True, say=lambda _: None)
    assert kept.statuses.get(Status.MATCHED) == 2, "the catalog remembers what was found"
    assert (tmp_path / "refs.bib").read_bytes() == bib
    shutil.rmtree(tmp_path / "cache")
    held = commands.sync(config, refresh=True, say=lambda _: None)
    assert held.partial and any("nothing was exported" in p for p in held.problems)
    assert (tmp_path / "refs.bib").read_bytes() == bib
    assert (tmp_path / "papersync.lock.yaml").read_bytes() == lock


def test_an_ambiguous_decision_is_not_undone_by_a_catalog_that_lacks_the_candidates() -> None:
    """Not asked online (the lock settles it) and no catalog: nothing says "no match"."""
    m = mention("Long short-term memory")
    lock = Lock({identity(m): Decision(Status.AMBIGUOUS, raw=m.raw, score=0.8)})
    source = ListedSource([LSTM])
    result = resolve(groups(m), lock, catalog=None, online=[source])
    assert source.asked == []
    assert result.matches[identity(m)].status is Status.AMBIGUOUS
    assert result.lock == lock


@dataclass
class AnsweringSource(ListedSource):
    """Answers each title with exactly the papers listed for it."""

    answers: Mapping[str, tuple[Paper, ...]] = field(default_factory=dict)

    def candidates(self, mentions: Sequence[Mention]) -> Found:
        self.asked.extend(m.title for m in mentions)
        return Found({identity(m): self.answers.get(identity(m), ()) for m in mentions})


def test_what_the_catalog_kept_from_online_answers_changes_no_decision(catalog: Catalog) -> None:
    """A warm re-run with the lock removed decides as the cold run did, though the catalog now
    holds a paper another title's answer brought in that resembles this title."""
    ffm = Paper(
        Ids(doi="10.1145/3038912.3052676"),
        "Field-aware Factorization Machines in a Real-world Online Advertising System",
        "crossref",
        year=2017,
    )
    x = mention("Field-aware factorization machines for CTR prediction")
    y = mention(ffm.title, line=2)
    source = AnsweringSource([], answers={identity(y): (ffm,)})
    cold = resolve(groups(x, y), Lock(), catalog=catalog, online=[source])
    assert cold.matches[identity(y)].status is Status.MATCHED
    assert catalog.search(x), "the catalog now knows a paper resembling x"
    warm = resolve(groups(x, y), Lock(), catalog=catalog, online=[source])
    assert warm.matches == cold.matches
