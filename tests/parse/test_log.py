"""Walking a log: marked, checkbox and bare-title mentions, sections, fences, properties."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import papersync.parse
from papersync.match import group, identity
from papersync.model import Ids, MentionKind
from papersync.parse import DEFAULT_PATTERNS, Patterns, parse, parse_log

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notes"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reading-log.md"


def test_marked_mentions_get_heading_dates_sections_and_bodies(
    log_fixture: Callable[..., Any],
) -> None:
    mentions = log_fixture("daily.md")
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


def test_two_marked_mentions_on_one_line_split_the_text_between_them(
    log_fixture: Callable[..., Any],
) -> None:
    simclr, moco = [m for m in log_fixture("daily.md") if m.line == 35]
    assert (simclr.alias, moco.alias) == ("SimCLR", "MoCo")
    assert moco.title == "Momentum Contrast for Unsupervised Visual Representation Learning"
    assert simclr.body == ""  # `和` only joins the two titles: no note of its own
    assert moco.body == "两篇。\n2020年的两篇对比学习代表作。"


def test_same_paper_on_two_days_is_one_group(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("daily.md")
    groups = group(mentions)
    bert = [m for m in mentions if m.alias == "BERT"]
    assert len(bert) == 2 and bert[0].date != bert[1].date
    assert groups[identity(bert[0])] == tuple(bert)
    assert list(groups) == list(dict.fromkeys(identity(m) for m in mentions))


def test_pending_list_keeps_papers_and_drops_todos(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("daily.md")
    todo = [m for m in mentions if m.section == "pending list"]
    assert [(m.kind, m.title) for m in todo] == [
        (MentionKind.TO_READ,
         "Neural machine translation by jointly learning to align and translate"),
        (MentionKind.TO_READ, "Deep networks with stochastic depth"),
        (MentionKind.READ, "Layer Normalization for recurrent and convolutional networks"),
    ]
    nmt = todo[0]
    assert nmt.raw.endswith("2015年，注意力的起点")
    assert nmt.year_hint == 2015 and nmt.body == "2015年，注意力的起点"
    assert todo[1].body == "正则化的一种"
    assert all(m.date is None for m in todo)


def test_bare_titles_in_sections_without_markers(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("older.md")
    assert all(m.inferred for m in mentions)
    assert [(m.title, m.date, m.year_hint) for m in mentions] == [
        ("Long short-term memory", dt.date(2022, 6, 20), 1997),
        ("Sequence to Sequence Learning with Neural Networks", dt.date(2022, 6, 12), 2014),
        ("Learning representations by back-propagating errors", dt.date(2022, 6, 12), None),
    ]
    assert mentions[0].body == "1997年的文章\n门控结构解决梯度消失。"  # dedented: no code block


def test_headings_and_markers_inside_code_fences_are_ignored() -> None:
    log = "## 2024.1.5\n```python\n# 2020.1.1\nprint('《not a title》')\n```\n《Real One》\n"
    (mention,) = parse(log, "m.md")
    assert (mention.raw, mention.line, mention.date) == ("Real One", 6, dt.date(2024, 1, 5))


def test_custom_markers(log_fixture: Callable[..., Any]) -> None:
    patterns = Patterns(title_markers=(("<u>", "</u>"),))
    mentions = log_fixture("custom.md", patterns)
    assert [(m.title, m.alias, m.date) for m in mentions] == [
        ("A Method for Stochastic Optimization", "Adam", dt.date(2024, 5, 1)),
        ("Deep Residual Learning for Image Recognition", None, None),
    ]
    assert mentions[0].year_hint == 2014
    assert not [m for m in log_fixture("custom.md") if not m.inferred]


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        pytest.param(lambda: Patterns(title_markers=(("《", ""),)), r"title_markers\[0\]",
                     id="empty_marker"),
        pytest.param(lambda: Patterns(date_headings=("(?P<year>\\d{4}",)), r"date_headings\[0\]",
                     id="bad_regex"),
        pytest.param(lambda: Patterns(date_headings=(r"\d{4}",)), "named groups", id="no_groups"),
    ],
)
def test_patterns_are_validated(patterns: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        patterns()  # type: ignore[operator]


def test_bare_title_inference_can_be_switched_off() -> None:
    text = (FIXTURES / "older.md").read_text(encoding="utf-8")
    assert parse(text, "older.md", Patterns(infer_bare_titles=False)) == ()


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


def test_seed_bare_titles_of_older_sections(seed_log: Callable[..., Any]) -> None:
    _, mentions = seed_log("003")
    bare = [m for m in mentions if m.inferred]
    titles = {m.title for m in bare}
    assert {"Long short-term memory", "Learning convolutional neural networks for graphs",
            "Graph Convolutional Networks for Text Classification",
            "Anomaly Detection with Robust Deep Autoencoders"} <= titles
    assert all(m.date and m.date < dt.date(2023, 5, 1) for m in bare)
    assert all(m.section.startswith("2023.4.") for m in bare)
    assert not titles & {"RNN & LSTM basics", "TBD", "Zero-Shot Text-to-Image Generation"}
    lstm = next(m for m in bare if m.title == "Long short-term memory")
    assert lstm.year_hint == 1997 and lstm.body.startswith("1997年的文章")


def test_seed_pending_list(seed_log: Callable[..., Any]) -> None:
    _, mentions = seed_log("003")
    todo = {m.title: m for m in mentions if m.kind is MentionKind.TO_READ}
    gru = ("Learning phrase representations using rnn encoder-decoder for statistical "
           "machine translation")
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


_LOG_PIECES = st.sampled_from([
    "# 2023.12\n", "## 2024.1.5\n", "## 2024-02-30\n", "### x\n", "《", "》", "《VAE: Auto》",
    "- [ ] ", "- [x] ", "  ", "\n", "\r\n", "```\n", "| ✅ | 2014 | [GAN](", ") |", "[", "]",
    "https://arxiv.org/abs/1706.03762v2", "10.1038/", "nature.com/articles/s1", "arXiv:",
    "Long short-term memory\n    1997年\n", "2016年", "**", "<u>", "</u>", "：", "(X)", "!",
    "[[", "]]", "[[PDF]](", "|alias", "- **2022/05/06, Friday.**\n", "2018.04.18\n", "## 5.6\n",
    "| 日期 | 标题 |\n| -- | -- |\n", "| 3/30/23 | [DETR] 逐段精读 |\n", "<kbd>CVPR 2022</kbd>",
    ". CVPR 2022, Oral.", " (ICCV'21)", "et al.", "$^2$", "...", "…", "串讲", "](#x)", "\t",
    "http://[", "《Title. arXiv 2022/4/30.》", "### 2024 - ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LOG_PIECES, st.text(max_size=12)), max_size=40).map("".join))
def test_parse_never_raises_and_lines_point_at_raw(text: str) -> None:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    for patterns in (DEFAULT_PATTERNS, Patterns(title_markers=(("<u>", "</u>"), ("**", "**")))):
        result = parse_log(text, "any.md", patterns, ignore={"Notes"})
        for mention in result.mentions:
            assert 1 <= mention.line <= len(lines)
            assert mention.raw in lines[mention.line - 1]
            assert mention.year_hint == mention.hints.year
            assert not mention.month_only or mention.date is not None
        assert all(problem.startswith("any.md: ") for problem in result.problems)


def test_module_surface() -> None:
    assert set(papersync.parse.__all__) == {
        "DEFAULT_PATTERNS", "ParsedLog", "Patterns", "TitleParts", "clean_title",
        "looks_like_title", "parse", "parse_log", "read_title",
    }


def test_a_weekly_log_with_date_lines_and_trailers(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("weekly.md")
    assert [(m.title, m.date, m.hints.venue, m.hints.year) for m in mentions] == [
        ("Masked Autoencoders Are Scalable Vision Learners", dt.date(2022, 5, 6), "CVPR", 2022),
        ("Swin Transformer V2: Scaling Up Capacity and Resolution", dt.date(2022, 5, 6),
         "arXiv", 2021),
        ("Efficient Training of Visual Transformers with Small Datasets", dt.date(2022, 5, 7),
         "NeurIPS", 2021),
        ("BERT Pre-Training of Image Transformers", dt.date(2022, 5, 7), None, None),
        ("A ConvNet for the 2020s…", dt.date(2022, 5, 9), "CVPR", 2022),
    ]
    mae, swin, _, beit, convnext = mentions
    assert mae.hints.remark == "Oral" and mae.body == "- masks 75% of patches\n- asymmetric encoder"
    assert swin.body == ""
    assert (beit.alias, beit.hints.authors, beit.ids) == ("BEiT", ("Bao", "Dong"),
                                                          Ids(arxiv="2106.08254"))
    assert beit.body == "[PDF](https://arxiv.org/abs/2106.08254)"
    assert convnext.body == "<kbd>CVPR 2022</kbd>\nConvNeXt, 纯卷积"


def test_an_obsidian_log(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("obsidian.md", ignore={"Reading Log Template.md"})
    assert [(m.kind, m.title, m.alias, m.date, m.month_only) for m in mentions] == [
        (MentionKind.READ, "Attention Is All You Need", None, dt.date(2023, 1, 5), False),
        (MentionKind.TO_READ, "Deep Residual Learning for Image Recognition", "ResNet",
         dt.date(2023, 1, 5), False),
        (MentionKind.READ, "Denoising Diffusion Probabilistic Models", None,
         dt.date(2023, 1, 1), True),
    ]
    attention, _, ddpm = mentions
    assert attention.ids == Ids(arxiv="1706.03762")
    assert attention.body == (
        "[PDF](https://arxiv.org/pdf/1706.03762) [Code](https://github.com/example/transformer)\n"
        "- scaled dot-product attention"
    )
    assert ddpm.ids == Ids(arxiv="2006.11239")
