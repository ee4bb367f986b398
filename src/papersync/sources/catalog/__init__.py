"""The local catalog: papers from an arXiv snapshot, a BibTeX library or CSL-JSON, in SQLite.

`store` keeps and searches them; one reader per format turns a file into rows, reporting each
record it cannot read with its line. Deleting the catalog loses nothing but import time.
"""

from __future__ import annotations

from papersync.sources.catalog.arxiv_jsonl import parse_arxiv_record, submission_month
from papersync.sources.catalog.bibtex import parse_bibtex_entry
from papersync.sources.catalog.csl import parse_csl_item
from papersync.sources.catalog.records import Problem
from papersync.sources.catalog.store import FORMATS, Catalog, ImportReport, format_of

__all__ = [
    "FORMATS",
    "Catalog",
    "ImportReport",
    "Problem",
    "format_of",
    "parse_arxiv_record",
    "parse_bibtex_entry",
    "parse_csl_item",
    "submission_month",
]
