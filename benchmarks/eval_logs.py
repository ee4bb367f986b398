"""Score offline resolution on every dev log beside two plain baselines (issue 11).

Run: `python benchmarks/eval_logs.py [SHARED_DIR] [-v]`. For the seeds (000–003) and each log
under eval/logs/, against the eval catalog plus the logs' additions, prints papersync's
precision and recall next to two baselines that exist only here: the exact normalised title,
and rapidfuzz `ratio >= 85` leading the runner-up by 3 points. Recall counts the rows that
write a title; rows that write only a short name (`XLM-R`) are counted apart, as names.
`-v` lists every wrong and missed row. The answers stay in the shared files.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from eval_seeds import Row, Score, built_catalog, read_jsonl, score_rows, seed_rows, shared_dir
from rapidfuzz import fuzz, process, utils

from papersync import match
from papersync.model import Ids, Match, Mention, Paper, Status
from papersync.parse import parse
from papersync.sources.catalog import Catalog

MARKED = re.compile(r"《(.*?)》")
NAME_WORDS = 2
"""A row of at most this many words that is not its paper's title is a short name."""
TRAILERS = (". CVPR, Oral.", ". Smith, Lee, et al. MIT.", " <kbd>NeurIPS</kbd> (spotlight)")
"""Written after every title for the robustness run: shapes other people's logs write inside
the marks (no year, so that the year check, which has its own tests, plays no part)."""
FUZZ_THRESHOLD = 85.0
FUZZ_MARGIN = 3.0

Baseline = Callable[[str], str | None]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def exact_baseline(titles: dict[str, str]) -> Baseline:
    """The paper whose normalised title equals the text, when exactly one does."""
    by_title: dict[str, set[str]] = {}
    for arxiv, title in titles.items():
        by_title.setdefault(_plain(title), set()).add(arxiv)

    def decide(text: str) -> str | None:
        found = by_title.get(_plain(text), set())
        return next(iter(found)) if len(found) == 1 else None

    return decide


def fuzz_baseline(titles: dict[str, str]) -> Baseline:
    """rapidfuzz ratio >= 85 on the best title, 3 points ahead of the next paper's."""
    ids, choices = list(titles), [utils.default_process(t) for t in titles.values()]

    def decide(text: str) -> str | None:
        found = process.extract(
            utils.default_process(text), choices, scorer=fuzz.ratio, limit=2, processor=None
        )
        if not found or found[0][1] < FUZZ_THRESHOLD:
            return None
        runner_up = found[1][1] if len(found) > 1 else 0.0
        return ids[found[0][2]] if found[0][1] - runner_up >= FUZZ_MARGIN else None

    return decide


def baseline_score(rows: Sequence[Row], baseline: Baseline) -> Score:
    """A baseline's answers in papersync's terms, so `score_rows` judges both alike."""
    decided: list[tuple[Row, Match | None]] = []
    for row in rows:
        chosen = baseline(row.text)
        mention = Mention(raw=row.text, title=row.text, file="", line=0)
        result = (
            Match(
                mention, Status.MATCHED, Paper(ids=Ids(arxiv=chosen), title="", source="baseline")
            )
            if chosen
            else Match(mention, Status.UNRESOLVED)
        )
        decided.append((row, result))
    return score_rows(decided)


def log_rows(path: Path) -> list[tuple[Row, Mention | None, bool]]:
    """Each gold row of a log with the parser's mention on its line and whether it is a name.

    Gold rows follow the 《》 marks in order; the mention is the one on that mark's line whose
    text the mark holds (the parser may have cut a trailer from it).
    """
    text = path.read_text(encoding="utf-8")
    marks = [
        (text.count("\n", 0, found.start()) + 1, found.group(1)) for found in MARKED.finditer(text)
    ]
    by_line: dict[int, list[Mention]] = {}
    for mention in parse(text, path.name):
        by_line.setdefault(mention.line, []).append(mention)
    rows = []
    gold = read_jsonl(path.with_name(path.name.removesuffix(".md") + ".gold.jsonl"))
    for record, (line, written) in zip(gold, marks, strict=True):
        assert record["log_title"] == written, (record["log_title"], written)
        arxiv = str(record["arxiv"]) if record.get("arxiv") else None
        here = [m for m in by_line.get(line, []) if _plain(m.title) in _plain(written)]
        mention = max(here, key=lambda m: len(m.title), default=None)
        canonical = str(record.get("canonical_title") or "")
        is_name = len(_plain(written).split()) <= NAME_WORDS and _plain(written) != _plain(
            canonical
        )
        rows.append((Row(written, arxiv), mention, is_name))
    return rows


