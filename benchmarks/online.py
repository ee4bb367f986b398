"""Resolve the 199 seed titles against a local arXiv + Semantic Scholar + Crossref at real limits.

A server on 127.0.0.1 plays the three services from `../shared/eval/catalog.jsonl` and answers
any request sooner than the service allows (arXiv: one per 3 s, Semantic Scholar: one per
second, Crossref: one per second) with 503/429 and a Retry-After. The seeds are resolved cold,
then again with the lock removed and the answer cache (and the catalog of what was found)
kept, then offline through the local catalog. Prints per run: requests per service and per
title, politeness violations, the wall time next to the pacing floor (max over services of
requests × interval), precision and recall against `seed_gold.jsonl`; then whether the warm
run sent nothing and decided the same.

Run: `python benchmarks/online.py` (real limits, a few minutes) or `--scale 0.1` (every
enforced interval and our pacing scaled down, for a quick run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_services import ARXIV, CROSSREF, S2, FakeServices, Record, serve  # noqa: E402
from papersync.lock import Lock  # noqa: E402
from papersync.match import identity  # noqa: E402
from papersync.model import Match, Mention, Status  # noqa: E402
from papersync.parse import parse  # noqa: E402
from papersync.resolve import resolve  # noqa: E402
from papersync.sources.arxiv import INTERVAL as ARXIV_INTERVAL  # noqa: E402
from papersync.sources.arxiv import ArxivSource  # noqa: E402
from papersync.sources.catalog import Catalog  # noqa: E402
from papersync.sources.crossref import INTERVAL as CROSSREF_INTERVAL  # noqa: E402
from papersync.sources.crossref import CrossrefSource  # noqa: E402
from papersync.sources.http import Http  # noqa: E402
from papersync.sources.schedule import Tick  # noqa: E402
from papersync.sources.semanticscholar import INTERVAL_WITH_KEY, SemanticScholarSource  # noqa: E402

SHARED = ROOT.parent / "shared"
SERVICES = {ARXIV: ARXIV_INTERVAL, S2: INTERVAL_WITH_KEY, CROSSREF: CROSSREF_INTERVAL}
NAMES = {ARXIV: "arXiv", S2: "S2", CROSSREF: "Crossref"}


@dataclass(frozen=True)
class Score:
    matched: int
    correct: int
    precision: float
    recall: float


@dataclass(frozen=True)
class Run:
    matches: Mapping[str, Match]
    failures: Mapping[str, str]
    wall: float
    sent: Mapping[str, int]
    violations: int
    ticks: int


def load_gold(path: Path) -> dict[str, dict[str, object]]:
    return {row["raw"]: row for row in map(json.loads, path.read_text("utf-8").splitlines())}


def load_records(path: Path) -> list[Record]:
    rows = map(json.loads, path.read_text("utf-8").splitlines())
    return [Record(title=" ".join(r["title"].split()), arxiv=r["id"]) for r in rows]


def seed_mentions(seeds: Path, gold: Mapping[str, object]) -> dict[str, list[Mention]]:
    """The mentions of the gold titles in seeds 000…003, grouped by identity as `resolve` wants."""
    groups: dict[str, list[Mention]] = {}
    for path in sorted(seeds.glob("00[0-3]_*.txt")):
        for mention in parse(path.read_text("utf-8"), path.name):
            if mention.raw in gold:
                groups.setdefault(identity(mention), []).append(mention)
    return groups


def score(
    matches: Mapping[str, Match],
    groups: Mapping[str, Sequence[Mention]],
    gold: Mapping[str, dict[str, object]],
) -> Score:
    """README's rule: a match is correct when it is the gold arXiv id; any other match is wrong."""
    matched = correct = 0
    for key, mentions in groups.items():
        found = matches[key]
        if found.status is not Status.MATCHED or found.paper is None:
            continue
        matched += 1
        row = gold[mentions[0].raw]
        correct += row["status"] == "arxiv" and found.paper.ids.arxiv == row["arxiv"]
    on_arxiv = sum(row["status"] == "arxiv" for row in gold.values())
    return Score(matched, correct, correct / matched if matched else 0.0, correct / on_arxiv)


