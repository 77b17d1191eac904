"""Flex Flows (``flex_flows``): legacy message handlers, flex-api ``/v1/FlexFlows``.

Identified by friendly name. An enabled flow with a contact identity handles
inbound messages for it; Twilio refuses two such flows for one (channel type,
contact identity), and a number routed by a Flex Flow must not also be a
Conversations address: both are expressed as claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from flexplan.plantypes import Claim, LiveObject, Problem, Reference
from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    ResourceSpec,
    State,
    WriteContext,
    problems_by_type,
)
from flexplan.resources.fields import (
    ChatServiceLookup,
    FlowRef,
    Lookup,
    ResourceRef,
    Sid,
    TaskChannelOrRef,
    Url,
    WorkflowOrRef,
    WorkspaceLookup,
    is_sid,
    number_claim_key,
    web_chat_claim,
)
from flexplan.sensitive import looks_secret

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

ChannelType = Literal["web", "sms", "facebook", "whatsapp", "line", "custom"]
IntegrationType = Literal["studio", "external", "task"]

# which integration fields each integration type uses
_USED_BY: dict[str, set[str]] = {
    "studio_flow": {"studio"},
    "url": {"external"},
    "retry_count": {"studio", "external"},
    "workspace": {"task"},
    "workflow": {"task"},
    "channel": {"task"},
    "timeout": {"task"},
    "priority": {"task"},
    "creation_on_message": {"task"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "studio": ("studio_flow",),
    "external": ("url",),
    "task": ("workspace", "workflow"),
}


class Integration(BaseModel):
    """What handles a new conversation: a Studio flow, a webhook, or a TaskRouter task."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: IntegrationType = Field(
        description="studio: run a Studio flow; external: call a webhook; task: create a "
        "TaskRouter task at once (IntegrationType)"
    )
    studio_flow: FlowRef | None = Field(
        default=None, description="the Studio flow to run; required when type is studio"
    )
    url: Url | None = Field(
        default=None, description="the URL of the external webhook; required when type is external"
    )
    workspace: WorkspaceLookup | None = Field(
        default=None,
        description="the TaskRouter workspace of the new task; required when type is task",
    )
    workflow: WorkflowOrRef | None = Field(
        default=None,
        description="the TaskRouter workflow of the new task; required when type is task",
    )
    channel: TaskChannelOrRef | None = Field(
        default=None,
        description="task channel (unique name such as sms, or SID) of the new task, type task "
        "only; Twilio's default is 'default'",
    )
    timeout: int | None = Field(
        default=None,
        ge=1,
        description="task timeout in seconds, type task only; Twilio's default is 86400 (24 h)",
    )
    priority: int | None = Field(
        default=None, ge=0, description="task priority, type task only; Twilio's default is 0"
    )
    creation_on_message: bool | None = Field(
        default=None,
        description="outbound messaging, type task only: true delays the task until the "
        "customer replies, false creates it at once",
    )
    retry_count: int | None = Field(
        default=None,
        ge=0,
        le=3,
        description="retries of the Studio flow or webhook on failure (0-3, types studio and "
        "external); Twilio's default is 3",
    )


class FlexFlowSpec(ResourceSpec):
    """A Flex Flow; ``friendly_name`` identifies it in the account."""

    sid: Annotated[str, Sid("FO", "Flex Flow")] | None = Field(
        default=None, description="pin the live Flex Flow by its SID (FO…) instead of by its name"
    )
    friendly_name: str = Field(
        min_length=1, description="the string that describes the Flex Flow; identifies it"
    )
    chat_service: ChatServiceLookup | None = Field(
        default=None, description="the Chat service of the Flex Flow (required by Twilio to create)"
    )
    channel_type: ChannelType | None = Field(
        default=None, description="the channel: web, sms, facebook, whatsapp, line or custom"
    )
    contact_identity: str | None = Field(
        default=None,
        min_length=1,
        description="the channel contact's identity, e.g. the phone number of an sms channel",
    )
    enabled: bool | None = Field(default=None, description="whether the Flex Flow is enabled")
    integration: Integration | None = Field(
        default=None, description="what handles a new conversation (IntegrationType, Integration.*)"
    )
    long_lived: bool | None = Field(
        default=None,
        description="keep the chat channel active for later interactions with the same contact; "
        "Twilio's default is false",
    )
    janitor_enabled: bool | None = Field(
        default=None,
        description="the Channel Janitor removes active Proxy sessions when their task is deleted "
        "outside the Flex UI; Twilio's default is false",
    )


