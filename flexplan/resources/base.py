"""The small common interface every resource kind implements.

One module per kind under ``flexplan/resources/`` (Studio: the package
``resources/studio``) defines a ``KIND`` object, an instance of a
``ResourceKind[Spec]`` subclass over its spec model, listed once in
``flexplan.resources.KINDS``. The manifest layer and the engine only ever talk
to kinds through this interface, so adding a kind means adding one module (and
its tests), never touching the engine.

Three phases use a kind:

* validate (no network): ``spec_model`` parses a manifest entry;
  ``references``, ``claims`` and ``check`` feed the cross-resource rules.
* plan / apply (through the twilio SDK): ``read``, ``desired_state`` and the
  executors ``create`` / ``update`` / ``delete``.
* export (``flexplan export``): ``read_for_export`` reads what an export needs,
  ``export_name`` suggests a local name and ``export`` writes one live object as
  a manifest entry (an ``Exported``), naming things through ``ExportNames``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeVar as TypingTypeVar

from flexplan.plantypes import (
    Claim,
    FieldPath,
    LiveObject,
    NaturalKey,
    Placeholder,
    Problem,
    Reference,
    RichDetail,
    Unknown,
)
from flexplan.records import Record
from flexplan.resources.fields import Lookup, ResourceRef

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

T = TypeVar("T")
R = TypeVar("R")
State = dict[str, Any]  # a resource in manifest terms: JSON data, ``Unknown`` and ``Named``


class Resolver(Protocol):
    """Turns references and look-ups in a spec into SIDs (or ``Unknown``)."""

    def ref(self, ref: ResourceRef) -> str | Unknown: ...

    def lookup(self, lookup: Lookup) -> str: ...

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, made once per plan run for ``key`` (the reader's resolver shares
        it): a kind keys what it builds by everything the result depends on."""
        ...


class ReadContext(Protocol):
    """What a kind's reader gets: the twilio client and bounded concurrency."""

    @property
    def client(self) -> Client: ...

    @property
    def complete(self) -> bool:
        """True when every live object must be read completely (the kind is pruned)."""
        ...

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def lookup(self, lookup: Lookup) -> str | None:
        """The look-up's SID once the plan's look-ups are read (waits); None if unresolved."""
        ...

    def cached(self, sid: str, version: str, candidate: Callable[[], object]) -> bool:
        """True when the warm-plan cache knows that version ``version`` of ``sid`` holds
        exactly ``candidate()`` (made only when the version is the cached one; None: no
        candidate), so the reader need not fetch it. Always False without a cache."""
        ...

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, made once per plan run for ``key``; the planner's ``Resolver.memo``
        returns the same value for the same key."""
        ...


class WriteContext(Protocol):
    """What a kind's executors get besides the desired state."""

    @property
    def commit_message(self) -> str: ...


class Exported(Record, frozen=True):
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

    def ref_var(self, key: str, section: str, sid: str) -> Mapping[str, str] | None:
        """``{key: local name}`` for an exported resource of ``section`` with ``sid``, else
        ``None`` (a Studio var ``{studio_flow: NAME}``)."""
        ...

    def lookup(
        self, target_type: str, sid: str | None, *, workspace_sid: str | None = None
    ) -> str | None:
        """The unique friendly (or unique) name of a look-up object, else the SID itself."""
        ...

    def lookup_var(self, sid: str) -> Mapping[str, str | None] | None:
        """A Studio ``vars`` look-up (``{workflow: NAME}``) that resolves to ``sid``, if any."""
        ...

    def secret(self, where: str, value: str) -> Placeholder:
        """``${env:NAME}`` standing for ``value``, which must not be written; noted."""
        ...


def problems_by_type(
    value: BaseModel,
    block_type: str,
    *,
    required: Mapping[str, Sequence[str]],
    used_by: Mapping[str, set[str]],
    section: str,
    noun: str,
) -> Iterator[Problem]:
    """A typed block's rules (Flex Flow ``integration``, address ``auto_creation``).

    The fields its ``block_type`` (the integration type, the auto-creation type)
    requires must be set, and fields that only other types use must not be: ``noun``
    names the block in messages ("a studio integration").
    """
    for name in required[block_type]:
        if getattr(value, name) is None:
            yield Problem(f"{noun} needs {name}", (section,), f"add {section}.{name}")
    for name, users in used_by.items():
        if getattr(value, name) is not None and block_type not in users:
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


SpecT = TypeVar("SpecT", bound=ResourceSpec)
# a kind's own diff of its ``rich_paths`` (Studio: DefinitionDiff)
DetailT = TypingTypeVar("DetailT", bound=RichDetail, default=RichDetail)


