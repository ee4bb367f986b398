"""Papers of our own making for the .bib tests: each breaks a naive exporter somewhere."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from papersync.citekey import assign
from papersync.model import Author, Ids, Match, Mention, Paper, PaperKind, Reference, Status

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bibtex"
HANDWRITTEN = (FIXTURES / "handwritten.bib").read_text(encoding="utf-8")
HANDWRITTEN_KEYS = ("mine2001", "oldstyle1999", "indented2020")
FREE_TEXT = "Free text between entries is a comment for BibTeX.\n"
COMPILABLE = HANDWRITTEN.replace(FREE_TEXT, "")
"""The fixture minus its free text, which biber (not bibtex) warns about as "junk at toplevel"."""


def mention(title: str, line: int = 1) -> Mention:
    return Mention(raw=f"《{title}》", title=title, file="log/2023.md", line=line)


def reference(paper: Paper, citekey: str, status: Status = Status.MATCHED) -> Reference:
    key = paper.ids.key()
    assert key is not None
    return Reference(key, paper, citekey, (mention(paper.title),), status)


VAE = Paper(
    Ids(arxiv="1312.6114"),
    "Auto-Encoding Variational Bayes",
    "arxiv",
    (Author("Kingma", "Diederik P."), Author("Welling", "Max")),
    2013,
    date="2013-12-20",
    primary_class="stat.ML",
)
BERT = Paper(
    Ids(arxiv="1810.04805", doi="10.18653/v1/n19-1423"),
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "s2",
    (Author("Devlin", "Jacob"), Author("Chang", "Ming-Wei")),
    2019,
    venue="Proceedings of NAACL-HLT 2019",
    kind=PaperKind.CONFERENCE,
    pages="4171--4186",
    primary_class="cs.CL",
)


def hostile() -> list[Paper]:
    """Metadata of our own making that breaks naive exporters."""
    return [
        VAE,
        BERT,
        Paper(
            Ids(doi="10.1000/r&d_100%{x}"),
            "Braces {unbalanced and 100% of R&D: $O(n \\log n)$ costs $5 #1 a_b ~x^2 \\relax",
            "crossref",
            (
                Author("van den Oord", "Aäron"),
                Author("Schrödinger", "Érwin"),
                Author("OpenAI", literal=True),
                Author("Smith and Sons", "J."),
                Author("Łukasiewicz", "Jan"),
                Author("Nguyễn", "Thị Minh"),
            ),
            2021,
            venue="Journal of A & B {Studies}",
            kind=PaperKind.ARTICLE,
            volume="12",
            issue="3",
            pages="1-10",
            url="https://example.org/a_b?x=1%202#frag",
        ),
        Paper(
            Ids(arxiv="2303.08774"),
            "GPT-4 Technical Report on ImageNet, T5 and the $\\alpha$-divergence",
            "arxiv",
            (Author("OpenAI", literal=True),),
            2023,
            primary_class="cs.CL",
        ),
        Paper(
            Ids(doi="10.1000/cjk.1"),
            "深度学习：中文 NLP 的 Überblick",
            "crossref",
            (Author("王", "小明"), Author("Müller", "Jürgen")),
            2022,
            venue="计算机学报",
            kind=PaperKind.ARTICLE,
        ),
        Paper(
            Ids(arxiv="2206.04615"),
            "Beyond the Imitation Game: Quantifying and Extrapolating the Capabilities of LMs",
            "arxiv",
            tuple(
                Author(f"Author{chr(65 + i // 26)}{chr(97 + i % 26)}", "Ann") for i in range(200)
            ),
            2022,
        ),
        Paper(
            Ids(doi="10.1000/noyear"),
            "A Paper Without a Year",
            "crossref",
            (Author("Nobody", "Ned"),),
            None,
            venue="Workshop Notes",
            kind=PaperKind.ARTICLE,
        ),
        Paper(Ids(doi="10.1000/anon"), "Anonymous Findings", "crossref", (), 2020),
        Paper(
            Ids(doi="10.1000/report"),
            "Costs of Training",
            "crossref",
            (Author("Lee", "Kim"),),
            2020,
            publisher="ACME Labs",
            kind=PaperKind.REPORT,
        ),
        DBLP_ONLY,
        RECORD_ONLY,
        CONTROLS,
    ]


DBLP_ONLY = Paper(
    Ids(dblp="conf/nips/VaswaniSPUJGKP17"),
    "Attention is All you Need",
    "dblp",
    (Author("Vaswani", "Ashish"), Author("Shazeer", "Noam")),
    2017,
    venue="Advances in Neural Information Processing Systems 30",
    kind=PaperKind.CONFERENCE,
    pages="5998--6008",
)
"""Most NeurIPS papers: a DBLP record, no DOI, no arXiv id linked."""
RECORD_ONLY = Paper(
    Ids(record="bib:smith2020notes"),
    "Notes on Widgets",
    "catalog",
    (Author("Smith", "Jane"),),
    2020,
    venue="Widget Workshop",
    kind=PaperKind.ARTICLE,
)
"""Known only from the person's own .bib: its one id is that entry's key."""
CONTROLS = Paper(
    Ids(doi="10.1000/ctrl"),
    "Null\x00 Bytes,\x07 Bells and\x1b[0m Escapes\x7f in\x9b Titles",
    "crossref",
    (Author("Ctrl\x01", "Bell"),),
    2019,
)
"""Control characters as a broken source sends them: C0, DEL, C1."""


def hostile_references() -> list[Reference]:
    papers = {p.ids.key() or "": p for p in hostile()}
    keys = assign(papers, {})
    return [reference(p, keys[k]) for k, p in papers.items()]


def hostile_with_ambiguous() -> list[Reference]:
    """The hostile set, its last paper an uncertain match noted from an awkward file name."""
    *sure, last = hostile_references()
    odd_place = Mention("x", "x", file="notes/100% my_log & {drafts}.md", line=7)
    return [*sure, replace(last, status=Status.AMBIGUOUS, mentions=(odd_place,))]


UNRESOLVED = (
    Match(mention("Some talk@venue I could not find", 40), Status.UNRESOLVED),
    Match(mention("Attention", 41), Status.AMBIGUOUS),
    Match(mention("my cat", 42), Status.NOT_A_PAPER),
)
