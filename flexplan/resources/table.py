"""A resource kind's fields as one declarative table, and the generic code it drives.

Each ``Attr`` (one manifest field) says where a manifest field lives in the API object (``api``, a
dotted path), which SDK keyword writes it (``sdk``), what it holds (``role``),
Twilio's default (``default``, left out of an export) and, inside a typed
``Block`` (a Flex Flow's ``integration``, an address's ``auto_creation``), which
of the block's types use or require it. From the table alone come a kind's
desired state, the normal form of a live object, the SDK arguments of a write,
the exported entry, ``references()``, ``lookups()``, the referenced SIDs, the unit
plans show a size in and the per-type rules of a block. ``TableKind`` wires them into
the kind contract; a kind module adds only what is its own (claims, reading and
writing its API).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel

from flexplan.plantypes import (
    Claim,
    LiveObject,
    Named,
    NaturalKey,
    Problem,
    Reference,
    Requirement,
)
from flexplan.resources._sdk import to_dict
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    SpecT,
    State,
    WriteContext,
    problems_by_type,
)
from flexplan.resources.fields import (
    LOOKUP_PREFIX,
    MANAGED_SECTION,
    Lookup,
    ResourceRef,
    is_sid,
    size_text,
)
from flexplan.sensitive import looks_secret

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

Role = Literal["plain", "ref", "lookup", "secret", "sorted", "size", "named", "keyed", "merged"]
BYTES = "bytes"  # the unit of a ``size`` field's values


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


class Attr(NamedTuple):
    """One manifest field (a named tuple: cheaper to define than a dataclass).

    ``role``: ``plain``; ``ref``, the local name (or SID) of a managed resource of
    section ``target``; ``lookup``, a read-only account object of look-up type
    ``target``, searched in the look-up of the sibling field ``scope`` when it has
    none of its own; ``secret``, a value that may carry a credential (an export
    writes ``${env:…}`` for it); ``sorted``, a list whose order means nothing;
    ``size``, a number of bytes; ``named``, an account object written by name (or
    SID) that the API answers as a SID (``api``) beside its name (``label_api``),
    the kind turning a name into the SID when it writes; ``keyed``, a list of
    objects the manifest writes as a mapping by their field ``target``;
    ``merged``, an object merged key by key into the live one (only the keys
    written are managed; absent live: ``{}``).
    """

    name: str
    api: str = ""  # dotted path in the API object; default: the block's path + name
    role: Role = "plain"
    target: str = ""
    scope: str | None = None
    default: Any = NO_DEFAULT  # Twilio's default: an export leaves it out
    used_by: frozenset[str] | None = None  # the block types that use it (None: every type)
    required_by: frozenset[str] = frozenset()  # the block types that need it
    create_only: bool = False  # sent only when created: a change replaces the resource
    always: bool = False  # exported even when it is the default (or empty)
    sdk: str = ""  # SDK keyword; default: the API path with "_" for "."
    needs: Requirement | None = None  # ref: what the target must provide
    label_api: str = ""  # named: where the API answers the object's name
    from_name: bool = False  # unset: the entry's local name (exported only when it differs)
    blank: bool = False  # "" clears it: compared as None, sent as ""
    placement: bool = False  # where the resource lives (a workspace): never sent or exported
    key: bool = False  # part of the natural key: what identifies the resource in the account
    required: bool = False  # an entry that is present must set it (Twilio needs it to create)

    @property
    def path(self) -> str:
        """Where the field lives in the API object."""
        return self.api or self.name

    def keyword(self) -> str:
        return self.sdk or self.path.replace(".", "_")


@dataclass(frozen=True)
class Block:
    """A nested manifest mapping; ``types`` are the values of its ``type`` field, when
    the block is typed (which of its fields apply depends on the type)."""

    name: str
    api: str
    fields: tuple[Attr, ...]
    types: tuple[str, ...] = ()
    noun: str = "{type}"  # how problems name the block of one type: "a {type} integration"

    def __post_init__(self) -> None:
        placed = tuple(f if f.api else _at(f, f"{self.api}.{f.name}") for f in self.fields)
        object.__setattr__(self, "fields", placed)

    @property
    def type_field(self) -> Attr | None:
        return next((f for f in self.fields if f.name == "type"), None) if self.types else None


def _at(field: Attr, api: str) -> Attr:
    return field._replace(api=api)


Table = tuple[Attr | Block, ...]


def get_path(raw: Mapping[str, Any], path: str) -> Any:
    value: Any = raw
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _fields(table: Table) -> Iterator[tuple[Block | None, Attr]]:
    for element in table:
        if isinstance(element, Block):
            yield from ((element, f) for f in element.fields)
        else:
            yield None, element


def _value_of(spec: BaseModel, block: Block | None, field: Attr) -> Any:
    holder = getattr(spec, block.name) if block else spec
    return getattr(holder, field.name) if holder is not None else None


def _scoped(holder: BaseModel, field: Attr, lookup: Lookup) -> Lookup:
    """A look-up without a scope of its own is searched in its sibling's (workspace)."""
    scope = getattr(holder, field.scope) if field.scope else None
    if scope is None or lookup.workspace is not None:
        return lookup
    return Lookup(lookup.target_type, lookup.by, lookup.value, scope)


