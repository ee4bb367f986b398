"""Benchmark the whole offline run: a 10,000-paper reading log against a 100,000-record catalog.

Generates (fixed seed) an arXiv-snapshot JSON-lines catalog and a reading log in the seeds'
shape (`# 2024.1` / `## 2024.1.5` headings, `《title》` entries with a short note, a pending
list), imports the catalog, then runs `papersync sync --offline` cold and again with nothing
changed. Each stage runs in a fresh process, so its peak RSS is its own. Every service URL points
at a server on 127.0.0.1 that counts what it receives: "zero requests" is measured.

Run: `python benchmarks/sync.py [--papers N] [--catalog N] [--keep DIR] [--check]`.
Targets (issue 8): warm no-op sync under 2 s with zero network requests; cold sync under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SEED = 20241124
WARM_TARGET = 2.0
COLD_TARGET = 60.0
URL_VARIABLES = (
    "PAPERSYNC_ARXIV_URL",
    "PAPERSYNC_S2_URL",
    "PAPERSYNC_CROSSREF_URL",
    "PAPERSYNC_ZOTERO_URL",
)
FIRST_MONTH = (2015, 1)
LAST_MONTH = (2024, 12)
LAST_READING = dt.date(2025, 6, 30)
TEAM_SIZES = (1, 2, 3, 3, 4, 5, 6, 8)


def listed(text: str) -> tuple[str, ...]:
    """A word list written as comma-separated text, so it reads as a paragraph."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


