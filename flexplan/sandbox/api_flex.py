"""flex-api v1 over HTTP: Flex Flows (CRUD) and the Flex Configuration singleton.

Behaviour reproduced (sources: the OpenAPI spec twilio_flex_v1.json, Twilio
docs "Flex Flow Resource"; what a Flex Flow accepts is in ``flex_flows``):
- the form's enums are checked (ChannelType, IntegrationType);
- Configuration update takes a JSON body that must carry ``account_sid``; keys
  sent replace the stored ones whole (so ``channel_configs`` is replaced, never
  merged); read-only keys are ignored, except ``flex_instance_sid``, which is
  refused (sending it breaks an update).
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import invalid, missing, not_found
from flexplan.sandbox.flex_flows import (
    CHANNEL_TYPES,
    INTEGRATION_TYPES,
    create_flex_flow,
    update_flex_flow,
)
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import Body

CONFIG_READ_ONLY = ("account_sid", "date_created", "date_updated", "url", "status")
# Sent back as read, these break an update (techmatters' Flex setup scripts drop
# flex_instance_sid before writing; docs/sandbox.md): refused, not ignored.
REFUSED_KEYS = ("flex_instance_sid",)


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


def _flex_flow(req: Request) -> Body:
    body = req.store.get("flex_flows", req.path_params["Sid"])
    if body is None:
        raise not_found(f"/v1/FlexFlows/{req.path_params['Sid']}")
    return body


def list_flex_flows(req: Request) -> Response:
    name = req.query.text("FriendlyName")
    page = page_of(
        req.query,
        req.store.listing("flex_flows"),
        base=url("flex-api", "/v1/FlexFlows"),
        key="flex_flows",
        max_size=1000,
        filters=[("FriendlyName", name)] if name is not None else [],
        keep=lambda flow: name is None or flow["friendly_name"] == name,
    )
    return Response(200, page)


def post_flex_flow(req: Request) -> Response:
    return Response(201, create_flex_flow(req.store, _form_fields(req.form)))


def fetch_flex_flow(req: Request) -> Response:
    return Response(200, _flex_flow(req))


def post_flex_flow_update(req: Request) -> Response:
    return Response(200, update_flex_flow(req.store, _flex_flow(req), _form_fields(req.form)))


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
    for key in REFUSED_KEYS:
        if key in body:
            raise invalid(f"{key} cannot be updated; send only the keys you change")
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
    router.add("POST", "flex-api", "/v1/FlexFlows/{Sid}", post_flex_flow_update)
    router.add("DELETE", "flex-api", "/v1/FlexFlows/{Sid}", delete_flex_flow)
    router.add("GET", "flex-api", "/v1/Configuration", fetch_configuration)
    router.add("POST", "flex-api", "/v1/Configuration", update_configuration)
