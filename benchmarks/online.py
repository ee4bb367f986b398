"""Resolve the 199 seed titles against a local arXiv + Semantic Scholar that enforce real limits.

A server on 127.0.0.1 plays both services from `../shared/eval/catalog.jsonl` and answers any
request sooner than the service allows (arXiv: one per 3 s, Semantic Scholar: one per second)
with 503/429. The seeds are resolved cold, then warm from the response cache, and once offline
through the local catalog for comparison. Prints requests per title per service, politeness
violations, wall time, precision and recall against `seed_gold.jsonl`.

Run: `python benchmarks/online.py` (real limits, a few minutes) or `--fast` (limits scaled down).
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

from fake_services import ARXIV, S2, FakeServices, Record, serve  # noqa: E402
from papersync.lock import Lock  # noqa: E402
from papersync.match import identity  # noqa: E402
from papersync.model import Match, Mention, Status  # noqa: E402
from papersync.parse import parse  # noqa: E402
from papersync.resolve import resolve  # noqa: E402
from papersync.sources.arxiv import INTERVAL as ARXIV_INTERVAL  # noqa: E402
from papersync.sources.arxiv import ArxivSource  # noqa: E402
from papersync.sources.catalog import Catalog  # noqa: E402
from papersync.sources.http import Http  # noqa: E402
from papersync.sources.semanticscholar import INTERVAL_WITH_KEY, SemanticScholarSource  # noqa: E402

SHARED = ROOT.parent / "shared"
FAST_SCALE = 0.1


@dataclass(frozen=True)
class Score:
    matched: int
    correct: int
    precision: float
    recall: float


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
    cache: Path,
    scale: float,
) -> tuple[Mapping[str, Match], Mapping[str, str], float]:
    with Http(cache, contact="benchmark@example.org") as http:
        arxiv = ArxivSource(http, services.url, interval=ARXIV_INTERVAL * scale)
        s2 = SemanticScholarSource(
            http, services.url, api_key="benchmark-key", interval=INTERVAL_WITH_KEY * scale
        )
        started = time.monotonic()
        resolution = resolve(groups, Lock(), catalog=None, online=[arxiv, s2], enrich=s2.enrich)
        return resolution.matches, resolution.failures, time.monotonic() - started


def offline_run(
    catalog_file: Path, groups: Mapping[str, Sequence[Mention]], folder: Path
) -> Mapping[str, Match]:
    with Catalog(folder / "catalog.sqlite") as catalog:
        catalog.import_file(catalog_file, "arxiv-jsonl")
        return resolve(groups, Lock(), catalog=catalog).matches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument(
        "--fast",
        action="store_true",
        help=f"scale every enforced interval (and our pacing) by {FAST_SCALE} for a quick run",
    )
    args = parser.parse_args(argv)
    catalog_file = args.shared / "eval" / "catalog.jsonl"
    gold_file = args.shared / "eval" / "seed_gold.jsonl"
    if not catalog_file.is_file() or not gold_file.is_file():
        print(f"skipped: {catalog_file} or {gold_file} not found")
        return 0
    scale = FAST_SCALE if args.fast else 1.0
    gold = load_gold(gold_file)
    groups = seed_mentions(args.shared / "seeds", gold)
    titles = len(groups)
    print(
        f"{titles} distinct titles; limits: arXiv 1 per {ARXIV_INTERVAL * scale:g} s, "
        f"Semantic Scholar 1 per {INTERVAL_WITH_KEY * scale:g} s"
        f"{' (--fast)' if args.fast else ''}"
    )
    with tempfile.TemporaryDirectory() as tmp, serve(load_records(catalog_file)) as services:
        services.limit(ARXIV, ARXIV_INTERVAL * scale, status=503)
        services.limit(S2, INTERVAL_WITH_KEY * scale, status=429)
        header = (
            f"{'run':<8}{'arXiv req/title':>16}{'S2 req/title':>14}{'violations':>12}"
            f"{'wall s':>9}{'matched':>9}{'precision':>11}{'recall':>8}"
        )
        print(header)
        for run in ("cold", "warm"):
            before = {p: len(services.requests(p)) for p in (ARXIV, S2)}
            matches, failures, wall = online_run(services, groups, Path(tmp) / "http.sqlite", scale)
            sent = {p: len(services.requests(p)) - before[p] for p in (ARXIV, S2)}
            violations = services.violations(ARXIV) + services.violations(S2)
            result = score(matches, groups, gold)
            print(
                f"{run:<8}{sent[ARXIV] / titles:>16.3f}{sent[S2] / titles:>14.3f}"
                f"{violations:>12}{wall:>9.1f}{result.matched:>9}{result.precision:>11.3f}"
                f"{result.recall:>8.3f}"
            )
            for name, why in failures.items():
                print(f"  {name} failed: {why}")
        started = time.monotonic()
        offline = score(offline_run(catalog_file, groups, Path(tmp)), groups, gold)
        print(
            f"{'offline':<8}{0:>16.3f}{0:>14.3f}{0:>12}{time.monotonic() - started:>9.1f}"
            f"{offline.matched:>9}{offline.precision:>11.3f}{offline.recall:>8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
