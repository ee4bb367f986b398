"""The Obsidian vault: names, merging into a person's notes, and the vault as Obsidian reads it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from obsidiantools.api import Vault

from papersync.errors import VaultError
from papersync.export.vault import (
    DAYS_DIR,
    INDEX_NOTE,
    MAX_NAME_BYTES,
    MAX_NAME_CHARS,
    PAPERS_DIR,
    VaultExporter,
    assign_names,
    dump_property,
    find_region,
    frontmatter_blocks,
    link_words,
    merge_frontmatter,
    merge_note,
    note_name,
    region_block,
    split_frontmatter,
)
from papersync.lock import Lock, Pins
from papersync.match import decide, identity
from papersync.model import (
    Author,
    Candidate,
    Ids,
    Match,
    Mention,
    MentionKind,
    Paper,
    Reference,
    Status,
)
from papersync.parse import parse
from papersync.sources.catalog import Catalog

FIXTURES = Path(__file__).parent / "fixtures" / "vault"
D1, D2, D3 = dt.date(2024, 2, 6), dt.date(2024, 2, 7), dt.date(2024, 3, 1)


def mention(
    title: str,
    line: int,
    date: dt.date | None = D1,
    alias: str | None = None,
    body: str = "",
    kind: MentionKind = MentionKind.READ,
) -> Mention:
    return Mention(f"《{title}》", title, "log.md", line, kind, alias, date=date, body=body)


def reference(
    arxiv: str, title: str, citekey: str, *mentions: Mention, **paper: object
) -> Reference:
    return Reference(
        f"arxiv:{arxiv}",
        Paper(Ids(arxiv=arxiv), title, "test", **paper),  # type: ignore[arg-type]
        citekey,
        mentions,
    )


VAE = reference(
    "1312.6114",
    "Auto-Encoding Variational Bayes",
    "kingma2013auto",
    mention(
        "VAE: Auto-encoding variational bayes", 3, D1, "VAE", "Decoder like PixelCNN? See [5007]."
    ),
    mention("VAE", 20, D3, "VAE", "Second pass; BLIP2 uses a `VAE`-free design."),
    authors=(Author("Kingma", "Diederik P."), Author("Welling", "Max")),
    year=2014,
    abstract="How can we perform efficient inference?",
)
PIXELCNN = reference(
    "1606.05328",
    "Conditional Image Generation with PixelCNN Decoders",
    "oord2016conditional",
    mention("PixelCNN: Conditional image generation", 8, D1, "PixelCNN", "Builds on the vae idea."),
)
BLIP = reference(
    "2201.12086",
    "BLIP: Bootstrapping Language-Image Pre-training",
    "li2022blip",
    mention("BLIP", 12, D2, "BLIP"),
)
LATER = reference(
    "2304.08485",
    "Visual Instruction Tuning",
    "liu2023visual",
    mention("Visual Instruction Tuning", 1, None, kind=MentionKind.TO_READ),
)
MYSTERY = Match(mention("A paper nobody can find", 30, D3), Status.UNRESOLVED)
ALL = (VAE, PIXELCNN, BLIP, LATER)


def sync(
    exporter: VaultExporter,
    references: Sequence[Reference],
    lock: Lock,
    unresolved: Sequence[Match] = (),
) -> tuple[Lock, tuple[str, ...], tuple[str, ...]]:
    """One run as `sync` does it: export, then record the pins it returned."""
    outcome = exporter.export(references, unresolved, lock)
    return lock.with_pins(outcome.pins), outcome.written, outcome.problems


def notes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*.md")}


def frontmatter(text: str) -> dict[str, Any]:
    inner, _ = split_frontmatter(text)
    assert inner is not None
    data = yaml.safe_load(inner)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("LoRA: Low-Rank Adaptation", "LoRA - Low-Rank Adaptation", id="colon"),
        pytest.param('a/b\\c|d "e" f?*<g>', "a-b-c-d 'e' fg", id="path-and-shell"),
        pytest.param("C# [and] ^F", "C (and) F", id="obsidian-link-chars"),
        pytest.param("Tab\tand\x07bell", "Tab and bell", id="control"),
        pytest.param("Ends with dots...  ", "Ends with dots", id="trailing-dots"),
        pytest.param("...hidden", "hidden", id="leading-dots"),
        pytest.param("CON", "CON (paper)", id="reserved"),
        pytest.param("lpt1.txt", "lpt1.txt (paper)", id="reserved-with-extension"),
        pytest.param("???", "Untitled", id="nothing-left"),
    ],
)
def test_note_name_is_safe_everywhere(title: str, expected: str) -> None:
    assert note_name(title) == expected


@pytest.mark.parametrize("title", ["word " * 60, "长" * 200, "x" * 300])
def test_note_name_is_bounded_in_characters_and_bytes(title: str) -> None:
    name = note_name(title)
    assert 0 < len(name) <= MAX_NAME_CHARS
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name == name.strip(" .")


def test_assign_names_keeps_pins_and_resolves_collisions_deterministically() -> None:
    wanted = [("b", "Attention"), ("a", "attention"), ("c", "Attention"), ("d", "Other")]
    names = assign_names(wanted, {"c": "Attention"}, taken=["other"])
    assert names == {"c": "Attention", "a": "attention (2)", "b": "Attention (3)", "d": "Other (2)"}
    assert assign_names(list(reversed(wanted)), {"c": "Attention"}, ["other"]) == names


# ---------------------------------------------------------------- frontmatter and region


def test_frontmatter_blocks_keep_every_byte() -> None:
    inner, _ = split_frontmatter((FIXTURES / "hand-edited-paper.md").read_text("utf-8"))
    assert inner is not None
    blocks = frontmatter_blocks(inner)
    assert "".join(b.text for b in blocks) == inner
    assert [b.key for b in blocks if b.key] == [
        "title", "rating", "aliases", "project", "summary", "tags",
    ]  # fmt: skip


def test_merge_frontmatter_touches_only_owned_keys() -> None:
    inner = "title: Old\nmine: [1, 2]   # keep\ndoi: 10.1/stale\nyear: 2020\n"
    merged = merge_frontmatter(
        inner, {"title": "New", "year": 2020, "arxiv": "1"}, ("title", "arxiv", "year", "doi")
    )
    assert merged == "title: New\narxiv: '1'\nmine: [1, 2]   # keep\nyear: 2020\n"


def test_merge_frontmatter_keeps_equal_values_as_formatted_and_extra_tags() -> None:
    inner = "tags: [paper, mine]\nyear: '2020'\n"
    merged = merge_frontmatter(inner, {"tags": ["paper"], "year": 2020}, ("tags", "year"))
    assert merged == "tags: [paper, mine]\nyear: 2020\n"


def test_merge_frontmatter_keeps_a_persons_aliases_and_drops_withdrawn_ones() -> None:
    inner = "aliases:\n  - VAE\n  - mine\ntags: [paper]\n"
    merged = merge_frontmatter(inner, {"tags": ["paper"]}, ("aliases", "tags"), "\n", {})
    assert merged == inner  # an alias papersync never withdrew may be the person's: kept
    merged = merge_frontmatter(
        inner, {"tags": ["paper"]}, ("aliases", "tags"), "\n", {"aliases": ["vae"]}
    )
    assert merged == "aliases:\n  - mine\ntags: [paper]\n"
    merged = merge_frontmatter("aliases: [VAE]\n", {}, ("aliases",), "\n", {"aliases": ["VAE"]})
    assert merged == ""


def test_merge_note_updates_an_unedited_region_and_keeps_the_rest() -> None:
    existing = (FIXTURES / "hand-edited-paper.md").read_text("utf-8")
    props = {
        "title": "Auto-Encoding Variational Bayes",
        "aliases": ["VAE", "kingma2013auto"],
        "tags": ["paper"],
    }
    merged = merge_note(existing, props, ("title", "aliases", "tags"), "New text\n")
    assert not merged.conflict
    data = frontmatter(merged.text)
    assert data["title"] == "Auto-Encoding Variational Bayes"
    assert data["aliases"] == ["VAE", "kingma2013auto", "my-vae"]
    assert data["tags"] == ["paper", "generative"]
    for kept in (
        "# my reading properties\n",
        "rating: 4  # out of 5\n",
        "summary: |\n  Two lines",
        "tags:\n  - paper\n  - generative\n",
    ):
        assert kept in merged.text
    region = existing.split("%% papersync:begin", 1)[1]
    assert merged.text.endswith(region.split("%% papersync:end %%\n", 1)[1])
    assert "Text I wrote above papersync's region.\n\n%% papersync:begin" in merged.text
    found = find_region(split_frontmatter(merged.text)[1])
    assert found is not None and found.content == "New text\n" and not found.edited


def test_merge_note_removes_owned_keys_it_no_longer_gives() -> None:
    existing = "---\ndoi: 10.1/x\nmine: 1\n---\n" + region_block("a\n")
    merged = merge_note(existing, {"title": "T"}, ("title", "doi"), "a\n")
    assert merged.text == "---\ntitle: T\nmine: 1\n---\n" + region_block("a\n")


def test_merge_note_keeps_an_edited_region_and_flags_a_conflict() -> None:
    existing = "---\ntitle: T\n---\n" + region_block("ours\n").replace("ours", "theirs")
    merged = merge_note(existing, {"title": "T"}, ("title",), "ours, updated\n")
    assert merged.conflict and merged.text == existing
    settled = merge_note(existing, {"title": "T"}, ("title",), "theirs\n")
    assert not settled.conflict and settled.text.endswith(region_block("theirs\n"))


def test_merge_note_keeps_crlf_line_endings() -> None:
    existing = "---\r\nmine: 1\r\ntitle: Old\r\n---\r\nabove\r\n" + region_block("a\n", "\r\n")
    merged = merge_note(existing, {"title": "New"}, ("title",), "b\n")
    assert merged.text == "---\r\nmine: 1\r\ntitle: New\r\n---\r\nabove\r\n" + region_block(
        "b\n", "\r\n"
    )


class IndentedDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_TRICKY = st.sampled_from(
    ["true", "No", "on", "null", "~", "1.5", "1_000", "0x1F", "0o17", "1e5", "12:30", ".inf",
     "2024-01-01", "2301.01234", "10.1234/x", "it's", "a #b", "a: b", "a:b", "a:",
     "1:20", "a :b", "- a", "a,b", "(a)", "=", "<<", "", " a", "a ", "a  b", "_a", "-1",
     "+1", "1.", "É", "用VAE", "a\tb", "a\nb"]
)  # fmt: skip
_SCALARS = st.one_of(
    st.text(),
    st.from_regex(r"[\w .,()/+'\-:]{1,12}", fullmatch=True),
    _TRICKY,
    st.integers(),
    st.booleans(),
    st.dates(),
)


@settings(max_examples=600, deadline=None)
@given(
    key=st.one_of(st.sampled_from(["title", "in_log", "aliases"]), _SCALARS),
    value=st.one_of(_SCALARS, st.lists(_SCALARS, max_size=4)),
)
def test_dump_property_writes_what_yaml_writes(key: Any, value: Any) -> None:
    expected = yaml.dump(
        {key: value}, Dumper=IndentedDumper, allow_unicode=True, sort_keys=False,
        default_flow_style=False, width=2**31 - 1,
    )  # fmt: skip
    assert dump_property(key, value) == expected


# ---------------------------------------------------------------- links in the reading notes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Like VAE.", "Like [[Vae note|VAE]].", id="word"),
        pytest.param("Vae, again", "[[Vae note|Vae]], again", id="acronym-capitalised"),
        pytest.param("Whisper it", "[[Whisper note|Whisper]] it", id="lowercase-alias-any-case"),
        pytest.param("align the vae", "align the vae", id="lowercase-word-is-no-acronym"),
        pytest.param("FID vs FiD", "FID vs [[Fid note|FiD]]", id="mixed-case-as-written"),
        pytest.param("用VAE做", "用[[Vae note|VAE]]做", id="next-to-cjk"),
        pytest.param("BLIP2, beta-VAE, VAEs", "BLIP2, beta-VAE, VAEs", id="longer-words-stay"),
        pytest.param("see [5007] and `VAE`", "see [5007] and `VAE`", id="refs-and-code-stay"),
        pytest.param("[[VAE]] https://x.org/VAE", "[[VAE]] https://x.org/VAE", id="links-stay"),
        pytest.param("PixelCNN", "PixelCNN", id="self-link-skipped"),
    ],
)
def test_link_words(text: str, expected: str) -> None:
    targets = {
        "VAE": "Vae note",
        "BLIP": "Blip note",
        "whisper": "Whisper note",
        "FiD": "Fid note",
        "PixelCNN": "Self",
    }
    assert link_words(text, targets, exclude="Self")[0] == expected


_WORD = r"A-Za-z0-9_\-\u00c0-\u024f"
_PROTECTED = re.compile(r"`[^`\n]*`|\[\[[^\]\n]*\]\]|\[[^\]\n]*\]\([^)\n]*\)|<?https?://\S+")


def alternation_link_words(text: str, targets: dict[str, str], exclude: str) -> str:
    """The linker as it was first written, one regex alternative per alias: the rules' oracle."""
    folded = {a.casefold(): a for a in targets}
    words = "|".join(re.escape(w) for w in sorted(folded, key=lambda a: (-len(a), a)))
    pattern = re.compile(rf"(?<![{_WORD}.])({words})(?![{_WORD}]|\.[{_WORD}])", re.IGNORECASE)

    def replace(match: re.Match[str]) -> str:
        alias = folded[match[1].casefold()]
        if targets[alias] == exclude:
            return match[0]
        word = match[1]
        if word == alias or alias.islower() or (alias.isupper() and not word.islower()):
            return f"[[{targets[alias]}|{word}]]"
        return match[0]

    out, last = [], 0
    for protected in _PROTECTED.finditer(text):
        out += [pattern.sub(replace, text[last : protected.start()]), protected[0]]
        last = protected.end()
    return "".join([*out, pattern.sub(replace, text[last:])])


