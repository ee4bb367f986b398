"""Published versions: seeds 000–003 resolved offline against the eval catalog plus DBLP records.

Run: `python benchmarks/versions.py [SHARED_DIR]`. Prints how fast the DBLP dump imports,
precision and recall (a match counts as right only when the paper carries the gold arXiv id,
so a published record must be linked to its preprint to count), how many matched papers got a
published version, and the same count from rebiber (`pip install rebiber`, never a dependency
of papersync) run on the preprint entries papersync exports, over the same DBLP records.

An upgrade is counted wrong when the published title does not agree with the gold title, its
year is more than two years from the gold year, or its DOI differs from a gold DOI.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser
from eval_seeds import marked_mentions

from papersync import match, works
from papersync.model import Paper, PaperKind, Status
from papersync.sources.catalog import Catalog
from papersync.sources.catalog.bibtex import parse_bibtex_entry, scan_entry


@dataclass(frozen=True)
class Upgrade:
    """A preprint shown as a published record by one tool."""

    raw: str
    title: str
    venue: str
    year: int | None
    doi: str | None


def import_speed(catalog: Catalog, dump: Path) -> str:
    wall, cpu = time.perf_counter(), time.process_time()
    report = catalog.import_file(dump, "bibtex")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (
        f"DBLP import: {report.imported} entries in {wall:.2f} s wall "
        f"({report.imported / wall:,.0f}/s), {cpu:.2f} s CPU ({report.imported / cpu:,.0f}/s); "
        f"{report.skipped} skipped"
    )


def resolve(shared: Path, folder: Path) -> tuple[dict[str, Paper | None], str]:
    with Catalog(folder / "catalog.sqlite") as catalog:
        catalog.import_file(shared / "eval" / "catalog.jsonl", "arxiv-jsonl")
        speed = import_speed(catalog, shared / "eval" / "dblp_dev.bib.gz")
        decided = {}
        for raw, mention in marked_mentions(shared).items():
            result = match.decide(mention, catalog.search(mention))
            decided[raw] = result.paper if result.status is Status.MATCHED else None
    return decided, speed


def wrong_upgrade(upgrade: Upgrade, gold: dict[str, object]) -> bool:
    agrees = works.title_agreement(upgrade.title, str(gold["canonical_title"]))
    year = gold.get("year")
    far = isinstance(year, int) and upgrade.year is not None and abs(upgrade.year - year) > 2
    doi = gold.get("doi")
    differs = bool(doi and upgrade.doi and str(doi).lower() != upgrade.doi.lower())
    return agrees is works.Agreement.NONE or far or differs


def preprint_entry(key: str, paper: Paper) -> str:
    preprint = paper.version("preprint")
    authors = " and ".join(f"{a.family}, {a.given}".strip(", ") for a in preprint.authors)
    fields = [f"  title={{{preprint.title}}},", f"  author={{{authors or 'Anonymous'}}},"]
    fields += [f"  year={{{preprint.year}}},", f"  eprint={{{paper.ids.arxiv}}},"]
    return "@misc{" + key + ",\n" + "\n".join(fields) + "\n  archivePrefix={arXiv}\n}\n"


def rebiber_index(
    entries: list[list[str]], build_json: Any, normalize_title: Any
) -> dict[str, Any]:
    """rebiber's title index (`build_json`), built four minutes faster: the title of each regular
    entry read by papersync's scanner, keyed by rebiber's own `normalize_title`; the rest by
    rebiber itself."""
    index, irregular = {}, []
    for entry in entries:
        scanned = scan_entry("".join(entry).strip())
        if scanned is not None and "title" in scanned:
            index[normalize_title(scanned["title"].lower())] = entry
        elif any(line.lstrip().startswith("@") for line in entry):
            irregular.append(entry)
    index.update(build_json(irregular))
    return index


def rebiber_upgrades(papers: dict[str, Paper], dump: Path, folder: Path) -> dict[str, Upgrade]:
    """Run the rebiber command on the preprint entries, its title index built from `dump`."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # rebiber draws a progress bar per entry
    import rebiber  # the peer, installed for this benchmark only
    from rebiber.bib2json import build_json, load_bib_file, normalize_title

    plain = folder / "dblp.bib"
    with gzip.open(dump, "rb") as packed, plain.open("wb") as out:
        shutil.copyfileobj(packed, out)
    index = folder / "dblp.json"
    with contextlib.redirect_stdout(io.StringIO()):  # rebiber prints each entry it cannot read
        entries = rebiber_index(load_bib_file(str(plain)), build_json, normalize_title)
    index.write_text(json.dumps(entries))
    package = Path(rebiber.__file__).parent  # rebiber prefixes every listed path with its folder
    (folder / "bib_list.txt").write_text(f"{os.path.relpath(index, package)}\n", encoding="utf-8")
    keys = {f"p{n}": raw for n, raw in enumerate(papers)}
    source, result = folder / "preprints.bib", folder / "rebiber.bib"
    source.write_text("\n".join(preprint_entry(k, papers[r]) for k, r in keys.items()))
    command = ["rebiber", "-i", str(source), "-o", str(result), "-l", str(folder / "bib_list.txt")]
    done = subprocess.run(command, capture_output=True, cwd=folder, text=True)
    if done.returncode:
        raise SystemExit(f"rebiber failed: {done.stderr.strip().splitlines()[-1:]}")
    upgrades = {}
    for entry in bibtexparser.loads(result.read_text(encoding="utf-8")).entries:
        paper, raw = parse_bibtex_entry(entry), keys.get(entry["ID"])
        if raw is None or isinstance(paper, str):
            continue
        published = paper.kind in (PaperKind.CONFERENCE, PaperKind.ARTICLE)
        if published and paper.venue and "arxiv" not in paper.venue.lower():
            upgrades[raw] = Upgrade(raw, paper.title, paper.venue, paper.year, paper.ids.doi)
    return upgrades


