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
