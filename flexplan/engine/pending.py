"""A manifest that may still be loading when a plan starts reading the account.

``flexplan.manifest.start_loading`` returns one (``ManifestLoad``): its
``prune`` is known at once, its entries when ``result()`` returns (or raises
the load's error). The engine takes either that or a loaded manifest; kinds
list their objects before they look at their entries, so the list requests
go out while the entries load.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class PendingManifest(Protocol):
    @property
    def prune(self) -> tuple[str, ...]: ...

    def result(self) -> Any: ...


def loaded(manifest: Any) -> Any:
    """The manifest itself: waits for a ``PendingManifest`` (raising its load's error)."""
    return manifest.result() if isinstance(manifest, PendingManifest) else manifest