# The handlers a new Flex account starts with (compared ignoring case and surrounding space).
DEFAULT_FLEX_FLOWS = frozenset({"flex messaging channel flow", "flex web channel flow"})
# manifest integration field -> (API response key, SDK keyword)
_INTEGRATION = {
    "studio_flow": ("flow_sid", "integration_flow_sid"),
    "url": ("url", "integration_url"),
    "workspace": ("workspace_sid", "integration_workspace_sid"),
    "workflow": ("workflow_sid", "integration_workflow_sid"),
    "channel": ("channel", "integration_channel"),
    "timeout": ("timeout", "integration_timeout"),
    "priority": ("priority", "integration_priority"),
    "creation_on_message": ("creation_on_message", "integration_creation_on_message"),
    "retry_count": ("retry_count", "integration_retry_count"),
}
_TOP = ("friendly_name", "chat_service", "channel_type", "contact_identity", "enabled",
        "long_lived", "janitor_enabled")  # fmt: skip
_LOOKUP_FIELDS = ("workspace", "workflow", "channel")


class FlexFlowKind(ResourceKind[FlexFlowSpec]):
    section: ClassVar[str] = "flex_flows"
    address: ClassVar[str] = "flex_flow"
    title: ClassVar[str] = "Flex Flow"
    spec_model = FlexFlowSpec
    rank: ClassVar[int] = 20

    def references(self, spec: FlexFlowSpec) -> Sequence[Reference]:
        integration = spec.integration
        refs = [(f, getattr(integration, f, None)) for f in ("studio_flow", "workflow", "channel")]
        return [
            Reference(ref.section, ref.name, ("integration", field))
            for field, ref in refs
            if isinstance(ref, ResourceRef) and ref.name is not None
        ]

    def claims(self, name: str, spec: FlexFlowSpec) -> Sequence[Claim]:
        if spec.state == "absent":
            return ()
        return _claims(spec.channel_type, spec.contact_identity, spec.enabled, spec.friendly_name)

    def check(self, name: str, spec: FlexFlowSpec) -> Iterable[Problem]:
        if spec.state == "absent":
            return []
        problems = [
            Problem(f"a Flex Flow needs {field}", (), f"add {field}: to '{name}'")
            for field in ("chat_service", "channel_type")
            if getattr(spec, field) is None
        ]
        if spec.integration is not None:
            problems.extend(_check_integration(spec.integration))
        return problems

    def natural_key(self, name: str, spec: FlexFlowSpec) -> tuple[Any, ...]:
        return (spec.friendly_name,)

    def display(self, spec: FlexFlowSpec, name: str) -> str:
        return spec.friendly_name

    def lookups(self, spec: FlexFlowSpec) -> Sequence[Lookup]:
        found: list[Any] = [spec.chat_service] if spec.chat_service else []
        integration = spec.integration
        if integration is not None:
            found += [
                _scoped(integration, f)
                for f in _LOOKUP_FIELDS
                if isinstance(getattr(integration, f), Lookup)  # not a managed one
            ]
        return found

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, FlexFlowSpec]]) -> list[LiveObject]:
        return [
            to_live(to_dict(f)) for f in ctx.client.flex_api.v1.flex_flow.stream(page_size=1000)
        ]

    def desired_state(self, name: str, spec: FlexFlowSpec, resolver: Resolver) -> State:
        state: dict[str, Any] = {}
        for field in _TOP:
            value = getattr(spec, field, None)
            if value is not None:
                state[field] = resolver.lookup(value) if field == "chat_service" else value
        integration = spec.integration
        if integration is not None:
            state["integration"] = _desired_integration(integration, resolver)
        return state

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        return to_live(to_dict(client.flex_api.v1.flex_flow.create(**_arguments(desired))))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        return to_live(
            to_dict(client.flex_api.v1.flex_flow(live.sid).update(**_arguments(desired)))
        )

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        client.flex_api.v1.flex_flow(live.sid).delete()

    def release_state(self, live: LiveObject) -> State | None:
        """A disabled flow handles nothing: it claims no contact identity or number."""
        return {"enabled": False}

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        raw, where = live.raw, f"flex_flows.{name}"
        spec: dict[str, Any] = {
            "friendly_name": raw.get("friendly_name"),
            "chat_service": names.lookup("chat_service", raw.get("chat_service_sid")),
            "channel_type": raw.get("channel_type"),
        }
        if raw.get("contact_identity"):
            spec["contact_identity"] = raw["contact_identity"]
        spec["enabled"] = bool(raw.get("enabled"))  # always: it decides what the flow claims
        for field in ("long_lived", "janitor_enabled"):
            if raw.get(field):  # Twilio's default: false
                spec[field] = True
        integration = _export_integration(raw, where, names)
        if integration is not None:
            spec["integration"] = integration
        return Exported(spec)


# Twilio's defaults for integration fields: left out of an export
_INTEGRATION_DEFAULTS: dict[str, Any] = {
    "retry_count": 3, "channel": "default", "timeout": 86400, "priority": 0,
    "creation_on_message": False,
}  # fmt: skip


