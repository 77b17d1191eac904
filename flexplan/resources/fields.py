"""Typed field types shared by the resource models.

A manifest writes SIDs, sizes, references and look-ups as plain YAML scalars;
these types parse them once, at validate time, into typed values the plan can
use without re-parsing strings:

* ``Annotated[str, Sid("FW", "Studio flow")]`` -- a SID checked by its prefix;
* ``Size`` -- bytes, written as ``16MiB``, ``2 MB`` or a plain integer;
* ``FlowRef`` (``Ref(...)``) -- a ``ResourceRef``: a managed resource's local
  name, or a pinned SID;
* ``WorkflowLookup`` etc. (``LookupOf(...)``) -- a ``Lookup`` of a read-only
  account object by friendly name (unique name for task channels) or SID.

Errors are raised as ``PydanticCustomError`` with a message meant for people;
the manifest layer shows it at the value's file:line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainValidator,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from flexplan.plantypes import Claim
from flexplan.resources.lookup_types import LOOKUP_TYPES, SCOPED

SID_HEX = "[0-9a-fA-F]{32}"
LOCAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
LOCAL_NAME_PATTERN = LOCAL_NAME.pattern
_ANY_SID = re.compile(rf"^[A-Z]{{2}}{SID_HEX}$")


@functools.cache
def sid_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{prefix}{SID_HEX}$")


def is_sid(value: str, prefix: str) -> bool:
    return bool(sid_pattern(prefix).match(value))


def _fail(error_type: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(error_type, message, ctx or None)


# -- SIDs ---------------------------------------------------------------------------


class _Field:
    """Pydantic marker: parse with ``parse``, dump with ``dump``, document with ``schema``.

    Markers are plain classes with slots, not dataclasses: a dozen are made at import
    and none is compared or hashed, while a frozen dataclass compiles six methods when
    its class is created (~0.5 ms each class, every start of ``validate``).
    """

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({args})"

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def dump(self, value: Any) -> Any:
        return value

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(self.dump),
        )

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return self.schema()


class Sid(_Field):
    """A SID with a given prefix: ``Annotated[str, Sid("FW", "Studio flow")]``."""

    __slots__ = ("prefix", "what")

    def __init__(self, prefix: str, what: str) -> None:
        self.prefix = prefix
        self.what = what

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or not is_sid(value, self.prefix):
            raise _fail(
                "sid_format",
                "'{value}' is not a valid {what} SID ({prefix} followed by 32 hex digits)",
                value=str(value),
                what=self.what,
                prefix=self.prefix,
            )
        return value

    def schema(self) -> dict[str, Any]:
        pattern = sid_pattern(self.prefix).pattern
        return {"type": "string", "pattern": pattern, "description": f"{self.what} SID"}


AccountSid = Annotated[str, Sid("AC", "account")]


def _var_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)):
        return value
    raise _fail("var_value", "a variable's value is text, a number or true/false")


VarValue = Annotated[
    str | int | float | bool,
    PlainValidator(_var_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]


# -- sizes --------------------------------------------------------------------------

_UNITS = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "kb": 1000, "mb": 1000**2, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3,
}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
SIZE_PATTERN = r"^\s*\d+(\.\d+)?\s*([KMG]i?B|[kmg]i?b|B|b|bytes?)?\s*$"


def parse_size(value: Any) -> int:
    """Bytes from ``16MiB``, ``2 MB``, ``1.5 KiB`` or a plain non-negative integer."""
    if isinstance(value, bool):
        raise _fail("size_type", "expected a size such as 16MiB, 2 MB or a number of bytes")
    if isinstance(value, int):
        if value < 0:
            raise _fail("size_negative", "a size cannot be negative")
        return value
    if not isinstance(value, str):
        raise _fail("size_type", "expected a size such as 16MiB, 2 MB or a number of bytes")
    match = _SIZE.match(value)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise _fail(
            "size_format",
            "'{value}' is not a size: write bytes, or a number with B, KB, MB, GB, KiB, MiB or GiB",
            value=value,
        )
    amount = float(match.group(1)) * _UNITS[unit]
    if amount != int(amount):
        raise _fail("size_fraction", "'{value}' is not a whole number of bytes", value=value)
    return int(amount)


def format_size(size: int) -> str:
    """``16 MiB (16777216 bytes)`` -- a size as people read it, exact bytes beside."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            amount = f"{size / factor:.2f}".rstrip("0").rstrip(".")
            return f"{amount} {unit} ({size} bytes)"
    return f"{size} bytes"


