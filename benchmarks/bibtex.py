"""Export N papers into a .bib that also holds a person's own entries; print the times.

The papers mix arXiv preprints, published works with their preprint (one entry each, the
published version with its eprint) and DBLP-only records. Timed: the first export, a no-op
export (nothing written), and the run after the lock file was lost (pins recovered from the
.bib, then an export that must write nothing). Run: `python benchmarks/bibtex.py [--papers N]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from papersync.citekey import assign
from papersync.export.bibtex import BibtexExporter
from papersync.lock import Lock
from papersync.model import Author, Ids, Mention, Paper, PaperKind, Reference

T = TypeVar("T")
HAND_WRITTEN = "@article{{mine{i},\n  title = {{My own entry {i}}},\n  year = 1999\n}}\n\n"


def work(i: int) -> Paper:
    """Paper `i`: a preprint, a published work with its preprint, or a DBLP record alone."""
    authors = (Author(f"Author{i % 97}", "Ann"), Author("Smith", "Jo"))
    title = f"Scaling Widgets to {i} Parameters with Sparse Attention"
    preprint = Paper(
        Ids(arxiv=f"{21 + i % 5}{1 + i % 12:02d}.{i:05d}"), title, "arxiv", authors, 2021,
        primary_class="cs.LG",
    )  # fmt: skip
    if i % 3 == 0:
        return preprint
    published = Paper(
        Ids(dblp=f"conf/widgets/Author{i}"), title, "dblp", authors, 2022,
        venue="Proceedings of the Widget Conference", kind=PaperKind.CONFERENCE, pages="1--9",
    )  # fmt: skip
    if i % 3 == 1:
        return published
    ids = Ids(arxiv=preprint.ids.arxiv, dblp=published.ids.dblp)
    return replace(published, ids=ids, versions=(preprint, published))


def references(papers: dict[str, Paper], lock: Lock, exporter: BibtexExporter) -> list[Reference]:
    pinned = {k: p.citekey for k, p in lock.papers.items() if p.citekey}
    keys = assign(papers, pinned, reserved=exporter.hand_written_keys(lock))
    mention = Mention("x", "x", "log.md", 1)
    return [Reference(k, p, keys[k], (mention,)) for k, p in papers.items()]


def timed(label: str, run: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--hand-written", type=int, default=500)
    args = parser.parse_args()
    papers = {p.ids.key() or "": p for p in map(work, range(args.papers))}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "refs.bib"
        path.write_text("".join(HAND_WRITTEN.format(i=i) for i in range(args.hand_written)))
        exporter = BibtexExporter(path)
        refs = references(papers, Lock(), exporter)
        first = timed("first export", lambda: exporter.export(refs, (), Lock()))
        lock = Lock().with_pins(first.pins)
        again = timed("no-op export", lambda: exporter.export(refs, (), lock))
        recovered = timed("lock lost: recover_pins", lambda: Lock(papers=exporter.recover_pins()))
        after = exporter.export(references(papers, recovered, exporter), (), recovered)
        size = path.stat().st_size
    print(f"{args.papers} papers + {args.hand_written} hand-written entries, {size:,} bytes")
    print(f"first: {dict(first.counts)}")
    print(f"no-op: written {len(again.written)}, {dict(again.counts)}")
    print(f"recovered {len(recovered.papers)} of {len(papers)} pins; after: {dict(after.counts)}")


if __name__ == "__main__":
    main()
