"""Benchmark the local catalog at arXiv scale: import 1,000,000 generated records, match 1,000.

Run: `python benchmarks/catalog.py [RECORDS]`. Prints import time, ms per title (candidate
retrieval + `match.decide`) and peak memory. Targets on a 2-core machine: import under 60 s,
under 5 ms per title.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from papersync import match
from papersync.model import Mention, Status
from papersync.sources.catalog import Catalog

COMMON = [
    "learning",
    "deep",
    "neural",
    "network",
    "networks",
    "model",
    "models",
    "for",
    "with",
    "of",
    "the",
    "and",
    "via",
    "in",
    "on",
    "a",
    "using",
    "towards",
    "language",
    "large",
    "graph",
    "vision",
    "image",
    "data",
    "training",
    "efficient",
    "robust",
    "generative",
    "transformer",
    "transformers",
    "attention",
    "representation",
    "self",
    "supervised",
    "reinforcement",
    "based",
    "analysis",
    "detection",
    "optimization",
    "multi",
    "task",
    "scale",
    "scalable",
    "adaptive",
    "fast",
    "sparse",
]
SYLLABLES = tuple(
    [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "ta",
        "vi",
        "zo",
        "pe",
        "sha",
        "dri",
        "on",
        "el",
        "bu",
        "fi",
        "go",
        "hu",
        "ja",
    ]
)


def vocabulary(rng: random.Random, size: int = 40_000) -> tuple[list[str], list[float]]:
    """Common words first, then invented ones, with Zipfian weights like real title words."""
    words = list(COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


def records(
    count: int, rng: random.Random, sample_every: int
) -> Iterator[tuple[dict[str, object], bool]]:
    words, cumulative = vocabulary(rng)
    abstracts = [" ".join(rng.choices(words, cum_weights=cumulative, k=120)) for _ in range(500)]
    for n in range(count):
        title = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(5, 13)))
        title = title[0].upper() + title[1:]
        arxiv = f"{7 + n % 17:02d}{1 + n % 12:02d}.{n % 100_000:05d}"  # unique below 5.1M
        family = [("".join(rng.choices(SYLLABLES, k=3))).title() for _ in range(rng.randint(1, 5))]
        record: dict[str, object] = {
            "id": arxiv,
            "submitter": "",
            "authors": ", ".join(f"A. {f}" for f in family),
            "title": title,
            "comments": None,
            "journal-ref": "J. Gen. Res. 12 (2020)" if n % 5 == 0 else None,
            "doi": f"10.1000/gen.{n}" if n % 3 == 0 else None,
            "report-no": None,
            "categories": "cs.LG stat.ML",
            "license": None,
            "abstract": abstracts[n % len(abstracts)],
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
            "update_date": "2008-11-13",
            "authors_parsed": [[f, "A.", ""] for f in family],
        }
        yield record, n % sample_every == 0


def perturbed(title: str, rng: random.Random) -> str:
    """The title as a log might write it: an alias, other casing, a typo, markdown."""
    choice = rng.randrange(4)
    if choice == 0:
        return f"GEN: {title}"
    if choice == 1:
        return f"**{title.lower()}**"
    if choice == 2:
        words = title.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) > 5:
            words[longest] = word[:2] + word[3:]
        return " ".join(words)
    return title.upper()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20240101)
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "arxiv.jsonl"
        sampled: list[str] = []
        with dump.open("w", encoding="utf-8") as out:
            for record, keep in records(count, rng, max(1, count // 700)):
                out.write(json.dumps(record) + "\n")
                if keep:
                    sampled.append(str(record["title"]))
        queries = [perturbed(t, rng) for t in sampled[:700]]
        queries += [
            f"Absent Title Number {i} On Nothing In Particular" for i in range(1000 - len(queries))
        ]

        started, cpu = time.perf_counter(), time.process_time()
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        with Catalog(Path(folder) / "catalog.db") as catalog:
            report = catalog.import_file(dump, "arxiv-jsonl")
            imported, import_cpu = time.perf_counter() - started, time.process_time() - cpu
            done = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu = done.ru_utime + done.ru_stime - workers.ru_utime - workers.ru_stime
            mentions = [
                Mention(raw=q, title=q, file="bench", line=i) for i, q in enumerate(queries)
            ]
            started, cpu = time.perf_counter(), time.process_time()
            results = [match.decide(m, catalog.search(m)) for m in mentions]
            per_title = (time.perf_counter() - started) / len(mentions) * 1000
            per_title_cpu = (time.process_time() - cpu) / len(mentions) * 1000
        size = (Path(folder) / "catalog.db").stat().st_size
    found = sum(r.status is Status.MATCHED for r in results[:700])
    false = sum(r.status is Status.MATCHED for r in results[700:])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"records: {report.imported:,} imported, {report.skipped} skipped;"
        f" database {size / 1e6:,.0f} MB"
    )
    print(
        f"import: {imported:.1f} s wall ({report.imported / imported:,.0f} records/s);"
        f" CPU {import_cpu:.1f} s writing + {worker_cpu:.1f} s in parsing workers"
    )
    print(
        f"match: {per_title:.2f} ms per title wall, {per_title_cpu:.2f} ms CPU,"
        f" over {len(mentions)} titles"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other processes share the cores)")
    print(f"matched {found}/700 perturbed titles of imported records; {false}/300 absent titles")
    print(f"peak memory (max RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