# -- validate -------------------------------------------------------------------------


def references(table: Table, spec: BaseModel) -> list[Reference]:
    found = []
    for block, field in _fields(table):
        value = _value_of(spec, block, field)
        # a look-up field may name a managed resource instead ({workflows: NAME})
        if isinstance(value, ResourceRef) and value.name is not None:
            path = (block.name, field.name) if block else (field.name,)
            found.append(Reference(value.section, value.name, path, needs=field.needs))
    return found


def lookups(table: Table, spec: BaseModel) -> list[Lookup]:
    found = []
    for block, field in _fields(table):
        value = _value_of(spec, block, field)
        if field.role == "lookup" and isinstance(value, Lookup):
            holder = getattr(spec, block.name) if block else spec
            found.append(_scoped(holder, field, value))
    return found


def block_problems(table: Table, spec: BaseModel) -> Iterator[Problem]:
    """Each typed block's rules: the fields its type requires, none its type does not use."""
    for block in (e for e in table if isinstance(e, Block) and e.types):
        value = getattr(spec, block.name)
        block_type = getattr(value, "type", None) if value is not None else None
        if block_type is None:
            continue
        required = {t: [f.name for f in block.fields if t in f.required_by] for t in block.types}
        used_by = {f.name: set(f.used_by) for f in block.fields if f.used_by is not None}
        yield from problems_by_type(
            value, block_type, required=required, used_by=used_by,
            section=block.name, noun=block.noun.format(type=block_type),
        )  # fmt: skip


# -- plan -----------------------------------------------------------------------------


def _resolved(holder: BaseModel, field: Attr, value: Any, resolver: Resolver) -> Any:
    if isinstance(value, ResourceRef):  # a managed resource: its SID, or Unknown
        return resolver.ref(value)
    if field.role == "lookup":  # a Named SID: equal to the name Twilio may echo
        return resolver.lookup(_scoped(holder, field, value))
    if field.role == "sorted":
        return sorted(set(value))
    if field.role == "keyed":
        return {k: {field.target: k, **_dumped(v)} for k, v in value.items()}
    if field.blank and value == "":
        return None  # cleared: nothing is left to compare
    return _dumped(value)