_ALIAS = st.text("aAbBkK1_-.+ éÉ用ßſK", min_size=1, max_size=5)
_GLUE = st.sampled_from([" ", ".", "-", "x", "2", "`", "[[", "]]", ", ", "用", "ſ"])


@settings(max_examples=500, deadline=None)
@given(aliases=st.lists(_ALIAS, min_size=1, max_size=5), data=st.data())
def test_link_words_finds_what_one_regex_per_alias_would(
    aliases: list[str], data: st.DataObject
) -> None:
    targets = {a: f"note {i % 3}" for i, a in enumerate(aliases)}
    spelling = st.sampled_from(["upper", "lower", "title", "swapcase", "__str__"])
    pieces = st.tuples(st.one_of(st.sampled_from(aliases), _GLUE), spelling)
    text = "".join(getattr(p, case)() for p, case in data.draw(st.lists(pieces, max_size=12)))
    try:
        expected = alternation_link_words(text, targets, "note 2")
    except KeyError:  # the regex matched a spelling that case-folds to no alias
        return
    assert link_words(text, targets, exclude="note 2")[0] == expected


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


def test_a_paper_gone_from_the_log_is_removed_unless_the_person_wrote_in_it(
    tmp_path: Path,
) -> None:
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


def test_unresolved_titles_show_their_candidates_and_not_a_paper_stays_out(
    tmp_path: Path,
) -> None:
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


