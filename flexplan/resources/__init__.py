"""Resource kinds, one module each; ``KINDS`` is discovered, never hand-listed.

Discovery is lazy (on first use of ``KINDS`` or ``BY_SECTION``), so that
importing a helper module under this package never imports every kind: a kind
module may then import helpers (``flexplan.studio``) that import ``base``
without a circular import.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import TYPE_CHECKING, Any

from flexplan.resources.base import ResourceKind

if TYPE_CHECKING:
    KINDS: list[ResourceKind]
    BY_SECTION: dict[str, ResourceKind]

_lock = threading.Lock()


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


def __getattr__(name: str) -> Any:
    if name not in ("KINDS", "BY_SECTION"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if "KINDS" not in globals():
            kinds = _discover()
            globals()["BY_SECTION"] = {k.section: k for k in kinds}
            globals()["KINDS"] = kinds
    return globals()[name]
