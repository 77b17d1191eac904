"""The plain data types a plan is made of, shared by every layer.

Problems and field paths (validate), references and claims between resources,
live objects as read, values known only after apply and look-up SIDs that know
their names. This module imports nothing else from flexplan, so every layer,
the resource kinds included, can use it without an import circle.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from flexplan.records import Record

T = TypeVar("T")

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Reference:
    """A field of one resource that names another managed resource by local name."""

    section: str  # target manifest section, e.g. "studio_flows"
    name: str  # the target's local name
    path: FieldPath  # where the reference stands in the referring spec
    needs: Requirement | None = None  # what the target must provide (``ResourceKind.provides``)


@dataclass(frozen=True)
class Requirement:
    """Something a referring resource needs from its target, or it silently does nothing
    (an address's Studio flow must start on the Incoming Conversation trigger)."""

    key: str  # matched against ``provides``: "trigger:incomingConversationMessage"
    message: str  # what is wrong when the target lacks it, naming neither resource
    hint: str
    fixed_by: str | None = None  # the flexplan command that meets it ("migrate")


@dataclass(frozen=True)
class Claim:
    """Something in the account a resource occupies exclusively.

    Two resources holding one claim conflict (validate reports it, naming both);
    during apply, the action that releases a claim runs before the action that
    takes it (a legacy Flex Flow is deleted before a Conversations address for
    the same number is created). The engine compares ``key`` only.
    """

    key: str  # e.g. "number:+15550001111"
    description: str  # e.g. "routes inbound sms for +15550001111 (legacy Flex Flow)"
    path: FieldPath = ()
    # False: two holders do not conflict; the claim only orders a release before a take
    # (and pairs them in a migration): a legacy web chat and the chat address replacing it
    exclusive: bool = True


class Problem(Record, frozen=True):
    """A rule broken by one resource; the manifest layer maps ``path`` to file:line.

    A ``warning`` is shown but does not stop validate, plan or apply.
    """

    message: str
    path: FieldPath = ()
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"  # a warning never fails validate


class FieldChange(Record, frozen=True):
    """One changed value at a dotted path (``integration.retry_count``)."""

    path: str
    before: Any
    after: Any


class Placeholder(str):
    """A ``${…}`` an export writes on purpose (the exporter escapes every other ``${``)."""

    __slots__ = ()


class Unknown(Record, frozen=True):
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


# What identifies a resource in the account: (friendly name,), (type, address)…; a live
# object's parts are as the API answers them (None when it leaves one out).
NaturalKey = tuple[str | None, ...]


class RichDetail(Protocol):
    """A kind's own diff of one field (a Studio definition's, per widget), carried as data."""

    @property
    def empty(self) -> bool:
        """True when the two sides do not differ: the plan shows no change."""
        ...

    def to_json(self) -> dict[str, Any]: ...


class LiveObject(Record):
    """One live resource as read from the account."""

    key: NaturalKey  # comparable with ResourceKind.natural_key
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

    def shown(self) -> str:
        """``'Support' (FW…)`` in messages; an entry of a singleton has no SID to show."""
        return f"{self.label!r} ({self.sid})" if self.sid else repr(self.label)


_VOLATILE = ("url", "links")


def fingerprint_of(raw: Mapping[str, Any], *, ignore: Iterable[str] = _VOLATILE) -> str:
    """A short digest of a live object, used to refuse stale saved plans."""
    skip = set(ignore)
    payload = {k: v for k, v in raw.items() if k not in skip}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def map_strings(value: Any, fn: Callable[[str, FieldPath], Any], path: FieldPath = ()) -> Any:
    """A copy of a JSON value with ``fn(string, path)`` applied to every string."""
    if isinstance(value, str):
        return fn(value, path)
    if isinstance(value, Mapping):
        return {k: map_strings(v, fn, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, fn, (*path, i)) for i, v in enumerate(value)]
    return value


class _Flight:
    """One build of a memo key under way: its waiters get its value or its failure."""

    def __init__(self) -> None:
        self.builder = threading.get_ident()  # the thread whose build this is
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error  # every waiter's, as concurrent.futures.Future.result does
        return self.value


class Memo:
    """Values built once per plan run, by key: what a kind's reader builds to decide
    whether to fetch (a Studio flow's desired definition) is what its planner needs
    again, and what several readers need (the TaskRouter workspaces) is built once.
    Thread-safe and single-flight (readers run in threads): while one thread builds a
    key, the others asking for it wait for its value; a build that fails fails them all
    and is not kept, so the next one to ask builds again. A build must not wait for work
    that a waiter's thread would do (none does: they compute, or send one listing); one
    that asks for its own key fails at once (``RuntimeError``) instead of waiting for itself."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                found: T = self._values[key]
                return found
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leading:
            if flight.builder == threading.get_ident():
                raise RuntimeError(f"the build of memo key {key!r} asks for its own value")
            waited: T = flight.outcome()
            return waited
        try:
            value = build()
        except BaseException as exc:
            with self._lock:
                del self._flights[key]
            flight.error = exc
            flight.done.set()
            raise
        with self._lock:
            self._values[key] = value
            del self._flights[key]
        flight.value = value
        flight.done.set()
        return value