def size_text(size: int) -> int | str:
    """``16MiB`` when the size is a whole number of GiB, MiB or KiB; bytes otherwise."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size and size % factor == 0:
            return f"{size // factor}{unit}"
    return size


Size = Annotated[
    int,
    PlainValidator(parse_size),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": SIZE_PATTERN},
            ],
            "description": "bytes, or a size with a unit: 16MiB, 2 MB, 512KiB",
        }
    ),
]


# -- references to managed resources -------------------------------------------------


@dataclass(frozen=True)
class ResourceRef:
    """A managed resource named by local name, or pinned by SID."""

    section: str
    name: str | None = None
    sid: str | None = None

    def __str__(self) -> str:
        return self.name or self.sid or ""


class Ref(_Field):
    """A reference to a resource of ``section``: its local name or a ``prefix`` SID."""

    __slots__ = ("prefix", "section", "what")

    def __init__(self, section: str, prefix: str, what: str) -> None:
        self.section = section
        self.prefix = prefix
        self.what = what

    def parse(self, value: Any) -> ResourceRef:
        if isinstance(value, ResourceRef):
            return value
        what, prefix = self.what, self.prefix
        if not isinstance(value, str):
            raise _fail("ref_type", "expected the local name of a {what}, or its SID", what=what)
        if is_sid(value, prefix):
            return ResourceRef(self.section, sid=value)
        if _ANY_SID.match(value):
            raise _fail(
                "ref_sid",
                "'{value}' is not a {what} SID (those start with {prefix})",
                value=value, what=what, prefix=prefix,
            )  # fmt: skip
        if not LOCAL_NAME.match(value):
            raise _fail(
                "ref_name",
                "'{value}' is neither a local name of a {what} nor a {prefix} SID",
                value=value, what=what, prefix=prefix,
            )  # fmt: skip
        return ResourceRef(self.section, name=value)

    def dump(self, value: Any) -> Any:
        return str(value)

    def schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "anyOf": [
                {"pattern": LOCAL_NAME_PATTERN},
                {"pattern": sid_pattern(self.prefix).pattern},
            ],
            "description": f"local name of a {self.what} in `{self.section}`, "
            f"or its SID ({self.prefix}…)",
        }


FlowRef = Annotated[ResourceRef, Ref("studio_flows", "FW", "Studio flow")]


# -- look-ups of read-only account objects --------------------------------------------

LOOKUP_PREFIX: dict[str, str] = {name: t.prefix for name, t in LOOKUP_TYPES.items()}
LOOKUP_TITLE: dict[str, str] = {name: t.title for name, t in LOOKUP_TYPES.items()}


@dataclass(frozen=True)
class Lookup:
    """A read-only account object found at plan time by name or SID.

    ``by`` is ``sid`` when the value matches the target type's SID pattern, else
    ``friendly_name`` (``unique_name`` for task channels). A workflow or task
    channel look-up may carry the ``workspace`` to search in; without it the
    plan uses the workspace of the surrounding integration (or the account's
    only one).
    """

    target_type: str
    by: str
    value: str
    workspace: Lookup | None = None

    def __str__(self) -> str:
        return self.value

    def as_manifest(self) -> Any:
        """The form written in a manifest's flow ``vars``: ``{target_type: value}``."""
        out: dict[str, Any] = {self.target_type: self.value}
        if self.workspace is not None:
            out["workspace"] = self.workspace.value
        return out


def make_lookup(target_type: str, value: Any) -> Lookup:
    title = LOOKUP_TITLE[target_type]
    if not isinstance(value, str) or not value.strip():
        raise _fail("lookup_type", "expected the name or SID of a {title}", title=title)
    prefix = LOOKUP_PREFIX[target_type]
    if is_sid(value, prefix):
        return Lookup(target_type, "sid", value)
    if _ANY_SID.match(value):
        raise _fail(
            "lookup_sid",
            "'{value}' is not a {title} SID (those start with {prefix})",
            value=value,
            title=title,
            prefix=prefix,
        )
    return Lookup(target_type, LOOKUP_TYPES[target_type].by, value)


