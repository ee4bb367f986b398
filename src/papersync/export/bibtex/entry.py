"""One reference → one BibTeX entry: only what its source said, in BibTeX spelling.

A journal paper is `@article`, a proceedings paper `@inproceedings`, a book `@book`, a report
`@techreport` — when the fields bibtex's standard styles require are known; otherwise `@misc`
(biblatex: `@online` when there is a link), so plain styles never warn about a missing field
(plainnat still wants a year of every entry; none is invented). arXiv ids become `eprint` +
`archivePrefix`/`primaryClass` (biblatex: `eprinttype`/`eprintclass`) beside any venue, a
DBLP record its `biburl` (as DBLP writes it); a paper with none of these ids (a Semantic Scholar
or catalog record alone) carries its paper key in a `papersync` field, which styles ignore, so
its entry can always be told apart from the person's own without the lock file. A work with
a published version is shown as that version by default (`prefer`), its arXiv id kept as the
eprint. Nothing is invented; the one field not from a source is bibtex's `key` (the title) on
author-less entries, which styles sort and label by. Ambiguous matches exported on request
carry an `annote` saying so (styles do not print it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bwriter import BibTexWriter

from papersync.export.bibtex.latex import Untypable, latex, latex_name, verbatim
from papersync.ids import bare_arxiv, dblp_key, is_arxiv_id
from papersync.model import Ids, Paper, PaperKind, Reference, Status

FIELD_ORDER = [
    "author", "title", "journal", "journaltitle", "booktitle", "howpublished", "publisher",
    "institution", "year", "date", "volume", "number", "pages", "doi", "eprint",
    "archiveprefix", "eprinttype", "primaryclass", "eprintclass", "url", "biburl", "papersync",
    "key", "annote",
]  # fmt: skip
_SPELLING = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_OWN_SHAPE = re.compile(r"@[a-z]+\{[^,\s{}]+(?P<fields>(?:,\n  [A-Za-z]+ = \{[^\n]*\})*)\n\}")
_OWN_FIELD = re.compile(r",\n  ([A-Za-z]+) = ")
_OWN_VALUE = re.compile(r",\n  ([A-Za-z]+) = \{([^\n]*)\}(?=,\n|\n\}$)")
_DBLP_BIBURL = ("https://dblp.org/rec/", ".bib")

Fields = dict[str, str | None]


@dataclass(frozen=True)
class _Spell:
    """How values are spelt for one entry; `untypable` collects what ASCII cannot spell."""

    ascii: bool
    untypable: Untypable | None

    def text(self, value: str | None) -> str | None:
        return latex(value, ascii=self.ascii, untypable=self.untypable) if value else None


def entry_fields(
    reference: Reference,
    *,
    dialect: str,
    ascii: bool,
    untypable: Untypable | None = None,
    prefer: str = "published",
) -> tuple[str, dict[str, str]]:
    """Entry type and fields for one reference: only what its source said, in BibTeX spelling.

    A work is shown as its `prefer`red version (`published` or `preprint`), keeping every id.
    """
    paper = reference.paper.version(prefer)
    biblatex = dialect == "biblatex"
    spell = _Spell(ascii, untypable)
    names = [latex_name(a, ascii, untypable) for a in paper.authors if a.family or a.given]
    fields: Fields = {
        "author": " and ".join(names) or None,
        "title": latex(paper.title, ascii=ascii, title=True, untypable=untypable) or None,
    }
    complete = bool(names) and (paper.year is not None or biblatex)
    typed = _published(paper, spell, biblatex) if complete else None
    entrytype, venue = typed or _misc(paper, spell, biblatex)
    fields.update(venue)
    fields.update(_dates(paper, spell, biblatex, authored=bool(names)))
    fields.update(_links(paper, spell, biblatex))
    if reference.status is Status.AMBIGUOUS:
        fields["annote"] = _uncertain(reference, ascii)
    return entrytype, {k: v for k, v in fields.items() if v}


def _published(paper: Paper, spell: _Spell, biblatex: bool) -> tuple[str, Fields] | None:
    """The standard type for a paper's kind, when the fields its styles require are known."""
    venue, publisher = spell.text(paper.venue), spell.text(paper.publisher)
    kind = paper.kind
    if kind is PaperKind.ARTICLE and venue:
        journal = "journaltitle" if biblatex else "journal"
        return "article", {
            journal: venue,
            "volume": spell.text(paper.volume),
            "number": spell.text(paper.issue),
            "pages": spell.text(paper.pages),
        }
    if kind is PaperKind.CONFERENCE and venue:
        return "inproceedings", {
            "booktitle": venue,
            "publisher": publisher,
            "pages": spell.text(paper.pages),
        }
    if kind is PaperKind.BOOK and publisher:
        return "book", {"publisher": publisher}
    if kind is PaperKind.REPORT and publisher:
        return "techreport", {"institution": publisher}
    return None


