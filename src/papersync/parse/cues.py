"""Whether a mention in a reading list is not one paper: a talk, a book, a blog post, a video,
a course, or a survey of many papers. General cues only, never a list of titles: the words
around the mention in its own cell, the site its link points to, a text naming several.
Also what else a table cell gives its mention: the rest of the row as its body.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from papersync.parse.bodies import TEMPLATE_TAG, rest_of_row
from papersync.parse.draft import Draft
from papersync.parse.titles import plain_text

_CUE_WORDS = (
    ("a talk covering several papers", r"串讲|讲座|直播",
     r"串讲|讲座|直播|\b(?:talk|lecture|keynote|webinar)\b"),
    ("a book", r"书籍|图书", r"书籍|图书|\bbook\b"),
    ("a blog post", r"博客|笔记|公众号|\bblog\b", r"博客|公众号|\bblog\b"),
    ("a course", r"课程|公开课", r"课程|公开课|\b(?:course|slides)\b"),
    ("a survey of many papers", r"论文综述|综述论文",
     r"论文综述|综述论文|\bsurvey\s+of\s+papers\b"),
)
"""(why, words that say so in the mention's own text, words that say so beside it in its
cell). English words count only beside the mention: a title may well contain `Video` or
`Tutorial`; `笔记` (notes) beside a paper's name is the person's notes on that paper."""
_WORDS = tuple(
    (why, re.compile(own, re.IGNORECASE), re.compile(beside, re.IGNORECASE))
    for why, own, beside in _CUE_WORDS
)
_SITES = (
    ("a video", ("bilibili.com", "youtube.com", "youtu.be", "vimeo.com", "b23.tv")),
    ("a blog post", ("zhihu.com", "csdn.net", "mp.weixin.qq.com", "medium.com", "substack.com",
                     "jianshu.com", "cnblogs.com", ".blog", "blog.")),
    ("a book", ("press.", "books.google", "oreilly.com")),
)
_BOOK_PATH = re.compile(r"/books?/", re.IGNORECASE)
_SEVERAL = re.compile(r"\s*(?:、|,|，|/|&|\band\b|和|与)\s*")


def not_a_paper(text: str, around: str, url: str | None) -> str | None:
    """Why a mention written `text`, with `around` written beside it in its table cell,
    linking to `url`, is not one paper; None when nothing says so."""
    if url is not None:
        why = _site(url)
        if why:
            return why
    for why, own, beside in _WORDS:
        if own.search(text) or beside.search(around):
            return why
    parts = [part for part in _SEVERAL.split(text.strip()) if part]
    if len(parts) >= 3 or (len(parts) == 2 and all(len(p.split()) <= 2 for p in parts)):
        return "names several papers"
    return None


def _site(url: str) -> str | None:
    if url.startswith("#"):
        return "a link to a section of this page"
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
    except ValueError:  # `http://[oops`: not a URL at all
        return None
    host = parts.netloc.lower()
    for why, hosts in _SITES:
        if any(mark in host for mark in hosts):
            return why
    if _BOOK_PATH.search(parts.path):
        return "a book"
    return None


def in_table_cell(draft: Draft, line: str) -> None:
    """A mention in a table cell: its body is the rest of the row; its cell may say it is
    a talk, a book, a video…"""
    if draft.body is None:
        draft.body = rest_of_row(line[draft.body_from:])
        draft.cuts_body = False
    before = line.rfind("|", 0, draft.start)
    after = line.find("|", draft.body_from)
    cell = line[before + 1 : after if after >= 0 else len(line)]
    beside = plain_text(TEMPLATE_TAG.sub(" ", cell)).replace(plain_text(draft.raw), " ")
    draft.not_a_paper = not_a_paper(draft.raw, beside, draft.url)
