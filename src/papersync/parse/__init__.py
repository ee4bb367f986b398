"""Read a Markdown reading log into `Mention`s: text in, values out, no I/O.

- `log`: walks the lines (headings and the dates they state, date lines, tables, fences)
  and gives each mention its date, section and body; `parse_log` also returns problems;
- `mentions`: titles between markers, to-dos, wikilinks, emphasised titles with a link;
- `links`: Markdown links, URLs, written ids and reading-list tables;
- `titles`: the title inside a mention (markup, alias, short names, the shape of a title);
- `trailers` and `venues`: what is written around a title (venue, year, authors, remarks);
- `dates`: the dates a log states; `bodies`: the text that belongs to a mention;
- `cues`: a reading-list row that is a talk, a book or a video rather than a paper;
- `patterns`: the configurable shapes.
"""

from papersync.parse.log import ParsedLog, parse, parse_log
from papersync.parse.patterns import DEFAULT_PATTERNS, Patterns
from papersync.parse.titles import TitleParts, clean_title, looks_like_title, read_title

__all__ = [
    "DEFAULT_PATTERNS",
    "ParsedLog",
    "Patterns",
    "TitleParts",
    "clean_title",
    "looks_like_title",
    "parse",
    "parse_log",
    "read_title",
]