def _misc(paper: Paper, spell: _Spell, biblatex: bool) -> tuple[str, Fields]:
    """`@misc` (biblatex: `@online` for a linked paper with no other venue) for the rest."""
    preprint = paper.kind is PaperKind.PREPRINT
    # an arXiv preprint's venue says "arXiv" again; any other venue is worth keeping
    howpublished = None if preprint and paper.ids.arxiv else spell.text(paper.venue)
    linked = bool(paper.ids.arxiv or paper.ids.doi or paper.url)
    entrytype = "online" if biblatex and linked and not howpublished else "misc"
    return entrytype, {
        "howpublished": howpublished,
        "publisher": None if preprint else spell.text(paper.publisher),
    }


def _dates(paper: Paper, spell: _Spell, biblatex: bool, *, authored: bool) -> Fields:
    if biblatex:
        return {"date": _date(paper)}
    year = f"{paper.year:04d}" if paper.year is not None else None
    if authored:
        return {"year": year}
    # bibtex styles sort and label by `key` when there is no author
    return {"year": year, "key": spell.text(paper.title)}


def _date(paper: Paper) -> str | None:
    agrees = paper.year is None or (paper.date or "").startswith(f"{paper.year:04d}")
    if paper.date and _ISO_DATE.fullmatch(paper.date) and agrees:
        return paper.date
    return f"{paper.year:04d}" if paper.year is not None else None


def _links(paper: Paper, spell: _Spell, biblatex: bool) -> Fields:
    """DOI, arXiv eprint (its class from whichever version states one), link, DBLP record."""
    arxiv, dblp = paper.ids.arxiv, paper.ids.dblp
    fields: Fields = {"doi": verbatim(paper.ids.doi) if paper.ids.doi else None}
    if arxiv:
        classes = (v.primary_class for v in (paper, *paper.versions) if v.primary_class)
        primary_class = spell.text(next(classes, None))
        fields["eprint"] = verbatim(arxiv)
        if biblatex:
            fields.update(eprinttype="arxiv", eprintclass=primary_class)
        else:
            fields.update(archiveprefix="arXiv", primaryclass=primary_class)
    url = paper.url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None)
    fields["url"] = verbatim(url) if url else None
    fields["biburl"] = verbatim(dblp.join(_DBLP_BIBURL)) if dblp else None
    if not (arxiv or paper.ids.doi or dblp):
        fields["papersync"] = verbatim(paper.ids.key() or "") or None
    return fields


def _uncertain(reference: Reference, ascii: bool) -> str:
    where = ", ".join(f"{m.file}:{m.line}" for m in reference.mentions[:3])
    note = "papersync: uncertain match, check it before citing" + (f" ({where})" if where else "")
    return latex(note, ascii=ascii)


def written_by_papersync(block: str) -> bool:
    """Whether a block has exactly the shape papersync writes: its fields, in its order.

    Anything else under a key papersync owns was written or edited by hand, and is left alone;
    an edit that keeps this shape (a retyped title) cannot be told apart and is overwritten.
    Line endings do not count: an entry saved with CRLF is still papersync's.
    """
    shape = _OWN_SHAPE.fullmatch(block.replace("\r\n", "\n"))
    if shape is None:
        return False
    names = [_SPELLING.get(f, f) for f in FIELD_ORDER]
    found = _OWN_FIELD.findall(shape.group("fields"))
    if not set(found) <= set(names):
        return False
    return found == sorted(found, key=names.index)


def own_ids(block: str) -> Ids | None:
    """The ids an entry in papersync's own shape holds (eprint, DOI, DBLP record, paper key).

    The inverse of `_links`: how papersync knows its own entries without the lock file.
    None for an entry in any other shape: a person's entry is never taken for papersync's.
    """
    if not written_by_papersync(block):
        return None
    fields = {
        name.lower(): value for name, value in _OWN_VALUE.findall(block.replace("\r\n", "\n"))
    }
    eprint = bare_arxiv(unquote(fields.get("eprint", "")))
    biburl = unquote(fields.get("biburl", ""))
    dblp = biburl.removeprefix(_DBLP_BIBURL[0]).removesuffix(_DBLP_BIBURL[1])
    prefix, _, other = unquote(fields.get("papersync", "")).partition(":")
    return Ids(
        arxiv=eprint if is_arxiv_id(eprint) else None,
        doi=unquote(fields["doi"]).lower() if "doi" in fields else None,
        dblp=dblp_key(dblp) if biburl.startswith(_DBLP_BIBURL[0]) else None,
        s2=other if prefix == "s2" and other else None,
        record=other if prefix == "record" and other else None,
    )


def write_entry(citekey: str, entrytype: str, fields: dict[str, str]) -> str:
    """The entry's text as papersync writes it (bibtexparser only ever writes these)."""
    database = BibDatabase()
    database.entries = [
        {
            "ENTRYTYPE": entrytype,
            "ID": citekey,
            **{_SPELLING.get(k, k): v for k, v in fields.items()},
        }
    ]
    writer = BibTexWriter()
    writer.indent = "  "
    writer.order_entries_by = None
    writer.display_order = [_SPELLING.get(k, k) for k in FIELD_ORDER]
    return str(writer.write(database)).rstrip("\n")
