"""A manifest that may still be loading when a plan starts reading the account.

``flexplan.manifest.start_loading`` returns one (``ManifestLoad``): its
``prune`` is known at once, its entries when ``result()`` returns (or raises
the load's error). The engine takes either that or a loaded manifest; most
kinds list their objects before they look at their entries, so those list
requests go out while the entries load (a kind whose entries decide what to
read, such as the TaskRouter workspace to list, waits for them).
"""

from __future__ import annotations

from typing import Any, Protocol


class PendingManifest(Protocol):
    @property
    def prune(self) -> tuple[str, ...]: ...

    def result(self) -> Any: ...


def is_pending(manifest: Any) -> bool:
    """Whether ``manifest`` is a ``PendingManifest`` (not ``isinstance``: a runtime protocol
    check reads every member, and reading ``prune`` waits for the load and may raise)."""
    return callable(getattr(type(manifest), "result", None))


def loaded(manifest: Any) -> Any:
    """The manifest itself: waits for a ``PendingManifest`` (raising its load's error)."""
    return manifest.result() if is_pending(manifest) else manifest
