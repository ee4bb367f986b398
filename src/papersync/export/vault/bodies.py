"""A mention's body as it reaches its note: the person's Markdown as they wrote it, with what
would break inside a vault mended.

- `[[PDF]](url)` (a log's habit) is a Markdown link, `[PDF](url)`, not a wikilink to nowhere;
- a wikilink to a title the log mentions goes to that paper's note; one to no note in the
  vault is left as its text, so the vault has no broken link;
- indentation the body kept from its place in the log is removed (it would make a code
  block of a list), and a body with no word in it (`、`, `)`) is no body.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Callable

_LOG_LINK = re.compile(r"(?<!!)\[\[([^\[\]\n|]+)\]\](?=\([^)\s]*\))")
"""`[[PDF]](https://…)`: a wikilink glued to a URL, which the log meant as a Markdown link."""
_WIKILINK = re.compile(
    r"(?P<embed>!?)\[\[(?P<target>[^\[\]\n|#^]*)(?P<sub>[#^][^\[\]\n|]*)?(?:\|(?P<text>[^\[\]\n]*))?\]\]"
)
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)


def has_words(text: str) -> bool:
    """Whether `text` holds a letter, a digit or a symbol such as an emoji: not only
    punctuation and space, which a body cut at the wrong place often is."""
    return any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "So" for c in text)


def dedent_body(body: str) -> str:
    """The body with the indentation it had in the log removed. Its first line was cut from
    the mention's own line (already unindented); the others keep their depth relative to
    each other, so a nested list stays nested and nothing becomes a code block."""
    first, newline, rest = body.partition("\n")
    return first + newline + textwrap.dedent(rest) if newline else body


def rewrite_log_links(text: str) -> str:
    """`[[PDF]](url)` → `[PDF](url)`: a log's link label in wikilink brackets."""
    return _LOG_LINK.sub(lambda m: f"[{m[1]}]", text)


def settle_wikilinks(text: str, resolve: Callable[[str], str | None]) -> str:
    """Every wikilink lands: `resolve` gives a target for a written one (a note in the vault,
    or the note of a paper the log names by that title) or None, and then its text stays
    as plain text. Embeds of files other than notes (`![[fig.png]]`) are left as written."""

    def settle(found: re.Match[str]) -> str:
        target = found["target"].strip()
        if found["embed"] and "." in target.rpartition("/")[2]:
            return found[0]
        shown = found["text"] if found["text"] is not None else target
        landed = resolve(target) if target else None
        if landed is None:
            return shown
        if landed == target:
            return found[0]
        return f"{found['embed']}[[{landed}{found['sub'] or ''}|{shown}]]"

    out: list[str] = []
    last = 0
    for code in _CODE.finditer(text):
        out.append(_WIKILINK.sub(settle, text[last : code.start()]))
        out.append(code[0])
        last = code.end()
    out.append(_WIKILINK.sub(settle, text[last:]))
    return "".join(out)


def clean_body(body: str, resolve: Callable[[str], str | None]) -> str:
    """A mention's body ready for its note; empty when it says nothing."""
    body = body.strip("\n")
    if not has_words(body):
        return ""
    return settle_wikilinks(rewrite_log_links(dedent_body(body)), resolve)
