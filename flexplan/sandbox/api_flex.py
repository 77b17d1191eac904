"""flex-api v1: Flex Flows (CRUD) and the Flex Configuration singleton.

Behaviour reproduced (sources: the OpenAPI spec twilio_flex_v1.json, Twilio
docs "Flex Flow Resource" and "Manage Flex Flows"):
- create requires FriendlyName, ChatServiceSid, ChannelType; enums checked;
  IntegrationType defaults to ``studio`` ("Studio (default)" in Manage Flex Flows);
  ``studio`` needs Integration.FlowSid, ``external`` Integration.Url, ``task``
  Integration.WorkspaceSid + Integration.WorkflowSid; RetryCount is 0–3;
- two *enabled* flows for one (channel_type, contact_identity) are refused with
  error 45212 "Flex Flow creation failed ... collided with existing Flex Flows"
  (https://www.twilio.com/docs/api/errors/45212; HTTP 400 is our choice);
- Configuration update takes a JSON body that must carry ``account_sid``; keys
  sent replace the stored ones whole (so ``channel_configs`` is replaced, never
  merged); read-only keys are ignored.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import ApiError, invalid, missing, not_found
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.store import Body, Store

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
CONFIG_READ_ONLY = ("account_sid", "date_created", "date_updated", "url", "status")


# -- Flex Flows -----------------------------------------------------------------
def _form_fields(form: Params) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "friendly_name": form.text("FriendlyName"),
        "chat_service_sid": form.sid("ChatServiceSid", "IS"),
        "channel_type": form.enum("ChannelType", CHANNEL_TYPES),
        "contact_identity": form.text("ContactIdentity"),
        "enabled": form.flag("Enabled"),
        "integration_type": form.enum("IntegrationType", INTEGRATION_TYPES),
        "long_lived": form.flag("LongLived"),
        "janitor_enabled": form.flag("JanitorEnabled"),
    }
    integration: dict[str, Any] = {
        "flow_sid": form.sid("Integration.FlowSid", "FW"),
        "url": form.text("Integration.Url"),
        "workspace_sid": form.sid("Integration.WorkspaceSid", "WS"),
        "workflow_sid": form.sid("Integration.WorkflowSid", "WW"),
        "channel": form.text("Integration.Channel"),
        "timeout": form.integer("Integration.Timeout", low=0),
        "priority": form.integer("Integration.Priority"),
        "creation_on_message": form.flag("Integration.CreationOnMessage"),
        "retry_count": form.integer("Integration.RetryCount", low=0, high=3),
    }
    fields["integration"] = {k: v for k, v in integration.items() if v is not None}
    return {k: v for k, v in fields.items() if v is not None}


def _integration(kind: str, given: dict[str, Any]) -> dict[str, Any]:
    merged = {**INTEGRATION_DEFAULTS, **given}
    needed = {
        "studio": ("flow_sid",),
        "external": ("url",),
        "task": ("workspace_sid", "workflow_sid"),
    }
    for key in needed[kind]:
        if not merged.get(key):
            name = "Integration." + "".join(p.capitalize() for p in key.split("_"))
            raise invalid(f"{name} is required when IntegrationType is {kind}")
    retry = merged.get("retry_count")
    if not isinstance(retry, int) or not 0 <= retry <= 3:
        raise invalid(f"Integration.RetryCount must be between 0 and 3, got {retry}")
    return {key: merged.get(key) for key in INTEGRATION_KEYS[kind]}


def _check_conflict(store: Store, body: Body) -> None:
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


def _echoed_channel(store: Store, integration: dict[str, Any]) -> dict[str, Any]:
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


def flex_flow_body(store: Store, sid: str, fields: dict[str, Any], created: str) -> Body:
    kind = fields.get("integration_type") or "studio"
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
        "integration_type": kind,
        "integration": _integration(kind, fields.get("integration") or {}),
        "long_lived": bool(fields.get("long_lived", False)),
        "janitor_enabled": bool(fields.get("janitor_enabled", False)),
        "url": url("flex-api", f"/v1/FlexFlows/{sid}"),
    }


def create_flex_flow(store: Store, fields: dict[str, Any]) -> Body:
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


def _update_flex_flow(store: Store, current: Body, fields: dict[str, Any]) -> Body:
    merged = {**current, **{k: v for k, v in fields.items() if k != "integration"}}
    kind = merged["integration_type"]
    integration = {**(current["integration"] or {}), **fields.get("integration", {})}
    merged["integration"] = _integration(kind, _echoed_channel(store, integration))
    merged["date_updated"] = now_iso()
    _check_conflict(store, merged)
    return store.put("flex_flows", merged)


def _flex_flow(req: Request) -> Body:
    body = req.store.get("flex_flows", req.path_params["Sid"])
    if body is None:
        raise not_found(f"/v1/FlexFlows/{req.path_params['Sid']}")
    return body


def list_flex_flows(req: Request) -> Response:
    name = req.query.text("FriendlyName")
    items = [f for f in req.store.items("flex_flows") if name is None or f["friendly_name"] == name]
    filters = [("FriendlyName", name)] if name is not None else []
    base = url("flex-api", "/v1/FlexFlows")
    return Response(
        200, page_of(req.query, items, base=base, key="flex_flows", max_size=1000, filters=filters)
    )


def post_flex_flow(req: Request) -> Response:
    return Response(201, create_flex_flow(req.store, _form_fields(req.form)))


def fetch_flex_flow(req: Request) -> Response:
    return Response(200, _flex_flow(req))


def update_flex_flow(req: Request) -> Response:
    return Response(200, _update_flex_flow(req.store, _flex_flow(req), _form_fields(req.form)))


def delete_flex_flow(req: Request) -> Response:
    req.store.delete("flex_flows", _flex_flow(req)["sid"])
    return Response(204, None)


# -- Flex Configuration ------------------------------------------------------------
def fetch_configuration(req: Request) -> Response:
    return Response(200, req.store.singleton("flex_configuration"))


def update_configuration(req: Request) -> Response:
    body = req.json
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object")
    if "account_sid" not in body:
        raise missing("account_sid")
    if body["account_sid"] != req.store.account_sid:
        raise invalid(f"account_sid {body['account_sid']} does not match the authenticated account")
    configs = body.get("channel_configs")
    if configs is not None and not (
        isinstance(configs, list)
        and all(isinstance(c, dict) and c.get("address_type") for c in configs)
    ):
        raise invalid("channel_configs must be a list of objects, each with an address_type")
    current = dict(req.store.singleton("flex_configuration"))
    for key, value in body.items():
        if key in current and key not in CONFIG_READ_ONLY:
            current[key] = value
    current["date_updated"] = now_iso()
    req.store.set_singleton("flex_configuration", current)
    return Response(200, current)


def register(router: Router) -> None:
    router.add("GET", "flex-api", "/v1/FlexFlows", list_flex_flows)
    router.add("POST", "flex-api", "/v1/FlexFlows", post_flex_flow)
    router.add("GET", "flex-api", "/v1/FlexFlows/{Sid}", fetch_flex_flow)
    router.add("POST", "flex-api", "/v1/FlexFlows/{Sid}", update_flex_flow)
    router.add("DELETE", "flex-api", "/v1/FlexFlows/{Sid}", delete_flex_flow)
    router.add("GET", "flex-api", "/v1/Configuration", fetch_configuration)
    router.add("POST", "flex-api", "/v1/Configuration", update_configuration)
