"""conversations v1: Address Configurations, Services, Configuration, Webhooks.

Behaviour reproduced (sources: twilio_conversations_v1.json; Twilio docs
"Address Configuration Resource"; shared/twilio/README.md):
- create requires Type (enum) and Address; an address is unique in the account;
- update cannot change Type, Address or AddressCountry (they are not update
  parameters; the sandbox answers 400 when they are sent rather than ignoring
  them, so a client that expects an in-place change finds out);
- fetch accepts the SID or the address itself;
- list takes a ``Type`` filter and pages of at most 50;
- AutoCreation.Type ``studio`` needs StudioFlowSid, ``webhook`` needs WebhookUrl;
  StudioRetryCount is 0–3; WebhookFilters from Twilio's list.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import ApiError, invalid, missing, not_found
from flexplan.sandbox.ids import is_sid, now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.store import Body, Store

ADDRESS_TYPES = ("sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat")
AUTO_CREATION_TYPES = ("webhook", "studio", "default")
WEBHOOK_FILTERS = (
    "onMessageAdded",
    "onMessageUpdated",
    "onMessageRemoved",
    "onConversationUpdated",
    "onConversationStateUpdated",
    "onConversationRemoved",
    "onParticipantAdded",
    "onParticipantUpdated",
    "onParticipantRemoved",
    "onDeliveryUpdated",
)
AUTO_CREATION_KEYS = {
    "webhook": ("webhook_url", "webhook_method", "webhook_filters"),
    "studio": ("studio_flow_sid", "studio_retry_count"),
    "default": (),
}
ADDRESSES = "/v1/Configuration/Addresses"


# -- Address Configurations -------------------------------------------------------
def _auto_creation_form(form: Params) -> dict[str, Any]:
    method = form.enum("AutoCreation.WebhookMethod", ("GET", "POST"), fold_case=True)
    given: dict[str, Any] = {
        "enabled": form.flag("AutoCreation.Enabled"),
        "type": form.enum("AutoCreation.Type", AUTO_CREATION_TYPES),
        "conversation_service_sid": form.sid("AutoCreation.ConversationServiceSid", "IS"),
        "webhook_url": form.text("AutoCreation.WebhookUrl"),
        "webhook_method": method,
        "webhook_filters": form.enum_list("AutoCreation.WebhookFilters", WEBHOOK_FILTERS) or None,
        "studio_flow_sid": form.sid("AutoCreation.StudioFlowSid", "FW"),
        "studio_retry_count": form.integer("AutoCreation.StudioRetryCount", low=0, high=3),
    }
    return {k: v for k, v in given.items() if v is not None}


def _form_fields(form: Params) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": form.enum("Type", ADDRESS_TYPES),
        "address": form.text("Address"),
        "friendly_name": form.text("FriendlyName"),
        "address_country": form.text("AddressCountry"),
        "auto_creation": _auto_creation_form(form),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _auto_creation(given: dict[str, Any]) -> dict[str, Any]:
    kind = given.get("type") or "default"
    if kind == "studio" and not given.get("studio_flow_sid"):
        raise invalid("AutoCreation.StudioFlowSid is required when AutoCreation.Type is studio")
    if kind == "webhook" and not given.get("webhook_url"):
        raise invalid("AutoCreation.WebhookUrl is required when AutoCreation.Type is webhook")
    body: dict[str, Any] = {
        "enabled": bool(given.get("enabled", False)),
        "type": kind,
        "conversation_service_sid": given.get("conversation_service_sid"),
    }
    defaults: dict[str, Any] = {
        "webhook_method": "POST",
        "webhook_filters": [],
        "studio_retry_count": 3,
    }
    for key in AUTO_CREATION_KEYS[kind]:
        body[key] = given.get(key, defaults.get(key))
    return body


def _check_unique(store: Store, address: str, sid: str) -> None:
    for other in store.items("addresses"):
        if other["address"] == address and other["sid"] != sid:
            raise ApiError(
                409,
                20409,
                f"Address Configuration for address {address} already exists: {other['sid']}",
            )


def create_address(store: Store, fields: dict[str, Any]) -> Body:
    """Validate and store a new Address Configuration (response field names)."""
    if not fields.get("type"):
        raise missing("Type")
    if fields["type"] not in ADDRESS_TYPES:
        raise invalid(f"Invalid Type: '{fields['type']}' is not one of {', '.join(ADDRESS_TYPES)}")
    if not fields.get("address"):
        raise missing("Address")
    if len(fields.get("friendly_name") or "") > 256:
        raise invalid("FriendlyName must be at most 256 characters")
    sid = store.new_sid("IG")
    _check_unique(store, fields["address"], sid)
    created = now_iso()
    body = {
        "sid": sid,
        "account_sid": store.account_sid,
        "type": fields["type"],
        "address": fields["address"],
        "friendly_name": fields.get("friendly_name"),
        "auto_creation": _auto_creation(fields.get("auto_creation") or {}),
        "date_created": created,
        "date_updated": created,
        "url": url("conversations", f"{ADDRESSES}/{sid}"),
        "address_country": fields.get("address_country"),
    }
    return store.put("addresses", body)


def _address(req: Request) -> Body:
    key = req.path_params["Sid"]
    if is_sid(key, "IG"):
        found = req.store.get("addresses", key)
    else:
        found = next((a for a in req.store.items("addresses") if a["address"] == key), None)
    if found is None:
        raise not_found(f"{ADDRESSES}/{key}")
    return found


def list_addresses(req: Request) -> Response:
    kind = req.query.enum("Type", ADDRESS_TYPES)
    items = [a for a in req.store.items("addresses") if kind is None or a["type"] == kind]
    filters = [("Type", kind)] if kind else []
    page = page_of(
        req.query,
        items,
        base=url("conversations", ADDRESSES),
        key="address_configurations",
        max_size=50,
        filters=filters,
    )
    return Response(200, page)


def post_address(req: Request) -> Response:
    return Response(201, create_address(req.store, _form_fields(req.form)))


def fetch_address(req: Request) -> Response:
    return Response(200, _address(req))


def update_address(req: Request) -> Response:
    current = _address(req)
    for name in ("Type", "Address", "AddressCountry"):
        if req.form.has(name):
            raise invalid(
                f"{name} cannot be updated; delete the Address Configuration and create it again"
            )
    fields = _form_fields(req.form)
    if len(fields.get("friendly_name") or "") > 256:
        raise invalid("FriendlyName must be at most 256 characters")
    auto = {**current["auto_creation"], **fields.pop("auto_creation", {})}
    updated = {
        **current,
        **fields,
        "auto_creation": _auto_creation(auto),
        "date_updated": now_iso(),
    }
    return Response(200, req.store.put("addresses", updated))


def delete_address(req: Request) -> Response:
    req.store.delete("addresses", _address(req)["sid"])
    return Response(204, None)


# -- Services, Configuration, Webhooks -------------------------------------------
def list_services(req: Request) -> Response:
    items = req.store.items("conversations_services")
    base = url("conversations", "/v1/Services")
    return Response(200, page_of(req.query, items, base=base, key="services", max_size=100))


def fetch_configuration(req: Request) -> Response:
    return Response(200, req.store.singleton("conversations_configuration"))


def update_configuration(req: Request) -> Response:
    form = req.form
    changes = {
        "default_chat_service_sid": form.sid("DefaultChatServiceSid", "IS"),
        "default_messaging_service_sid": form.sid("DefaultMessagingServiceSid", "MG"),
        "default_inactive_timer": form.text("DefaultInactiveTimer"),
        "default_closed_timer": form.text("DefaultClosedTimer"),
    }
    body = {**req.store.singleton("conversations_configuration")}
    body.update({k: v for k, v in changes.items() if v is not None})
    req.store.set_singleton("conversations_configuration", body)
    return Response(200, body)


def fetch_webhooks(req: Request) -> Response:
    return Response(200, req.store.singleton("conversations_webhooks"))


def update_webhooks(req: Request) -> Response:
    form = req.form
    changes: dict[str, Any] = {
        "method": form.enum("Method", ("GET", "POST"), fold_case=True),
        "filters": form.values("Filters") if form.has("Filters") else None,
        "pre_webhook_url": form.text("PreWebhookUrl"),
        "post_webhook_url": form.text("PostWebhookUrl"),
        "target": form.enum("Target", ("webhook", "flex")),
    }
    body = {**req.store.singleton("conversations_webhooks")}
    body.update({k: v for k, v in changes.items() if v is not None})
    req.store.set_singleton("conversations_webhooks", body)
    return Response(200, body)


def register(router: Router) -> None:
    api = "conversations"
    router.add("GET", api, ADDRESSES, list_addresses)
    router.add("POST", api, ADDRESSES, post_address)
    router.add("GET", api, ADDRESSES + "/{Sid}", fetch_address)
    router.add("POST", api, ADDRESSES + "/{Sid}", update_address)
    router.add("DELETE", api, ADDRESSES + "/{Sid}", delete_address)
    router.add("GET", api, "/v1/Services", list_services)
    router.add("GET", api, "/v1/Configuration", fetch_configuration)
    router.add("POST", api, "/v1/Configuration", update_configuration)
    router.add("GET", api, "/v1/Configuration/Webhooks", fetch_webhooks)
    router.add("POST", api, "/v1/Configuration/Webhooks", update_webhooks)
