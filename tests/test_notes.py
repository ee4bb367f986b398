"""The reading-log parser against small logs of our own, the real seeds, and arbitrary text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersync import notes
from papersync.ids import extract_ids
from papersync.match import identity
from papersync.model import Ids, Mention, MentionKind
from papersync.notes import (
    DEFAULT_PATTERNS,
    Patterns,
    clean_title,
    group,
    looks_like_title,
    parse,
)

FIXTURES = Path(__file__).parent / "fixtures" / "notes"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "reading-log.md"


def parse_fixture(name: str, patterns: Patterns = DEFAULT_PATTERNS) -> tuple[Mention, ...]:
    return parse((FIXTURES / name).read_text(encoding="utf-8"), name, patterns)


def by_raw(mentions: tuple[Mention, ...], raw: str) -> Mention:
    found = [m for m in mentions if m.raw == raw]
    assert len(found) == 1, f"{raw!r}: {len(found)} mentions"
    return found[0]


# --- clean_title -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "title", "alias"),
    [
        pytest.param(
            "VAE: Auto-encoding variational bayes",
            "Auto-encoding variational bayes",
            "VAE",
            id="colon_alias",
        ),
        pytest.param(
            "(GenRead)Generate rather than retrieve: Large language models are strong",
            "Generate rather than retrieve: Large language models are strong",
            "GenRead",
            id="parenthesised_alias",
        ),
        pytest.param(
            "T5/Google: Exploring the Limits of Transfer Learning",
            "Exploring the Limits of Transfer Learning",
            "T5",
            id="alias_with_org",
        ),
        pytest.param(
            "FM：Factorization machines", "Factorization machines", "FM", id="full_width_colon"
        ),
        pytest.param(
            "**Toolformer: Language Models Can Teach Themselves to ****Use**** Tools**",
            "Language Models Can Teach Themselves to Use Tools",
            "Toolformer",
            id="bold_runs",
        ),
        pytest.param(
            "**SNR** **: Sub-Network Routing for Flexible Parameter Sharing**",
            "Sub-Network Routing for Flexible Parameter Sharing",
            "SNR",
            id="bold_alias_spaced_colon",
        ),
        pytest.param(
            "**DCN** V2: Improved Deep & Cross Network",
            "Improved Deep & Cross Network",
            "DCN V2",
            id="two_token_coded_alias",
        ),
        pytest.param(
            "Multimodal Foundation Models: From Specialists to General-Purpose Assistants",
            "Multimodal Foundation Models: From Specialists to General-Purpose Assistants",
            None,
            id="long_prefix_is_title",
        ),
        pytest.param(
            "Code Llama: Open Foundation Models for Code",
            "Code Llama: Open Foundation Models for Code",
            None,
            id="plain_two_word_prefix_is_title",
        ),
        pytest.param(
            "ChatGPT’s One-year Anniversary: Are Open-Source LLMs Catching up?",
            "ChatGPT’s One-year Anniversary: Are Open-Source LLMs Catching up?",
            None,
            id="possessive_prefix_is_title",
        ),
        pytest.param(
            "Textbooks Are All You Need II: **phi-1.5 **technical report",
            "Textbooks Are All You Need II: phi-1.5 technical report",
            None,
            id="emphasis_inside",
        ),
        pytest.param(
            "<u>Deep   Residual\tLearning</u> for <br>Image Recognition",
            "Deep Residual Learning for Image Recognition",
            None,
            id="html_and_spaces",
        ),
        pytest.param(
            "[Attention Is All You Need](https://arxiv.org/abs/1706.03762)",
            "Attention Is All You Need",
            None,
            id="markdown_link",
        ),
        pytest.param("Mistral 7B", "Mistral 7B", None, id="no_colon"),
        pytest.param(
            "snake_case_name in a title",
            "snake_case_name in a title",
            None,
            id="inner_underscores_kept",
        ),
    ],
)
def test_clean_title(raw: str, title: str, alias: str | None) -> None:
    assert clean_title(raw) == (title, alias)


def test_full_title_keeps_the_alias_prefix() -> None:
    title, alias = clean_title("LoRA: Low-Rank Adaptation of Large Language Models")
    mention = Mention(raw="", title=title, alias=alias, file="f", line=1)
    assert (mention.title, mention.alias) == (
        "Low-Rank Adaptation of Large Language Models",
        "LoRA",
    )
    assert mention.full_title == "LoRA: Low-Rank Adaptation of Large Language Models"


# --- extract_ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "arxiv", "doi"),
    [
        pytest.param("https://arxiv.org/abs/2106.09685v2", "2106.09685", None, id="abs_version"),
        pytest.param("https://arxiv.org/pdf/2106.09685v2.pdf", "2106.09685", None, id="pdf"),
        pytest.param("http://arxiv.org/pdf/1412.6980", "1412.6980", None, id="four_digit"),
        pytest.param(
            "https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", None, id="old_style"
        ),
        pytest.param(
            "https://arxiv.org/abs/math.GT/0309136",
            "math.GT/0309136",
            None,
            id="old_style_subject_class",
        ),
        pytest.param("see arXiv:1706.03762v5.", "1706.03762", None, id="arxiv_prefix_text"),
        pytest.param(
            "https://doi.org/10.48550/arXiv.2304.07193",
            "2304.07193",
            "10.48550/arxiv.2304.07193",
            id="arxiv_doi",
        ),
        pytest.param(
            "https://doi.org/10.1162/neco.1997.9.8.1735",
            None,
            "10.1162/neco.1997.9.8.1735",
            id="doi_org",
        ),
        pytest.param(
            "doi: 10.1145/3292500.3330919.",
            None,
            "10.1145/3292500.3330919",
            id="bare_doi_trailing_dot",
        ),
        pytest.param(
            "https://dl.acm.org/doi/pdf/10.1145/3292500.3330919?download=true",
            None,
            "10.1145/3292500.3330919",
            id="publisher_query",
        ),
        pytest.param(
            "https://onlinelibrary.wiley.com/doi/10.1111/j.1467-9868.2005.00503.x/abstract",
            None,
            "10.1111/j.1467-9868.2005.00503.x",
            id="publisher_suffix",
        ),
        pytest.param(
            "https://www.nature.com/articles/s41586-021-03819-2.pdf",
            None,
            "10.1038/s41586-021-03819-2",
            id="nature_pdf",
        ),
        pytest.param(
            "https://www.nature.com/articles/nature14539",
            None,
            "10.1038/nature14539",
            id="nature_old",
        ),
        pytest.param(
            "https://papers.nips.cc/paper/2014/file/5ca3e9b1-Paper.pdf", None, None, id="no_id"
        ),
        pytest.param("version 10.5 of the tool", None, None, id="number_is_no_doi"),
    ],
)
def test_extract_ids(text: str, arxiv: str | None, doi: str | None) -> None:
    assert extract_ids(text) == Ids(arxiv=arxiv, doi=doi)


# --- looks_like_title --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Long short-term memory", True),
        ("Learning convolutional neural networks for graphs", True),
        ("Graph Convolutional Networks for Text Classification", True),
        ("DepthCLIP: Can Language Understand Depth?", True),
        ("TBD", False),
        ("GD, SGD, RMSProp, AdaGrad, Adam 之间关系及优化路径，还是比较搞混的，简单梳理下：", False),
        ("2017年的文章", False),
        ("MAE loss", False),
        ("1. Multimodal foundation models pre-trained for special purposes", False),
        ("- [ ] Deeper insights into graph convolutional networks", False),
        ("This is a sentence. It has two parts", False),
        ("Notes for today:", False),
        ("link: http://karpathy.github.io/2015/05/21/rnn-effectiveness/", False),
    ],
)
def test_looks_like_title(line: str, expected: bool) -> None:
    assert looks_like_title(line) is expected


# --- parse: our own logs -----------------------------------------------------------------


def test_marked_mentions_get_heading_dates_sections_and_bodies() -> None:
    mentions = parse_fixture("daily.md")
    read = [m for m in mentions if m.kind is MentionKind.READ and m.date]
    assert [(m.line, m.date, m.section) for m in read] == [
        (17, dt.date(2025, 3, 9), "2025.3.9"),
        (24, dt.date(2025, 3, 9), "2025.3.9"),
        (30, dt.date(2025, 3, 2), "2025-03-02"),
        (35, dt.date(2025, 2, 28), "2025/02/28"),
        (35, dt.date(2025, 2, 28), "2025/02/28"),
        (38, dt.date(2025, 2, 28), "2025/02/28"),
    ]
    bert = read[0]
    assert bert.alias == "BERT" and bert.year_hint == 2018
    assert bert.body.startswith("2018.10 Google") and bert.body.endswith("2. 双向 encoder")
    attention = read[1]
    assert attention.title == "Attention Is All You Need"
    assert attention.ids == Ids(arxiv="1706.03762")
    assert attention.year_hint == 2017
    assert read[2].year_hint is None  # the note states no year


def test_two_marked_mentions_on_one_line_split_the_text_between_them() -> None:
    simclr, moco = [m for m in parse_fixture("daily.md") if m.line == 35]
    assert (simclr.alias, moco.alias) == ("SimCLR", "MoCo")
    assert moco.title == "Momentum Contrast for Unsupervised Visual Representation Learning"
    assert simclr.body == "和"
    assert moco.body == "两篇。\n2020年的两篇对比学习代表作。"


def test_same_paper_on_two_days_is_one_group() -> None:
    mentions = parse_fixture("daily.md")
    groups = group(mentions)
    bert = [m for m in mentions if m.alias == "BERT"]
    assert len(bert) == 2 and bert[0].date != bert[1].date
    assert groups[identity(bert[0])] == tuple(bert)
    assert list(groups) == list(dict.fromkeys(identity(m) for m in mentions))


def test_pending_list_keeps_papers_and_drops_todos() -> None:
    mentions = parse_fixture("daily.md")
    todo = [m for m in mentions if m.section == "pending list"]
    assert [(m.kind, m.title) for m in todo] == [
        (
            MentionKind.TO_READ,
            "Neural machine translation by jointly learning to align and translate",
        ),
        (MentionKind.TO_READ, "Deep networks with stochastic depth"),
        (MentionKind.READ, "Layer Normalization for recurrent and convolutional networks"),
    ]
    nmt = todo[0]
    assert nmt.raw.endswith("2015年，注意力的起点")
    assert nmt.year_hint == 2015 and nmt.body == "2015年，注意力的起点"
    assert todo[1].body == "正则化的一种"
    assert all(m.date is None for m in todo)


def test_bare_titles_in_sections_without_markers() -> None:
    mentions = parse_fixture("older.md")
    assert all(m.inferred for m in mentions)
    assert [(m.title, m.date, m.year_hint) for m in mentions] == [
        ("Long short-term memory", dt.date(2022, 6, 20), 1997),
        ("Sequence to Sequence Learning with Neural Networks", dt.date(2022, 6, 12), 2014),
        ("Learning representations by back-propagating errors", dt.date(2022, 6, 12), None),
    ]
    assert mentions[0].body == "1997年的文章\n    门控结构解决梯度消失。"


def test_month_heading_dates_on_the_first_and_keeps_its_text() -> None:
    log = "# 2022.6\n\nAttention Is All You Need\n    一篇经典。\n"
    (mention,) = parse(log, "m.md")
    assert mention.date == dt.date(2022, 6, 1) and mention.section == "2022.6"


def test_undated_subheading_inherits_the_enclosing_date() -> None:
    log = "## 2024.1.5\n### morning\n《Adam: A Method for Stochastic Optimization》\n"
    (mention,) = parse(log, "m.md")
    assert (mention.date, mention.section) == (dt.date(2024, 1, 5), "morning")


def test_an_impossible_date_heading_is_an_undated_section() -> None:
    (mention,) = parse("## 2024.2.31\n《Deep Residual Learning》\n", "m.md")
    assert mention.date is None and mention.section == "2024.2.31"


def test_headings_and_markers_inside_code_fences_are_ignored() -> None:
    log = "## 2024.1.5\n```python\n# 2020.1.1\nprint('《not a title》')\n```\n《Real One》\n"
    (mention,) = parse(log, "m.md")
    assert (mention.raw, mention.line, mention.date) == ("Real One", 6, dt.date(2024, 1, 5))


def test_table_links_and_urls_become_link_mentions() -> None:
    mentions = parse_fixture("links.md")
    assert all(m.kind is MentionKind.LINK for m in mentions)
    table = [(m.line, m.title, m.year_hint, m.ids.doi) for m in mentions if m.line < 13]
    assert table == [
        (9, "GAN", 2014, None),
        (10, "ResNet", 2015, None),
        (11, "AlphaFold 2", 2021, "10.1038/s41586-021-03819-2"),
    ]
    assert by_raw(mentions, "GAN").body == "生成模型"
    ids = {m.ids for m in mentions if m.line >= 13}
    assert ids == {
        Ids(arxiv="2106.09685"),
        Ids(arxiv="hep-th/9901001"),
        Ids(doi="10.1145/3292500.3330919"),
        Ids(arxiv="1512.03385"),
        Ids(doi="10.1007/s11263-015-0816-y"),
        Ids(arxiv="2304.07193"),
        Ids(doi="10.1038/nature14539"),
    }
    assert by_raw(mentions, "LoRA").title == "LoRA"
    assert by_raw(mentions, "https://www.nature.com/articles/nature14539").title == ""


def test_reference_definitions_give_their_ids_to_bracket_names() -> None:
    log = (
        "| | 2014 | [VGG] | 3x3 |\n| | 2015 | [ResNet] | 残差 |\n\n"
        '[vgg]: https://arxiv.org/abs/1409.1556v6 "VGG"\n[ResNet]: https://github.com/example\n'
    )
    vgg, resnet, definition = parse(log, "m.md")
    assert (vgg.title, vgg.ids, vgg.year_hint) == ("VGG", Ids(arxiv="1409.1556"), 2014)
    assert (resnet.title, resnet.ids) == ("ResNet", Ids())
    assert (definition.line, definition.ids) == (4, Ids(arxiv="1409.1556"))


def test_ids_on_a_marked_line_belong_to_the_mention() -> None:
    log = "## 2024.1.5\n《Attention Is All You Need》 [pdf](https://arxiv.org/pdf/1706.03762)\n"
    (mention,) = parse(log, "m.md")
    assert mention.kind is MentionKind.READ and mention.ids == Ids(arxiv="1706.03762")


def test_link_mentions_do_not_cut_the_entry_body() -> None:
    log = "## 2024.1.5\n《Adam》\n2014年\ncode: https://arxiv.org/abs/1412.6980\nmore notes\n"
    adam, link = parse(log, "m.md")
    assert adam.body == "2014年\ncode: https://arxiv.org/abs/1412.6980\nmore notes"
    assert link.ids == Ids(arxiv="1412.6980")


def test_custom_markers() -> None:
    patterns = Patterns(title_markers=(("<u>", "</u>"),))
    mentions = parse_fixture("custom.md", patterns)
    assert [(m.title, m.alias, m.date) for m in mentions] == [
        ("A Method for Stochastic Optimization", "Adam", dt.date(2024, 5, 1)),
        ("Deep Residual Learning for Image Recognition", None, None),
    ]
    assert mentions[0].year_hint == 2014
    assert not [m for m in parse_fixture("custom.md") if not m.inferred]


def test_custom_date_heading() -> None:
    patterns = Patterns(date_headings=(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})",))
    (mention,) = parse("## 5/1/2024\n《Adam》\n", "m.md", patterns)
    assert mention.date == dt.date(2024, 1, 5)


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        pytest.param(
            lambda: Patterns(title_markers=(("《", ""),)), r"title_markers\[0\]", id="empty_marker"
        ),
        pytest.param(
            lambda: Patterns(date_headings=("(?P<year>\\d{4}",)),
            r"date_headings\[0\]",
            id="bad_regex",
        ),
        pytest.param(lambda: Patterns(date_headings=(r"\d{4}",)), "named groups", id="no_groups"),
    ],
)
def test_patterns_are_validated(patterns: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        patterns()  # type: ignore[operator]


def test_patterns_accept_lists_from_yaml() -> None:
    month = r"(?P<year>\d{4})-(?P<month>\d\d)"
    patterns = Patterns(title_markers=[["<u>", "</u>"]], date_headings=[month])  # type: ignore[arg-type]
    assert patterns.title_markers == (("<u>", "</u>"),)
    (mention,) = parse("## 2024-05\n<u>Adam</u>\n", "m.md", patterns)
    assert mention.date == dt.date(2024, 5, 1)


def test_bare_title_inference_can_be_switched_off() -> None:
    text = (FIXTURES / "older.md").read_text(encoding="utf-8")
    assert parse(text, "older.md", Patterns(infer_bare_titles=False)) == ()


@pytest.mark.parametrize(
    ("note", "year"),
    [
        pytest.param("2023.10 UC Berkeley 和 Stanford 的工作", 2023, id="year_month"),
        pytest.param("2016年 DeepMind 的文章", 2016, id="nian"),
        pytest.param("2017 年的文章", 2017, id="nian_spaced"),
        pytest.param("2015 ICLR, 大名鼎鼎的VGG", 2015, id="year_venue"),
        pytest.param("发表在 ICLR 2015 的文章", 2015, id="venue_year"),
        pytest.param("复习了一下2010年的这个工作", 2010, id="nian_inside"),
        pytest.param("2048 tokens of context", None, id="number_not_year"),
        pytest.param("本文提出 TextGCN model", None, id="no_year"),
    ],
)
def test_year_hint_from_the_opening_note_line(note: str, year: int | None) -> None:
    (mention,) = parse(f"## 2024.1.5\n《Some Paper Title》\n{note}\n1. 2012年 AlexNet\n", "m.md")
    assert mention.year_hint == year


def test_a_todo_with_an_id_is_kept_whatever_its_shape() -> None:
    log = "- [ ] [LoRA](https://arxiv.org/abs/2106.09685) 之后看\n- [ ] 整理笔记\n"
    (mention,) = parse(log, "m.md")
    assert (mention.kind, mention.title, mention.ids) == (
        MentionKind.TO_READ,
        "LoRA",
        Ids(arxiv="2106.09685"),
    )


def test_windows_line_endings() -> None:
    (mention,) = parse("## 2024.1.5\r\n《Adam》\r\n2014年\r\n", "m.md")
    assert (mention.line, mention.body, mention.year_hint) == (2, "2014年", 2014)


def test_example_log_shows_every_shape() -> None:
    mentions = parse(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name)
    kinds = {m.kind for m in mentions}
    assert kinds == {MentionKind.READ, MentionKind.TO_READ, MentionKind.LINK}
    assert any(m.inferred for m in mentions)
    assert any(m.alias for m in mentions)
    assert any(m.ids.arxiv for m in mentions if m.kind is MentionKind.LINK)
    twice = [ms for ms in group(mentions).values() if len({m.date for m in ms}) > 1]
    assert twice, "one paper should be read on two different days"


# --- parse: the real seeds ---------------------------------------------------------------


def seed(seeds: list[Path], prefix: str) -> Path:
    (path,) = [p for p in seeds if p.name.startswith(prefix)]
    return path


def parse_path(path: Path) -> tuple[Mention, ...]:
    return parse(path.read_text(encoding="utf-8"), path.name)


def test_seeds_every_marked_mention_with_its_heading_date(seeds: list[Path], shared: Path) -> None:
    marked = []
    for path in seeds:
        if path.name[:3] in ("000", "001", "002", "003"):
            text = path.read_text(encoding="utf-8")
            found = [
                m for m in parse(text, path.name) if m.kind is MentionKind.READ and not m.inferred
            ]
            assert len(found) == text.count("《"), path.name
            marked += found
    assert len(marked) == 215
    gold = {json.loads(line)["raw"] for line in (shared / "eval" / "seed_gold.jsonl").open()}
    assert {m.raw for m in marked} == gold and len(gold) == 199
    lines = {p.name: p.read_text(encoding="utf-8").split("\n") for p in seeds}
    for mention in marked:
        assert mention.date is not None, mention
        heading = _heading_above(lines[mention.file], mention.line)
        assert heading == mention.section
        assert mention.date == _date_of(heading)


def _heading_above(lines: list[str], line: int) -> str:
    for text in reversed(lines[: line - 1]):
        if text.startswith("#"):
            return text.lstrip("#").strip()
    raise AssertionError("no heading above")


def _date_of(heading: str) -> dt.date:
    year, month, *day = (int(part) for part in heading.split("."))
    return dt.date(year, month, day[0] if day else 1)


def test_seed_bare_titles_of_older_sections(seeds: list[Path]) -> None:
    mentions = parse_path(seed(seeds, "003"))
    bare = [m for m in mentions if m.inferred]
    titles = {m.title for m in bare}
    assert {
        "Long short-term memory",
        "Learning convolutional neural networks for graphs",
        "Graph Convolutional Networks for Text Classification",
        "Anomaly Detection with Robust Deep Autoencoders",
    } <= titles
    assert all(m.date and m.date < dt.date(2023, 5, 1) for m in bare)
    assert all(m.section.startswith("2023.4.") for m in bare)
    assert not titles & {"RNN & LSTM basics", "TBD", "Zero-Shot Text-to-Image Generation"}
    lstm = next(m for m in bare if m.title == "Long short-term memory")
    assert lstm.year_hint == 1997 and lstm.body.startswith("1997年的文章")


def test_seed_pending_list(seeds: list[Path]) -> None:
    mentions = parse_path(seed(seeds, "003"))
    todo = {m.title: m for m in mentions if m.kind is MentionKind.TO_READ}
    gru = (
        "Learning phrase representations using rnn encoder-decoder for statistical "
        "machine translation"
    )
    gradcam = "Visual explanations from deep networks via gradient-based localization"
    assert {
        gru,
        gradcam,
        "Deeper insights into graph convolutional networks for semi-supervised learning",
        "Opening the black box of Deep Neural Networks via Information",
    } <= set(todo)
    assert todo[gru].year_hint == 2014
    assert todo[gradcam].alias == "Grad-cam"
    assert all(not re.search(r"[\u4e00-\u9fff]", title) for title in todo)
    raws = {m.raw for m in todo.values()}
    assert "写综述：GNN 论文总结" not in raws and "通用内容" not in raws


def test_seed_links_carry_every_embedded_id(seeds: list[Path]) -> None:
    path = seed(seeds, "004")
    mentions = parse_path(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    expected = set()
    for number, line in enumerate(lines, 1):
        for suffix in re.findall(r"nature\.com/articles/([\w-]+?)(?:\.pdf)?[)\]\s\"]", line):
            expected.add((number, Ids(doi=f"10.1038/{suffix}")))
        for arxiv in re.findall(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", line):
            expected.add((number, Ids(arxiv=arxiv)))
    assert len(expected) == 6
    assert expected <= {(m.line, m.ids) for m in mentions}
    table = {m.title: m.year_hint for m in mentions if m.kind is MentionKind.LINK}
    assert table["VGG"] == 2014 and table["GAN"] == 2014 and table["DINO"] == 2021
    assert "video" not in table


# --- properties --------------------------------------------------------------------------

_LOG_PIECES = st.sampled_from(
    [
        "# 2023.12\n",
        "## 2024.1.5\n",
        "## 2024-02-30\n",
        "### x\n",
        "《",
        "》",
        "《VAE: Auto》",
        "- [ ] ",
        "- [x] ",
        "  ",
        "\n",
        "\r\n",
        "```\n",
        "| ✅ | 2014 | [GAN](",
        ") |",
        "[",
        "]",
        "https://arxiv.org/abs/1706.03762v2",
        "10.1038/",
        "nature.com/articles/s1",
        "arXiv:",
        "Long short-term memory\n    1997年\n",
        "2016年",
        "**",
        "<u>",
        "</u>",
        "：",
        "(X)",
        "!",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LOG_PIECES, st.text(max_size=12)), max_size=40).map("".join))
def test_parse_never_raises_and_lines_point_at_raw(text: str) -> None:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    for patterns in (DEFAULT_PATTERNS, Patterns(title_markers=(("<u>", "</u>"), ("**", "**")))):
        for mention in parse(text, "any.md", patterns):
            assert 1 <= mention.line <= len(lines)
            assert mention.raw in lines[mention.line - 1]


def test_module_surface() -> None:
    assert set(notes.__all__) == {
        "DEFAULT_PATTERNS",
        "Patterns",
        "clean_title",
        "group",
        "looks_like_title",
        "parse",
    }


def test_a_spaced_year_before_a_todo_remark_is_the_year_hint_not_the_title() -> None:
    (mention,) = parse("# pending list\n\n- [ ] Deep Learning for Widgets  2023年，MIT\n", "x.md")
    assert mention.title == "Deep Learning for Widgets"
    assert mention.year_hint == 2023
