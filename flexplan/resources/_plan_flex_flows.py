from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources.base import Claim, ResourceSpec
from flexplan.resources.fields import number_claim_key
from flexplan.resources.live import LiveObject

DEFAULT_FLEX_FLOWS = frozenset({"Flex Messaging Channel Flow", "Flex Web Channel Flow"})
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


class FlexFlowLive:
    rank: ClassVar[int] = 20

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        found = [spec.chat_service] if getattr(spec, "chat_service", None) else []
        integration = getattr(spec, "integration", None)
        if integration is not None:
            found += [_scoped(integration, f) for f in _LOOKUP_FIELDS if getattr(integration, f)]
        return found

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[LiveObject]:
        return [to_live(to_dict(f)) for f in ctx.client.flex_api.v1.flex_flow.stream(page_size=1000)]

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        state: dict[str, Any] = {}
        for field in _TOP:
            value = getattr(spec, field, None)
            if value is not None:
                state[field] = resolver.lookup(value) if field == "chat_service" else value
        integration = getattr(spec, "integration", None)
        if integration is not None:
            state["integration"] = _desired_integration(integration, resolver)
        return state

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> LiveObject:
        return to_live(to_dict(client.flex_api.v1.flex_flow.create(**_arguments(desired))))

    def update(self, client: Any, live: LiveObject, desired: dict[str, Any], ctx: Any) -> LiveObject:
        return to_live(to_dict(client.flex_api.v1.flex_flow(live.sid).update(**_arguments(desired))))

    def delete(self, client: Any, live: LiveObject, ctx: Any) -> None:
        client.flex_api.v1.flex_flow(live.sid).delete()

    def fetch(self, client: Any, live: LiveObject) -> LiveObject:
        return to_live(to_dict(client.flex_api.v1.flex_flow(live.sid).fetch()))


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
        if field == "studio_flow":
            state[field] = resolver.ref(value)
        elif field == "channel" and value.by == "unique_name":
            resolver.lookup(_scoped(integration, field))  # must exist; Twilio takes the name
            state[field] = value.value
        elif field in _LOOKUP_FIELDS:
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
        claims=tuple(_claims(state)),
        referenced_sids=frozenset(refs),
        is_default=raw.get("friendly_name") in DEFAULT_FLEX_FLOWS,
    )


def _claims(state: dict[str, Any]) -> list[Claim]:
    who, channel = state.get("contact_identity"), state.get("channel_type")
    if not who or state.get("enabled") is False:
        return []
    found = [Claim(f"inbound:{channel}:{who}", f"handles inbound {channel} for {who}")]
    number = number_claim_key(who, channel or "")
    if number and channel in ("sms", "whatsapp"):
        found.append(Claim(number, f"routes {who} through a legacy Flex Flow"))
    return found