class ResourceKind(Generic[SpecT, DetailT]):
    """Base class of a resource kind over its spec model (and the type of its rich diffs);
    subclasses set the attributes."""

    section: ClassVar[str]  # manifest section, e.g. "studio_flows"
    type_name: ClassVar[str]  # singular name used in plan addresses, e.g. "studio_flow"
    title: ClassVar[str]  # human name, e.g. "Studio flow"
    spec_model: type[SpecT]
    prunable: ClassVar[bool] = True

    # -- validate phase -------------------------------------------------------------
    # subtrees whose bare ${NAME} placeholders belong to the kind, not the manifest
    template_fields: ClassVar[tuple[str, ...]] = ()
    # the manifest layer loads the JSON file a key names into the value's field
    file_fields: ClassVar[Mapping[str, str]] = {}

    def template_values(
        self, spec: SpecT, variables: Mapping[str, str]
    ) -> tuple[dict[str, str], frozenset[str]]:
        """Values for ``${NAME}`` in ``template_fields`` and ``file_fields`` (over the
        manifest's ``variables``), and the names kept for the plan to fill."""
        return {}, frozenset()

    def references(self, spec: SpecT) -> Sequence[Reference]:
        return ()

    def claims(self, name: str, spec: SpecT) -> Sequence[Claim]:
        return ()

    def provides(self, spec: SpecT) -> frozenset[str] | None:
        """What ``spec`` offers to a ``Reference`` with ``needs``; ``None``: not known."""
        return None

    def check(self, name: str, spec: SpecT) -> Iterable[Problem]:
        """Rules on one resource that the pydantic model cannot express."""
        return ()

    # -- plan / apply phase (see flexplan.engine) ------------------------------------
    rank: ClassVar[int] = 50  # reading order in plans: lower first
    has_sid: ClassVar[bool] = True  # False for entries inside a singleton (channel_configs)
    replace_fields: ClassVar[frozenset[str]] = frozenset()  # top-level fields fixed at create
    rich_paths: ClassVar[frozenset[str]] = frozenset()  # fields with a kind-specific diff
    # dotted state path -> the unit of its values ("bytes"): plans show 2 MiB, not 2097152
    units: ClassVar[Mapping[str, str]] = {}
    # The hint when the account answers this kind's list with an error (not 401) while
    # the manifest manages it: an API Twilio may retire (Flex Flows).
    unreadable_hint: ClassVar[str | None] = None

    def natural_key(self, name: str, spec: SpecT) -> NaturalKey:
        raise NotImplementedError

    def lookups(self, spec: SpecT) -> Sequence[Lookup]:
        """Every ``Lookup`` the spec needs resolved, in full context (workflow + workspace)."""
        return ()

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, SpecT]]) -> list[LiveObject]:
        """Every live resource of this kind; ``specs`` are the managed ones."""
        raise NotImplementedError

    def desired_state(self, name: str, spec: SpecT, resolver: Resolver) -> State:
        """The managed fields of ``spec`` in manifest terms, references resolved."""
        raise NotImplementedError

    def mask_rich(
        self, path: str, detail: DetailT, sensitive: Sequence[FieldPath], desired: object
    ) -> DetailT | None:
        """``detail`` with the values at ``sensitive`` (relative to ``path``) masked.

        ``None`` (the default) makes the engine hide the whole rich diff.
        """
        return None

    def replace_note(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
        """What a reviewer must know when a live resource (``before``) is replaced by a new
        one (``after``) with a new SID, beyond the replace itself; ``None``: nothing."""
        return None

    def write_options(self, spec: SpecT) -> dict[str, str]:
        """Settings for this resource's writes that are never compared (a commit message)."""
        return {}

    def rich_diff(self, path: str, before: object, after: object) -> DetailT | None:
        """A readable diff of one of ``rich_paths`` (``None`` / ``.empty`` when equal)."""
        return None

    def versioned_content(self, live: LiveObject) -> tuple[str, object] | None:
        """``(version, content)`` when the account bumps ``version`` on every change of
        ``content`` (a Studio flow's revision and definition): warm plans then skip
        fetching content they know (flexplan.engine.defcache). ``None``: not versioned."""
        return None

    remote_checked: ClassVar[bool] = False  # True: ``remote_check`` asks the account

    def remote_check(self, client: Client, desired: State) -> Sequence[Problem]:
        """What the account itself finds wrong in ``desired`` before it is written.

        A read-only request (Studio's ``POST /v2/Flows/Validate``); the problems'
        paths are relative to the spec, so the manifest layer places them. Values
        only known after apply (``Unknown``) may be in ``desired``.
        """
        return ()

    finds_by_key: ClassVar[bool] = False  # True: ``find`` reads one resource by its key

    def find(self, client: Client, key: NaturalKey) -> LiveObject | None:
        """The live resource with natural ``key``, read directly (``None`` when there is
        none), for kinds that ``finds_by_key``; the others are searched by reading them
        whole. Apply asks right before each create."""
        raise NotImplementedError

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject | None:
        raise NotImplementedError

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject | None:
        raise NotImplementedError

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        raise NotImplementedError

    def release_state(self, live: LiveObject) -> State | None:
        """A write (in manifest terms) after which ``live`` holds none of its claims, used to
        break a cycle of claims (a Flex Flow disabled); ``None``: the kind has none."""
        return None

    def display(self, spec: SpecT, name: str) -> str:
        return name

    # -- export phase (see flexplan.engine.export) --------------------------------------
    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        """Every live resource, complete enough to export (``read`` without managed specs)."""
        return self.read(ctx, [])

    def export_name(self, live: LiveObject) -> str:
        """What a person would call ``live``; the exporter slugs it and makes it unique."""
        return live.label

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        """``live`` as the manifest entry ``name``: only the fields that differ from
        Twilio's defaults, references by local name, look-ups by name. ``None``: the
        kind does not export (or cannot express) it."""
        return None


# The engine and the registry hold kinds of every spec model side by side; each entry
# pairs a kind with a spec its own ``spec_model`` parsed, so the spec type is erased here.
AnyKind = ResourceKind[Any, Any]
