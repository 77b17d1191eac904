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
* export (``flexplan export``): ``read_for_export`` reads what an export needs,
  ``export_name`` suggests a local name and ``export`` writes one live object as
  a manifest entry (an ``Exported``), naming things through ``ExportNames``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from flexplan.resources.live import ReadContext, Resolver

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
    """A rule broken by one resource; the manifest layer maps ``path`` to file:line.

    A ``warning`` is shown but does not stop validate, plan or apply.
    """

    message: str
    path: FieldPath = ()
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"  # a warning never fails validate


@dataclass(frozen=True)
class FieldChange:
    """One changed value at a dotted path (``integration.retry_count``)."""

    path: str
    before: Any
    after: Any


class Placeholder(str):
    """A ``${…}`` an export writes on purpose (the exporter escapes every other ``${``)."""

    __slots__ = ()


@dataclass(frozen=True)
class Exported:
    """One live resource written as a manifest entry by ``flexplan export``.

    ``spec`` is the entry as plain YAML data, in the order a person would write
    it; ``files`` are JSON documents written beside the manifest, by path
    relative to the manifest directory (a Studio definition).
    """

    spec: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)


class ExportNames(Protocol):
    """How an exported entry names other things instead of writing SIDs."""

    def ref(self, section: str, sid: str | None) -> str | None:
        """The local name of an exported resource with ``sid``, else the SID itself."""
        ...

    def ref_var(self, key: str, section: str, sid: str) -> Any | None:
        """``{key: local name}`` for an exported resource of ``section`` with ``sid``, else
        ``None`` (a Studio var ``{studio_flow: NAME}``)."""
        ...

    def lookup(self, kind: str, sid: str | None, *, workspace_sid: str | None = None) -> Any:
        """The unique friendly (or unique) name of a look-up object, else the SID itself."""
        ...

    def lookup_var(self, sid: str) -> Any | None:
        """A Studio ``vars`` look-up (``{workflow: NAME}``) that resolves to ``sid``, if any."""
        ...

    def secret(self, where: str, value: str) -> Placeholder:
        """``${env:NAME}`` standing for ``value``, which must not be written; noted."""
        ...


def problems_by_type(
    value: Any,
    kind: str,
    *,
    required: Mapping[str, Sequence[str]],
    used_by: Mapping[str, set[str]],
    section: str,
    noun: str,
) -> Iterator[Problem]:
    """A typed block's rules (Flex Flow ``integration``, address ``auto_creation``).

    The fields its ``kind`` requires must be set, and fields that only other
    kinds use must not be: ``noun`` names the block in messages ("a studio
    integration").
    """
    for name in required[kind]:
        if getattr(value, name) is None:
            yield Problem(f"{noun} needs {name}", (section,), f"add {section}.{name}")
    for name, users in used_by.items():
        if getattr(value, name) is not None and kind not in users:
            yield Problem(
                f"{section}.{name} is not used by {noun}",
                (section, name),
                f"remove it, or use type: {' or '.join(sorted(users))}",
            )


class ResourceSpec(BaseModel):
    """Fields every manifest entry has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: Literal["present", "absent"] = Field(
        default="present",
        description="present: create or update it to match; absent: delete it if it exists",
    )
    protect: bool = Field(
        default=False,
        description="refuse any plan that would delete or replace the live resource",
    )
    sid: str | None = Field(
        default=None, description="pin the live resource by its SID instead of by its name"
    )


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
    has_sid: ClassVar[bool] = True  # False for entries inside a singleton (channel_configs)
    replace_fields: ClassVar[frozenset[str]] = frozenset()  # top-level fields fixed at create
    rich_paths: ClassVar[frozenset[str]] = frozenset()  # fields with a kind-specific diff

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        raise NotImplementedError

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        """Every ``Lookup`` the spec needs resolved, in full context (workflow + workspace)."""
        return ()

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, ResourceSpec]]) -> list[Any]:
        """Every live resource of this kind (``LiveObject``s); ``specs`` are the managed ones."""
        raise NotImplementedError

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Resolver) -> dict[str, Any]:
        """The managed fields of ``spec`` in manifest terms, references resolved."""
        raise NotImplementedError

    def mask_rich(
        self, path: str, detail: Any, sensitive: Sequence[FieldPath], desired: Any
    ) -> Any:
        """``detail`` with the values at ``sensitive`` (relative to ``path``) masked.

        ``None`` (the default) makes the engine hide the whole rich diff.
        """
        return None

    def replace_note(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
        """What a reviewer must know when a live resource (``before``) is replaced by a new
        one (``after``) with a new SID, beyond the replace itself; ``None``: nothing."""
        return None

    def write_options(self, spec: ResourceSpec) -> dict[str, Any]:
        """Settings for this resource's writes that are never compared (a commit message)."""
        return {}

    def rich_diff(self, path: str, before: Any, after: Any) -> Any:
        """A readable diff of one of ``rich_paths`` (``None`` / ``.empty`` when equal)."""
        return None

    remote_checked: ClassVar[bool] = False  # True: ``remote_check`` asks the account

    def remote_check(self, client: Any, desired: dict[str, Any]) -> Sequence[Problem]:
        """What the account itself finds wrong in ``desired`` before it is written.

        A read-only request (Studio's ``POST /v2/Flows/Validate``); the problems'
        paths are relative to the spec, so the manifest layer places them. Values
        only known after apply (``Unknown``) may be in ``desired``.
        """
        return ()

    def find(self, client: Any, key: tuple[Any, ...]) -> Any:
        """The live resource with natural ``key``, read directly (a ``LiveObject``, or
        ``None`` when there is none); ``NotImplemented`` (the default) when the kind can only
        be searched by reading it whole. Apply asks right before each create."""
        return NotImplemented

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> Any:
        raise NotImplementedError

    def update(self, client: Any, live: Any, desired: dict[str, Any], ctx: Any) -> Any:
        raise NotImplementedError

    def delete(self, client: Any, live: Any, ctx: Any) -> None:
        raise NotImplementedError

    def release_state(self, live: Any) -> dict[str, Any] | None:
        """A write (in manifest terms) after which ``live`` holds none of its claims, used to
        break a cycle of claims (a Flex Flow disabled); ``None``: the kind has none."""
        return None

    def display(self, spec: ResourceSpec, name: str) -> str:
        return name

    # -- export phase (see flexplan.engine.export) --------------------------------------
    def read_for_export(self, ctx: Any) -> list[Any]:
        """Every live resource, complete enough to export (``read`` without managed specs)."""
        return self.read(ctx, [])

    def export_name(self, live: Any) -> str:
        """What a person would call ``live``; the exporter slugs it and makes it unique."""
        return str(live.label)

    def export(self, name: str, live: Any, names: ExportNames) -> Exported | None:
        """``live`` as the manifest entry ``name``: only the fields that differ from
        Twilio's defaults, references by local name, look-ups by name. ``None``: the
        kind does not export (or cannot express) it."""
        return None
