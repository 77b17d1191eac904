"""Flex Flows (``flex_flows``): legacy message handlers, flex-api ``/v1/FlexFlows``.

Identified by friendly name. An enabled flow with a contact identity handles
inbound messages for it; Twilio refuses two such flows for one (channel type,
contact identity), and a number routed by a Flex Flow must not also be a
Conversations address: both are expressed as claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from flexplan.plantypes import Claim, LiveObject
from flexplan.resources.base import (
    ResourceSpec,
    State,
)
from flexplan.resources.fields import (
    ChatServiceLookup,
    FlowRef,
    Sid,
    TaskChannelOrRef,
    Url,
    WorkflowOrRef,
    WorkspaceLookup,
    number_claim_key,
    web_chat_claim,
)
from flexplan.resources.table import (
    Attr,
    Block,
    Table,
    TableKind,
)

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

ChannelType = Literal["web", "sms", "facebook", "whatsapp", "line", "custom"]
IntegrationType = Literal["studio", "external", "task"]

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
_TASK = frozenset({"task"})
_REDIRECTS = frozenset({"studio", "external"})


FIELDS: Table = (
    Attr("friendly_name", always=True, key=True),
    Attr("chat_service", "chat_service_sid", "lookup", "chat_service", always=True,
         required=True),
    Attr("channel_type", always=True, required=True),
    Attr("contact_identity"),
    Attr("enabled", always=True),  # always: it decides what the flow claims
    Attr("long_lived", default=False),
    Attr("janitor_enabled", default=False),
    Block("integration", "integration", types=("studio", "external", "task"),
          noun="a {type} integration", fields=(
        Attr("type", "integration_type", always=True),
        Attr("studio_flow", "integration.flow_sid", "ref", "studio_flows",
             used_by=frozenset({"studio"}), required_by=frozenset({"studio"})),
        Attr("url", role="secret", used_by=frozenset({"external"}),
             required_by=frozenset({"external"})),
        Attr("workspace", "integration.workspace_sid", "lookup", "workspace",
             used_by=_TASK, required_by=_TASK),
        Attr("workflow", "integration.workflow_sid", "lookup", "workflow", scope="workspace",
             used_by=_TASK, required_by=_TASK),
        Attr("channel", role="lookup", target="task_channel", scope="workspace",
             default="default", used_by=_TASK),
        Attr("timeout", default=86400, used_by=_TASK),
        Attr("priority", default=0, used_by=_TASK),
        Attr("creation_on_message", default=False, used_by=_TASK),
        Attr("retry_count", default=3, used_by=_REDIRECTS),
    )),
)  # fmt: skip


class FlexFlowKind(TableKind[FlexFlowSpec]):
    section: ClassVar[str] = "flex_flows"
    type_name: ClassVar[str] = "flex_flow"
    title: ClassVar[str] = "Flex Flow"
    spec_model = FlexFlowSpec
    rank: ClassVar[int] = 20
    fields: ClassVar[Table] = FIELDS
    unreadable_hint: ClassVar[str | None] = (
        "Flex Flows are legacy messaging (Programmable Chat for Flex), whose API Twilio "
        "retires at its end of life; if this account no longer has it, move the flex_flows "
        "entries to conversations_addresses (`flexplan migrate`) or remove them and their "
        "prune: — see docs/manifest.md, 'Legacy messaging after its end of life'"
    )

    def claims(self, name: str, spec: FlexFlowSpec) -> Sequence[Claim]:
        if spec.state == "absent":
            return ()
        return _claims(spec.channel_type, spec.contact_identity, spec.enabled, spec.friendly_name)

    def api(self, client: Client) -> Any:
        return client.flex_api.v1.flex_flow

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        name = raw.get("friendly_name")
        claims = _claims(raw.get("channel_type"), raw.get("contact_identity"),
                         raw.get("enabled"), name)  # fmt: skip
        live = self.live(raw, claims=claims,
                         is_default=str(name or "").strip().casefold() in DEFAULT_FLEX_FLOWS)
        # the order plans have always shown a live flow in: chat_service after the flags
        live.state["chat_service"] = live.state.pop("chat_service")
        live.state["integration"] = live.state.pop("integration")
        return live

    def release_state(self, live: LiveObject) -> State | None:
        """A disabled flow handles nothing: it claims no contact identity or number."""
        return {"enabled": False}




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
