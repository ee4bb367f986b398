"""Link mentions: Markdown links, reference definitions, bare URLs and written ids that
identify a paper, `[Title](paper-url)` links, and the `[name]` cells of a reading-list table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from papersync.ids import extract_ids, written_ids
from papersync.model import Ids, MentionKind
from papersync.parse.bodies import TEMPLATE_TAG, URL, rest_of_row
from papersync.parse.draft import Draft
from papersync.parse.titles import looks_like_title, read_title

REFERENCE = re.compile(r"^ {0,3}\[(?P<label>[^\[\]^][^\[\]]*)\]:[ \t]*<?(?P<url>[^\s>]+)")
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\[\]]*)\](?:\((?P<target>[^()]*)\))?")
_URL_TAIL = re.compile(r"[.,;:!?'\"*_]+$")
_TABLE_SEPARATOR = re.compile(r"^\|?[\s:|-]+$")
_YEAR_CELL = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\s*$")
_PAPER_HOSTS = (
    "arxiv.org", "ar5iv", "openreview.net", "aclanthology.org", "aclweb.org", "doi.org",
    "papers.nips.cc", "proceedings.neurips.cc", "proceedings.mlr.press", "jmlr.org",
    "openaccess.thecvf.com", "ecva.net", "dl.acm.org", "ieeexplore.ieee.org",
    "link.springer.com", "sciencedirect.com", "nature.com", "science.org", "semanticscholar.org",
    "dblp.org", "researchgate.net", "biorxiv.org", "medrxiv.org", "ojs.aaai.org", "ijcai.org",
    "usenix.org", "huggingface.co/papers", "paperswithcode.com/paper",
)
"""Sites whose pages are papers: a title linked to one of them names that paper."""
PAPER_LABELS = frozenset(("pdf", "paper", "arxiv", "abs", "html", "doi", "openreview", "论文"))
"""Link texts that say the link is the paper itself."""
LABELS = PAPER_LABELS | frozenset((
    "code", "github", "website", "project", "page", "project page",
    "homepage", "home", "video", "slides", "poster", "blog", "notes", "note", "demo", "data",
    "dataset", "link", "url", "supp", "supplementary", "bib", "bibtex", "review", "talk",
    "model", "models", "weights", "代码", "视频", "主页", "链接", "笔记",
))
"""Link texts that label a link (`[PDF]`, `[[Code]]`) rather than name a paper."""


def is_paper_url(url: str) -> bool:
    """A URL that points at a paper: it carries an id, is on a paper site, or is a PDF."""
    if extract_ids(url):
        return True
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # `http://[oops`: not a URL at all
        return False
    where = f"{parts.netloc}{parts.path}".lower()
    return any(host in where for host in _PAPER_HOSTS) or parts.path.lower().endswith(".pdf")


def is_label(text: str, labels: frozenset[str] = LABELS) -> bool:
    return " ".join(text.split()).casefold().strip("[]() ") in labels


def is_table_row(stripped: str) -> bool:
    return stripped.startswith("|") and not _TABLE_SEPARATOR.match(stripped)


def links(index: int, line: str) -> Iterator[Draft]:
    """Link mentions on a line no marked or checkbox mention owns."""
    stripped = line.strip()
    in_table = is_table_row(stripped)
    year = _table_year(stripped) if in_table else None
    taken: list[tuple[int, int]] = []
    for found in LINK.finditer(line):
        taken.append(found.span())
        draft = _link(index, line, found, in_table, year)
        if draft is not None:
            yield draft
    for found in URL.finditer(line):
        if any(start <= found.start() < end for start, end in taken):
            continue
        url = _URL_TAIL.sub("", found.group())
        taken.append((found.start(), found.start() + len(url)))
        ids = extract_ids(url)
        if ids:
            yield _id_only(index, line, found.start(), url, ids)
    yield from _bare_ids(index, line, taken)


def _link(
    index: int, line: str, found: re.Match[str], in_table: bool, year: int | None
) -> Draft | None:
    """A `[name](url)` or table `[name]`: a link mention when it names a paper or carries ids."""
    text, target = found["text"], (found["target"] or "").strip()
    ids = extract_ids(target) or extract_ids(text)
    if found["bang"]:  # an image is no name for a paper, but its URL may still carry an id
        return _id_only(index, line, found.start("target"), target, ids) if ids else None
    if text.startswith("^") or text.strip() in ("", "x", "X"):
        return None
    is_url = bool(URL.fullmatch(text.strip()))
    titled = looks_like_title(text) and is_paper_url(target)
    if not ids and not titled and (not in_table or is_url or TEMPLATE_TAG.search(text)):
        return None
    start = found.start("text")
    rest = line[found.end():]
    draft = Draft(
        line=index, start=start, body_from=found.end(), raw=text, kind=MentionKind.LINK,
        ids=ids, year_hint=year, url=target or None, body=rest_of_row(rest), cuts_body=False,
        reference=None if found["target"] is not None else text,
    )
    if is_url or is_label(text):
        draft.title = ""
    else:
        parts = read_title(TEMPLATE_TAG.sub("", text), names=in_table)
        draft.title, draft.alias, draft.hints = parts.title, parts.alias, parts.hints
    return draft if draft.title or ids else None


def reference(index: int, found: re.Match[str]) -> Draft | None:
    """A reference definition `[name]: url` is a link mention when its URL carries ids."""
    ids = extract_ids(found["url"])
    if not ids:
        return None
    parts = read_title(found["label"], names=True)
    start = found.start("label")
    return Draft(
        line=index, start=start, body_from=found.end(), raw=found["label"],
        kind=MentionKind.LINK, ids=ids, title=parts.title, alias=parts.alias, hints=parts.hints,
        url=found["url"], body="", cuts_body=False,
    )


def label(text: str) -> str:
    """How Markdown compares link labels: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def _id_only(index: int, line: str, start: int, raw: str, ids: Ids) -> Draft:
    end = start + len(raw)
    return Draft(
        line=index, start=start, body_from=end, raw=raw, kind=MentionKind.LINK, ids=ids,
        title="", url=raw if "://" in raw else None, body=rest_of_row(line[end:]),
        cuts_body=False,
    )


def _bare_ids(index: int, line: str, taken: list[tuple[int, int]]) -> Iterator[Draft]:
    """`arXiv:2106.09685` or `10.1038/…` written as plain text, outside any link or URL."""
    for start, raw in written_ids(line):
        if any(begin <= start < end for begin, end in taken):
            continue
        ids = extract_ids(raw)
        if ids:
            taken.append((start, start + len(raw)))
            yield _id_only(index, line, start, raw, ids)


def _table_year(row: str) -> int | None:
    for cell in row.strip("|").split("|"):
        found = _YEAR_CELL.match(cell)
        if found:
            return int(found["year"])
    return None