# Words real machine-learning titles are made of; the templates below combine them.
ADJECTIVES = listed(
    """
    Adaptive, Adversarial, Autoregressive, Bayesian, Causal, Compositional, Conditional,
    Continual, Contrastive, Controllable, Cross-Modal, Data-Efficient, Decentralized, Deep,
    Differentiable, Diffusion-Based, Disentangled, Distributed, Dynamic, Efficient,
    End-to-End, Equivariant, Explainable, Federated, Few-Shot, Fine-Grained, Generalizable,
    Generative, Geometric, Hierarchical, Implicit, Incremental, Interpretable, Invariant,
    Lightweight, Long-Range, Low-Rank, Masked, Memory-Efficient, Meta-Learned, Multi-Agent,
    Multi-Scale, Multi-Task, Multilingual, Multimodal, Neural, Non-Autoregressive, Offline,
    Open-Vocabulary, Parameter-Efficient, Probabilistic, Progressive, Provable, Quantized,
    Recurrent, Robust, Scalable, Self-Supervised, Semi-Supervised, Sparse, Spatio-Temporal,
    Stochastic, Structured, Unsupervised, Universal, Variational, Weakly Supervised,
    Zero-Shot
    """
)
NOUNS = listed(
    """
    Attention, Autoencoders, Transformers, Graph Neural Networks, Language Models,
    Diffusion Models, Normalizing Flows, Policy Optimization, Mixture of Experts,
    Representations, Embeddings, Prompt Tuning, Knowledge Distillation, Adapters,
    Contrastive Learning, Vision Transformers, State Space Models, Retrieval,
    Reward Models, World Models, Neural Fields, Point Cloud Networks, Tokenizers,
    Convolutional Networks, Recurrent Networks, Energy-Based Models, Gaussian Processes,
    Kernel Methods, Message Passing, Instruction Tuning, Preference Optimization,
    Neural Architecture Search, Data Augmentation, Curriculum Learning, Pruning,
    Quantization, Hashing, Memory Networks, Optimal Transport, Score Matching, Pretraining,
    Decoding, Beam Search, Label Propagation, Feature Pyramids, Capsule Networks,
    Hypernetworks, Neural Operators, Implicit Layers, Codebooks
    """
)
TASKS = listed(
    """
    Image Classification, Object Detection, Semantic Segmentation, Machine Translation,
    Question Answering, Text Summarization, Speech Recognition, Text-to-Image Generation,
    Video Understanding, Anomaly Detection, Link Prediction, Node Classification,
    Recommendation, Click-Through Rate Prediction, Named Entity Recognition,
    Relation Extraction, Code Generation, Program Synthesis, Mathematical Reasoning,
    Visual Question Answering, Image Captioning, Depth Estimation, Pose Estimation,
    Optical Flow, Time Series Forecasting, Molecular Property Prediction,
    Protein Structure Prediction, Dialogue Generation, Sentiment Analysis,
    Document Retrieval, Entity Linking, Image Super-Resolution, Novel View Synthesis,
    Robotic Manipulation, Autonomous Driving, Domain Adaptation, Continual Learning,
    Out-of-Distribution Detection, Graph Generation, Fraud Detection, Drug Discovery,
    Audio Generation, Video Generation, Text Classification, Image Retrieval,
    Instance Segmentation, 3D Reconstruction, Visual Grounding, Keyword Spotting,
    Tabular Data Modeling, Traffic Forecasting, Medical Image Segmentation
    """
)
THINGS = listed(
    """
    Noisy Labels, Long Contexts, Synthetic Data, Human Feedback, Weak Supervision,
    Unlabeled Videos, Knowledge Graphs, Large Batches, Limited Data, Sparse Rewards,
    Multiple Views, Natural Language Supervision, Chain-of-Thought Prompting,
    Hard Negatives, Rotary Position Embeddings, Learned Priors, Visual Tokens,
    Structured Pruning, Low-Rank Updates, Discrete Latents, Pseudo-Labels, Dense Rewards,
    Web-Scale Data, Relative Positions, Self-Training, Teacher Models, Mixed Precision,
    Graph Structure, Temporal Consistency, Uncertainty Estimates
    """
)
DOMAINS = listed(
    """
    the Wild, Low-Resource Languages, Edge Devices, Healthcare, E-Commerce,
    Scientific Documents, Remote Sensing, Legal Texts, Social Networks, Robotics,
    Financial Markets, Open Domains, Embodied Agents, Satellite Imagery,
    Electronic Health Records, Mobile Devices, Online Advertising, Speech
    """
)
PROPERTIES = listed(
    """
    Expressive Power, Sample Complexity, Convergence, Generalization, Robustness,
    Calibration, Scaling Behavior, Implicit Bias, Stability, Memorization, Identifiability,
    Optimization Landscape, Emergent Abilities, Fairness
    """
)
VERBS = listed(
    """
    Scaling, Rethinking, Revisiting, Unifying, Improving, Simplifying, Understanding,
    Benchmarking, Accelerating, Aligning, Grounding, Compressing
    """
)
NAME_HEADS = listed(
    """
    Graph, Vi, Token, Meta, Mix, Flow, Dense, Hyper, Omni, Uni, Poly, Neuro, Swin, Pixel,
    Point, Text, Code, Diff, Prompt, Retro, Sim, Tiny, Mega, Info, Contra, Seg, Mono, Deep,
    Star, Lumi, Aero, Quant, Chrono, Geo, Bio, Med, Audio, Video, Scene, Logic, Chem, Fin,
    Rec, Sparse
    """
)
NAME_TAILS = listed(
    """
    Former, Net, GAN, BERT, Mixer, Diff, GPT, Flow, Match, Seg, Det, CLIP, Fusion, Gen, LM,
    NeRF, VAE, Align, Tune, Mamba, LLaMA, ViT, Rank, Walk, Pool, Prop, Coder, Agent, Bench,
    Nav
    """
)
NAME_VERSIONS = ("", "", "", "", "", "-2", "++", " v2", "-XL", "-Lite", "3", "-L")
TEMPLATES = (
    "{name}: {adj} {noun} for {task}",
    "{name}: {verb} {noun} with {thing}",
    "{name}: Towards {adj} {task} in {domain}",
    "{adj} {noun} for {task}",
    "{adj} {noun} for {task} with {thing}",
    "{adj} {noun} for {task} in {domain}",
    "Towards {adj} {task} with {noun}",
    "On the {prop} of {adj} {noun}",
    "{task} via {adj} {noun}",
    "{task} with {adj} {noun} and {thing}",
    "Learning {adj} {noun} from {thing}",
    "{verb} {noun} for {adj} {task}",
    "{verb} {task}: {adj} {noun} Meet {thing}",
    "{thing} Is All You Need for {task}",
    "When Do {noun} Help {task}? An Empirical Study",
    "A {adj} Approach to {task} under {thing}",
    "{adj} and {adj2} {noun} for {domain}",
    "Beyond {thing}: {adj} {noun} for {task}",
    "What Makes {adj} {noun} Work for {task}?",
    "{name}: A Benchmark for {adj} {task} in {domain}",
)
LOWERCASE_WORDS = frozenset(
    {"a", "an", "the", "of", "for", "with", "and", "in", "to", "via", "from", "under", "on", "is"}
)
FIRST_NAMES = listed(
    """
    Wei, Yuki, Anna, Lukas, Priya, Omar, Sofia, Chen, Jonas, Mei, Carlos, Fatima, Hiroshi,
    Elena, David, Aisha, Ivan, Laura, Minh, Sara, Tom, Jia, Nikhil, Olga, Pierre, Hannah,
    Kofi, Lin, Mateo, Zhang, Rui
    """
)
LAST_NAMES = listed(
    """
    Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Smith, Johnson, Müller,
    Schmidt, García, Martínez, Kim, Park, Lee, Tanaka, Suzuki, Nguyen, Singh, Kumar, Patel,
    Ivanov, Rossi, Dubois, Silva, Kowalski, Novak, Andersson, O'Brien, Cohen, Haddad,
    Okafor, Sato, Xu, Sun, Ma, Gao, Lin, He, Guo, Luo, Tang, Hu, Zhu, Lam, Brown
    """
)
CATEGORIES = listed(
    """
    cs.LG, cs.CL, cs.CV, cs.AI, stat.ML, cs.IR, cs.RO, cs.SD, eess.AS, cs.NE, q-bio.BM,
    cs.SI, eess.IV, math.OC
    """
)
ORGS = listed(
    """
    Google, DeepMind, Meta AI, OpenAI, 微软亚洲研究院, 清华, 北大, Stanford, CMU, 阿里达摩院, 字节,
    腾讯 AI Lab, Berkeley, MIT, 上海 AI Lab, 百度
    """
)
NOTE_OPENERS = (
    "{year}年 {org} 的一篇文章，要点：",
    "{org} {year}年的工作，提出了新的 {noun} 思路，要点如下：",
    "A {year} paper from {org}. Key points:",
    "{year}年的文章，和之前读的几篇强相关：",
    "{org}，{year}年。一句话总结：{adj_low} {noun_low} 在 {task_low} 上的应用。",
)
NOTE_POINTS = (
    "提出了一种 {adj_low} 的 {noun_low} 结构，在 {task_low} 上效果明显",
    "核心思想是用 {thing_low} 替代原来的监督信号，训练更稳定",
    "The main idea: treat {task_low} as conditional generation, then scale the data.",
    "实验部分对比了主流 baseline，提升约 {pct}%，但消融实验不够充分",
    "缺点：计算开销大，{gpus} 张 GPU 训练了一周，复现成本高",
    "Ablations show {thing_low} matters more than model size.",
    "和 {name} 的做法类似，区别在于 loss 的设计",
    "代码开源了，值得一读；TODO: 跑一下官方 demo",
    "Limitations: evaluated only in {domain_low}; unclear whether it transfers.",
    "数据集构造部分写得很清楚，可以借鉴到我们自己的 {task_low} 任务上",
)
TODOS = (
    "写综述：GNN 论文总结",
    "不同的位置编码方式，1D(Bert的), 2D etc",
    "整理多模态预训练工作（by李沐)",
    "viking, milvus等向量检索相关技术",
    "DL三大特征抽取器（CNN,RNN,Transformer）总结TBD",
    "复现一下上周读的 diffusion 论文",
)


