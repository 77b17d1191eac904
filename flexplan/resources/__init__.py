"""Resource kinds, one module each; ``KINDS`` is discovered, never hand-listed."""

from __future__ import annotations

import importlib
import pkgutil

from flexplan.resources.base import ResourceKind


def _discover() -> list[ResourceKind]:
    kinds: list[ResourceKind] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, ResourceKind):
            kinds.append(kind)
    return sorted(kinds, key=lambda k: (k.rank, k.section))  # reading order: flows first


KINDS: list[ResourceKind] = _discover()
BY_SECTION: dict[str, ResourceKind] = {k.section: k for k in KINDS}
