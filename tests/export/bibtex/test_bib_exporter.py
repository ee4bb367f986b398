"""The .bib exporter: stable keys, no rewrite of identical bytes, and LaTeX compiling the result.

The compile tests are the real check: a document citing every exported key must build with
pdflatex + bibtex (plain and natbib) and with pdflatex + biber (biblatex), with no error and no
bibtex/biber warning.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from bib_papers import (
    COMPILABLE,
    HANDWRITTEN,
    HANDWRITTEN_KEYS,
    UNRESOLVED,
    VAE,
    hostile,
    hostile_references,
    hostile_with_ambiguous,
    reference,
)
from tex_build import compile_with_biber, compile_with_bibtex

from papersync.citekey import assign
from papersync.export.bibtex import BibtexExporter, entry_keys, merge, render
from papersync.lock import Lock, Pins
from papersync.model import Ids, Paper


def test_second_run_writes_nothing_and_keeps_mtime(tmp_path: Path) -> None:
    path = tmp_path / "out" / "refs.bib"
    refs = hostile_references()
    exporter = BibtexExporter(path, dialect="biblatex")
    first = exporter.export(refs, UNRESOLVED, Lock())
    assert first.written == (str(path),)
    assert first.counts == {"entries added": len(refs), "not exported": 2}
    assert {k: p.citekey for k, p in first.pins.items()} == {r.key: r.citekey for r in refs}
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    lock = Lock().with_pins(first.pins)
    second = exporter.export(refs, UNRESOLVED, lock)
    assert second.written == () and second.unchanged == 1 and not second.pins
    assert second.counts == {"entries unchanged": len(refs), "not exported": 2}
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert not list(tmp_path.glob("out/.*"))  # no temp file left behind


def test_unreadable_target_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@misc{x, title = {caf\xe9}}\n")
    outcome = BibtexExporter(path).export(hostile_references(), (), Lock())
    assert outcome.written == () and "UTF-8" in outcome.problems[0]
    assert path.read_bytes() == b"@misc{x, title = {caf\xe9}}\n"


def test_hand_written_keys_are_what_is_not_pinned(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(HANDWRITTEN + "@misc{ours, title={x}}\n", encoding="utf-8")
    lock = Lock(papers={"arxiv:1": Pins(citekey="ours")})
    assert BibtexExporter(path).hand_written_keys(lock) == frozenset(HANDWRITTEN_KEYS)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'apa'"):
        BibtexExporter(Path("x.bib"), dialect="apa")


def test_citation_keys_survive_changed_metadata_formula_and_a_colliding_newcomer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "refs.bib"
    papers = {p.ids.key() or "": p for p in hostile()}
    keys = assign(papers, {})
    outcome = BibtexExporter(path).export(
        [reference(p, keys[k]) for k, p in papers.items()], (), Lock()
    )
    lock = Lock().with_pins(outcome.pins)
    before = set(entry_keys(path.read_text(encoding="utf-8")))
    # better metadata, a new formula, and a newcomer whose key would collide
    papers["arxiv:1312.6114"] = replace(VAE, title="Variational Autoencoders", year=2014)
    newcomer = replace(VAE, ids=Ids(arxiv="9999.99999"), title="Auto-Encoding Again")
    papers["arxiv:9999.99999"] = newcomer
    pinned = {k: p.citekey for k, p in lock.papers.items() if p.citekey}
    new_keys = assign(
        papers, pinned, "authors(2) + year", BibtexExporter(path).hand_written_keys(lock)
    )
    assert {k: new_keys[k] for k in keys} == keys
    BibtexExporter(path).export([reference(p, new_keys[k]) for k, p in papers.items()], (), lock)
    after = set(entry_keys(path.read_text(encoding="utf-8")))
    assert before < after and len(after - before) == 1


@pytest.mark.parametrize("style", ["plain", "plainnat"])
def test_pdflatex_and_bibtex_compile_every_key_without_warnings(tmp_path: Path, style: str) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    BibtexExporter(path, include_ambiguous=True).export(
        hostile_with_ambiguous(), UNRESOLVED, Lock()
    )
    text = path.read_text(encoding="utf-8")
    assert "annote = {papersync: uncertain match" in text
    ours = text[len(COMPILABLE) :]
    assert {c for c in ours if not c.isascii()} <= set("深度学习中文的计算机学报王小明")  # CJK only
    warnings, bbl = compile_with_bibtex(tmp_path, text, style)
    if style == "plainnat":
        # plainnat demands a year of every entry; papersync will not invent one
        undated = [r.citekey for r in hostile_references() if r.paper.year is None]
        assert warnings == [f"Warning--empty year in {k}" for k in undated]
    else:
        assert warnings == []
    assert "深度学习" in bbl


def test_pdflatex_and_biber_compile_every_key_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(COMPILABLE, encoding="utf-8")
    exporter = BibtexExporter(path, dialect="biblatex", include_ambiguous=True)
    exporter.export(hostile_with_ambiguous(), UNRESOLVED, Lock())
    text = path.read_text(encoding="utf-8")
    assert "Schrödinger" in text  # biber reads UTF-8: no LaTeX accents needed
    assert "深度学习" in compile_with_biber(tmp_path, text)


def test_real_titles_get_unique_keys_and_compile(shared: Path, tmp_path: Path) -> None:
    """Every catalog title gets a distinct key; the odd ones (symbols, accents) compile."""
    rows = [json.loads(line) for line in (shared / "eval" / "catalog.jsonl").open(encoding="utf-8")]
    papers = {f"arxiv:{r['id']}": Paper(Ids(arxiv=r["id"]), r["title"], "catalog") for r in rows}
    keys = assign(papers, {})
    assert len({k.casefold() for k in keys.values()}) == len(papers)
    odd = {k for k, p in papers.items() if re.search(r"[^A-Za-z0-9 :,.'?!()/+-]", p.title)}
    assert odd
    refs = [reference(papers[k], keys[k]) for k in sorted(odd)]
    merged = merge("", refs, (), Lock())
    assert not merged.problems  # every character had an ASCII LaTeX spelling
    warnings, _ = compile_with_bibtex(tmp_path / "bibtex", merged.text, "plain")
    assert warnings == []
    compile_with_biber(tmp_path / "biber", render("", refs, (), Lock(), dialect="biblatex"))
