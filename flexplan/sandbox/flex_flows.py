"""Flex Flows: what Twilio accepts and stores (no HTTP).

Behaviour reproduced (sources: the OpenAPI spec twilio_flex_v1.json, Twilio
docs "Flex Flow Resource" and "Manage Flex Flows"):
- create requires FriendlyName, ChatServiceSid, ChannelType;
  IntegrationType defaults to ``studio`` ("Studio (default)" in Manage Flex Flows);
  ``studio`` needs Integration.FlowSid, ``external`` Integration.Url, ``task``
  Integration.WorkspaceSid + Integration.WorkflowSid; RetryCount is 0–3;
- two *enabled* flows for one (channel_type, contact_identity) are refused with
  error 45212 "Flex Flow creation failed ... collided with existing Flex Flows"
  (https://www.twilio.com/docs/api/errors/45212; HTTP 400 is our choice).
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import ApiError, invalid, missing
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.state import AccountState, Body

CHANNEL_TYPES = ("web", "sms", "facebook", "whatsapp", "line", "custom")
INTEGRATION_TYPES = ("studio", "external", "task")
INTEGRATION_KEYS = {
    "studio": ("flow_sid", "retry_count"),
    "external": ("url", "retry_count"),
    "task": (
        "workspace_sid",
        "workflow_sid",
        "channel",
        "timeout",
        "priority",
        "creation_on_message",
    ),
}
INTEGRATION_DEFAULTS: dict[str, Any] = {
    "retry_count": 3,
    "channel": "default",
    "timeout": 86400,
    "priority": 0,
    "creation_on_message": False,
}


def _integration(integration_type: str, given: dict[str, Any]) -> dict[str, Any]:
    merged = {**INTEGRATION_DEFAULTS, **given}
    needed = {
        "studio": ("flow_sid",),
        "external": ("url",),
        "task": ("workspace_sid", "workflow_sid"),
    }
    for key in needed[integration_type]:
        if not merged.get(key):
            name = "Integration." + "".join(p.capitalize() for p in key.split("_"))
            raise invalid(f"{name} is required when IntegrationType is {integration_type}")
    retry = merged.get("retry_count")
    if not isinstance(retry, int) or not 0 <= retry <= 3:
        raise invalid(f"Integration.RetryCount must be between 0 and 3, got {retry}")
    return {key: merged.get(key) for key in INTEGRATION_KEYS[integration_type]}


def _check_conflict(store: AccountState, body: Body) -> None:
    if not body["enabled"] or not body["contact_identity"]:
        return
    for other in store.items("flex_flows"):
        if other["sid"] == body["sid"] or not other["enabled"]:
            continue
        same = (other["channel_type"], other["contact_identity"])
        if same == (body["channel_type"], body["contact_identity"]):
            raise ApiError(
                400,
                45212,
                "Flex Flow creation failed: an enabled Flex Flow "
                f"({other['sid']}) already handles {body['channel_type']} "
                f"contact identity {body['contact_identity']}",
            )


def _echoed_channel(store: AccountState, integration: dict[str, Any]) -> dict[str, Any]:
    """With the ``echo_sids`` knob, a task channel given by unique name is kept as its SID.

    Twilio's ``Integration.Channel`` takes a task channel SID or unique name
    (twilio_flex_v1.json); which form it answers with is not documented, so the
    sandbox echoes what was sent, or the SID with this knob on.
    """
    channel = integration.get("channel")
    if not store.echo_sids or not channel or str(channel).startswith("TC"):
        return integration
    workspace = integration.get("workspace_sid")
    for item in store.items("task_channels"):
        if item["unique_name"] == channel and workspace in (None, item["workspace_sid"]):
            return {**integration, "channel": item["sid"]}
    return integration


def flex_flow_body(store: AccountState, sid: str, fields: dict[str, Any], created: str) -> Body:
    integration_type = fields.get("integration_type") or "studio"
    fields = {**fields, "integration": _echoed_channel(store, fields.get("integration") or {})}
    return {
        "sid": sid,
        "account_sid": store.account_sid,
        "date_created": created,
        "date_updated": created,
        "friendly_name": fields["friendly_name"],
        "chat_service_sid": fields["chat_service_sid"],
        "channel_type": fields["channel_type"],
        "contact_identity": fields.get("contact_identity"),
        "enabled": bool(fields.get("enabled", False)),
        "integration_type": integration_type,
        "integration": _integration(integration_type, fields.get("integration") or {}),
        "long_lived": bool(fields.get("long_lived", False)),
        "janitor_enabled": bool(fields.get("janitor_enabled", False)),
        "url": url("flex-api", f"/v1/FlexFlows/{sid}"),
    }


def create_flex_flow(store: AccountState, fields: dict[str, Any]) -> Body:
    """Validate and store a new Flex Flow (``fields`` use the response's names)."""
    for key, param in (
        ("friendly_name", "FriendlyName"),
        ("chat_service_sid", "ChatServiceSid"),
        ("channel_type", "ChannelType"),
    ):
        if not fields.get(key):
            raise missing(param)
    body = flex_flow_body(store, store.new_sid("FO"), fields, now_iso())
    _check_conflict(store, body)
    return store.put("flex_flows", body)


def update_flex_flow(store: AccountState, current: Body, fields: dict[str, Any]) -> Body:
    """Validate and store new values of a Flex Flow (``fields`` use the response's names)."""
    merged = {**current, **{k: v for k, v in fields.items() if k != "integration"}}
    integration_type = merged["integration_type"]
    integration = {**(current["integration"] or {}), **fields.get("integration", {})}
    merged["integration"] = _integration(integration_type, _echoed_channel(store, integration))
    merged["date_updated"] = now_iso()
    _check_conflict(store, merged)
    return store.put("flex_flows", merged)
