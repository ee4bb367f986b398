"""One family of errors: every failure papersync reports to a person is a `PapersyncError`.

Each class carries the exit code the CLI returns for it, so the CLI catches one class and
prints one line. Messages name the file and line, or the config key, and never a secret.
"""

from __future__ import annotations


class PapersyncError(Exception):
    """A failure to report as one line, with the exit code that goes with it."""

    exit_code = 1


class ConfigError(PapersyncError):
    """The config (or a command's arguments) cannot be used: exit 2, naming the key path."""

    exit_code = 2


class LockError(PapersyncError):
    """The lock file cannot be read or has values of the wrong type; it is left untouched."""


class RunLockedError(PapersyncError):
    """Another papersync run holds the run lock for this state folder."""


class CommandError(PapersyncError):
    """A command cannot do what was asked (bad argument, nothing to work on)."""


class CatalogError(PapersyncError):
    """The local catalog cannot be opened, read or written."""


class SourceError(PapersyncError):
    """An online source could not answer; sources return these as data, never raise them far."""


class ExportError(PapersyncError):
    """A target cannot be written (vault, Zotero, BibTeX)."""


class VaultError(ExportError):
    """The vault folder cannot be used."""


class ZoteroError(ExportError):
    """The Zotero library refused or could not be reached."""


class FormulaError(ConfigError, ValueError):
    """A citation-key formula in the config does not parse."""