def check_vault_like_obsidian(root: Path) -> Vault:
    """What a person would see in Obsidian: every link lands, every paper is reached from a day."""
    vault = Vault(root).connect()
    assert vault.nonexistent_notes == []
    owners: dict[str, str] = {}
    for name, rel in vault.md_file_index.items():
        path = Path(rel).as_posix()
        if not path.startswith(f"{PAPERS_DIR}/") or name.endswith(".papersync-conflict"):
            continue
        front = vault.get_front_matter(name)
        for key in ("aliases", "tags", "authors"):
            assert isinstance(front.get(key, []), list), (name, key)
        for alias in front.get("aliases", []):
            assert alias.casefold() not in owners, f"{alias} names two notes"
            owners[alias.casefold()] = name
        days = [
            n
            for n in vault.backlinks_index[name]
            if str(vault.md_file_index[n]).startswith(DAYS_DIR)
        ]
        if front.get("status") == "read":
            assert {str(d) for d in front["read"]} == {Path(n).stem for n in days}, name
        else:
            assert "Reading index" in vault.backlinks_index[name], name
    names = {n.casefold() for n in vault.md_file_index}
    assert not names & set(owners), "an alias equals another note's name"
    return vault


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


# ---------------------------------------------------------------- a person's edits survive


KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
    lambda k: k not in {"title", "aliases", "authors", "year", "citekey", "arxiv", "doi", "url",
                        "venue", "tags", "status", "read", "zotero", "resolved", "in_log", "date"}
)  # fmt: skip
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


