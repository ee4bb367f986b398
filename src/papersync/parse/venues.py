"""The venue lexicon: names people write beside a title for where a paper appeared.

One table, data only. An entry is matched case-insensitively as a whole word, optionally
followed by a year (`CVPR 2022`, `ICCV'21`, `NeurIPS2020`). Add a venue here, nowhere else.
"""

from __future__ import annotations

import re

VENUES: tuple[str, ...] = (
    # preprint servers and review sites
    "arXiv", "bioRxiv", "medRxiv", "OpenReview", "SSRN",
    # machine learning
    "NeurIPS", "NIPS", "ICML", "ICLR", "COLT", "AISTATS", "UAI", "ACML", "TMLR", "JMLR",
    "MLSys", "CoRL", "L4DC", "LoG",
    # artificial intelligence
    "AAAI", "IJCAI", "ECAI", "AAMAS", "KR",
    # vision and graphics
    "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "ACCV", "3DV", "ICIP", "ICPR", "TPAMI", "PAMI",
    "IJCV", "TIP", "SIGGRAPH", "SIGGRAPH Asia", "TOG", "Eurographics", "GCPR", "MICCAI",
    # language and speech
    "ACL", "EMNLP", "NAACL", "EACL", "AACL", "COLING", "CoNLL", "TACL", "LREC", "INTERSPEECH",
    "ICASSP", "SemEval", "WMT", "IJCNLP",
    # data, web, retrieval, recommendation
    "KDD", "SIGKDD", "WWW", "TheWebConf", "WSDM", "SIGIR", "CIKM", "RecSys", "ICDM", "SDM",
    "ECIR", "ICDE", "VLDB", "SIGMOD", "TKDE", "TOIS", "ECML", "ECML-PKDD", "PAKDD",
    # robotics
    "ICRA", "IROS", "RSS", "RA-L", "RAL", "T-RO", "IV", "ITSC",
    # systems, security, software
    "OSDI", "SOSP", "NSDI", "EuroSys", "ASPLOS", "ISCA", "MICRO", "USENIX", "ATC", "SC",
    "PPoPP", "CCS", "S&P", "ICSE", "FSE", "ASE", "PLDI", "POPL",
    # journals and magazines
    "Nature", "Science", "PNAS", "Cell", "Neural Computation", "Neurocomputing", "TNNLS",
    "Pattern Recognition", "CACM", "Nature Machine Intelligence", "Nature Communications",
    # human-computer interaction, multimedia
    "CHI", "UIST", "CSCW", "ACM MM", "MM", "ICMR", "ICME",
)

_QUALIFIERS: tuple[str, ...] = (
    "Findings of", "Findings", "Proceedings of", "Proc.", "Workshop on", "Workshops",
    "Workshop", "Submit to", "Submitted to", "Submission to", "Accepted at", "Accepted by",
    "Accepted to", "Published in", "Published at", "Under review at", "Under review",
    "In",
)
"""Words around a venue that say how the paper relates to it."""

PRESENTATIONS: tuple[str, ...] = (
    "Oral", "Spotlight", "Poster", "Best Paper", "Best Paper Award", "Best Student Paper",
    "Honorable Mention", "Outstanding Paper", "Long", "Short", "Long Paper", "Short Paper",
    "Main", "Main Conference", "Demo", "Workshop", "Highlight", "Award Candidate",
    "Camera Ready", "Preprint", "Technical Report", "Tech Report",
)
"""What people add after a venue: the paper's track or award, never part of its title."""


def _alternatives(words: tuple[str, ...]) -> str:
    ordered = sorted(words, key=len, reverse=True)  # longest first: `ECML-PKDD` before `ECML`
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)


VENUE = rf"(?:{_alternatives(VENUES)})"
QUALIFIER = rf"(?:{_alternatives(_QUALIFIERS)})"
PRESENTATION = rf"(?:{_alternatives(PRESENTATIONS)})"

_CANONICAL = {word.casefold(): word for word in VENUES}
STARTS = frozenset(
    word.split()[0].casefold() for word in (*VENUES, *_QUALIFIERS, *PRESENTATIONS)
)
"""The first words a venue, qualifier or track can begin with."""
_SPACES = re.compile(r"\s+")


def venue_named(words: str) -> str | None:
    """The venue `words` name exactly (`neurips`, `CVPRW`), or None."""
    key = words.casefold()
    found = _CANONICAL.get(key) or _CANONICAL.get(key.removesuffix("w").removesuffix("-"))
    return found


def canonical(written: str) -> str:
    """The lexicon's spelling of a venue as written (`neurips` → `NeurIPS`)."""
    key = _SPACES.sub(" ", written.strip()).casefold()
    return _CANONICAL.get(key, written.strip())