def is_right(paper: Paper, gold: dict[str, Any]) -> bool:
    """Right: the gold arXiv id for an arXiv paper; for a paper not on arXiv, its gold DOI, or
    (with no DOI in the gold) its gold title and year."""
    if gold["status"] == "arxiv":
        return bool(paper.ids.arxiv == gold["arxiv"])
    if gold["status"] not in ("doi_only", "not_on_arxiv"):
        return False
    if gold["doi"]:
        return bool(paper.ids.doi == str(gold["doi"]).lower())
    upgrade = Upgrade("", paper.title, paper.venue or "", paper.year, paper.ids.doi)
    return not wrong_upgrade(upgrade, gold)


def score(decided: dict[str, Paper | None], gold: dict[str, dict[str, Any]]) -> dict[str, Paper]:
    matched = {raw: p for raw, p in decided.items() if p is not None and raw in gold}
    right = {raw: p for raw, p in matched.items() if is_right(p, gold[raw])}
    on_arxiv = {raw: p for raw, p in right.items() if gold[raw]["status"] == "arxiv"}
    arxiv = sum(g["status"] == "arxiv" for g in gold.values())
    print(f"precision {len(right) / len(matched):.4f} ({len(right)}/{len(matched)} matches right)")
    print(f"  of which arXiv papers carrying the gold arXiv id: {len(on_arxiv)}; papers not on")
    print(
        f"  arXiv found by their published record (gold DOI or title): {len(right) - len(on_arxiv)}"
    )
    print(f"recall    {len(on_arxiv) / arxiv:.4f} ({len(on_arxiv)}/{arxiv} arXiv titles)")
    for raw, paper in sorted(matched.items()):
        if raw not in right:
            print(f"WRONG  {raw!r} -> {paper.key} {paper.title!r}")
    for raw in sorted(r for r, g in gold.items() if g["status"] == "arxiv" and r not in on_arxiv):
        found = decided.get(raw)
        print(f"MISSED {raw!r} -> {found.key if found else 'no match'}")
    return on_arxiv


def main() -> None:
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared"
    )
    lines = (shared / "eval" / "seed_gold.jsonl").read_text(encoding="utf-8").splitlines()
    gold = {g["raw"]: g for g in map(json.loads, lines)}
    with tempfile.TemporaryDirectory() as folder:
        decided, speed = resolve(shared, Path(folder))
        print(speed)
        right = score(decided, gold)
        ours = {
            raw: Upgrade(raw, p.title, p.venue or "", p.year, p.ids.doi)
            for raw, p in right.items()
            if p.kind is not PaperKind.PREPRINT and p.versions
        }
        theirs = rebiber_upgrades(right, shared / "eval" / "dblp_dev.bib.gz", Path(folder))
    print(f"of the {len(right)} arXiv papers resolved right, published versions found:")
    report("papersync", ours, gold)
    report("rebiber  ", theirs, gold)
    for raw in sorted(set(ours) ^ set(theirs)):
        who = "papersync only" if raw in ours else "rebiber only"
        shown = ours.get(raw) or theirs[raw]
        print(f"  {who}: {raw!r} -> {shown.title!r} ({shown.venue[:40]}, {shown.year})")


def report(tool: str, upgrades: dict[str, Upgrade], gold: dict[str, dict[str, object]]) -> None:
    wrong = [u for u in upgrades.values() if wrong_upgrade(u, gold[u.raw])]
    print(f"{tool} published versions: {len(upgrades)} ({len(wrong)} wrong)")
    for upgrade in wrong:
        print(f"  WRONG {upgrade.raw!r} -> {upgrade.title!r} ({upgrade.year})")


if __name__ == "__main__":
    main()
