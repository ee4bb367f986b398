"""The title inside a mention: cleaning, aliases, the shape of a title, stated years."""

from __future__ import annotations

import pytest

from papersync.model import Mention
from papersync.parse import clean_title, looks_like_title, parse


@pytest.mark.parametrize(
    ("raw", "title", "alias"),
    [
        pytest.param("VAE: Auto-encoding variational bayes", "Auto-encoding variational bayes",
                     "VAE", id="colon_alias"),
        pytest.param("(GenRead)Generate rather than retrieve: Large language models are strong",
                     "Generate rather than retrieve: Large language models are strong",
                     "GenRead", id="parenthesised_alias"),
        pytest.param("T5/Google: Exploring the Limits of Transfer Learning",
                     "Exploring the Limits of Transfer Learning", "T5", id="alias_with_org"),
        pytest.param("FM：Factorization machines", "Factorization machines", "FM",
                     id="full_width_colon"),
        pytest.param("**Toolformer: Language Models Can Teach Themselves to ****Use**** Tools**",
                     "Language Models Can Teach Themselves to Use Tools", "Toolformer",
                     id="bold_runs"),
        pytest.param("**SNR** **: Sub-Network Routing for Flexible Parameter Sharing**",
                     "Sub-Network Routing for Flexible Parameter Sharing", "SNR",
                     id="bold_alias_spaced_colon"),
        pytest.param("**DCN** V2: Improved Deep & Cross Network", "Improved Deep & Cross Network",
                     "DCN V2", id="two_token_coded_alias"),
        pytest.param("Multimodal Foundation Models: From Specialists to General-Purpose Assistants",
                     "Multimodal Foundation Models: From Specialists to General-Purpose Assistants",
                     None, id="long_prefix_is_title"),
        pytest.param("Code Llama: Open Foundation Models for Code",
                     "Code Llama: Open Foundation Models for Code", None,
                     id="plain_two_word_prefix_is_title"),
        pytest.param("ChatGPT’s One-year Anniversary: Are Open-Source LLMs Catching up?",
                     "ChatGPT’s One-year Anniversary: Are Open-Source LLMs Catching up?", None,
                     id="possessive_prefix_is_title"),
        pytest.param("Textbooks Are All You Need II: **phi-1.5 **technical report",
                     "Textbooks Are All You Need II: phi-1.5 technical report", None,
                     id="emphasis_inside"),
        pytest.param("<u>Deep   Residual\tLearning</u> for <br>Image Recognition",
                     "Deep Residual Learning for Image Recognition", None, id="html_and_spaces"),
        pytest.param("[Attention Is All You Need](https://arxiv.org/abs/1706.03762)",
                     "Attention Is All You Need", None, id="markdown_link"),
        pytest.param("Mistral 7B", "Mistral 7B", "Mistral 7B", id="a_name_is_its_own_alias"),
        pytest.param("snake_case_name in a title", "snake_case_name in a title", None,
                     id="inner_underscores_kept"),
    ],
)
def test_clean_title(raw: str, title: str, alias: str | None) -> None:
    assert clean_title(raw) == (title, alias)


def test_full_title_keeps_the_alias_prefix() -> None:
    title, alias = clean_title("LoRA: Low-Rank Adaptation of Large Language Models")
    mention = Mention(raw="", title=title, alias=alias, file="f", line=1)
    assert (mention.title, mention.alias) == ("Low-Rank Adaptation of Large Language Models",
                                              "LoRA")
    assert mention.full_title == "LoRA: Low-Rank Adaptation of Large Language Models"


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


def test_a_spaced_year_before_a_todo_remark_is_the_year_hint_not_the_title() -> None:
    (mention,) = parse("# pending list\n\n- [ ] Deep Learning for Widgets  2023年，MIT\n", "x.md")
    assert mention.title == "Deep Learning for Widgets"
    assert mention.year_hint == 2023