@dataclass(frozen=True)
class Record:
    """What the log generator needs to know about one catalog entry."""

    arxiv: str
    title: str
    published: dt.date


@dataclass
class LogStats:
    """What the generated log holds, and which paper each written title means."""

    files: int = 0
    mentions: int = 0
    variants: dict[str, int] = field(default_factory=dict)
    truth: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    """Written title → the arXiv id it names (None: absent from the catalog) and its variant."""


def smart_case(words: str) -> str:
    """Title Case with short function words in lower case, as most arXiv titles are written."""
    out = []
    for i, word in enumerate(words.split(" ")):
        out.append(word.lower() if i and word.lower() in LOWERCASE_WORDS else word)
    return " ".join(out)


def make_name(rng: random.Random) -> str:
    return rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS) + rng.choice(NAME_VERSIONS)


def make_title(rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)
    adj, adj2 = rng.sample(ADJECTIVES, 2)
    title = template.format(
        name=make_name(rng),
        adj=adj,
        adj2=adj2,
        noun=rng.choice(NOUNS),
        task=rng.choice(TASKS),
        thing=rng.choice(THINGS),
        domain=rng.choice(DOMAINS),
        prop=rng.choice(PROPERTIES),
        verb=rng.choice(VERBS),
    )
    title = smart_case(title)
    if rng.random() < 0.3:  # many arXiv titles are in sentence case
        head, _, rest = title.partition(": ")
        title = f"{head}: {rest[0]}{rest[1:].lower()}" if rest else title[0] + title[1:].lower()
    return title


