"""Score offline resolution on the shared dev set: seeds 000–003 against the eval catalog.

Run: `python benchmarks/eval_seeds.py [SHARED_DIR]`. Prints precision, recall and every wrong
or missed title. Scoring follows ../shared/eval/README.md; the answers stay in that file.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from papersync import match
from papersync.model import Mention, Status
from papersync.parse import parse
from papersync.sources.catalog import Catalog

SEEDS = ("000", "001", "002", "003")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    correct: int
    matched: int
    arxiv_titles: int
    wrong: tuple[str, ...]
    missed: tuple[str, ...]


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


def evaluate(shared: Path) -> Score:
    gold = {}
    for line in (shared / "eval" / "seed_gold.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold[record["raw"]] = record
    with tempfile.TemporaryDirectory() as folder, Catalog(Path(folder) / "catalog.db") as catalog:
        catalog.import_file(shared / "eval" / "catalog.jsonl", "arxiv-jsonl")
        mentions = marked_mentions(shared)
        decided = {raw: match.decide(m, catalog.search(m)) for raw, m in mentions.items()}
    correct, wrong, missed = 0, [], []
    for raw, answer in sorted(gold.items()):
        result = decided.get(raw)
        if result is None:
            missed.append(f"{raw!r}: not found in the seeds by the parser")
            continue
        chosen = result.paper.ids.arxiv if result.paper else None
        if result.status is Status.MATCHED:
            if answer["status"] == "arxiv" and chosen == answer["arxiv"]:
                correct += 1
            else:
                wrong.append(
                    f"{raw!r} → {chosen} {result.paper.title if result.paper else ''!r}"
                    f" ({result.score:.2f}); gold {answer['status']} {answer['arxiv']}"
                )
        elif answer["status"] == "arxiv":
            best = result.candidates[0] if result.candidates else None
            shown = (
                f"best {best.paper.ids.arxiv} {best.paper.title!r} ({best.score:.2f})"
                if best
                else ""
            )
            missed.append(f"{raw!r}: {result.status} ({result.reason}) {shown}")
    matched = sum(r.status is Status.MATCHED for r in decided.values() if r.mention.raw in gold)
    arxiv_titles = sum(a["status"] == "arxiv" for a in gold.values())
    return Score(
        precision=correct / matched if matched else 1.0,
        recall=correct / arxiv_titles if arxiv_titles else 1.0,
        correct=correct,
        matched=matched,
        arxiv_titles=arxiv_titles,
        wrong=tuple(wrong),
        missed=tuple(missed),
    )


def main() -> None:
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared"
    )
    score = evaluate(shared)
    print(f"precision {score.precision:.4f} ({score.correct}/{score.matched} matches correct)")
    print(f"recall    {score.recall:.4f} ({score.correct}/{score.arxiv_titles} arXiv titles)")
    for line in score.wrong:
        print(f"WRONG  {line}")
    for line in score.missed:
        print(f"MISSED {line}")


if __name__ == "__main__":
    main()
