"""Score short names on seed 004 offline (issue 13): the eval catalog plus seed004/catalog.jsonl.

Run: `python benchmarks/eval_names.py [SHARED_DIR] [-v]`. Prints precision (no wrong paper and
nothing matched for a not-a-paper row), recall of its arXiv rows and the share of dated rows
whose mention carries the row's date; then the same with the names the log itself teaches and
one vault alias a person added by hand (`DETR`). Every row is also scored as a bare name
(`[DETR]` → the name alone, undated), which measures matching apart from parsing; and both
again with candidates retrieved as the catalog's contract promises for a name (papers whose
title or abstract holds it), which measures `names` apart from retrieval. Last, the parsed
rows as a sync decides them: the log grouped and passed through `resolve` with the vault
alias, as the run passes a vault's aliases. `-v` lists every wrong and missed row. The
answers stay in the shared files.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eval_seeds import Row, Score, built_catalog, read_jsonl, score_rows, shared_dir

from papersync import match, names
from papersync.lock import Lock
from papersync.match import group
from papersync.model import Ids, Match, Mention, Paper
from papersync.parse import parse
from papersync.resolve import resolve
from papersync.sources.catalog import Catalog

VAULT_ALIAS = names.Alias("DETR", Ids(arxiv="2005.12872"), "vault")
"""What a person does by hand in the vault: `DETR` added to that paper note's aliases."""


def seed004(shared: Path) -> Path:
    return next((shared / "seeds").glob("004*.txt"))


def gold_rows(shared: Path) -> list[dict[str, object]]:
    return read_jsonl(shared / "eval" / "seed004" / "gold.jsonl")


def found_mention(record: dict[str, object], by_line: dict[int, list[Mention]]) -> Mention | None:
    """The parser's mention for a gold row: on one of its lines, its title inside the row text."""
    raw = str(record["raw"])
    lines = record["lines"] if isinstance(record["lines"], list) else []
    here = [m for line in lines for m in by_line.get(int(line), [])]
    exact = [m for m in here if raw in (m.raw, m.title, m.alias)]
    inside = [m for m in here if m.title and (m.title in raw or raw in m.raw)]
    return (exact or sorted(inside, key=lambda m: -len(m.title)) or [None])[0]


def bare(record: dict[str, object]) -> Mention:
    raw = str(record["raw"])
    return Mention(raw=raw, title=raw, alias=raw, file="004", line=0)


class NameScan:
    """Candidates for a name as the catalog's contract promises them (papers whose title or
    abstract holds the name), found here by a scan of the records, to measure `names` apart
    from the catalog's retrieval."""

    def __init__(self, catalog: Catalog, files: Sequence[Path]) -> None:
        self.catalog = catalog
        self.texts = [
            (str(r["id"]), names.fold(f"{r['title']} {r.get('abstract') or ''}"))
            for path in files
            for r in read_jsonl(path)
        ]

    def __call__(self, mention: Mention) -> list[Paper]:
        found = list(self.catalog.search(mention))
        if names.is_name_only(mention):
            folded = names.fold(mention.alias or mention.title)
            for arxiv, text in self.texts:
                paper = self.catalog.get(Ids(arxiv=arxiv)) if folded in text else None
                if paper is not None:
                    found.append(paper)
        return found


Search = Callable[[Mention], Sequence[Paper]]


def read_log(shared: Path, *, taught: bool) -> tuple[Mention, ...]:
    text = seed004(shared).read_text(encoding="utf-8")
    mentions = parse(text, seed004(shared).name)
    return names.teach(mentions, names.learn(mentions)) if taught else mentions


def by_line(mentions: Sequence[Mention]) -> dict[int, list[Mention]]:
    lines: dict[int, list[Mention]] = {}
    for mention in mentions:
        lines.setdefault(mention.line, []).append(mention)
    return lines


def run(
    shared: Path, search: Search, *, taught: bool, aliases: Sequence[names.Alias]
) -> tuple[Score, Score, tuple[int, int]]:
    """(the parser's mentions, every row as a bare name, (dated right, dated rows))."""
    lines = by_line(read_log(shared, taught=taught))
    parsed: list[tuple[Row, Match | None]] = []
    every: list[tuple[Row, Match | None]] = []
    dated = right = 0
    for record in gold_rows(shared):
        row = Row(str(record["raw"]), str(record["arxiv"]) if record["arxiv"] else None)
        mention = found_mention(record, lines)
        result = match.decide(mention, search(mention), aliases) if mention else None
        parsed.append((row, result))
        every.append((row, match.decide(bare(record), search(bare(record)), aliases)))
        if record.get("table_date"):
            dated += 1
            expected = dt.date.fromisoformat(str(record["table_date"]))
            right += mention is not None and mention.date == expected
    return score_rows(parsed), score_rows(every), (right, dated)


def with_aliases(catalog: Catalog, search: Search, aliases: Sequence[names.Alias]) -> Search:
    """As resolve should search: the papers a person gave a name are candidates for it too."""

    def found(mention: Mention) -> list[Paper]:
        given = names.given(mention.alias or mention.title, aliases)
        return [*search(mention), *(p for p in map(catalog.get, given) if p is not None)]

    return found


def through_resolve(shared: Path, catalog: Catalog, aliases: Sequence[names.Alias]) -> Score:
    """The parsed rows as a sync decides them: the log's mentions grouped, the catalog and
    the person's aliases given to `resolve`, each row scored by its mention's decision."""
    mentions = read_log(shared, taught=True)
    decided = resolve(group(mentions), Lock(), catalog=catalog, aliases=aliases).matches
    lines = by_line(mentions)
    scored: list[tuple[Row, Match | None]] = []
    for record in gold_rows(shared):
        row = Row(str(record["raw"]), str(record["arxiv"]) if record["arxiv"] else None)
        mention = found_mention(record, lines)
        scored.append((row, decided.get(match.identity(mention)) if mention else None))
    return score_rows(scored)


def main() -> None:
    shared = shared_dir()
    verbose = "-v" in sys.argv
    files = [shared / "eval" / "catalog.jsonl", shared / "eval" / "seed004" / "catalog.jsonl"]
    with built_catalog(*files) as catalog:
        scan = NameScan(catalog, files)
        for label, search, taught, aliases in (
            ("seed 004", catalog.search, False, ()),
            (
                "seed 004 + the log's own names + vault alias DETR",
                catalog.search,
                True,
                (VAULT_ALIAS,),
            ),
            ("seed 004, names retrieved by title or abstract (catalog contract)", scan, False, ()),
            ("  the same + the log's own names + vault alias DETR", scan, True, (VAULT_ALIAS,)),
        ):
            found = with_aliases(catalog, search, aliases)
            parsed, every, (right, dated) = run(shared, found, taught=taught, aliases=aliases)
            print(label)
            print(f"  parsed rows   {_figures(parsed)}")
            print(f"  bare names    {_figures(every)}")
            print(f"  dates         {right}/{dated} dated rows with the right date")
            if verbose:
                for line in every.wrong:
                    print(f"  WRONG  {line}")
                for line in every.missed:
                    print(f"  MISSED {line}")
        resolved = through_resolve(shared, catalog, (VAULT_ALIAS,))
        print("seed 004 through resolve, as a sync decides (the log's own names + vault alias)")
        print(f"  parsed rows   {_figures(resolved)}")


def _figures(score: Score) -> str:
    return (
        f"precision {score.precision:.3f} ({score.correct}/{score.matched})"
        f"  recall {score.recall:.3f} ({score.correct}/{score.arxiv_titles})"
    )


if __name__ == "__main__":
    main()
