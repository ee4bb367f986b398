"""The run's memory of itself: when nothing a sync reads has changed, it need not run again.

A digest of every input (the effective config, notes, lock, catalog, templates, version) and
the size and mtime of every output are kept in the state folder after a clean run; the next
run with equal inputs and untouched outputs returns the remembered report instead of
re-deciding and re-rendering.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from papersync import __version__, atomic, registry
from papersync.config import Config
from papersync.export import Outcome
from papersync.lock import lock_path
from papersync.model import Status
from papersync.report import Report
from papersync.session import CATALOG_NAME

FINGERPRINT_NAME = ".papersync.fingerprint.json"


def inputs_digest(config: Config, notes_files: Sequence[Path], *, offline: bool) -> str:
    """A digest of everything a sync reads.

    The effective config (after the environment, see `config.ENVIRONMENT`) is digested
    rather than its file, so a changed variable runs again without a second list of them.
    """
    digest = hashlib.sha256(f"{__version__}|offline={offline}|{config!r}".encode())
    templates = config.export.vault.templates
    extra = sorted(templates.rglob("*")) if templates and templates.is_dir() else []
    for path in [lock_path(config.state_dir), *notes_files, *extra]:
        digest.update(f"|{path}=".encode())
        with contextlib.suppress(OSError):  # unreadable is a state of its own, not an error
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    catalog = config.cache_dir / CATALOG_NAME
    for part in (catalog, catalog.with_name(catalog.name + "-wal")):
        with contextlib.suppress(OSError):
            info = part.stat()
            digest.update(f"|{part}={info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def outputs_state(config: Config) -> dict[str, list[int]]:
    """Size and mtime of every file the exporters own, to notice a person's edits to them."""
    files: list[Path] = []
    for _, path in registry.owned_paths(config):
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [
                p
                for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            ]
    state = {}
    for path in sorted(files):
        info = path.stat()
        state[str(path)] = [info.st_size, info.st_mtime_ns]
    return state


def remembered(config: Config, digest: str) -> Report | None:
    """The last run's report, if its inputs and outputs are exactly as they are now.

    Its counts of mentions and papers and each target's totals stand; what the last run did
    (files written, items created) does not repeat: this run did nothing, so each tally reads 0.
    """
    try:
        saved = json.loads((config.state_dir / FINGERPRINT_NAME).read_text(encoding="utf-8"))
        if saved["inputs"] != digest or saved["outputs"] != outputs_state(config):
            return None
        outcomes = {
            name: Outcome(
                unchanged=int(o["files"]),
                counts=dict.fromkeys(o["counts"], 0),
                totals={str(k): int(n) for k, n in o["totals"].items()},
            )
            for name, o in saved["outcomes"].items()
        }
        return Report(
            mentions=int(saved["mentions"]),
            statuses={str(s): int(saved["statuses"].get(str(s), 0)) for s in Status},
            papers=int(saved["papers"]),
            outcomes=outcomes,
            notices=("nothing changed since the last run: nothing was written or asked",),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(config: Config, digest: str, report: Report) -> None:
    """Record a clean run so the next one can tell that nothing changed."""
    path = config.state_dir / FINGERPRINT_NAME
    if report.failures or report.problems:
        path.unlink(missing_ok=True)
        return
    saved = {
        "inputs": digest,
        "outputs": outputs_state(config),
        "mentions": report.mentions,
        "statuses": dict(report.statuses),
        "papers": report.papers,
        "outcomes": {
            name: {
                "files": len(o.written) + o.unchanged,
                "counts": sorted(o.counts),
                "totals": dict(o.totals),
            }
            for name, o in report.outcomes.items()
        },
    }
    try:
        atomic.write_text(path, json.dumps(saved, sort_keys=True))
    except OSError:  # only the next run's shortcut is lost
        path.unlink(missing_ok=True)
