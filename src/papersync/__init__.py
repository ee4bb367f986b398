"""papersync: keep a Markdown paper-reading log in sync with BibTeX, Zotero and Obsidian."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("papersync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