def catalog_titles(catalog: Catalog, files: Sequence[Path]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for path in files:
        for record in read_jsonl(path):
            titles[str(record["id"])] = " ".join(str(record["title"]).split())
    return titles


def _decide(catalog: Catalog, mention: Mention | None) -> Match | None:
    return match.decide(mention, catalog.search(mention)) if mention else None


def with_trailer(
    rows: Sequence[tuple[Row, Mention | None, bool]], trailer: str
) -> list[tuple[Row, Mention | None, bool]]:
    """The same rows as if the log had written `trailer` inside the marks after each title."""
    return [
        (
            Row(row.text + trailer, row.arxiv),
            replace(m, raw=m.raw + trailer, title=m.title + trailer) if m else None,
            is_name,
        )
        for row, m, is_name in rows
    ]


def robustness(
    rows: Sequence[tuple[Row, Mention | None, bool]],
    catalog: Catalog,
    baselines: dict[str, Baseline],
) -> None:
    """Every title row of every log again, with each of `TRAILERS` written after it."""
    print("with a trailer written inside the marks (all logs and seeds, title rows):")
    for trailer in TRAILERS:
        changed = [(r, m) for r, m, is_name in with_trailer(rows, trailer) if not is_name]
        ours = score_rows([(row, _decide(catalog, m)) for row, m in changed])
        plain = {
            label: baseline_score([r for r, _ in changed], b) for label, b in baselines.items()
        }
        print(f"  {trailer!r:<30} papersync {_figures(ours)}")
        for label, score in plain.items():
            print(f"  {'':<30} {label:<9} {_figures(score)}")


def report(
    name: str,
    rows: Sequence[tuple[Row, Mention | None, bool]],
    catalog: Catalog,
    baselines: dict[str, Baseline],
    verbose: bool,
) -> bool:
    """Print one log's figures; True when it meets the targets."""
    titled = [(row, _decide(catalog, m)) for row, m, is_name in rows if not is_name]
    named = [(row, _decide(catalog, m)) for row, m, is_name in rows if is_name]
    ours = score_rows(titled)
    names = score_rows(named)
    plain = {label: baseline_score([r for r, _ in titled], b) for label, b in baselines.items()}
    found = [m for _, m, _ in rows if m is not None]
    dated = sum(m.date is not None for m in found)
    by_month = sum(m.month_only for m in found)
    print(
        f"{name}  ({len(titled)} title rows, {len(named)} name rows; parser found {len(found)},"
        f" {dated} dated, {by_month} of them by month only)"
    )
    print(f"  papersync  {_figures(ours)}   names {_figures(names)}")
    for label, score in plain.items():
        print(f"  {label:<10} {_figures(score)}")
    ok = ours.precision == 1.0 and names.precision == 1.0
    ok = ok and (ours.arxiv_titles < 20 or ours.recall >= 0.97)
    ok = ok and all(ours.correct >= s.correct for s in plain.values())
    if verbose:
        for line in (*ours.wrong, *names.wrong):
            print(f"  WRONG  {line}")
        for line in (*ours.missed, *names.missed):
            print(f"  MISSED {line}")
    return ok


def _figures(score: Score) -> str:
    return (
        f"precision {score.precision:.3f} ({score.correct}/{score.matched})"
        f"  recall {score.recall:.3f} ({score.correct}/{score.arxiv_titles})"
    )


def main() -> None:
    shared = shared_dir()
    verbose = "-v" in sys.argv
    logs = shared / "eval" / "logs"
    files = [shared / "eval" / "catalog.jsonl", logs / "catalog_additions.jsonl"]
    with built_catalog(*files) as catalog:
        titles = catalog_titles(catalog, files)
        baselines = {"exact": exact_baseline(titles), "rapidfuzz": fuzz_baseline(titles)}
        every = [(row, m, False) for row, m in seed_rows(shared)]
        results = [report("seeds 000-003", every, catalog, baselines, verbose)]
        for path in sorted(logs.glob("*.md")):
            rows = log_rows(path)
            every += rows
            results.append(report(path.stem, rows, catalog, baselines, verbose))
        print("targets met" if all(results) else "TARGETS NOT MET")
        robustness(every, catalog, baselines)


if __name__ == "__main__":
    main()
