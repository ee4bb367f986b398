"""Time the vault exporter alone: a cold export into an empty vault, a warm one that changes
nothing, and one after the lock was lost (every note found again by its properties).

Generated papers (fixed seed), each read on one of a thousand days with a short note that
names other papers by alias. Durable writes are included: every written note is fsynced.
Run: `python benchmarks/vault.py [--papers 3000] [--seed 1]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from papersync.export import Outcome
from papersync.export.vault import VaultExporter
from papersync.lock import Lock
from papersync.model import Author, Ids, Mention, Paper, Reference

WORDS = [
    "deep",
    "residual",
    "learning",
    "attention",
    "transformer",
    "graph",
    "neural",
    "network",
    "contrastive",
    "diffusion",
    "model",
    "vision",
    "language",
    "retrieval",
    "scaling",
    "sparse",
    "adaptive",
]


def references(count: int, rng: random.Random) -> list[Reference]:
    refs = []
    for i in range(count):
        title = " ".join(rng.choice(WORDS).capitalize() for _ in range(6)) + f" {i}"
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1000))
        alias = f"M{i}"
        body = f"Like M{rng.randrange(count)} and M{rng.randrange(count)}.\n- one point\n- another"
        mention = Mention(
            f"《{alias}: {title}》", title, "log.md", i, alias=alias, date=day, body=body
        )
        arxiv = f"{2000 + i // 10000}.{i % 10000:05d}"
        paper = Paper(Ids(arxiv=arxiv), title, "bench", (Author("Doe", "Jane"),), 2020)
        refs.append(Reference(f"arxiv:{arxiv}", paper, f"doe2020w{i}", (mention,)))
    return refs


def timed(run: Callable[[], Outcome]) -> tuple[str, Outcome]:
    """Wall time (disk waits included) and CPU time: on a shared machine the second is the
    steadier figure to compare."""
    started, cpu = time.perf_counter(), time.process_time()
    outcome = run()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    return f"{wall:6.2f} s ({used:5.2f} s CPU)", outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    refs = references(args.papers, random.Random(args.seed))
    with tempfile.TemporaryDirectory() as folder:
        exporter = VaultExporter(Path(folder))
        cold, first = timed(lambda: exporter.export(refs, [], Lock()))
        lock = Lock().with_pins(first.pins)
        warm, again = timed(lambda: exporter.export(refs, [], lock))
        lost, rebuilt = timed(lambda: exporter.export(refs, [], Lock()))
    kept = sum(1 for key, pins in rebuilt.pins.items() if pins.note == lock.pins(key).note)
    print(f"{args.papers:,} papers, {len(first.written):,} notes")
    print(f"  cold export: {cold}, {len(first.written):,} written and fsynced")
    print(f"  warm export: {warm}, {len(again.written)} written")
    print(
        f"  lock lost:   {lost}, {len(rebuilt.written)} written, "
        f"{kept:,} of {args.papers:,} notes found again"
    )


if __name__ == "__main__":
    main()
