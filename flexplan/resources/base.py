"""The small common interface every resource kind implements.

One module per kind under ``flexplan/resources/`` defines a ``KIND`` object, an
instance of a ``ResourceKind`` subclass. The manifest layer and the engine only
ever talk to kinds through this interface, so adding a kind means adding one
module (and its tests), never touching the engine.

Two phases use a kind:

* validate (no network): ``spec_model`` parses a manifest entry;
  ``references``, ``claims`` and ``check`` feed the cross-resource rules.
* plan / apply (through the twilio SDK): ``read``, ``desired_state``,
  ``live_state`` and the executors ``create`` / ``update`` / ``delete``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Reference:
    """A field of one resource that names another managed resource by local name."""

    section: str  # target manifest section, e.g. "studio_flows"
    name: str  # the target's local name
    path: FieldPath  # where the reference stands in the referring spec


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


@dataclass(frozen=True)
class Problem:
    """A rule broken by one resource; the manifest layer maps ``path`` to file:line."""

    message: str
    path: FieldPath = ()
    hint: str | None = None


@dataclass(frozen=True)
class FieldChange:
    """One changed value at a dotted path (``integration.retry_count``)."""

    path: str
    before: Any
    after: Any


class ResourceSpec(BaseModel):
    """Fields every manifest entry has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: Literal["present", "absent"] = "present"
    protect: bool = False
    sid: str | None = None


class ResourceKind:
    """Base class of a resource kind; subclasses set the class attributes."""

    section: ClassVar[str]  # manifest section, e.g. "studio_flows"
    address: ClassVar[str]  # singular name used in plan addresses, e.g. "studio_flow"
    title: ClassVar[str]  # human name, e.g. "Studio flow"
    spec_model: ClassVar[type[ResourceSpec]]
    prunable: ClassVar[bool] = True

    # -- validate phase -------------------------------------------------------------
    def references(self, spec: ResourceSpec) -> Sequence[Reference]:
        return ()

    def claims(self, name: str, spec: ResourceSpec) -> Sequence[Claim]:
        return ()

    def check(self, name: str, spec: ResourceSpec) -> Iterable[Problem]:
        """Rules on one resource that the pydantic model cannot express."""
        return ()

    # -- plan / apply phase (see flexplan.engine) ------------------------------------
    rank: ClassVar[int] = 50  # reading order in plans: lower first
    replace_fields: ClassVar[frozenset[str]] = frozenset()  # top-level fields fixed at create
    rich_paths: ClassVar[frozenset[str]] = frozenset()  # fields with a kind-specific diff

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        raise NotImplementedError

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        """Every ``Lookup`` the spec needs resolved, in full context (workflow + workspace)."""
        return ()

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[Any]:
        """Every live resource of this kind (``LiveObject``s); ``specs`` are the managed ones."""
        raise NotImplementedError

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        """The managed fields of ``spec`` in manifest terms, references resolved."""
        raise NotImplementedError

    def rich_diff(self, path: str, before: Any, after: Any) -> Any:
        """A readable diff of one of ``rich_paths`` (``None`` / ``.empty`` when equal)."""
        return None

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> Any:
        raise NotImplementedError

    def update(self, client: Any, live: Any, desired: dict[str, Any], ctx: Any) -> Any:
        raise NotImplementedError

    def delete(self, client: Any, live: Any, ctx: Any) -> None:
        raise NotImplementedError

    def display(self, spec: ResourceSpec, name: str) -> str:
        return name


def iter_kinds() -> list[ResourceKind]:
    """Every kind defined under ``flexplan.resources``, in a stable order."""
    from flexplan.resources import KINDS

    return list(KINDS)
