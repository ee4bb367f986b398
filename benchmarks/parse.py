"""Parse a generated 20 MB reading log and print mentions per second and peak memory; with
`--shared DIR`, also what parse finds and dates in the real logs there.

The log imitates the real seeds: month and day headings, 《》 entries with Chinese notes,
alias prefixes, a pending list, bare-title older sections and a Markdown table of links.
The real logs are the seeds and `eval/logs/*.md`, whose gold rows are their 《》 mentions in
order, and seed 004's reading-list table, whose gold rows carry the row's date.
Run: `python benchmarks/parse.py [--mb 20] [--seed 0] [--shared ../shared]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import time
import tracemalloc
from pathlib import Path

from papersync.model import MentionKind
from papersync.parse import parse, parse_log

WORDS = (
    "learning",
    "representation",
    "transformer",
    "diffusion",
    "graph",
    "neural",
    "network",
    "attention",
    "scaling",
    "contrastive",
    "retrieval",
    "language",
    "model",
    "vision",
    "multimodal",
    "sparse",
    "efficient",
    "robust",
    "deep",
    "generative",
    "adversarial",
    "variational",
    "self-supervised",
    "instruction",
    "tuning",
    "alignment",
)
ALIASES = ("VAE", "CLIP", "DINOv2", "LoRA", "GAN", "T5/Google", "(GenRead)", "BEiT：", "**MAE**")
NOTE = (
    "{year}.{month} 的一篇文章，要点：\n\n"
    "1. 本文提出了一种新的 {word} 方法，在多个 benchmark 上取得了 SOTA\n"
    "2. 模型，encoder + decoder，训练分为 pretraining 和 finetuning 两个阶段\n"
    "3. 实验结果，zero shot/few shot 都表现不错，代码见 https://github.com/example/{word}\n\n"
    "总体上是一篇值得精读的工作。\n"
)


def title(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(4, 10))
    text = " ".join(words).capitalize()
    alias = rng.choice(ALIASES)
    if rng.random() < 0.5:
        return text
    if alias.startswith("(") or alias.endswith("："):
        return f"{alias}{text}"
    return f"{alias}: {text}"


def day_entry(rng: random.Random, day: dt.date) -> str:
    entries = []
    for _ in range(rng.randint(1, 3)):
        note = NOTE.format(
            year=rng.randint(2012, 2024), month=rng.randint(1, 12), word=rng.choice(WORDS)
        )
        link = f" https://arxiv.org/abs/{rng.randint(1501, 2412)}.{rng.randint(1, 19999):05d}v2"
        entries.append(f"《{title(rng)}》{link if rng.random() < 0.2 else ''}\n\n{note}")
    return f"## {day.year}.{day.month}.{day.day}\n\n" + "\n".join(entries)


def bare_entry(rng: random.Random, day: dt.date) -> str:
    return (
        f"## {day.year}.{day.month}.{day.day}\n\n"
        f"{' '.join(rng.choices(WORDS, k=5)).capitalize()}\n"
        f"    {rng.randint(1990, 2020)}年的文章\n    核心思想：结构简单，效果很好。\n"
    )


def pending(rng: random.Random) -> str:
    items = [f"- [ ] {title(rng)}" for _ in range(6)]
    items += ["- [ ] 写综述：论文总结", "  - [ ] Grad-cam: Visual explanations  视觉可解释性"]
    return "# pending list\n\n" + "\n".join(items) + "\n"


def table(rng: random.Random) -> str:
    rows = [
        f"| ✅ | {rng.randint(2012, 2024)} | [{rng.choice(WORDS).title()}]"
        f"(https://www.nature.com/articles/s41586-0{rng.randint(10, 99)}"
        f"-{rng.randint(1000, 9999)}-2.pdf) | 简介 |"
        for _ in range(5)
    ]
    header = "| 已录制 | 年份 | 名字 | 简介 |\n| ---- | ---- | ---- | ---- |\n"
    return header + "\n".join(rows) + "\n"


def generate(megabytes: float, seed: int) -> str:
    """A log of at least `megabytes` MB (UTF-8), newest day first as the seeds are."""
    rng = random.Random(seed)
    parts = ["# papers daily\n\n", pending(rng)]
    size, day = 0, dt.date(2024, 12, 31)
    while size < megabytes * 1_000_000:
        if day.day == 1 or not parts[-1].startswith("#"):
            month = f"\n# {day.year}.{day.month}\n\n"
            parts.append(month)
            size += len(month.encode())
        piece = bare_entry(rng, day) if rng.random() < 0.1 else day_entry(rng, day)
        if rng.random() < 0.02:
            piece += "\n" + table(rng)
        parts.append(piece + "\n")
        size += len(piece.encode()) + 1
        day -= dt.timedelta(days=1)
    return "".join(parts)


def coverage(shared: Path) -> None:
    """Per real log: mentions found (of the gold 《》 rows), dated, cut into hints, problems."""
    for path in sorted((shared / "eval" / "logs").glob("*.md")):
        gold = [json.loads(line) for line in path.with_suffix(".gold.jsonl").open()]
        result = parse_log(path.read_text(encoding="utf-8"), path.name)
        marked = [m for m in result.mentions if m.kind is not MentionKind.LINK]
        written = [m.raw for m in marked]
        found = sum(1 for row in gold if row["log_title"] in written)
        print(
            f"{path.stem[:40]:40} gold {len(gold):3}  found {found:3}  "
            f"dated {sum(1 for m in marked if m.date):3} (month only "
            f"{sum(m.month_only for m in marked)})  hints {sum(bool(m.hints) for m in marked):3}"
            f"  problems {len(result.problems)}"
        )
    for path in sorted((shared / "seeds").glob("*.txt")):
        result = parse_log(path.read_text(encoding="utf-8"), path.name)
        mentions = result.mentions
        print(
            f"seed {path.name[:3]:35} mentions {len(mentions):4}  dated "
            f"{sum(1 for m in mentions if m.date):4}  names {sum(m.is_name for m in mentions):3}"
            f"  not a paper {sum(bool(m.not_a_paper) for m in mentions):2}"
        )
    table_dates(shared)


def table_dates(shared: Path) -> None:
    """Seed 004: the gold rows with a table date, and how many parse dates right."""
    gold_path = shared / "eval" / "seed004" / "gold.jsonl"
    seeds = list((shared / "seeds").glob("004*.txt"))
    if not gold_path.exists() or not seeds:
        return
    mentions = parse(seeds[0].read_text(encoding="utf-8"), seeds[0].name)
    dated = [json.loads(line) for line in gold_path.open()]
    dated = [row for row in dated if row["table_date"]]
    right = 0
    for row in dated:
        line = row["lines"][0]
        found = [m for m in mentions if m.line == line and m.raw.strip() == row["raw"].strip()]
        right += any(str(m.date) == row["table_date"] for m in found)
    print(f"seed 004 table rows with a date: {len(dated)}, dated right: {right}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the generated log")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, help="the shared data folder: real logs too")
    args = parser.parse_args()
    if args.shared:
        coverage(args.shared)

    text = generate(args.mb, args.seed)
    size = len(text.encode()) / 1_000_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    wall, cpu = time.perf_counter(), time.process_time()
    mentions = parse(text, "generated.md")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    parse(text, "generated.md")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"log: {size:.1f} MB, {text.count(chr(10)):,} lines")
    print(f"mentions: {len(mentions):,} in {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"mentions/s: {len(mentions) / cpu:,.0f} per CPU second ({size / cpu:.1f} MB/s)")
    print(f"peak memory of parse (tracemalloc): {peak / 1_000_000:.0f} MB")
    print(f"peak RSS: {rss_after / 1000:.0f} MB (before parsing: {rss_before / 1000:.0f} MB)")


if __name__ == "__main__":
    main()