def distinct_titles(count: int, rng: random.Random) -> list[str]:
    titles: list[str] = []
    seen: set[str] = set()
    while len(titles) < count:
        title = make_title(rng)
        if title.lower() not in seen:
            seen.add(title.lower())
            titles.append(title)
    return titles


def months() -> list[tuple[int, int]]:
    (y0, m0), (y1, m1) = FIRST_MONTH, LAST_MONTH
    return [
        (y, m) for y in range(y0, y1 + 1) for m in range(1, 13) if (y0, m0) <= (y, m) <= (y1, m1)
    ]


def write_catalog(path: Path, count: int, rng: random.Random) -> list[Record]:
    """An arXiv metadata snapshot in JSON lines; returns each record's id, title and date."""
    titles = distinct_titles(count, rng)
    spans = months()
    per_month = -(-count // len(spans))
    teams = [
        [(rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)) for _ in range(rng.choice(TEAM_SIZES))]
        for _ in range(5000)
    ]
    records: list[Record] = []
    with path.open("w", encoding="utf-8") as out:
        for n, title in enumerate(titles):
            year, month = spans[n // per_month]
            arxiv = f"{year % 100:02d}{month:02d}.{n % per_month + 1:05d}"
            start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
            created = start + dt.timedelta(seconds=rng.randrange(28 * 86400))
            authors = teams[rng.randrange(len(teams))]
            versions = [{"version": "v1", "created": format_datetime(created, usegmt=True)}]
            updated = created
            if rng.random() < 0.4:
                updated = created + dt.timedelta(days=rng.randint(5, 200))
                versions.append({"version": "v2", "created": format_datetime(updated, usegmt=True)})
            categories = rng.sample(CATEGORIES, rng.randint(1, 3))
            record = {
                "id": arxiv,
                "submitter": f"{authors[0][1]} {authors[0][0]}",
                "authors": ", ".join(f"{first} {last}" for last, first in authors),
                "title": title,
                "comments": f"{rng.randint(6, 40)} pages, {rng.randint(1, 12)} figures",
                "journal-ref": None,
                "doi": f"10.48550/arXiv.{arxiv}" if n % 4 == 0 else None,
                "report-no": None,
                "categories": " ".join(categories),
                "license": "http://creativecommons.org/licenses/by/4.0/",
                "abstract": f"  We study {title.lower()}. Experiments on standard benchmarks "
                f"show consistent gains over strong baselines.\n",
                "versions": versions,
                "update_date": updated.date().isoformat(),
                "authors_parsed": [[last, first, ""] for last, first in authors],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            records.append(Record(arxiv, title, created.date()))
    return records


def typo(title: str, rng: random.Random) -> str:
    """Swap two inner letters of the title's longest word: the slip a fast typist makes."""
    words = title.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 7:
        return title.lower()
    at = rng.randint(2, len(word) - 4)
    words[longest] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def alias(title: str) -> str:
    """`XYZ: title` with the initials a person would coin for a paper they keep citing."""
    initials = "".join(w[0] for w in title.replace("-", " ").split() if w[0].isupper())
    return f"{(initials or 'X')[:5]}: {title}"


def written_title(record: Record, rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.015:
        return record.title.lower(), "lower-case"
    if roll < 0.025:
        return typo(record.title, rng), "typo"
    if roll < 0.055 and ":" not in record.title:
        return alias(record.title), "alias prefix"
    return record.title, "exact"


def note(record: Record, rng: random.Random, year_hint: bool) -> str:
    words = {
        "year": record.published.year,
        "org": rng.choice(ORGS),
        "noun": rng.choice(NOUNS),
        "adj_low": rng.choice(ADJECTIVES).lower(),
        "noun_low": rng.choice(NOUNS).lower(),
        "task_low": rng.choice(TASKS).lower(),
        "thing_low": rng.choice(THINGS).lower(),
        "domain_low": rng.choice(DOMAINS).lower(),
        "name": make_name(rng),
        "pct": rng.randint(1, 15),
        "gpus": rng.choice((8, 16, 64, 256)),
    }
    opener = rng.choice(NOTE_OPENERS) if year_hint else "要点："
    points = rng.sample(NOTE_POINTS, rng.randint(1, 3))
    lines = [opener.format(**words), ""]
    lines += [f"{i}. {p.format(**words)}" for i, p in enumerate(points, 1)]
    return "\n".join(lines)


def write_log(
    folder: Path, records: Sequence[Record], papers: int, absent: Sequence[str], rng: random.Random
) -> LogStats:
    """One Markdown file per year, newest month and day first, like the seeds."""
    stats = LogStats()
    chosen = rng.sample(list(records), papers)
    pending = chosen[:40]
    readings: list[tuple[dt.date, str, str | None, Record | None]] = []
    for record in chosen[40:]:
        lag = dt.timedelta(days=int(rng.expovariate(1 / 90)))
        day = min(record.published + lag, LAST_READING)
        title, kind = written_title(record, rng)
        stats.variants[kind] = stats.variants.get(kind, 0) + 1
        stats.truth[title] = (record.arxiv, kind)
        readings.append((day, title, record.arxiv, record))
        if rng.random() < 0.02:  # read again later
            again = min(day + dt.timedelta(days=rng.randint(20, 300)), LAST_READING)
            readings.append((again, record.title, record.arxiv, record))
            stats.variants["re-read"] = stats.variants.get("re-read", 0) + 1
            stats.truth.setdefault(record.title, (record.arxiv, "exact"))
    for title in absent:
        day = LAST_READING - dt.timedelta(days=rng.randint(0, 2000))
        stats.truth[title] = (None, "not in catalog")
        readings.append((day, title, None, None))
    stats.variants["not in catalog"] = len(absent)
    by_year: dict[int, dict[dt.date, list[tuple[str, Record | None]]]] = {}
    for day, title, _, read in readings:
        by_year.setdefault(day.year, {}).setdefault(day, []).append((title, read))
    newest = max(by_year)
    for year, days in sorted(by_year.items()):
        parts = [f"# papers daily-{year}", "", f"{year}年每日论文阅读记录", ""]
        if year == newest:
            parts += ["# pending list", "", "具体文章：", ""]
            for i, later in enumerate(pending):
                box = "[x]" if i % 10 == 9 else "[ ]"
                remark = f"  {later.published.year}年，{rng.choice(ORGS)}" if i % 3 == 0 else ""
                kind = "pending to-read" + (" with remark" if remark else "")
                stats.truth[f"{later.title}{remark}"] = (later.arxiv, kind)
                parts.append(f"- {box} {later.title}{remark}")
                if i % 8 == 0:
                    parts.append(f"- [ ] {TODOS[(i // 8) % len(TODOS)]}")
            stats.variants["pending to-read"] = len(pending)
            parts.append("")
        month = None
        for day in sorted(days, reverse=True):
            if (day.year, day.month) != month:
                month = (day.year, day.month)
                parts += [f"# {day.year}.{day.month}", ""]
            parts += [f"## {day.year}.{day.month}.{day.day}", ""]
            for title, read in days[day]:
                parts += [f"《{title}》", ""]
                if read is not None:
                    parts += [note(read, rng, year_hint=rng.random() < 0.8), "", ""]
                else:
                    parts += ["期刊文章，arXiv 上没有；要点记在纸质笔记里。", "", ""]
                stats.mentions += 1
        (folder / f"{year}.md").write_text("\n".join(parts), encoding="utf-8")
        stats.files += 1
    return stats


def absent_titles(records: Sequence[Record], count: int, rng: random.Random) -> list[str]:
    """Titles shaped like the rest but in no catalog record (journal papers, say)."""
    known = {r.title.lower() for r in records}
    titles: list[str] = []
    while len(titles) < count:
        title = f"{make_title(rng)}: A Clinical Study"
        if title.lower() not in known:
            titles.append(title)
    return titles


def write_config(folder: Path) -> Path:
    path = folder / "papersync.yaml"
    path.write_text(
        "notes:\n  - notes/*.md\n"
        "state_dir: state\n"
        "cache_dir: cache\n"
        "export:\n"
        "  bibtex:\n    path: out/refs.bib\n"
        "  vault:\n    path: out/vault\n"
        "  csl:\n    path: out/papers.json\n",
        encoding="utf-8",
    )
    return path


class CountingServer(ThreadingHTTPServer):
    """Stands in for every service: answers 503 and counts each connection and request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.requests: list[str] = []
        self.guard = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.guard:
            self.connections += 1
        return True

    @property
    def received(self) -> int:
        """Connections plus requests: any contact at all counts."""
        return self.connections + len(self.requests)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer

    def _count(self) -> None:
        with self.server.guard:
            self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _count

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the counts are the report."""


@contextmanager
def counting_server() -> Iterator[CountingServer]:
    server = CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _max_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def stage(name: str, config_path: str, catalog_path: str, results: Any) -> None:
    """One stage in its own process: import, or a sync; sends back figures and counts."""
    from papersync import commands, config
    from papersync import lock as lockfile

    baseline = _max_rss_mib()
    settings = config.load(Path(config_path))
    figures: dict[str, Any] = {"baseline_mib": baseline}
    started = time.perf_counter()
    if name == "import":
        imported = commands.catalog_import(settings, Path(catalog_path), "arxiv-jsonl")
        figures["seconds"] = time.perf_counter() - started
        figures["imported"] = imported.imported
        figures["skipped"] = imported.skipped
        figures["workers_mib"] = _max_rss_mib(resource.RUSAGE_CHILDREN)
    else:
        said: list[str] = []
        report = commands.sync(settings, offline=True, say=said.append)
        figures["seconds"] = time.perf_counter() - started
        figures["mentions"] = report.mentions
        figures["papers"] = report.papers
        figures["statuses"] = dict(report.statuses)
        figures["outcomes"] = {
            n: {"written": len(o.written), "unchanged": o.unchanged, "problems": len(o.problems)}
            for n, o in report.outcomes.items()
        }
        figures["problems"] = list(report.problems[:5])
        figures["said"] = said
        decisions = lockfile.load(lockfile.lock_path(settings.state_dir)).decisions
        figures["decisions"] = {d.raw: (str(d.status), d.ids.arxiv) for d in decisions.values()}
    figures["peak_mib"] = _max_rss_mib()
    results.put(figures)


def run_stage(name: str, config_path: Path, catalog_path: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    started = time.perf_counter()
    process = context.Process(
        target=stage, args=(name, str(config_path), str(catalog_path), results)
    )
    process.start()
    figures: dict[str, Any] = results.get()
    process.join()
    if process.exitcode:
        raise SystemExit(f"{name}: stage failed with exit code {process.exitcode}")
    figures["process_seconds"] = time.perf_counter() - started
    return figures


def accuracy(
    decisions: Mapping[str, tuple[str, str | None]], truth: Mapping[str, tuple[str | None, str]]
) -> list[str]:
    """Per way of writing a title: decisions right, wrong, and left open (ambiguous/unresolved)."""
    tally: dict[str, Counter[str]] = {}
    for raw, (status, arxiv) in decisions.items():
        expected, kind = truth.get(raw, (None, "raw text not generated"))
        counts = tally.setdefault(kind, Counter())
        if status != "matched":
            counts[status] += 1
        elif expected is not None and arxiv == expected:
            counts["right"] += 1
        else:
            counts["WRONG"] += 1
    return [
        f"    {kind}: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        for kind, counts in sorted(tally.items())
    ]


def describe_sync(figures: Mapping[str, Any]) -> list[str]:
    statuses = ", ".join(f"{n} {k}" for k, n in figures["statuses"].items())
    lines = [
        f"  mentions {figures['mentions']:,}; papers exported {figures['papers']:,}",
        f"  distinct mentions: {statuses}",
    ]
    for name, o in figures["outcomes"].items():
        extra = f", {o['problems']} problems" if o["problems"] else ""
        lines.append(f"  {name}: {o['written']:,} written, {o['unchanged']:,} unchanged{extra}")
    lines += [f"  problem: {p}" for p in figures["problems"]]
    return lines


def cli_warm(config_path: Path) -> tuple[float, int]:
    """`papersync sync --offline` as a person runs it: interpreter start-up and imports included."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "papersync", "sync", "--offline", "--config", str(config_path)],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started, done.returncode


def verdict(value: float, target: float) -> str:
    return f"(target < {target:g} s: {'met' if value < target else 'MISSED'})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000, help="papers the log names")
    parser.add_argument("--catalog", type=int, default=100_000, help="records in the catalog")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--cli", action="store_true", help="also time a warm `papersync sync --offline` process"
    )
    args = parser.parse_args(argv)
    if args.papers > args.catalog:
        parser.error("--papers cannot exceed --catalog")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: exists and is not empty; give a new folder")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        (folder / "notes").mkdir(parents=True)
        rng = random.Random(SEED)
        started = time.perf_counter()
        catalog_path = folder / "arxiv-metadata.jsonl"
        records = write_catalog(catalog_path, args.catalog, rng)
        absent = absent_titles(records, 12, rng)
        stats = write_log(folder / "notes", records, args.papers, absent, rng)
        config_path = write_config(folder)
        generated = time.perf_counter() - started
        size = catalog_path.stat().st_size / 1e6
        print(
            f"generated in {generated:.1f} s: catalog {args.catalog:,} records ({size:.0f} MB), "
            f"log {stats.files} files, {stats.mentions:,} dated entries + pending list"
        )
        print("  titles as written: " + ", ".join(f"{n:,} {k}" for k, n in stats.variants.items()))
        with counting_server() as server:
            for variable in URL_VARIABLES:
                os.environ[variable] = server.url
            os.environ.pop("PAPERSYNC_CACHE_DIR", None)
            imported = run_stage("import", config_path, catalog_path)
            print(
                f"import: {imported['imported']:,} records imported, {imported['skipped']} skipped"
                f" in {imported['seconds']:.1f} s; peak RSS {imported['peak_mib']:.0f} MiB "
                f"(parse workers {imported['workers_mib']:.0f} MiB)",
                flush=True,
            )
            cold = run_stage("cold", config_path, catalog_path)
            print(
                f"cold offline sync: {cold['seconds']:.2f} s "
                f"{verdict(cold['seconds'], COLD_TARGET)}; peak RSS {cold['peak_mib']:.0f} MiB "
                f"(after imports {cold['baseline_mib']:.0f})"
            )
            print("\n".join(describe_sync(cold)))
            print("  decisions by how the title was written:")
            print("\n".join(accuracy(cold["decisions"], stats.truth)), flush=True)
            after_cold = server.received
            warm = run_stage("warm", config_path, catalog_path)
            print(
                f"warm no-op sync: {warm['seconds']:.2f} s "
                f"{verdict(warm['seconds'], WARM_TARGET)}; peak RSS {warm['peak_mib']:.0f} MiB; "
                f"whole process {warm['process_seconds']:.2f} s"
            )
            print("\n".join(describe_sync(warm)), flush=True)
            during_warm = server.received - after_cold
            if args.cli:
                seconds, code = cli_warm(config_path)
                print(
                    f"warm no-op `papersync sync --offline` (CLI, start-up included): "
                    f"{seconds:.2f} s, exit code {code}"
                )
            requests, connections = list(server.requests), server.connections
        print(
            f"network: {len(requests)} requests, {connections} connections to the counting "
            f"server (target 0; during the warm run {during_warm})"
            + (f"; first: {requests[0]}" if requests else "")
        )
        if args.keep:
            print(f"kept: {folder}")
    missed = cold["seconds"] >= COLD_TARGET or warm["seconds"] >= WARM_TARGET
    missed = missed or bool(requests) or connections > 0
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
