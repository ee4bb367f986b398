"""The exporter: what a run writes, keeps, moves and removes, and a person's edits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vault_samples import (
    ALL,
    D1,
    D2,
    D3,
    FIXTURES,
    LATER,
    MYSTERY,
    PIXELCNN,
    VAE,
    check_vault_like_obsidian,
    frontmatter,
    mention,
    notes,
    reference,
    sync,
)

from papersync.errors import VaultError
from papersync.export.vault import DAYS_DIR, INDEX_NOTE, PAPERS_DIR, VaultExporter
from papersync.export.vault.frontmatter import split_frontmatter
from papersync.export.vault.layout import DAY_KEYS, PAPER_KEYS
from papersync.export.vault.regions import find_region
from papersync.lock import Lock, Pins
from papersync.model import Candidate, Ids, Match, Paper, Reference, Status

# ---------------------------------------------------------------- the exporter


def test_first_run_writes_the_vault_and_a_second_run_writes_nothing(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path, include_unresolved=True)
    lock, written, problems = sync(exporter, ALL, Lock(), [MYSTERY])
    assert problems == ()
    assert set(written) == set(notes(tmp_path))
    assert lock.pins(VAE.key).note == "Auto-Encoding Variational Bayes"
    assert f"{DAYS_DIR}/2024-02-06.md" in written and INDEX_NOTE in written
    mtimes = {p: os.stat(tmp_path / p).st_mtime_ns for p in written}
    again = exporter.export(ALL, [MYSTERY], lock)
    assert again.written == () and again.pins == {} and again.unchanged == len(written)
    assert {p: os.stat(tmp_path / p).st_mtime_ns for p in written} == mtimes


def test_paper_note_properties_and_body(tmp_path: Path) -> None:
    zotero = Lock(papers={VAE.key: Pins(zotero_key="ABCD2345")})
    sync(VaultExporter(tmp_path), ALL, zotero)
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert frontmatter(text) == {
        "title": "Auto-Encoding Variational Bayes",
        "aliases": ["VAE", "kingma2013auto"],
        "authors": ["Diederik P. Kingma", "Max Welling"],
        "year": 2014,
        "citekey": "kingma2013auto",
        "arxiv": "1312.6114",
        "tags": ["paper"],
        "status": "read",
        "read": [D1, D3],
        "zotero": "zotero://select/library/items/ABCD2345",
    }
    assert "How can we perform efficient inference?" in text
    assert "### [[2024-02-06]]\n\nDecoder like [[Conditional Image Generation" in text
    assert "See [5007]." in text and "BLIP2 uses" in text
    later = (tmp_path / PAPERS_DIR / "Visual Instruction Tuning.md").read_text("utf-8")
    assert frontmatter(later)["status"] == "to-read" and "read" not in frontmatter(later)
    assert "authors" not in frontmatter(later) and "doi" not in frontmatter(later)


def test_a_group_library_gets_group_zotero_links(tmp_path: Path) -> None:
    zotero = Lock(papers={VAE.key: Pins(zotero_key="ABCD2345")})
    sync(VaultExporter(tmp_path, zotero_library="groups/4711"), ALL, zotero)
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert frontmatter(text)["zotero"] == "zotero://select/groups/4711/items/ABCD2345"


def test_pinned_names_survive_a_new_title(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    retitled = dataclasses.replace(VAE, paper=dataclasses.replace(VAE.paper, title="AEVB"))
    lock, written, _ = sync(exporter, [retitled, *ALL[1:]], lock)
    assert lock.pins(VAE.key).note == "Auto-Encoding Variational Bayes"
    assert f"{PAPERS_DIR}/Auto-Encoding Variational Bayes.md" in written
    assert not (tmp_path / PAPERS_DIR / "AEVB.md").exists()


def test_a_new_paper_never_takes_a_persons_note_name(tmp_path: Path) -> None:
    own = tmp_path / "Ideas" / "Visual Instruction Tuning.md"
    own.parent.mkdir()
    own.write_text("my own note\n", encoding="utf-8")
    lock, _, _ = sync(VaultExporter(tmp_path), ALL, Lock())
    assert lock.pins(LATER.key).note == "Visual Instruction Tuning (2)"
    assert own.read_text("utf-8") == "my own note\n"


def test_an_edited_region_is_kept_and_papersync_writes_a_conflict_note(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    path = tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md"
    edited = path.read_text("utf-8").replace("Second pass", "My correction")
    path.write_text(edited, encoding="utf-8")
    more = dataclasses.replace(VAE, mentions=(*VAE.mentions, mention("VAE", 40, D2, "VAE", "x")))
    lock, _, problems = sync(exporter, [more, *ALL[1:]], lock)
    text = path.read_text("utf-8")
    assert split_frontmatter(text)[1] == split_frontmatter(edited)[1]
    assert frontmatter(text)["read"] == [D1, D2, D3]  # the properties are papersync's alone
    conflict = tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.papersync-conflict.md"
    assert conflict.exists() and "### [[2024-02-07]]" in conflict.read_text("utf-8")
    assert len(problems) == 1 and "Auto-Encoding Variational Bayes" in problems[0]
    inner, body = split_frontmatter(text)
    found = find_region(body)
    assert found is not None
    path.write_text(f"---\n{inner}---\n{body[: found.start]}{body[found.end :]}", encoding="utf-8")
    lock, _, problems = sync(exporter, [more, *ALL[1:]], lock)
    settled = path.read_text("utf-8")
    assert problems == () and "### [[2024-02-07]]" in settled and "My correction" not in settled


def test_a_paper_gone_from_the_log_is_removed_unless_the_person_wrote_in_it(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    blip = tmp_path / PAPERS_DIR / "BLIP - Bootstrapping Language-Image Pre-training.md"
    later = tmp_path / PAPERS_DIR / "Visual Instruction Tuning.md"
    later.write_text(later.read_text("utf-8") + "\nMy thoughts.\n", encoding="utf-8")
    lock, _, _ = sync(exporter, [VAE, PIXELCNN], lock)
    assert not blip.exists() and not (tmp_path / DAYS_DIR / "2024-02-07.md").exists()
    text = later.read_text("utf-8")
    assert text.endswith("\nMy thoughts.\n") and frontmatter(text)["in_log"] is False
    assert "[[" not in find_region(split_frontmatter(text)[1]).content  # type: ignore[union-attr]
    lock, _, _ = sync(exporter, ALL, lock)
    back = later.read_text("utf-8")
    assert back.endswith("\nMy thoughts.\n") and "in_log" not in frontmatter(back)


def test_an_edited_region_of_a_paper_that_left_and_came_back_is_still_theirs(
    tmp_path: Path,
) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    blip = tmp_path / PAPERS_DIR / "BLIP - Bootstrapping Language-Image Pre-training.md"
    blip.write_text(blip.read_text("utf-8").replace("# BLIP", "# My BLIP"), encoding="utf-8")
    body = split_frontmatter(blip.read_text("utf-8"))[1]
    lock, _, _ = sync(exporter, [VAE, PIXELCNN], lock)
    assert split_frontmatter(blip.read_text("utf-8"))[1] == body
    assert frontmatter(blip.read_text("utf-8"))["in_log"] is False
    lock, _, problems = sync(exporter, ALL, lock)
    assert split_frontmatter(blip.read_text("utf-8"))[1] == body
    assert len(problems) == 1 and "BLIP" in problems[0]


def test_an_alias_two_papers_now_share_leaves_both_notes(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    path = tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md"
    assert frontmatter(path.read_text("utf-8"))["aliases"] == ["VAE", "kingma2013auto"]
    rival = reference(
        "1606.04934", "Improved VI with IAF", "kingma2016iaf", mention("VAE", 50, alias="VAE")
    )
    sync(exporter, [*ALL, rival], lock)
    assert frontmatter(path.read_text("utf-8"))["aliases"] == ["kingma2013auto"]
    check_vault_like_obsidian(tmp_path)


def test_a_persons_templates_override_and_the_defaults_fill_in(tmp_path: Path) -> None:
    sync(VaultExporter(tmp_path, templates=FIXTURES / "templates"), ALL, Lock())
    day = (tmp_path / DAYS_DIR / "2024-02-06.md").read_text("utf-8")
    assert "Custom day 2024-02-06:\n* [[Auto-Encoding Variational Bayes]]\n" in day
    assert "## Reading notes" in (tmp_path / PAPERS_DIR / "Visual Instruction Tuning.md").read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param(
            "{{ no_such_value }}\n", "index.md.j2: 'no_such_value' is undefined", id="undefined"
        ),
        pytest.param("{% if %}\n", "index.md.j2:1: Expected an expression", id="syntax"),
    ],
)
def test_a_broken_template_fails_with_its_file_name(
    tmp_path: Path, template: str, message: str
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "index.md.j2").write_text(template, encoding="utf-8")
    with pytest.raises(VaultError, match=re.escape(message)):
        VaultExporter(tmp_path / "vault", templates=templates).export(ALL, [], Lock())


def test_a_missing_templates_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match=r"export\.vault\.templates"):
        VaultExporter(tmp_path, templates=tmp_path / "nowhere")


def test_index_counts_months_and_lists_to_read_and_unresolved(tmp_path: Path) -> None:
    sync(VaultExporter(tmp_path), ALL, Lock(), [MYSTERY])
    index = (tmp_path / INDEX_NOTE).read_text("utf-8")
    assert '    x-axis ["2024-02", "2024-03"]\n    y-axis "Papers"\n    bar [3, 1]\n' in index
    assert "```mermaid\nxychart-beta\n" in index
    assert "## To read (1)\n\n- [[Visual Instruction Tuning]]\n" in index
    assert "- A paper nobody can find — log.md:30\n" in index


def test_a_note_the_person_moved_or_renamed_is_followed_not_recreated(tmp_path: Path) -> None:
    exporter = VaultExporter(tmp_path)
    lock, _, _ = sync(exporter, ALL, Lock())
    (tmp_path / "Reading").mkdir()
    moved = tmp_path / "Reading" / "VAE paper.md"
    (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").rename(moved)
    lock, written, problems = sync(exporter, ALL, lock)
    assert problems == () and lock.pins(VAE.key).note == "VAE paper"
    assert not (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").exists()
    assert "[[VAE paper]]" in (tmp_path / DAYS_DIR / "2024-02-06.md").read_text("utf-8")
    assert "Reading/VAE paper.md" not in written
    assert exporter.export(ALL, [], lock).written == ()


def test_unresolved_titles_show_their_candidates_and_not_a_paper_stays_out(tmp_path: Path) -> None:
    florence = Paper(Ids(arxiv="2111.11432"), "Florence: A New Foundation Model", "test")
    unsure = Match(
        mention("Florence", 31, D3),
        Status.AMBIGUOUS,
        candidates=(Candidate(florence, 0.81), Candidate(dataclasses.replace(florence), 0.8)),
    )
    chatter = Match(mention("TBD", 32, D3), Status.NOT_A_PAPER)
    exporter = VaultExporter(tmp_path, include_unresolved=True)
    lock, _, _ = sync(exporter, ALL, Lock(), [MYSTERY, unsure, chatter])
    note = (tmp_path / "Papers" / "Unresolved" / "Florence.md").read_text("utf-8")
    assert frontmatter(note)["resolved"] is False and "unresolved" in frontmatter(note)["tags"]
    assert "> - Florence: A New Foundation Model, arxiv:2111.11432, score 0.81\n" in note
    assert not (tmp_path / "Papers" / "Unresolved" / "TBD.md").exists()
    assert "TBD" not in (tmp_path / INDEX_NOTE).read_text("utf-8")
    sync(VaultExporter(tmp_path), ALL, lock, [MYSTERY, unsure])
    assert not (tmp_path / "Papers" / "Unresolved").exists() or not any(
        (tmp_path / "Papers" / "Unresolved").iterdir()
    )


def test_a_persons_own_note_at_a_papersync_path_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / INDEX_NOTE).write_text("# My index\n", encoding="utf-8")
    _, written, problems = sync(VaultExporter(tmp_path), ALL, Lock())
    assert (tmp_path / INDEX_NOTE).read_text("utf-8") == "# My index\n"
    assert INDEX_NOTE not in written and problems == (
        f"{INDEX_NOTE}: not a papersync note; left as it is",
    )


# ---------------------------------------------------------------- as Obsidian reads it


# ---------------------------------------------------------------- a person's edits survive


KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
    lambda k: k not in {*PAPER_KEYS, *DAY_KEYS}
)
TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=40
).filter(lambda t: "papersync" not in t and "---" not in t)
WRITING = TEXT.filter(lambda t: t.strip() != "")
EDIT = st.tuples(WRITING, TEXT, st.dictionaries(KEYS, st.one_of(st.integers(), TEXT), max_size=2))
"""Text above the region (never blank: a note holding no writing of the person's may be
removed when its paper leaves the log), text below it, new frontmatter keys."""
LOGS = st.lists(
    st.tuples(st.sets(st.sampled_from(range(len(ALL)))), st.sampled_from([D1, D2, D3]), TEXT),
    min_size=50,
    max_size=50,
)


def _log(present: set[int], day: dt.date, note: str) -> list[Reference]:
    """One state of a changing log: some papers, read on a moving day, with changing notes."""
    refs = [ALL[i] for i in sorted(present)]
    return [
        dataclasses.replace(r, mentions=(*r.mentions, mention(r.paper.title, 99, day, body=note)))
        for r in refs
    ]


def _edit(text: str, above: str, below: str, keys: dict[str, object]) -> tuple[str, str]:
    """What a person does in Obsidian: a few lines above and below the region, new properties."""
    inner, body = split_frontmatter(text)
    assert inner is not None
    extra = yaml.safe_dump(keys, allow_unicode=True, sort_keys=False) if keys else ""
    found = find_region(body)
    assert found is not None
    above_text = f"{above}\n" if above else ""
    below_text = f"\n{below}\n" if below else ""
    new = (
        f"---\n{inner}{extra}---\n{above_text}{body[: found.start]}{body[found.start : found.end]}"
        f"{body[found.end :]}{below_text}"
    )
    return new, extra


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(logs=LOGS, edits=st.lists(EDIT, min_size=1, max_size=6))
def test_edits_outside_the_regions_survive_50_syncs(
    tmp_path_factory: pytest.TempPathFactory,
    logs: list[tuple[set[int], dt.date, str]],
    edits: list[tuple[str, str, dict[str, object]]],
) -> None:
    root = tmp_path_factory.mktemp("vault")
    exporter = VaultExporter(root)
    lock, _, _ = sync(exporter, ALL, Lock())
    papers = sorted(f"{PAPERS_DIR}/{lock.pins(r.key).note}.md" for r in ALL)
    days = [f"{DAYS_DIR}/{d}.md" for d in (D1, D2, D3)]
    names = [name for pair in zip(papers, days, strict=False) for name in pair]
    expected: dict[str, tuple[str, str, str]] = {}
    for (above, below, keys), rel in zip(edits, names, strict=False):
        text, extra = _edit((root / rel).read_text("utf-8"), above, below, keys)
        (root / rel).write_text(text, encoding="utf-8")
        inner, body = split_frontmatter(text)
        found = find_region(body)
        assert inner is not None and found is not None
        expected[rel] = (extra, body[: found.start], body[found.end :])
    for present, day, note in logs:
        lock, _, problems = sync(exporter, _log(present, day, note), lock)
        assert problems == ()
        for rel, (extra, above, below) in expected.items():
            text = (root / rel).read_text("utf-8")
            inner, body = split_frontmatter(text)
            found = find_region(body)
            assert inner is not None and found is not None
            assert extra in inner
            assert (body[: found.start], body[found.end :]) == (above, below)
    first = exporter.export(_log(*logs[-1][:2], logs[-1][2]), [], lock)
    assert first.written == ()


# ---------------------------------------------------------------- works and every kind of key


def test_a_work_shows_its_published_record_and_keeps_its_arxiv_id(
    tmp_path: Path, resnet: Paper
) -> None:
    ref = Reference(resnet.key or "", resnet, "he2016deep", (mention("ResNet", 4, alias="ResNet"),))
    lock, _, _ = sync(VaultExporter(tmp_path), [ref], Lock())
    text = (tmp_path / PAPERS_DIR / f"{resnet.title}.md").read_text("utf-8")
    props = frontmatter(text)
    assert {k: props[k] for k in ("venue", "doi", "arxiv", "dblp", "year")} == {
        "venue": "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)",
        "doi": "10.1109/cvpr.2016.90",
        "arxiv": "1512.03385",
        "dblp": "conf/cvpr/HeZRS16",
        "year": 2016,
    }
    assert (
        "2016 · 2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR) · " in text
    )
    assert lock.pins("arxiv:1512.03385").note == resnet.title


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(Ids(doi="10.1/x"), id="doi"),
        pytest.param(Ids(dblp="conf/x/Y20"), id="dblp"),
        pytest.param(Ids(s2="abc123"), id="s2"),
        pytest.param(Ids(record="bib:mine2020"), id="record"),
    ],
)
def test_every_kind_of_paper_key_gives_a_note(tmp_path: Path, ids: Ids) -> None:
    paper = Paper(ids, "A Paper Known One Way", "test")
    ref = Reference(ids.key() or "", paper, "mine2020", (mention("A Paper Known One Way", 2),))
    lock, written, problems = sync(VaultExporter(tmp_path), [ref], Lock())
    assert problems == () and f"{PAPERS_DIR}/A Paper Known One Way.md" in written
    assert lock.pins(ref.key).note == "A Paper Known One Way"
    assert "[[A Paper Known One Way]]" in (tmp_path / DAYS_DIR / f"{D1}.md").read_text("utf-8")


# ---------------------------------------------------------------- reading notes and dates


def test_wikilinks_in_reading_notes_all_land_in_the_vault(tmp_path: Path) -> None:
    body = (
        "Builds on [[PixelCNN: Conditional image generation]] and [[A Paper Not In This Log]]."
        "\n- a detail\n  - nested"
    )
    vae = dataclasses.replace(
        VAE, mentions=(*VAE.mentions, mention(VAE.paper.title, 40, body=body))
    )
    sync(VaultExporter(tmp_path), [vae, *ALL[1:]], Lock())
    check_vault_like_obsidian(tmp_path)
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert (
        f"Builds on [[{PIXELCNN.paper.title}|PixelCNN: Conditional image generation]] and "
        "A Paper Not In This Log.\n- a detail\n  - nested\n"
    ) in text


def test_a_month_only_date_gives_the_month_and_no_day_note(tmp_path: Path) -> None:
    may = dt.date(2022, 5, 1)
    vae = dataclasses.replace(
        VAE,
        mentions=(dataclasses.replace(mention("VAE", 3, may, "VAE", "Notes."), month_only=True),),
    )
    sync(VaultExporter(tmp_path), [vae, *ALL[1:]], Lock())
    assert not (tmp_path / DAYS_DIR / "2022-05-01.md").exists()
    text = (tmp_path / PAPERS_DIR / "Auto-Encoding Variational Bayes.md").read_text("utf-8")
    assert "### 2022-05\n\nNotes.\n" in text and "2022-05-01" not in text
    props = frontmatter(text)
    assert props["status"] == "read" and "read" not in props
    index = (tmp_path / INDEX_NOTE).read_text("utf-8")
    assert "### 2022-05 (1)\n\n- [[Auto-Encoding Variational Bayes]]\n" in index
    check_vault_like_obsidian(tmp_path)
