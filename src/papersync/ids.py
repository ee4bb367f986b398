"""Identifiers, recognised and normalised: the one module that knows what arXiv ids, DOIs,
DBLP keys and paper URLs look like. Pure: text in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papersync.model import Ids

ARXIV_ID = r"(?P<arxiv>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?![\d])"
"""An arXiv id, new (`2104.12255`) or old style (`astro-ph/0601001`), version allowed."""

_NEW_ID = re.compile(r"^(?P<yy>\d{2})(?P<mm>\d{2})\.\d{4,5}$")
_OLD_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}$", re.I)
_VERSION = re.compile(r"v\d+$")
_ARXIV_HINT = re.compile(r"arxiv|ar5iv", re.IGNORECASE)
_ARXIV_IN_URL = re.compile(
    r"(?:arxiv\.org|ar5iv\.org|ar5iv\.labs\.arxiv\.org)/(?:abs|pdf|html|format)/" + ARXIV_ID,
    re.IGNORECASE,
)
_ARXIV_IN_TEXT = re.compile(r"\barxiv\s*:\s*" + ARXIV_ID, re.IGNORECASE)
_ARXIV_IN_DOI = re.compile(r"10\.48550/arxiv\." + ARXIV_ID, re.IGNORECASE)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>\[\]{}|\\^`《》，。；）（、]+")
_DOI_TAIL = re.compile(
    r"(?:[?#].*|/(?:abstract|full|pdf|epdf|fulltext|meta|summary|references)/?|\.pdf|[.,;:!)'])+$",
    re.IGNORECASE,
)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_NATURE_ARTICLE = re.compile(
    r"\bnature\.com/articles/(?P<suffix>[a-z][a-z0-9.-]*?\d[a-z0-9.-]*)", re.IGNORECASE
)
_DBLP_KEY = re.compile(
    r"^(?:DBLP:)?(?P<key>(?:conf|journals|books|phd|series|tr)/[\w.-]+/[\w.-]+)$"
)


def is_arxiv_id(value: str) -> bool:
    """A bare arXiv id, new or old style, without a version."""
    return bool(_NEW_ID.match(value) or _OLD_ID.match(value))


def bare_arxiv(value: str) -> str:
    """`2104.12255v1` → `2104.12255`, `arXiv:2104.12255` → `2104.12255`: no version, no prefix."""
    value = re.sub(r"^arxiv\s*:\s*", "", value.strip(), flags=re.IGNORECASE)
    return _VERSION.sub("", value)


def arxiv_month(arxiv: str) -> tuple[int, int] | None:
    """(year, month) an arXiv id encodes: `1706.03762` → (2017, 6); None for anything else."""
    found = _NEW_ID.match(arxiv) or _OLD_ID.match(arxiv)
    if not found:
        return None
    yy, mm = int(found["yy"]), int(found["mm"])
    if not 1 <= mm <= 12:
        return None
    return (2000 + yy if yy < 91 else 1900 + yy), mm


def find_arxiv(text: str) -> str | None:
    """The first arXiv id `text` embeds: in an arXiv URL, as `arXiv:…`, or in an arXiv DOI."""
    if not _ARXIV_HINT.search(text):
        return None
    for pattern in (_ARXIV_IN_URL, _ARXIV_IN_TEXT, _ARXIV_IN_DOI):
        found = pattern.search(text)
        if found:
            return found["arxiv"]
    return None


def normalise_doi(value: str) -> str | None:
    """A DOI as papersync keeps it: lower-case, without resolver prefix; None if not a DOI."""
    doi = _DOI_PREFIX.sub("", value.strip())
    found = _DOI.match(doi)
    if not found:
        return None
    doi = _DOI_TAIL.sub("", found.group())
    return doi.lower() if "/" in doi and not doi.endswith("/") else None


def find_doi(text: str) -> str | None:
    """The first DOI `text` embeds (bare or in a URL; Nature article URLs name theirs)."""
    found = _DOI.search(text) if "10." in text else None
    if found:
        doi = _DOI_TAIL.sub("", found.group())
        if "/" in doi and not doi.endswith("/"):
            return doi.lower()
    nature = _NATURE_ARTICLE.search(text) if "nature.com" in text else None
    if nature:
        suffix = nature["suffix"].removesuffix(".pdf").rstrip(".-")
        return f"10.1038/{suffix}".lower()
    return None


def dblp_key(value: str) -> str | None:
    """A DBLP record key (`conf/cvpr/HeZRS16`), from itself or a `DBLP:`-prefixed BibTeX key."""
    found = _DBLP_KEY.match(value.strip())
    return found["key"] if found else None


def extract_ids(text: str) -> Ids:
    """The first arXiv id and the first DOI that `text` embeds (URLs, `arXiv:…`, bare DOIs)."""
    return Ids(arxiv=find_arxiv(text), doi=find_doi(text))


def written_ids(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each `arXiv:…` and bare DOI written out in `text`, in that order."""
    for found in _ARXIV_IN_TEXT.finditer(text):
        yield found.start(), found.group()
    for found in _DOI.finditer(text):
        yield found.start(), _DOI_TAIL.sub("", found.group())
