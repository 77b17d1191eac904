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


class Named(str):
    """A look-up's SID that knows its name: equal to the SID and to the name.

    Twilio may answer either form for one value (a task channel given by unique
    name can come back as its ``TC…`` SID, and the other way round), so a desired
    value resolved through a look-up compares equal to both; the plan shows it as
    ``chat (TC…)``. ``candidates`` are the look-up's (SID, name) pairs, so the other
    side of a change can be named too (``sibling``).
    """

    __slots__ = ("candidates", "name")

    def __new__(cls, sid: str, name: str, candidates: Sequence[tuple[str, str]] = ()) -> Named:
        named = super().__new__(cls, sid)
        named.name = name
        named.candidates = tuple(candidates)
        return named

    name: str
    candidates: tuple[tuple[str, str], ...]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str.__eq__(self, other) or (bool(self.name) and self.name == str(other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def show(self) -> str:
        return f"{self.name} ({str.__str__(self)})" if self.name else str.__str__(self)

    def sibling(self, other: Any) -> Any:
        """``other`` (a SID or a name of the same look-up) as a ``Named``, when it is one."""
        if not isinstance(other, str) or isinstance(other, Named):
            return other
        for sid, name in self.candidates:
            if other in (sid, name):
                return Named(sid, name, self.candidates)
        return other

    def __reduce__(self) -> Any:
        return (Named, (str.__str__(self), self.name, self.candidates))


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