def online_run(
    services: FakeServices,
    groups: Mapping[str, Sequence[Mention]],
    folder: Path,
    scale: float,
) -> Run:
    """One sync's resolve step with an empty lock (a first run, or the lock removed), the
    answer cache and a catalog (nothing imported: it keeps what the runs found) in `folder`."""
    before = {p: len(services.requests(p)) for p in SERVICES}
    violations = sum(services.violations(p) for p in SERVICES)
    ticks: list[Tick] = []
    with (
        Http(folder / "answers.sqlite", contact="benchmark@example.org") as http,
        Catalog(folder / "remembered.sqlite") as catalog,
    ):
        arxiv = ArxivSource(http, services.url, interval=ARXIV_INTERVAL * scale)
        s2 = SemanticScholarSource(
            http, services.url, api_key="benchmark-key", interval=INTERVAL_WITH_KEY * scale
        )
        crossref = CrossrefSource(
            http, services.url, mailto="benchmark@example.org", interval=CROSSREF_INTERVAL * scale
        )
        started = time.monotonic()
        resolution = resolve(
            groups,
            Lock(),
            catalog=catalog,
            online=[arxiv, s2, crossref],
            enrich=s2.enrich,
            progress=ticks.append,
        )
        wall = time.monotonic() - started
    return Run(
        resolution.matches,
        resolution.failures,
        wall,
        {p: len(services.requests(p)) - before[p] for p in SERVICES},
        sum(services.violations(p) for p in SERVICES) - violations,
        len(ticks),
    )


def offline_run(
    catalog_file: Path, groups: Mapping[str, Sequence[Mention]], folder: Path
) -> Mapping[str, Match]:
    with Catalog(folder / "catalog.sqlite") as catalog:
        catalog.import_file(catalog_file, "arxiv-jsonl")
        return resolve(groups, Lock(), catalog=catalog).matches


def statuses(matches: Mapping[str, Match]) -> dict[str, tuple[str, str | None]]:
    return {k: (m.status.value, m.paper.key if m.paper else None) for k, m in matches.items()}


def report(name: str, run: Run, titles: int, scale: float, result: Score) -> None:
    floor = max(run.sent[p] * SERVICES[p] * scale for p in SERVICES)
    counts = "  ".join(
        f"{NAMES[p]} {run.sent[p]:>3} ({run.sent[p] / titles:.3f}/title)" for p in SERVICES
    )
    print(f"{name:<5} requests: {counts}")
    print(
        f"{'':<5} violations {run.violations}; wall {run.wall:.1f} s, pacing floor {floor:.1f} s"
        f" (bound 1.25 x floor + 10 s = {1.25 * floor + 10:.1f} s); progress calls {run.ticks}"
    )
    print(
        f"{'':<5} matched {result.matched}, precision {result.precision:.3f}, "
        f"recall {result.recall:.3f}; statuses {_tally(run.matches)}"
    )
    for source, why in run.failures.items():
        print(f"{'':<5} {source} failed: {why}")


def _tally(matches: Mapping[str, Match]) -> str:
    counts: dict[str, int] = {}
    for m in matches.values():
        counts[m.status.value] = counts.get(m.status.value, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every enforced interval (and our pacing) by this, e.g. 0.1 for a quick run",
    )
    args = parser.parse_args(argv)
    catalog_file = args.shared / "eval" / "catalog.jsonl"
    gold_file = args.shared / "eval" / "seed_gold.jsonl"
    if not catalog_file.is_file() or not gold_file.is_file():
        print(f"skipped: {catalog_file} or {gold_file} not found")
        return 0
    scale = args.scale
    gold = load_gold(gold_file)
    groups = seed_mentions(args.shared / "seeds", gold)
    titles = len(groups)
    limits = ", ".join(f"{NAMES[p]} 1 per {i * scale:g} s" for p, i in SERVICES.items())
    print(f"{titles} distinct titles; limits enforced by the server: {limits}")
    with tempfile.TemporaryDirectory() as tmp, serve(load_records(catalog_file)) as services:
        for prefix, interval in SERVICES.items():
            services.limit(prefix, interval * scale, status=503 if prefix == ARXIV else 429)
        cold = online_run(services, groups, Path(tmp), scale)
        report("cold", cold, titles, scale, score(cold.matches, groups, gold))
        warm = online_run(services, groups, Path(tmp), scale)
        report("warm", warm, titles, scale, score(warm.matches, groups, gold))
        same = statuses(cold.matches) == statuses(warm.matches)
        print(
            f"warm re-run with the lock removed: {sum(warm.sent.values())} requests, "
            f"decisions {'identical' if same else 'DIFFERENT'} to the cold run's"
        )
        started = time.monotonic()
        offline_matches = offline_run(catalog_file, groups, Path(tmp))
        offline = score(offline_matches, groups, gold)
        print(
            f"offline (catalog): {time.monotonic() - started:.1f} s, matched {offline.matched}, "
            f"precision {offline.precision:.3f}, recall {offline.recall:.3f}; "
            f"statuses {_tally(offline_matches)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
