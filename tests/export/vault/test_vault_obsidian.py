"""The vault as Obsidian reads it: every link lands, every paper reached from its days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from vault_samples import ALL, D3, MYSTERY, check_vault_like_obsidian, mention, sync

from papersync.export.vault import DAYS_DIR, PAPERS_DIR, VaultExporter
from papersync.lock import Lock
from papersync.match import decide, identity
from papersync.model import Ids, Match, Mention, MentionKind, Paper, Reference, Status
from papersync.parse import parse
from papersync.sources.catalog import Catalog


def test_the_vault_reads_well_in_obsidian(tmp_path: Path) -> None:
    vague = Match(mention("VAE", 33, D3, "VAE"), Status.UNRESOLVED)
    sync(VaultExporter(tmp_path, include_unresolved=True), ALL, Lock(), [MYSTERY, vague])
    vault = check_vault_like_obsidian(tmp_path)
    assert "VAE" in vault.get_front_matter("Auto-Encoding Variational Bayes")["aliases"]
    assert "VAE (2)" in vault.md_file_index  # the unresolved title yields the name to the paper
    assert vault.get_wikilinks("Auto-Encoding Variational Bayes").count("2024-02-06") == 2
    assert "Conditional Image Generation with PixelCNN Decoders" in vault.get_wikilinks(
        "Auto-Encoding Variational Bayes"
    )


def test_a_name_shared_with_a_persons_note_is_linked_by_its_path(tmp_path: Path) -> None:
    daily = tmp_path / "Daily" / "2024-02-06.md"
    daily.parent.mkdir()
    daily.write_text("my own day\n", encoding="utf-8")
    sync(VaultExporter(tmp_path), ALL, Lock())
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert "### [[Reading log/2024-02-06|2024-02-06]]\n" in text and "[[2024-03-01]]" in text
    assert daily.read_text("utf-8") == "my own day\n"
    vault = check_vault_like_obsidian(tmp_path)
    assert "Auto-Encoding Variational Bayes" in vault.backlinks_index["Reading log/2024-02-06"]


# ---------------------------------------------------------------- built from the seeds


def _resolve_offline(
    logs: Sequence[Path], catalogs: Sequence[Path], db: Path
) -> tuple[list[Reference], list[Match]]:
    """The logs resolved as papersync does it offline (the local catalog's candidates,
    `decide`), gathered into references per paper and the matches left unresolved."""
    mentions = [m for path in logs for m in parse(path.read_text("utf-8"), path.name)]
    with Catalog(db) as local:
        for catalog in catalogs:
            local.import_file(catalog, "arxiv-jsonl")
        found = local.candidates(mentions)
    matches = [decide(m, found.candidates.get(identity(m), ())) for m in mentions]
    by_paper: dict[str, list[Mention]] = {}
    papers: dict[str, Paper] = {}
    for match in matches:
        if match.status == Status.MATCHED and match.paper is not None and match.paper.key:
            by_paper.setdefault(match.paper.key, []).append(match.mention)
            papers[match.paper.key] = match.paper
    references = [
        Reference(key, papers[key], f"ref{n}", tuple(by_paper[key]))
        for n, key in enumerate(sorted(by_paper))
    ]
    return references, [m for m in matches if m.status != Status.MATCHED]


def _days(ref: Reference) -> set[dt.date]:
    """The days the log names for reading a paper (a month-only date names none)."""
    return {
        m.date
        for m in ref.mentions
        if m.date and not m.month_only and m.kind in (MentionKind.READ, MentionKind.LINK)
    }


def test_the_seeds_make_a_vault_with_a_day_for_every_dated_heading(
    tmp_path: Path, seeds: list[Path], shared: Path
) -> None:
    references, unresolved = _resolve_offline(
        seeds, [shared / "eval" / "catalog.jsonl"], tmp_path / "catalog.sqlite"
    )
    assert len(references) > 50
    vault = tmp_path / "vault"
    lock, _, problems = sync(VaultExporter(vault), references, Lock(), unresolved)
    assert problems == ()

    read_on: dict[dt.date, set[str]] = {}
    for ref in references:
        for day in _days(ref):
            read_on.setdefault(day, set()).add(lock.pins(ref.key).note or "")
    assert len(read_on) > 20
    for day, names in read_on.items():
        day_note = (vault / DAYS_DIR / f"{day}.md").read_text("utf-8")
        for name in names:
            assert f"[[{name}]]" in day_note, (day, name)
    twice = [ref for ref in references if len(_days(ref)) >= 2]
    assert twice, "the seeds read some paper on two days"
    for ref in twice:
        text = (vault / PAPERS_DIR / f"{lock.pins(ref.key).note}.md").read_text("utf-8")
        for day in _days(ref):
            assert f"[[{day}]]" in text, (ref.key, day)
    check_vault_like_obsidian(vault)
    assert VaultExporter(vault).export(references, unresolved, lock).written == ()


def test_the_dev_logs_make_vaults_with_no_broken_link(tmp_path: Path, shared: Path) -> None:
    logs = sorted((shared / "eval" / "logs").glob("*.md"))
    catalogs = [
        shared / "eval" / "catalog.jsonl",
        shared / "eval" / "logs" / "catalog_additions.jsonl",
    ]
    assert logs
    for n, log in enumerate(logs):
        references, unresolved = _resolve_offline([log], catalogs, tmp_path / f"catalog{n}.sqlite")
        vault = tmp_path / log.stem
        exporter = VaultExporter(vault, include_unresolved=True)
        lock, _, problems = sync(exporter, references, Lock(), unresolved)
        assert problems == (), log.name
        assert len(references) > 10, log.name
        check_vault_like_obsidian(vault)
        for ref in references:
            text = (vault / PAPERS_DIR / f"{lock.pins(ref.key).note}.md").read_text("utf-8")
            for day in _days(ref):
                assert f"{day}]]" in text, (log.name, ref.key, day)
        assert exporter.export(references, unresolved, lock).written == (), log.name


LOG = """# 2022

## 2022/05

- 《Attention Is All You Need》 [[PDF]](https://arxiv.org/pdf/1706.03762) [[Code]](https://github.com/x)
    - the transformer; see [[Deep Residual Learning for Image Recognition]]
    - and [[A Paper Nobody Has]]

## 2022/05/06

- 《Deep Residual Learning for Image Recognition》、
- 《Layer Normalization》
  %% papersync:end %%

        indented text that is no code
"""


def test_a_log_of_many_shapes_makes_a_vault_with_no_broken_link(tmp_path: Path) -> None:
    """Self-contained: the parser's mentions straight into the vault, a paper per title."""
    mentions = parse(LOG, "log.md")
    titles = sorted({m.title for m in mentions})
    assert {"Attention Is All You Need", "Layer Normalization"} <= set(titles)
    references = [
        Reference(
            f"arxiv:0000.0000{n}",
            Paper(Ids(arxiv=f"0000.0000{n}"), title, "t"),
            f"k{n}",
            tuple(m for m in mentions if m.title == title),
        )
        for n, title in enumerate(titles)
    ]
    stated = {m.date for m in mentions if m.date and not m.month_only}
    exporter = VaultExporter(tmp_path)
    lock, _, problems = sync(exporter, references, Lock())
    assert problems == ()
    check_vault_like_obsidian(tmp_path)
    days = {p.stem for p in (tmp_path / DAYS_DIR).glob("*.md")}
    assert days == {str(d) for d in stated}, "a day note for a day the log does not name"
    assert exporter.export(references, [], lock).written == ()
