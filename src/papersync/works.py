"""Records of one work become one Paper: an arXiv preprint and its conference or journal version.

Pure. Two records are linked when a source states it (a shared arXiv id, DOI, DBLP key or S2
id: the arXiv snapshot's `doi`, Semantic Scholar's `externalIds`, Crossref's relations all
arrive as ids), or when a preprint and a published record agree on title, authors and year
so closely that no other record could be meant. A link that is not certain is not made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from enum import IntEnum

from papersync import ids as idtools
from papersync import match
from papersync.model import Ids, Paper, PaperKind

YEARS_APART = 2
"""A preprint and its published version appear within this many years of each other."""
AUTHOR_OVERLAP = 0.5
"""Share of the shorter author list that must appear in the other (family names)."""
RETITLE_OVERLAP = 0.8
"""Share of the longer title's content words a retitled version must share with the other."""
MIN_STEM = 3
"""Shortest word that may stand for a longer one (`net` for `networks`)."""
CONTAINED_WORDS = 6
"""Content words a title needs before "all of them kept, one or two added" is a certain link."""
CONTAINED_EXTRA = 2
_LINKING_IDS = ("arxiv", "doi", "dblp", "s2")
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]{2,}\b|\b[A-Z]{3,}\b")
"""A venue's short name: `CVPR`, `KDD`, `NeurIPS`, `SIGIR`."""
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_SHORT_YEAR = re.compile(r"'(\d\d)\b")


class Agreement(IntEnum):
    """How closely two titles agree, weakest first."""

    NONE = 0
    RETITLE = 1
    """Most content words kept (a subtitle dropped, a word changed): needs the same authors."""
    CONTAINED = 2
    """Every word of a long title kept, a word or two added (`CTR` spelt out, `Lifelong`)."""
    VARIANT = 3
    """The same words in the same order, some shortened (`Nets` for `Networks`)."""
    EQUAL = 4


