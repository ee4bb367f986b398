"""`papersync doctor`: one cheap real request per enabled service and online target.

The registry says what each service's probe is; this module asks them, each on its own, so
one service down (or a malformed key) is one failed line and the other checks still run.
"""

from __future__ import annotations

from collections.abc import Callable

from papersync.config import Config
from papersync.errors import ConfigError, SourceError
from papersync.registry import SOURCES, TARGETS, Probe
from papersync.sources.http import Http, Policy


def probes(config: Config) -> list[Probe | ConfigError]:
    """What `doctor` asks: every enabled source, then every configured online target; a
    setting that cannot make its request (a malformed key) is that check's failure."""
    makers: list[Callable[[Config], Probe | None]] = [
        spec.probe for spec in SOURCES.values() if spec.enabled(config)
    ]
    makers += [spec.probe for spec in TARGETS.values() if spec.configured(config)]
    found: list[Probe | ConfigError] = []
    for make in makers:
        try:
            probe = make(config)
        except ConfigError as exc:
            found.append(exc)
            continue
        if probe is not None:
            found.append(probe)
    return found


def check_services(config: Config) -> list[tuple[bool, str]]:
    """One cheap real request per enabled service (and Zotero's key check) for `doctor`."""
    checks: list[tuple[bool, str]] = []
    s = config.sources
    policy = Policy(connect_timeout=5.0, read_timeout=min(s.timeout, 10.0), retries=0)
    with Http(None, contact=s.crossref.mailto, policy=policy) as http:
        for probe in probes(config):
            if isinstance(probe, ConfigError):
                checks.append((False, str(probe)))
                continue
            try:
                http.get(probe.url, headers=dict(probe.headers), accept=probe.accept)
                checks.append((True, f"{probe.name}: answers"))
            except SourceError as exc:
                checks.append((False, f"{probe.name}: {exc}"))
    return checks