def _dumped(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value


def desired_state(table: Table, spec: BaseModel, resolver: Resolver, name: str) -> State:
    """The fields ``spec`` sets, in manifest terms, references and look-ups resolved."""
    state: State = {}
    for element in table:
        if isinstance(element, Block):
            holder = getattr(spec, element.name)
            if holder is not None:
                state[element.name] = {
                    f.name: _resolved(holder, f, getattr(holder, f.name), resolver)
                    for f in element.fields
                    if getattr(holder, f.name) is not None
                }
        elif (value := getattr(spec, element.name)) is not None:
            state[element.name] = _resolved(spec, element, value, resolver)
        elif element.from_name:
            state[element.name] = name
    return state


def _normal(field: Attr, value: Any, raw: Mapping[str, Any]) -> Any:
    if field.role == "sorted" and isinstance(value, list):
        return sorted(set(value))
    if field.role == "named":  # compared by name or SID, shown as "Break (WA…)"
        return Named(value, get_path(raw, field.label_api) or "") if value else None
    if field.role == "keyed":
        items = value if isinstance(value, list) else []
        return {i.get(field.target): i for i in items if isinstance(i, Mapping)}
    if field.role == "merged":
        return value or {}
    return value


def live_state(table: Table, raw: Mapping[str, Any]) -> State:
    """Every field of the table as the API object holds it (``None`` when absent)."""
    state: State = {}
    for element in table:
        if isinstance(element, Block):
            state[element.name] = {
                f.name: _normal(f, get_path(raw, f.path), raw) for f in element.fields
            }
        else:
            state[element.name] = _normal(element, get_path(raw, element.path), raw)
    return state


def referenced_sids(table: Table, state: Mapping[str, Any]) -> frozenset[str]:
    """The SIDs a live object points at: its references and look-ups."""
    found = set()
    for block, field in _fields(table):
        holder = state.get(block.name) if block else state
        value = holder.get(field.name) if isinstance(holder, Mapping) else None
        if not isinstance(value, str) or not value:
            continue
        if field.role == "ref" or (
            field.role == "lookup" and is_sid(value, LOOKUP_PREFIX[field.target])
        ):
            found.add(value)
    return frozenset(found)


def sdk_arguments(table: Table, desired: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
    """Keyword arguments of the SDK's create (or update) for the desired state."""
    args: dict[str, Any] = {}
    for block, field in _fields(table):
        if field.placement or (field.create_only and not create):
            continue
        holder = (desired.get(block.name) or {}) if block else desired
        value = holder.get(field.name)
        if field.blank and field.name in holder:
            args[field.keyword()] = value or ""
        elif value is not None:
            args[field.keyword()] = list(value.values()) if field.role == "keyed" else value
    return args


def create_only(table: Table) -> frozenset[str]:
    return frozenset(f.name for b, f in _fields(table) if b is None and f.create_only)


def unit_paths(table: Table) -> dict[str, str]:
    """Dotted state path -> unit of its values: ``bytes`` for every ``size`` field."""
    return {
        f"{block.name}.{field.name}" if block else field.name: BYTES
        for block, field in _fields(table)
        if field.role == "size"
    }


# -- export ---------------------------------------------------------------------------


def _exported(
    field: Attr, value: Any, where: str, names: ExportNames, raw: Mapping[str, Any],
    siblings: Sequence[Attr],
) -> Any:  # fmt: skip
    if field.role == "ref":
        return names.ref(field.target, value)
    if field.role == "lookup":
        if not isinstance(value, str) or not is_sid(value, LOOKUP_PREFIX[field.target]):
            return value  # an account may answer a name (a task channel's unique name)
        section = MANAGED_SECTION.get(field.target)  # exported too: by its local name
        managed = names.ref_var(section, section, value) if section else None
        if managed is not None:
            return managed
        scope = next((f for f in siblings if f.name == field.scope), None)
        scope_sid = get_path(raw, scope.path) if scope else None
        return names.lookup(field.target, value, workspace_sid=scope_sid)
    if field.role == "size" and isinstance(value, int) and not isinstance(value, bool):
        return size_text(value)
    if field.role == "secret" and isinstance(value, str) and looks_secret(value, key=field.name):
        return names.secret(f"{where}.{field.name}", value)
    if field.role == "keyed" and isinstance(value, list):
        return {i.get(field.target): {k: v for k, v in i.items() if k != field.target}
                for i in value if isinstance(i, Mapping)}  # fmt: skip
    return value


def _is_default(field: Attr, value: Any) -> bool:
    return field.default is not NO_DEFAULT and field.default == value


def _export_field(field: Attr, value: Any) -> bool:
    return field.always or (value not in (None, "") and not _is_default(field, value))


def _export_block(block: Block, raw: Mapping[str, Any], where: str, names: ExportNames) -> Any:
    """The block's non-default fields of its type, or ``None``: nothing but defaults."""
    type_field = block.type_field
    block_type = None
    if type_field is not None:
        block_type = get_path(raw, type_field.path)
        if block_type is None and type_field.default is not NO_DEFAULT:
            block_type = type_field.default
        if block_type not in block.types:
            return None
    elif not isinstance(get_path(raw, block.api), Mapping):
        return None
    given: list[tuple[Attr, Any]] = []
    for field in block.fields:
        value = get_path(raw, field.path)
        unused = field.used_by is not None and block_type not in field.used_by
        if value is not None and not unused:
            given.append((field, value))
    if type_field is not None and all(_is_default(f, v) for f, v in given):
        return None
    return {
        f.name: _exported(f, v, f"{where}.{block.name}", names, raw, block.fields)
        for f, v in given
        if f.always or not _is_default(f, v)
    }


def _live_value(field: Attr, raw: Mapping[str, Any]) -> Any:
    return get_path(raw, field.label_api if field.role == "named" else field.path)


def export_spec(
    table: Table, raw: Mapping[str, Any], name: str, where: str, names: ExportNames
) -> State:
    """The manifest entry ``name`` for the API object ``raw``: what differs from Twilio's
    defaults; ``where`` names the entry in secret notes (``flex_flows.NAME``)."""
    spec: State = {}
    top = [e for e in table if isinstance(e, Attr)]
    for element in table:
        if isinstance(element, Block):
            block = _export_block(element, raw, where, names)
            if block is not None:
                spec[element.name] = block
            continue
        value = _live_value(element, raw)
        if element.placement or (element.from_name and value == name):
            continue
        if _export_field(element, value):
            spec[element.name] = _exported(element, value, where, names, raw, top)
    return spec


class TableKind(ResourceKind[SpecT]):
    """A kind whose fields are one ``fields`` table: the contract's field-by-field parts
    come from it."""

    fields: ClassVar[Table]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "fields" in cls.__dict__:
            cls.replace_fields = create_only(cls.fields)
            cls.units = unit_paths(cls.fields)

    def references(self, spec: SpecT) -> Sequence[Reference]:
        return references(self.fields, spec)

    def natural_key(self, name: str, spec: SpecT) -> NaturalKey:
        keys = [f for f in self.fields if isinstance(f, Attr) and f.key]
        return tuple(getattr(spec, f.name) or (name if f.from_name else None) for f in keys)

    def display(self, spec: SpecT, name: str) -> str:
        return " ".join(str(part) for part in self.natural_key(name, spec))

    def lookups(self, spec: SpecT) -> Sequence[Lookup]:
        return lookups(self.fields, spec)

    def check(self, name: str, spec: SpecT) -> Iterable[Problem]:
        if spec.state == "absent":
            return []
        missing = [
            Problem(f"a {self.title} needs {f.name}", (), f"add {f.name}: to '{name}'")
            for f in self.fields
            if isinstance(f, Attr) and f.required and getattr(spec, f.name) is None
        ]
        return missing + list(block_problems(self.fields, spec))

    def desired_state(self, name: str, spec: SpecT, resolver: Resolver) -> State:
        return desired_state(self.fields, spec, resolver, name)

    def arguments(self, desired: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        return sdk_arguments(self.fields, desired, create=create)

    def live(
        self, raw: dict[str, Any], label: str | None = None, *,
        claims: Iterable[Claim] = (), is_default: bool = False,
    ) -> LiveObject:  # fmt: skip
        """The live object of ``raw``: its key, state and referenced SIDs from the table;
        ``label`` by default the key."""
        state = live_state(self.fields, raw)
        key = tuple(get_path(raw, f.path) for f in self.fields if isinstance(f, Attr) and f.key)
        return LiveObject(
            key=key, sid=raw.get("sid"), label=" ".join(map(str, key)) if label is None else label,
            raw=raw, state=state,
            claims=tuple(claims), referenced_sids=referenced_sids(self.fields, state),
            is_default=is_default,
        )  # fmt: skip

    # -- reading and writing through one SDK list (kinds with another API override) --------
    page_size: ClassVar[int] = 1000

    def parent(self, client: Client, state: State) -> Any:
        """What the kind's SDK list lies in for a write of ``state`` (the desired state of a
        create, the live one of an update or delete): the client, or for a kind whose
        resources live inside another resource, that resource (a TaskRouter workspace)."""
        return client

    def read_parent(self, ctx: ReadContext, specs: Sequence[tuple[str, SpecT]]) -> Any | None:
        """What a read lists the kind in; ``None``: nothing to read."""
        return ctx.client

    def api(self, parent: Any) -> Any:
        """The SDK list of the kind's resources in ``parent`` (``client.flex_api.v1.flex_flow``)."""
        raise NotImplementedError

    def write_arguments(self, parent: Any, desired: State, *, create: bool) -> dict[str, Any]:
        """The SDK's keyword arguments of a write in ``parent``."""
        return self.arguments(desired, create=create)

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        return self.live(raw)

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, SpecT]]) -> list[LiveObject]:
        parent = self.read_parent(ctx, specs)
        if parent is None:
            return []
        listed = self.api(parent).stream(page_size=self.page_size)
        return [self.to_live(to_dict(item)) for item in listed]

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject | None:
        parent = self.parent(client, desired)
        made = self.api(parent).create(**self.write_arguments(parent, desired, create=True))
        return self.to_live(to_dict(made))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject | None:
        parent = self.parent(client, live.state)
        args = self.write_arguments(parent, desired, create=False)
        return self.to_live(to_dict(self.api(parent)(live.sid).update(**args)))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        self.api(self.parent(client, live.state))(live.sid).delete()

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        where = f"{self.section}.{name}"
        return Exported(export_spec(self.fields, live.raw, name, where, names))
