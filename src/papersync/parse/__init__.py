"""Read a Markdown reading log into `Mention`s: text in, values out, no I/O.

- `log`: walks the lines (headings and their dates, fences, lists, tables) into mentions;
- `titles`: the title inside a mention (markup, alias, the shape of a title);
- `dates`: the dates a log states; `bodies`: the text that belongs to a mention;
- `links`: links, URLs and written ids; `patterns`: the configurable shapes.
"""

from papersync.parse.log import group, parse
from papersync.parse.patterns import DEFAULT_PATTERNS, Patterns
from papersync.parse.titles import clean_title, looks_like_title

__all__ = [
    "DEFAULT_PATTERNS",
    "Patterns",
    "clean_title",
    "group",
    "looks_like_title",
    "parse",
]
