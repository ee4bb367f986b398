"""Mentions anywhere: 《》 in headings, tables, lists, links and paragraphs; wikilinks;
`[Title](url)` and emphasised titles with a paper link; to-do items read or to read."""

from __future__ import annotations

import datetime as dt

from papersync.model import Ids, MentionKind
from papersync.parse import parse

TITLE = "Masked Autoencoders Are Scalable Vision Learners"


def test_marked_titles_in_headings_tables_lists_links_and_paragraphs() -> None:
    log = (
        "## 2024.3.1\n"
        f"### 2024 - 《{TITLE}》\n"
        "notes under the heading\n"
        "| day | paper |\n| --- | --- |\n"
        "| Fri | 《Deep Residual Learning for Image Recognition》 |\n"
        "- 《Attention Is All You Need》 read twice\n"
        "[《Language Models are Few-Shot Learners》](https://arxiv.org/abs/2005.14165)\n"
        "Today I compared 《Auto-Encoding Variational Bayes》 with others.\n"
    )
    mentions = parse(log, "m.md")
    assert [(m.title, m.line) for m in mentions] == [
        (TITLE, 2),
        ("Deep Residual Learning for Image Recognition", 6),
        ("Attention Is All You Need", 7),
        ("Language Models are Few-Shot Learners", 8),
        ("Auto-Encoding Variational Bayes", 9),
    ]
    assert all(m.date == dt.date(2024, 3, 1) for m in mentions)
    assert mentions[0].body.startswith("notes under the heading")
    assert mentions[3].ids == Ids(arxiv="2005.14165")
    assert mentions[3].url == "https://arxiv.org/abs/2005.14165"


def test_trailers_beside_a_marked_title_are_hints() -> None:
    log = f"## 2020-10\n- 《TSM: {TITLE}》 [Notes] <kbd>ICCV 2019</kbd> [video]\n"
    (mention,) = parse(log, "m.md")
    assert (mention.title, mention.alias) == (TITLE, "TSM")
    assert (mention.hints.venue, mention.hints.year, mention.year_hint) == ("ICCV", 2019, 2019)


def test_a_venue_tag_before_the_first_marked_title_is_a_hint() -> None:
    first, second = parse(f"1. 【CVPR 2022】《{TITLE}》 和 《Deep Residual Learning》\n", "m.md")
    assert (first.hints.venue, first.hints.year) == ("CVPR", 2022)
    assert (second.hints.venue, second.hints.year) == (None, None)


def test_wikilinks_to_titles_are_mentions_and_labels_are_not() -> None:
    log = (
        "## 2024-05-06\n"
        f"- [[{TITLE}]] [[PDF]](https://arxiv.org/pdf/2111.06377) [[Code]]\n"
        "- [[Attention Is All You Need|Transformer]]\n"
        "- [[My Reading Notes On Vision]] and [[Website]]\n"
    )
    mentions = parse(log, "m.md", ignore={"My Reading Notes On Vision.md"})
    assert [(m.title, m.alias) for m in mentions] == [
        (TITLE, None),
        ("Attention Is All You Need", "Transformer"),
    ]
    assert mentions[0].body == "[PDF](https://arxiv.org/pdf/2111.06377) [[Code]]"
    assert mentions[0].url == "https://arxiv.org/pdf/2111.06377"
    assert mentions[0].ids == Ids(arxiv="2111.06377")


def test_a_wikilink_with_a_url_takes_its_ids() -> None:
    (mention,) = parse(f"[[{TITLE}]](https://arxiv.org/abs/2111.06377)\n", "m.md")
    assert (mention.title, mention.ids) == (TITLE, Ids(arxiv="2111.06377"))


def test_title_links_to_paper_sites_are_mentions() -> None:
    log = (
        f"- [{TITLE}](https://openaccess.thecvf.com/content/CVPR2022/papers/He.pdf)\n"
        "- [Awesome Vision Learning Resources](https://github.com/someone/awesome)\n"
    )
    (mention,) = parse(log, "m.md")
    assert mention.title == TITLE and mention.url.endswith("He.pdf")
    assert mention.kind is MentionKind.LINK


def test_emphasised_titles_followed_by_a_paper_link() -> None:
    log = (
        f"**{TITLE}** [[PDF]](https://arxiv.org/abs/2111.06377)\n"
        "<u>Deep Residual Learning for Image Recognition</u> ([paper](https://example.org/r))\n"
        "**This line is only bold text** [blog](https://example.org/post)\n"
    )
    first, second = parse(log, "m.md")
    assert (first.title, first.ids) == (TITLE, Ids(arxiv="2111.06377"))
    assert second.title == "Deep Residual Learning for Image Recognition"
    assert second.url == "https://example.org/r"


def test_checkboxes_done_are_read_and_open_are_to_read() -> None:
    log = (
        f"- [x] {TITLE}\n"
        "- [ ] Attention Is All You Need\n"
        "- [X] [[Deep Residual Learning for Image Recognition]]\n"
        "- [ ] 《Auto-Encoding Variational Bayes》\n"
    )
    assert [m.kind for m in parse(log, "m.md")] == [
        MentionKind.READ, MentionKind.TO_READ, MentionKind.READ, MentionKind.TO_READ,
    ]


def test_short_names_in_a_reading_list_table() -> None:
    log = (
        "| date | title |\n| -- | -- |\n"
        "| 6/10/22 | [DETR] 逐段精读 |\n"
        "| 6/3/22 | [Swin Transformer](https://example.org/swin) |\n"
    )
    detr, swin = parse(log, "m.md")
    assert detr.is_name and detr.title == detr.alias == "DETR"
    assert detr.body == "逐段精读"
    assert swin.is_name and swin.title == "Swin Transformer"