class LookupOf(_Field):
    """A look-up written as a string: a friendly name (or unique name) or a SID."""

    __slots__ = ("target_type",)

    def __init__(self, target_type: str) -> None:
        self.target_type = target_type

    def parse(self, value: Any) -> Lookup:
        return value if isinstance(value, Lookup) else make_lookup(self.target_type, value)

    def dump(self, value: Any) -> Any:
        return str(value)

    def schema(self) -> dict[str, Any]:
        target = LOOKUP_TYPES[self.target_type]
        by, title, prefix = target.by_words, target.title, target.prefix
        return {
            "type": "string",
            "minLength": 1,
            "description": f"{title}: its {by} or its SID ({prefix}…)",
        }


ChatServiceLookup = Annotated[Lookup, LookupOf("chat_service")]
ConversationServiceLookup = Annotated[Lookup, LookupOf("conversation_service")]
WorkspaceLookup = Annotated[Lookup, LookupOf("workspace")]
WorkflowLookup = Annotated[Lookup, LookupOf("workflow")]
TaskChannelLookup = Annotated[Lookup, LookupOf("task_channel")]


def parse_lookup_mapping(value: Mapping[str, Any]) -> Lookup:
    """``{workflow: Assign to Anyone, workspace: Flex Task Assignment}`` and friends."""
    types = [k for k in value if k in LOOKUP_PREFIX and k != "workspace"]
    if not types and set(value) == {"workspace"}:
        types = ["workspace"]
    extra = set(value) - {*types, "workspace"}
    if len(types) != 1 or extra:
        raise _fail(
            "lookup_mapping",
            "a look-up is one of {keys} (a workflow or task_channel may add workspace)",
            keys=", ".join(sorted(LOOKUP_PREFIX)),
        )
    target_type = types[0]
    lookup = make_lookup(target_type, value[target_type])
    if target_type != "workspace" and "workspace" in value:
        if target_type not in SCOPED:
            raise _fail("lookup_mapping", "only a workflow or task_channel look-up takes workspace")
        ws = make_lookup("workspace", value["workspace"])
        lookup = Lookup(lookup.target_type, lookup.by, lookup.value, ws)
    return lookup


FLOW_VAR_REF = "studio_flow"  # ``{studio_flow: NAME}``: another managed flow's SID
# ``{workflows: NAME}`` / ``{task_channels: NAME}``: a managed TaskRouter resource's SID
MANAGED_REFS: dict[str, Ref] = {
    "workflows": Ref("workflows", "WW", "workflow"),
    "task_channels": Ref("task_channels", "TC", "task channel"),
}
# the look-up type a managed resource of a section may stand for
MANAGED_SECTION = {"workflow": "workflows", "task_channel": "task_channels"}
_VAR_REFS: dict[str, Ref] = {FLOW_VAR_REF: Ref("studio_flows", "FW", "Studio flow"), **MANAGED_REFS}
REF_VAR_KEY = {ref.section: key for key, ref in _VAR_REFS.items()}  # section -> vars key


def _parse_flow_var(value: Any) -> str | Lookup | ResourceRef:
    if isinstance(value, (str, Lookup, ResourceRef)):
        return value
    if isinstance(value, bool) or value is None:
        raise _fail("var_type", "a variable is text, or a look-up such as workflow: NAME")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping) and value.keys() & _VAR_REFS.keys():
        key = next(iter(value.keys() & _VAR_REFS.keys()))
        if len(value) != 1:
            what = "flow reference" if key == FLOW_VAR_REF else "reference"
            raise _fail("var_ref", f"a {what} is only {{{key}: NAME}}")
        return _VAR_REFS[key].parse(value[key])
    if isinstance(value, Mapping):
        return parse_lookup_mapping(value)
    raise _fail("var_type", "a variable is text, or a look-up such as workflow: NAME")


def _dump_flow_var(value: str | Lookup | ResourceRef) -> Any:
    if isinstance(value, ResourceRef):
        return {REF_VAR_KEY[value.section]: str(value)}
    return value.as_manifest() if isinstance(value, Lookup) else value