def _export_integration(raw: dict[str, Any], where: str, names: ExportNames) -> Any:
    kind = raw.get("integration_type")
    if kind not in _REQUIRED:
        return None
    given = raw.get("integration") or {}
    out: dict[str, Any] = {"type": kind}
    workspace = given.get("workspace_sid")
    for field, (key, _) in _INTEGRATION.items():
        value = given.get(key)
        unused = kind not in _USED_BY[field] or value is None
        if unused or _INTEGRATION_DEFAULTS.get(field) == value:
            continue
        if field == "studio_flow":
            value = names.ref("studio_flows", value)
        elif isinstance(value, str) and looks_secret(value, key=field):
            value = names.secret(f"{where}.integration.{field}", value)
        elif field in ("workspace", "workflow"):
            value = names.lookup(field, value, workspace_sid=workspace)
        elif field == "channel" and is_sid(str(value), "TC"):  # an account may answer the SID
            value = names.lookup("task_channel", value, workspace_sid=workspace)
        out[field] = value
    return out


def _check_integration(integration: Integration) -> Iterable[Problem]:
    kind = integration.type
    yield from problems_by_type(
        integration, kind, required=_REQUIRED, used_by=_USED_BY,
        section="integration", noun=f"a {kind} integration",
    )  # fmt: skip


def _scoped(integration: Any, field: str) -> Any:
    """Workflow and task channel look-ups are searched in the integration's workspace."""
    lookup = getattr(integration, field)
    if field in ("workflow", "channel") and lookup.workspace is None and integration.workspace:
        return type(lookup)(lookup.kind, lookup.by, lookup.value, integration.workspace)
    return lookup


def _desired_integration(integration: Any, resolver: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"type": integration.type}
    for field in _INTEGRATION:
        value = getattr(integration, field, None)
        if value is None:
            continue
        if isinstance(value, ResourceRef):  # a managed flow, workflow or task channel
            state[field] = resolver.ref(value)
        elif field in _LOOKUP_FIELDS:  # a Named SID: equal to the name Twilio may echo
            state[field] = resolver.lookup(_scoped(integration, field))
        else:
            state[field] = value
    return state


def _arguments(desired: dict[str, Any]) -> dict[str, Any]:
    args = {
        "friendly_name": desired.get("friendly_name"),
        "chat_service_sid": desired.get("chat_service"),
        "channel_type": desired.get("channel_type"),
        "contact_identity": desired.get("contact_identity"),
        "enabled": desired.get("enabled"),
        "long_lived": desired.get("long_lived"),
        "janitor_enabled": desired.get("janitor_enabled"),
    }
    integration = desired.get("integration") or {}
    args["integration_type"] = integration.get("type")
    for field, (_, keyword) in _INTEGRATION.items():
        args[keyword] = integration.get(field)
    return drop_none(args)


def to_live(raw: dict[str, Any]) -> LiveObject:
    integration_raw = raw.get("integration") or {}
    integration = {"type": raw.get("integration_type")}
    for field, (key, _) in _INTEGRATION.items():
        integration[field] = integration_raw.get(key)
    state = {field: raw.get(field) for field in _TOP if field != "chat_service"}
    state["chat_service"] = raw.get("chat_service_sid")
    state["integration"] = integration
    refs = {v for v in (integration.get("studio_flow"), raw.get("chat_service_sid")) if v}
    return LiveObject(
        key=(raw.get("friendly_name"),),
        sid=raw.get("sid"),
        label=str(raw.get("friendly_name")),
        raw=raw,
        state=state,
        claims=tuple(
            _claims(
                state.get("channel_type"),
                state.get("contact_identity"),
                state.get("enabled"),
                state.get("friendly_name"),
            )
        ),
        referenced_sids=frozenset(refs),
        is_default=str(raw.get("friendly_name") or "").strip().casefold() in DEFAULT_FLEX_FLOWS,
    )


def _claims(
    channel: str | None, who: str | None, enabled: bool | None, name: str | None
) -> list[Claim]:
    """What an enabled flow occupies, the same for a spec and a live flow."""
    if enabled is False:
        return []
    found = [web_chat_claim(name)] if channel == "web" and name else []
    if not who:
        return found
    path = ("contact_identity",)
    found.append(
        Claim(f"inbound:{channel}:{who}", f"handles inbound {channel} messages for {who}", path)
    )
    number = number_claim_key(who, channel or "")
    if number and channel in ("sms", "whatsapp"):
        found.append(Claim(number, f"routes {who} through a legacy Flex Flow", path))
    if channel == "facebook":
        page = who.removeprefix("messenger:")
        found.append(Claim(f"messenger:{page}", f"routes Facebook page {page} through a legacy "
                           "Flex Flow", path))  # fmt: skip
    return found


KIND = FlexFlowKind()
