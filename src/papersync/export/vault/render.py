"""Jinja2 templates for the managed regions: the person's folder first, papersync's defaults
for whatever is missing. A broken template is one line naming its file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from papersync.errors import VaultError
from papersync.export.vault.regions import escape_markers

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")
_MARKUP = re.compile(r"[\\`*_\[\]<>#|$~^=%]")
"""Characters that make Markdown or Obsidian syntax: links, tags, emphasis, HTML, math,
highlights, comments, footnotes."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters but tab and line breaks (`\\r` is a line break here)."""


def markdown_text(value: object, *, paragraphs: bool = False) -> str:
    """`value` as literal text in a note: every Markdown and Obsidian markup character
    backslash-escaped and control characters dropped, so a title such as `[[x]] #tag` shows
    as written instead of linking or tagging. Line breaks become spaces unless `paragraphs`.
    """
    text = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = _MARKUP.sub(lambda m: "\\" + m[0], text)
    if paragraphs:
        return "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return " ".join(text.split())


class Renderer:
    """Renders a template to a region's content: trailing spaces and blank runs trimmed, and
    no line that could be taken for a region marker, whatever the values held."""

    def __init__(self, templates: Path | None = None) -> None:
        if templates is not None and not templates.is_dir():
            raise VaultError(f"{templates}: export.vault.templates is not a folder")
        search = [str(templates)] if templates is not None else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*search, str(DEFAULT_TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["md"] = markdown_text

    def render(self, template: str, **context: Any) -> str:
        try:
            loaded = self.env.get_template(template)
        except jinja2.TemplateSyntaxError as exc:
            raise VaultError(f"{exc.filename}:{exc.lineno}: {exc.message}") from exc
        try:
            text = loaded.render(**context)
        except jinja2.TemplateError as exc:
            raise VaultError(f"{loaded.filename}: {exc.message}") from exc
        text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
        return escape_markers(_BLANK_RUNS.sub("\n\n", text) + "\n")