class LookupOrRef(_Field):
    """A look-up (name or SID, as ``LookupOf``) or ``{SECTION: NAME}``, a managed resource."""

    __slots__ = ("section", "target_type")

    def __init__(self, target_type: str, section: str) -> None:
        self.target_type = target_type
        self.section = section

    def parse(self, value: Any) -> Lookup | ResourceRef:
        if isinstance(value, (Lookup, ResourceRef)):
            return value
        if isinstance(value, Mapping):
            if set(value) != {self.section}:
                what = LOOKUP_TITLE[self.target_type]
                raise _fail(
                    "ref_mapping", f"a managed {what} is written {{{self.section}: LOCAL_NAME}}"
                )
            return MANAGED_REFS[self.section].parse(value[self.section])
        return make_lookup(self.target_type, value)

    def dump(self, value: Any) -> Any:
        return {self.section: str(value)} if isinstance(value, ResourceRef) else str(value)

    def schema(self) -> dict[str, Any]:
        ref = MANAGED_REFS[self.section].schema()
        return {
            "anyOf": [
                LookupOf(self.target_type).schema(),
                {"type": "object", "properties": {self.section: ref},
                 "required": [self.section], "additionalProperties": False},
            ],
            "description": f"{LOOKUP_TITLE[self.target_type]}: its name or SID, or a managed one "
            f"as {{{self.section}: LOCAL_NAME}}",
        }  # fmt: skip


WorkflowOrRef = Annotated[Lookup | ResourceRef, LookupOrRef("workflow", "workflows")]
TaskChannelOrRef = Annotated[Lookup | ResourceRef, LookupOrRef("task_channel", "task_channels")]


_WORKSPACE_NOTE = "; with workflow or task_channel: the workspace to search"


class _FlowVarField(_Field):
    """A Studio flow's ``vars`` value: text, a look-up or a managed resource's SID.

    A marker like the others (not ``PlainValidator``): pydantic then builds no schema of
    its own for ``str | Lookup | ResourceRef``, which would make pydantic dataclasses of
    ``Lookup`` and ``ResourceRef`` whenever the Studio kind loads (validate pays that).
    """

    def parse(self, value: Any) -> str | Lookup | ResourceRef:
        return _parse_flow_var(value)

    def dump(self, value: Any) -> Any:
        return _dump_flow_var(value)

    def schema(self) -> dict[str, Any]:
        lookup_object = {
            "type": "object",
            "properties": {
                k: {
                    "type": "string",
                    "minLength": 1,
                    "description": f"{LOOKUP_TITLE[k]}: its "
                    f"{LOOKUP_TYPES[k].by_words} or SID "
                    f"({LOOKUP_PREFIX[k]}…), resolved to the SID at plan time"
                    + (_WORKSPACE_NOTE if k == "workspace" else ""),
                }
                for k in LOOKUP_PREFIX
            },
            "minProperties": 1,
            "maxProperties": 2,
            "additionalProperties": False,
        }
        flow_ref = {
            "type": "object",
            "properties": {key: ref.schema() for key, ref in _VAR_REFS.items()},
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
        }
        return {
            "anyOf": [{"type": "string"}, lookup_object, flow_ref],
            "description": "a string; a look-up resolved at plan time, "
            "e.g. {workflow: Assign to Anyone} or {task_channel: chat}; or a managed "
            "resource's SID: {studio_flow: NAME} (a run-subflow's flow_sid), "
            "{workflows: NAME}, {task_channels: NAME} (a send-to-flex widget)",
        }


FlowVar = Annotated[str | Lookup | ResourceRef, _FlowVarField()]


# -- URLs ---------------------------------------------------------------------------

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


class UrlField(_Field):
    """An http(s) URL."""

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or not _URL.match(value):
            raise _fail("url_format", "expected an http:// or https:// URL")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": "^https?://"}


Url = Annotated[str, UrlField()]


# -- phone numbers --------------------------------------------------------------------

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def number_claim_key(channel_address: str, channel: str = "sms") -> str | None:
    """``number:+1555…`` (SMS) or ``number:whatsapp:+1555…`` for a routable number."""
    text = channel_address.strip().replace(" ", "").replace("-", "")
    if ":" in text:
        channel, _, text = text.partition(":")
        channel = channel.lower()
    if channel not in ("whatsapp", "sms") or not E164.match(text):
        return None
    return f"number:whatsapp:{text}" if channel == "whatsapp" else f"number:{text}"


def web_chat_claim(name: str) -> Claim:
    """A web chat entry point, by friendly name: a legacy web Flex Flow and the chat address
    that replaces it share no identifier, so a migration names the address like the flow.
    Not exclusive (both may exist in Twilio): it only orders the delete before the create."""
    key = " ".join(name.split()).casefold()
    return Claim(f"webchat:{key}", f"is the web chat '{name}'", ("friendly_name",), exclusive=False)
