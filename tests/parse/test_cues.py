"""A reading-list row that is a talk, a book, a blog post, a video or a survey of many papers
is never taken for one paper."""

from __future__ import annotations

import pytest

from papersync.parse import parse

HEADER = "| 日期 | 标题 | 视频 |\n| -- | -- | -- |\n"
VIDEO = "[video](https://www.bilibili.com/video/BV1)"


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        pytest.param("[视频理解论文串讲]（上）", "a talk covering several papers",
                     id="talk_series"),
        pytest.param("讲好故事【[研究的艺术](https://press.uchicago.edu/ucp/books/book/x.html)】",
                     "a book", id="book_link"),
        pytest.param("[论文不够 novel](https://perceiving-systems.blog/en/post/x)",
                     "a blog post", id="blog_host"),
        pytest.param("[对比学习](#contrastive_learning) 论文综述",
                     "a link to a section of this page", id="anchor"),
        pytest.param("[Swin Transformer 学习笔记](https://blog.csdn.net/x)", "a blog post",
                     id="notes_link_text"),
        pytest.param("[Vision Transformers Explained](https://www.youtube.com/watch?v=1)",
                     "a video", id="video_site"),
        pytest.param("[ALBEF, VLMo, BLIP]", "names several papers", id="several_names"),
        pytest.param("[A Keynote Paper Name] keynote talk", "a talk covering several papers",
                     id="english_word_beside"),
    ],
)
def test_cues_say_a_row_is_not_a_paper(cell: str, why: str) -> None:
    (mention,) = parse(f"{HEADER}| 1/1/22 | {cell} | 1:00 |\n", "m.md")
    assert mention.not_a_paper == why


@pytest.mark.parametrize(
    "cell",
    [
        "[DETR] 逐段精读",
        "[CLIP](https://openai.com/blog/clip/) 逐段精读",
        "[Video Swin Transformer] 精读",
        "[ViT] 阅读笔记",
        f"[GPT](https://cdn.example.org/gpt.pdf), [GPT-2], [GPT-3] {VIDEO}",
    ],
)
def test_a_paper_row_stays_a_paper(cell: str) -> None:
    mentions = parse(f"{HEADER}| 1/1/22 | {cell} | 1:00 |\n", "m.md")
    assert mentions and all(m.not_a_paper is None for m in mentions if m.title != "video")
