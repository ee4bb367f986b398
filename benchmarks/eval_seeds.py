"""Score offline resolution on the shared dev set: seeds 000–003 against the eval catalog.

Run: `python benchmarks/eval_seeds.py [SHARED_DIR]`. Prints precision, recall and every wrong
or missed title. Scoring follows ../shared/eval/README.md; the answers stay in that file.
The scoring pieces here (`Row`, `score_rows`, `built_catalog`) are shared by eval_logs.py and
eval_names.py.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from papersync import match
from papersync.model import Match, Mention, Status
from papersync.parse import parse
from papersync.sources.catalog import Catalog

SEEDS = ("000", "001", "002", "003")


@dataclass(frozen=True)
class Row:
    """One gold answer: the text the log wrote and the arXiv id it means (None: no match)."""

    text: str
    arxiv: str | None


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    correct: int
    matched: int
    arxiv_titles: int
    wrong: tuple[str, ...]
    missed: tuple[str, ...]


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@contextmanager
def built_catalog(*files: Path) -> Iterator[Catalog]:
    """A catalog in a temporary folder, filled through the real import path."""
    with tempfile.TemporaryDirectory() as folder, Catalog(Path(folder) / "catalog.db") as catalog:
        for path in files:
            catalog.import_file(path, "arxiv-jsonl")
        yield catalog


def score_rows(decided: Sequence[tuple[Row, Match | None]]) -> Score:
    """Precision = right / matches made; recall = right / rows with an arXiv id (README)."""
    correct, matched, wrong, missed = 0, 0, [], []
    for row, result in decided:
        if result is None:
            if row.arxiv:
                missed.append(f"{row.text!r}: not found by the parser")
            continue
        chosen = result.paper.ids.arxiv if result.paper else None
        if result.status is Status.MATCHED:
            matched += 1
            if row.arxiv and chosen == row.arxiv:
                correct += 1
            else:
                title = result.paper.title if result.paper else ""
                wrong.append(
                    f"{row.text!r} → {chosen} {title!r} ({result.score:.2f}); gold {row.arxiv}"
                )
        elif row.arxiv:
            best = result.candidates[0] if result.candidates else None
            shown = (
                f" best {best.paper.ids.arxiv} {best.paper.title!r} ({best.score:.2f})"
                if best
                else ""
            )
            missed.append(f"{row.text!r}: {result.status} ({result.reason}){shown}")
    arxiv_rows = sum(1 for row, _ in decided if row.arxiv)
    return Score(
        precision=correct / matched if matched else 1.0,
        recall=correct / arxiv_rows if arxiv_rows else 1.0,
        correct=correct,
        matched=matched,
        arxiv_titles=arxiv_rows,
        wrong=tuple(wrong),
        missed=tuple(missed),
    )


def marked_mentions(shared: Path) -> dict[str, Mention]:
    """The first mention of each distinct 《》 title in the dev seeds, as the parser reads it."""
    found: dict[str, Mention] = {}
    for seed in sorted((shared / "seeds").glob("*.txt")):
        if not seed.name.startswith(SEEDS):
            continue
        lines = seed.read_text(encoding="utf-8").split("\n")
        for mention in parse("\n".join(lines), seed.name):
            if f"《{mention.raw}》" in lines[mention.line - 1] and mention.raw not in found:
                found[mention.raw] = mention
    return found


def seed_rows(shared: Path) -> list[tuple[Row, Mention | None]]:
    """Each gold row of the seeds with the parser's mention for it."""
    mentions = marked_mentions(shared)
    rows = []
    for record in read_jsonl(shared / "eval" / "seed_gold.jsonl"):
        raw = str(record["raw"])
        arxiv = str(record["arxiv"]) if record["status"] == "arxiv" else None
        rows.append((Row(raw, arxiv), mentions.get(raw)))
    return rows


def evaluate(shared: Path) -> Score:
    rows = seed_rows(shared)
    with built_catalog(shared / "eval" / "catalog.jsonl") as catalog:
        decided = [(row, match.decide(m, catalog.search(m)) if m else None) for row, m in rows]
    return score_rows(decided)


def print_score(score: Score) -> None:
    print(f"precision {score.precision:.4f} ({score.correct}/{score.matched} matches correct)")
    print(f"recall    {score.recall:.4f} ({score.correct}/{score.arxiv_titles} arXiv titles)")
    for line in score.wrong:
        print(f"WRONG  {line}")
    for line in score.missed:
        print(f"MISSED {line}")


def shared_dir() -> Path:
    """The shared folder named on the command line, else the one beside this checkout."""
    given = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    return Path(given[0]) if given else Path(__file__).resolve().parents[2] / "shared"


def main() -> None:
    print_score(evaluate(shared_dir()))


if __name__ == "__main__":
    main()
