"""Flex Flows (``flex_flows``): legacy message handlers, flex-api ``/v1/FlexFlows``.

Identified by friendly name. An enabled flow with a contact identity handles
inbound messages for it; Twilio refuses two such flows for one (channel type,
contact identity), and a number routed by a Flex Flow must not also be a
Conversations address: both are expressed as claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from flexplan.resources.base import Claim, Problem, Reference, ResourceKind, ResourceSpec
from flexplan.resources.fields import (
    ChatServiceLookup,
    FlowRef,
    Sid,
    TaskChannelLookup,
    Url,
    WorkflowLookup,
    WorkspaceLookup,
    number_claim_key,
)

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

    type: IntegrationType
    studio_flow: FlowRef | None = None
    url: Url | None = None
    workspace: WorkspaceLookup | None = None
    workflow: WorkflowLookup | None = None
    channel: TaskChannelLookup | None = Field(
        default=None, description="task channel unique name or SID; Twilio's default is 'default'"
    )
    timeout: int | None = Field(default=None, ge=1)
    priority: int | None = Field(default=None, ge=0)
    creation_on_message: bool | None = None
    retry_count: int | None = Field(default=None, ge=0, le=3)


class FlexFlowSpec(ResourceSpec):
    """A Flex Flow; ``friendly_name`` identifies it in the account."""

    sid: Annotated[str, Sid("FO", "Flex Flow")] | None = None
    friendly_name: str = Field(min_length=1)
    chat_service: ChatServiceLookup | None = None
    channel_type: ChannelType | None = None
    contact_identity: str | None = Field(default=None, min_length=1)
    enabled: bool | None = None
    integration: Integration | None = None
    long_lived: bool | None = None
    janitor_enabled: bool | None = None


class FlexFlowKind(ResourceKind):
    section: ClassVar[str] = "flex_flows"
    address: ClassVar[str] = "flex_flow"
    title: ClassVar[str] = "Flex Flow"
    spec_model: ClassVar[type[ResourceSpec]] = FlexFlowSpec

    def references(self, spec: ResourceSpec) -> Sequence[Reference]:
        assert isinstance(spec, FlexFlowSpec)
        ref = spec.integration.studio_flow if spec.integration else None
        if ref is None or ref.name is None:
            return ()
        return (Reference("studio_flows", ref.name, ("integration", "studio_flow")),)

    def claims(self, name: str, spec: ResourceSpec) -> Sequence[Claim]:
        assert isinstance(spec, FlexFlowSpec)
        who = spec.contact_identity
        if spec.state == "absent" or who is None or spec.enabled is False:
            return ()
        path = ("contact_identity",)
        found = [
            Claim(
                f"inbound:{spec.channel_type}:{who}",
                f"handles inbound {spec.channel_type} messages for {who}",
                path,
            )
        ]
        number = number_claim_key(who, spec.channel_type or "")
        if number and spec.channel_type in ("sms", "whatsapp"):
            found.append(Claim(number, f"routes {who} through a legacy Flex Flow", path))
        return found

    def check(self, name: str, spec: ResourceSpec) -> Iterable[Problem]:
        assert isinstance(spec, FlexFlowSpec)
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

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        assert isinstance(spec, FlexFlowSpec)
        return (spec.friendly_name,)

    def display(self, spec: ResourceSpec, name: str) -> str:
        assert isinstance(spec, FlexFlowSpec)
        return spec.friendly_name


def _check_integration(integration: Integration) -> Iterable[Problem]:
    kind = integration.type
    for field in _REQUIRED[kind]:
        if getattr(integration, field) is None:
            yield Problem(
                f"a {kind} integration needs {field}",
                ("integration",),
                f"add integration.{field}",
            )
    for field, users in _USED_BY.items():
        if getattr(integration, field) is not None and kind not in users:
            yield Problem(
                f"integration.{field} is not used by a {kind} integration",
                ("integration", field),
                f"remove it, or use type: {' or '.join(sorted(users))}",
            )


KIND = FlexFlowKind()
