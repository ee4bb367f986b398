"""Links, URLs, written ids and reading-list tables as mentions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from papersync.ids import extract_ids
from papersync.model import Ids, Mention, MentionKind
from papersync.parse import parse


def by_raw(mentions: tuple[Mention, ...], raw: str) -> Mention:
    found = [m for m in mentions if m.raw == raw]
    assert len(found) == 1, f"{raw!r}: {len(found)} mentions"
    return found[0]


@pytest.mark.parametrize(
    ("text", "arxiv", "doi"),
    [
        pytest.param("https://arxiv.org/abs/2106.09685v2", "2106.09685", None, id="abs_version"),
        pytest.param("https://arxiv.org/pdf/2106.09685v2.pdf", "2106.09685", None, id="pdf"),
        pytest.param("http://arxiv.org/pdf/1412.6980", "1412.6980", None, id="four_digit"),
        pytest.param("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", None,
                     id="old_style"),
        pytest.param("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136", None,
                     id="old_style_subject_class"),
        pytest.param("see arXiv:1706.03762v5.", "1706.03762", None, id="arxiv_prefix_text"),
        pytest.param("https://doi.org/10.48550/arXiv.2304.07193", "2304.07193",
                     "10.48550/arxiv.2304.07193", id="arxiv_doi"),
        pytest.param("https://doi.org/10.1162/neco.1997.9.8.1735", None,
                     "10.1162/neco.1997.9.8.1735", id="doi_org"),
        pytest.param("doi: 10.1145/3292500.3330919.", None, "10.1145/3292500.3330919",
                     id="bare_doi_trailing_dot"),
        pytest.param("https://dl.acm.org/doi/pdf/10.1145/3292500.3330919?download=true", None,
                     "10.1145/3292500.3330919", id="publisher_query"),
        pytest.param("https://onlinelibrary.wiley.com/doi/10.1111/j.1467-9868.2005.00503.x/abstract",
                     None, "10.1111/j.1467-9868.2005.00503.x", id="publisher_suffix"),
        pytest.param("https://www.nature.com/articles/s41586-021-03819-2.pdf", None,
                     "10.1038/s41586-021-03819-2", id="nature_pdf"),
        pytest.param("https://www.nature.com/articles/nature14539", None, "10.1038/nature14539",
                     id="nature_old"),
        pytest.param("https://papers.nips.cc/paper/2014/file/5ca3e9b1-Paper.pdf", None, None,
                     id="no_id"),
        pytest.param("version 10.5 of the tool", None, None, id="number_is_no_doi"),
    ],
)
def test_extract_ids(text: str, arxiv: str | None, doi: str | None) -> None:
    assert extract_ids(text) == Ids(arxiv=arxiv, doi=doi)


def test_table_links_and_urls_become_link_mentions(log_fixture: Callable[..., Any]) -> None:
    mentions = log_fixture("links.md")
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


def test_a_todo_with_an_id_is_kept_whatever_its_shape() -> None:
    log = "- [ ] [LoRA](https://arxiv.org/abs/2106.09685) 之后看\n- [ ] 整理笔记\n"
    (mention,) = parse(log, "m.md")
    assert (mention.kind, mention.title, mention.ids) == (
        MentionKind.TO_READ, "LoRA", Ids(arxiv="2106.09685"))


def test_seed_links_carry_every_embedded_id(seed_log: Callable[..., Any]) -> None:
    path, mentions = seed_log("004")
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