# ---------------------------------------------------------------- built from the seeds


def _resolve_against_catalog(mentions: Sequence[Mention], catalog: Path, db: Path) -> list[Match]:
    """Resolution as papersync does it offline: the local catalog's candidates, `decide`."""
    with Catalog(db) as local:
        local.import_file(catalog, "arxiv-jsonl")
        found = local.candidates(mentions)
    return [decide(m, found.candidates.get(identity(m), ())) for m in mentions]


def test_the_seeds_make_a_vault_with_a_day_for_every_dated_heading(
    tmp_path: Path, seeds: list[Path], shared: Path
) -> None:
    mentions = [m for path in seeds for m in parse(path.read_text("utf-8"), path.name)]
    matches = _resolve_against_catalog(
        mentions, shared / "eval" / "catalog.jsonl", tmp_path / "catalog.sqlite"
    )
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
    unresolved = [m for m in matches if m.status != Status.MATCHED]
    assert len(references) > 50
    vault = tmp_path / "vault"
    lock, _, problems = sync(VaultExporter(vault), references, Lock(), unresolved)
    assert problems == ()

    read_on: dict[dt.date, set[str]] = {}
    for ref in references:
        for m in ref.mentions:
            if m.date and m.kind in (MentionKind.READ, MentionKind.LINK):
                read_on.setdefault(m.date, set()).add(lock.pins(ref.key).note or "")
    assert len(read_on) > 20
    for day, names in read_on.items():
        day_note = (vault / DAYS_DIR / f"{day}.md").read_text("utf-8")
        for name in names:
            assert f"[[{name}]]" in day_note, (day, name)
    days = {
        ref.key: {m.date for m in ref.mentions if m.date and m.kind != MentionKind.TO_READ}
        for ref in references
    }
    twice = [ref for ref in references if len(days[ref.key]) >= 2]
    assert twice, "the seeds read some paper on two days"
    for ref in twice:
        text = (vault / PAPERS_DIR / f"{lock.pins(ref.key).note}.md").read_text("utf-8")
        for day in days[ref.key]:
            assert f"[[{day}]]" in text, (ref.key, day)
    check_vault_like_obsidian(vault)
    assert VaultExporter(vault).export(references, unresolved, lock).written == ()