def merge(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """One Paper per work among `papers`, in the order their first record appears.

    A work's top-level fields are its published record's (kind, venue, pages, DOI, year) when
    it has one; its ids are all its records' ids; `versions` holds the records themselves.
    """
    records = _flatten(papers)
    groups = _Groups(len(records))
    for i, j in _id_links(records):
        groups.join(i, j)
    for i, j in _title_links(records, groups):
        groups.join(i, j)
    members: dict[int, list[int]] = {}
    for index in range(len(records)):
        members.setdefault(groups.find(index), []).append(index)
    return tuple(_work([records[i] for i in group]) for group in members.values())


def linked(a: Paper, b: Paper) -> bool:
    """Whether two records are certainly one work (on their own, with no rival records)."""
    return len(merge([a, b])) == 1


def _flatten(papers: Iterable[Paper]) -> list[Paper]:
    records: list[Paper] = []
    for paper in papers:
        for record in paper.versions or (paper,):
            if record not in records:
                records.append(record)
    return records


class _Groups:
    """Union-find over record indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, index: int) -> int:
        while self.parent[index] != index:
            self.parent[index] = self.parent[self.parent[index]]
            index = self.parent[index]
        return index

    def join(self, a: int, b: int) -> None:
        self.parent[max(self.find(a), self.find(b))] = min(self.find(a), self.find(b))


def stated_ids(paper: Paper) -> set[str]:
    """The ids a record states, as `kind:value`; an arXiv DOI (10.48550/arXiv.…) is its arXiv id."""
    stated = {f"{name}:{value}" for name in _LINKING_IDS if (value := getattr(paper.ids, name))}
    if paper.ids.doi and (arxiv := idtools.find_arxiv(paper.ids.doi)):
        stated.discard(f"doi:{paper.ids.doi}")
        stated.add(f"arxiv:{idtools.bare_arxiv(arxiv)}")
    return stated


def _id_links(records: Sequence[Paper]) -> Iterable[tuple[int, int]]:
    first: dict[str, int] = {}
    for index, record in enumerate(records):
        for stated in sorted(stated_ids(record)):
            if stated in first:
                yield first[stated], index
            else:
                first[stated] = index


def _title_links(records: Sequence[Paper], groups: _Groups) -> list[tuple[int, int]]:
    """Preprint–published pairs that agree, each the other's one best partner.

    Where a published record agrees with two preprints (`Deep Interest Network` and `Deep
    Session Interest Network`), the equal title wins over the one with an added word; a tie
    at the best level is no link at all.
    """
    pairs = {
        (groups.find(i), groups.find(j)): agreement
        for i, a in enumerate(records)
        for j, b in enumerate(records)
        if a.kind is PaperKind.PREPRINT
        and b.kind is not PaperKind.PREPRINT
        and groups.find(i) != groups.find(j)
        and (agreement := _same_work(a, b)) is not Agreement.NONE
    }
    best: dict[int, list[tuple[Agreement, int]]] = {}
    for (i, j), agreement in pairs.items():
        best.setdefault(i, []).append((agreement, j))
        best.setdefault(j, []).append((agreement, i))
    return [(i, j) for i, j in pairs if _only_best(best[i], j) and _only_best(best[j], i)]


def _only_best(partners: list[tuple[Agreement, int]], partner: int) -> bool:
    top = max(agreement for agreement, _ in partners)
    return [other for agreement, other in partners if agreement == top] == [partner]


def _same_work(preprint: Paper, published: Paper) -> Agreement:
    """How the titles agree, when authors and years agree too; else NONE.

    A retitle needs both author lists to agree, or the preprint's own journal reference (arXiv's
    `journal-ref`, kept as its venue) to name the published record's venue and year. A title
    with all the other's words and one or two more links without authors only when the
    published title is the longer one: journals and proceedings spell out acronyms and add
    words, while a preprint adding a word to a published title is usually a follow-up paper.
    """
    agreement = title_agreement(preprint.title, published.title)
    if agreement is Agreement.NONE or not _years_agree(preprint, published):
        return Agreement.NONE
    overlap = author_overlap(preprint, published)
    authors_agree = overlap is not None and overlap >= AUTHOR_OVERLAP
    if agreement is Agreement.RETITLE:
        same = (authors_agree and _first_author_same(preprint, published)) or _journal_ref_names(
            preprint, published
        )
    elif agreement is Agreement.CONTAINED and overlap is None:
        same = len(match.normalise(published.title)) > len(match.normalise(preprint.title))
    else:
        same = overlap is None or authors_agree
    return agreement if same else Agreement.NONE


def _journal_ref_names(preprint: Paper, published: Paper) -> bool:
    """The preprint says where it appeared (`CVPR 2016`, `Proc. KDD '18`): an acronym of the
    published venue (`CVPR`, `KDD`) and, when it gives one, the published year."""
    if not preprint.venue or not published.venue or published.year is None:
        return False
    stated = set(_ACRONYM.findall(preprint.venue))
    years = {int(y) for y in _YEAR.findall(preprint.venue)}
    years |= {2000 + int(y) for y in _SHORT_YEAR.findall(preprint.venue)}
    return bool(stated & set(_ACRONYM.findall(published.venue))) and (
        not years or published.year in years
    )


def title_agreement(a: str, b: str) -> Agreement:
    left, right = match.normalise(a), match.normalise(b)
    if not left or not right or match.markers(left) != match.markers(right):
        return Agreement.NONE
    if left == right:
        return Agreement.EQUAL
    lwords, rwords = left.split(), right.split()
    if len(lwords) == len(rwords) and all(map(_same_word, lwords, rwords)):
        return Agreement.VARIANT
    lcontent = [w for w in lwords if w not in match.STOPWORDS]
    rcontent = [w for w in rwords if w not in match.STOPWORDS]
    shorter, longer = sorted((lcontent, rcontent), key=len)
    if len(shorter) < MIN_STEM:
        return Agreement.NONE
    kept, extra = _covered(shorter, longer)
    if kept == len(shorter) >= CONTAINED_WORDS and extra <= CONTAINED_EXTRA:
        return Agreement.CONTAINED
    return Agreement.RETITLE if kept / len(longer) >= RETITLE_OVERLAP else Agreement.NONE


def _covered(shorter: list[str], longer: list[str]) -> tuple[int, int]:
    """How many words of `shorter` the longer title has (a word, or an acronym of a run of its
    words: `ctr` for `click through rate`), and how many of its words are left over."""
    unused = list(longer)
    kept = 0
    for word in shorter:
        found = next((i for i, other in enumerate(unused) if _same_word(word, other)), None)
        if found is not None:
            del unused[found]
            kept += 1
            continue
        for start in range(len(unused) - len(word) + 1):
            run = unused[start : start + len(word)]
            if len(word) > 1 and "".join(w[0] for w in run) == word:
                del unused[start : start + len(word)]
                kept += 1
                break
    return kept, len(unused)


def _same_word(a: str, b: str) -> bool:
    """Equal, or one a shortening of the other (`nets`/`networks`, `model`/`models`)."""
    if a == b:
        return True
    a, b = a.rstrip("s"), b.rstrip("s")
    short, long = sorted((a, b), key=len)
    return len(short) >= MIN_STEM and short not in match.STOPWORDS and long.startswith(short)


def _years_agree(a: Paper, b: Paper) -> bool:
    return a.year is None or b.year is None or abs(a.year - b.year) <= YEARS_APART


def _families(paper: Paper) -> list[str]:
    return [match.normalise(author.family) for author in paper.authors if author.family.strip()]


def author_overlap(a: Paper, b: Paper) -> float | None:
    """Share of the shorter author list found in the other; None when either has no authors."""
    left, right = _families(a), _families(b)
    if not left or not right:
        return None
    shorter, longer = sorted((left, right), key=len)
    return sum(name in longer for name in shorter) / len(shorter)


def _first_author_same(a: Paper, b: Paper) -> bool:
    left, right = _families(a), _families(b)
    return bool(left and right and left[0] == right[0])


def _published_first(record: Paper) -> tuple[bool, bool, bool]:
    return (
        record.kind is PaperKind.PREPRINT,
        record.kind not in (PaperKind.CONFERENCE, PaperKind.ARTICLE),
        record.ids.doi is None,
    )


def _work(records: list[Paper]) -> Paper:
    if len(records) == 1:
        return records[0]
    ordered = sorted(records, key=_published_first)
    primary = ordered[0]
    preprints = [r for r in ordered if r.kind is PaperKind.PREPRINT]
    values = {
        f.name: next((v for r in ordered if (v := _own_id(r, f.name))), None) for f in fields(Ids)
    }
    if preprints and preprints[0].ids.arxiv:
        values["arxiv"] = preprints[0].ids.arxiv
    return replace(
        primary,
        ids=Ids(**values),
        authors=next((r.authors for r in ordered if r.authors), ()),
        year=next((r.year for r in ordered if r.year), None),
        abstract=next((r.abstract for r in ordered if r.abstract), None),
        names=tuple(dict.fromkeys(n for r in ordered for n in r.names)),
        versions=tuple(ordered),  # the published record first: what `version("published")` shows
    )


def _own_id(record: Paper, name: str) -> str | None:
    """An id of the record, leaving out an arXiv DOI as a work's DOI (it names the preprint)."""
    value: str | None = getattr(record.ids, name)
    if name == "doi" and value and idtools.find_arxiv(value):
        return None
    return value
