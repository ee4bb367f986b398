"""Every module imports on its own: no import cycle hides behind the order a program happens to
import things in (`import papersync.names` first once failed on a partially initialised module)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import papersync

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(papersync.__path__, prefix="papersync.")
    if info.name != "papersync.__main__"  # runs the CLI when imported
)


def test_every_module_imports_first() -> None:
    before = dict(sys.modules)  # the other tests keep the modules (and classes) they imported
    failed = []
    try:
        for module in MODULES:
            for loaded in [name for name in sys.modules if name.split(".")[0] == "papersync"]:
                del sys.modules[loaded]
            try:
                importlib.import_module(module)
            except ImportError as exc:
                failed.append(f"{module}: {exc}")
    finally:
        sys.modules.clear()
        sys.modules.update(before)
    assert len(MODULES) > 50 and not failed, failed
