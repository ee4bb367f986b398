"""Mentions a line writes on purpose: a title between markers (`《》`), a to-do item, an
Obsidian wikilink to a title, an emphasised title followed by a link to the paper."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import replace

from papersync.ids import extract_ids
from papersync.model import MentionKind
from papersync.parse.bodies import URL
from papersync.parse.draft import Draft
from papersync.parse.links import LINK, PAPER_LABELS, is_label, is_paper_url
from papersync.parse.titles import GLUED_YEAR, looks_like_title, read_title, remark_start
from papersync.parse.titles import year_hint as stated_year
from papersync.parse.trailers import trailing_hints

CHECKBOX = re.compile(r"^(?P<indent>\s*)[-*+][ \t]+\[(?P<mark>[ xX])\][ \t]+(?P<item>\S.*?)\s*$")
WIKILINK = re.compile(
    r"(?<!!)\[\[(?P<target>[^\[\]|#^]+)(?:#[^\[\]|]*)?(?:\|(?P<shown>[^\[\]]+))?\]\]"
    r"(?:\((?P<url>[^()\s]*)\))?"
)
_EMPHASISED = re.compile(
    r"(?P<open>\*\*|__|\*|_|<(?P<tag>u|i|b|em|strong)>)(?P<text>[^*_<>\[\]]{8,300}?)"
    r"(?:\*\*|__|\*|_|</(?P=tag)>)(?=[\s.,:;，。：(（-]*\[)"
)
_FOLLOWING_LINK = re.compile(
    r"[\s.,:;，。：(（-]*\[\[?(?P<text>[^\[\]]*)\]?\]\((?P<url>[^()\s]*)\)"
)


def marked(
    index: int, line: str, marker: re.Pattern[str], checkbox: re.Match[str] | None
) -> list[Draft]:
    """Every title between markers on a line, each with the ids, link and venue/year written
    in its own stretch of the line (up to the next marker; the first also before it)."""
    kind = checkbox_kind(checkbox) if checkbox else MentionKind.READ
    found = list(marker.finditer(line))
    drafts: list[Draft] = []
    for number, match in enumerate(found):
        raw = match[match.lastgroup or ""]
        parts = read_title(raw)
        if not parts.title:
            continue
        begin = found[number - 1].end() if number else 0
        end = found[number + 1].start() if number + 1 < len(found) else len(line)
        after = line[match.end():end]
        hints = parts.hints
        around = None
        if not (hints.venue and hints.year):  # `《T》 <kbd>CVPR 2022</kbd>`, `【CVPR 2022】《T》`
            around = trailing_hints(after)
            if not around and number == 0:
                around = trailing_hints(line[: match.start()])
        if around:
            hints = replace(hints, venue=hints.venue or around.venue,
                            year=hints.year or around.year)
        drafts.append(Draft(
            line=index, start=match.start(), body_from=match.end(), raw=raw, kind=kind,
            ids=extract_ids(line[begin:end]), title=parts.title, alias=parts.alias,
            hints=hints, url=_paper_link(after),
        ))
    return drafts


def checkbox_kind(found: re.Match[str]) -> MentionKind:
    return MentionKind.TO_READ if found["mark"] == " " else MentionKind.READ


def checkbox(index: int, found: re.Match[str]) -> Draft | None:
    """A to-do item naming a paper: title-shaped once its remark is cut, or carrying an id."""
    raw = found["item"]
    kind = checkbox_kind(found)
    cut = remark_start(raw)
    parts = read_title(raw[:cut])
    title = GLUED_YEAR.sub("", parts.title).rstrip() if cut < len(raw) else parts.title
    ids = extract_ids(raw)
    if not ids and not looks_like_title(title):
        return None
    start = found.start("item")
    return Draft(
        line=index, start=start, body_from=start + cut, raw=raw, kind=kind, ids=ids,
        title=title, alias=parts.alias, hints=parts.hints, url=_paper_link(raw),
        year_hint=stated_year(raw[cut:]) if cut < len(raw) else None,
    )


def wikilinks(
    index: int, line: str, kind: MentionKind, ignore: Collection[str]
) -> Iterator[Draft]:
    """`[[Title]]`, `[[Title|shown]]` and `[[Title]](url)` whose target is title-shaped and
    is not one of the vault's own notes (`ignore`, case-folded names); a link to the paper
    after it (`[[PDF]](url)`) gives its URL and ids."""
    titled = [
        found for found in WIKILINK.finditer(line)
        if not is_label(target := found["target"].strip())
        and target.casefold() not in ignore and looks_like_title(target)
    ]
    for number, found in enumerate(titled):
        parts = read_title(found["target"].strip())
        shown = (found["shown"] or "").strip()
        alias = parts.alias or (shown if shown and read_title(shown).is_name else None)
        end = titled[number + 1].start() if number + 1 < len(titled) else len(line)
        url = found["url"] or _paper_link(line[found.end():end])
        yield Draft(
            line=index, start=found.start("target"), body_from=found.end(),
            raw=found["target"].strip(),
            kind=kind, ids=extract_ids(url or ""), title=parts.title, alias=alias,
            hints=parts.hints, url=url,
        )


def emphasised(index: int, line: str, kind: MentionKind) -> Iterator[Draft]:
    """`**Title** [PDF](url)`, `<u>Title</u> ([arXiv](url))`: an emphasised title followed
    at once by a link to the paper (a paper URL, or a link labelled as one)."""
    for found in _EMPHASISED.finditer(line):
        link = _FOLLOWING_LINK.match(line, found.end())
        text = found["text"].strip()
        if link is None or not looks_like_title(text):
            continue
        if not (is_paper_url(link["url"]) or is_label(link["text"], PAPER_LABELS)):
            continue
        parts = read_title(text)
        yield Draft(
            line=index, start=found.start("text"), body_from=link.end(), raw=text, kind=kind,
            ids=extract_ids(link["url"]), title=parts.title, alias=parts.alias,
            hints=parts.hints, url=link["url"],
        )


def _paper_link(text: str) -> str | None:
    """The first link in `text` that points at a paper."""
    for found in LINK.finditer(text):
        if found["target"] and is_paper_url(found["target"]):
            return found["target"].strip()
    for found in WIKILINK.finditer(text):
        if found["url"] and is_paper_url(found["url"]):
            return str(found["url"])
    for found in URL.finditer(text):
        if is_paper_url(found.group()):
            return found.group().rstrip(".,;:!?'\"*_")
    return None
