"""Types the plan/apply phase shares between the engine and the resource kinds.

A kind reads live resources into ``LiveObject``s (a manifest-shaped ``state``
beside the raw API object), turns a manifest spec into a desired ``state``
through a ``Resolver`` (references to SIDs, look-ups to SIDs), and executes
writes. The engine compares the two states; it never looks inside a kind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from flexplan.resources.base import Claim

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Unknown:
    """A value only known after apply: the SID of a resource not created yet."""

    source: str  # address of the resource that will provide it, e.g. "studio_flow.messaging"

    def __str__(self) -> str:
        return "(known after apply)"


@dataclass
class LiveObject:
    """One live resource as read from the account."""

    key: tuple[Any, ...]  # natural key, comparable with ResourceKind.natural_key
    sid: str | None  # None for entries inside a singleton (channel_configs)
    label: str  # how a person names it, e.g. the friendly name
    raw: dict[str, Any]  # the API object (JSON-ready)
    state: dict[str, Any]  # manifest-shaped view of every field flexplan can manage
    claims: tuple[Claim, ...] = ()
    referenced_sids: frozenset[str] = frozenset()  # SIDs of other resources it points at
    is_default: bool = False  # part of a fresh Flex account: never pruned implicitly
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            self.fingerprint = fingerprint_of(self.raw)


_VOLATILE = ("url", "links")


def fingerprint_of(raw: Mapping[str, Any], *, ignore: Iterable[str] = _VOLATILE) -> str:
    """A short digest of a live object, used to refuse stale saved plans."""
    skip = set(ignore)
    payload = {k: v for k, v in raw.items() if k not in skip}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Resolver(Protocol):
    """Turns references and look-ups in a spec into SIDs (or ``Unknown``)."""

    def ref(self, ref: Any) -> str | Unknown: ...

    def lookup(self, lookup: Any) -> str: ...


class ReadContext(Protocol):
    """What a kind's reader gets: the twilio client and bounded concurrency."""

    @property
    def client(self) -> Any: ...

    @property
    def complete(self) -> bool:
        """True when every live object must be read completely (the kind is pruned)."""
        ...

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...
