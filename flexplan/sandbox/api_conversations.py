"""conversations v1 over HTTP: Address Configurations, Services, Configuration, Webhooks.

Behaviour reproduced (sources: twilio_conversations_v1.json; Twilio docs
"Address Configuration Resource"; what an address accepts is in ``addresses``):
- update cannot change Type, Address or AddressCountry (they are not update
  parameters; the sandbox answers 400 when they are sent rather than ignoring
  them, so a client that expects an in-place change finds out);
- fetch accepts the SID or the address itself;
- list takes a ``Type`` filter and pages of at most 50;
- WebhookFilters from Twilio's list;
- Configuration: the timers are ISO 8601 durations, the inactive one at least
  1 minute, the closed one at least 10 (the spec's parameter descriptions);
- Configuration/Webhooks: Method GET or POST, Target webhook or flex, Filters
  from the spec's list, the URLs absolute.
"""

from __future__ import annotations

import re
from typing import Any

from flexplan.sandbox.addresses import (
    ADDRESS_TYPES,
    ADDRESSES,
    AUTO_CREATION_TYPES,
    WEBHOOK_FILTERS,
    create_address,
    update_address,
)
from flexplan.sandbox.errors import invalid, not_found
from flexplan.sandbox.ids import is_sid, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import Body

# -- Address Configurations -------------------------------------------------------
# The account-level webhook's Filters (the spec's description of the parameter).
CONFIGURATION_WEBHOOK_FILTERS = (
    "onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onMessageAdd", "onMessageUpdate",
    "onMessageRemove", "onConversationUpdated", "onConversationRemoved", "onConversationAdd",
    "onConversationAdded", "onConversationRemove", "onConversationUpdate",
    "onConversationStateUpdated", "onParticipantAdded", "onParticipantUpdated",
    "onParticipantRemoved", "onParticipantAdd", "onParticipantRemove", "onParticipantUpdate",
    "onDeliveryUpdated", "onUserAdded", "onUserUpdate", "onUserUpdated",
)  # fmt: skip


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
    address_type = req.query.enum("Type", ADDRESS_TYPES)
    page = page_of(
        req.query,
        req.store.listing("addresses"),
        base=url("conversations", ADDRESSES),
        key="address_configurations",
        max_size=50,
        filters=[("Type", address_type)] if address_type else [],
        keep=lambda address: address_type is None or address["type"] == address_type,
    )
    return Response(200, page)


def post_address(req: Request) -> Response:
    return Response(201, create_address(req.store, _form_fields(req.form)))


def fetch_address(req: Request) -> Response:
    return Response(200, _address(req))


def post_address_update(req: Request) -> Response:
    current = _address(req)
    for name in ("Type", "Address", "AddressCountry"):
        if req.form.has(name):
            raise invalid(
                f"{name} cannot be updated; delete the Address Configuration and create it again"
            )
    return Response(200, update_address(req.store, current, _form_fields(req.form)))


def delete_address(req: Request) -> Response:
    req.store.delete("addresses", _address(req)["sid"])
    return Response(204, None)


# -- Services, Configuration, Webhooks -------------------------------------------
def list_services(req: Request) -> Response:
    items = req.store.listing("conversations_services")
    base = url("conversations", "/v1/Services")
    return Response(200, page_of(req.query, items, base=base, key="services", max_size=100))


def fetch_configuration(req: Request) -> Response:
    return Response(200, req.store.singleton("conversations_configuration"))


_DURATION = re.compile(
    r"P(?!$)(?:(?P<days>\d+)D)?"
    r"(?:T(?!$)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
_UNITS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _timer(form: Params, name: str, minimum_minutes: int) -> str | None:
    """An ISO 8601 duration (``PT10M``, ``P1DT2H``) of at least ``minimum_minutes``."""
    value = form.text(name)
    if value is None:
        return None
    found = _DURATION.fullmatch(value)
    if found is None:
        raise invalid(f"Invalid {name}: '{value}' is not an ISO 8601 duration such as PT10M")
    seconds = sum(int(n) * _UNITS[unit] for unit, n in found.groupdict().items() if n)
    if seconds < minimum_minutes * 60:
        raise invalid(f"{name} must be at least {minimum_minutes} minute(s), got {value}")
    return value


def update_configuration(req: Request) -> Response:
    form = req.form
    changes = {
        "default_chat_service_sid": form.sid("DefaultChatServiceSid", "IS"),
        "default_messaging_service_sid": form.sid("DefaultMessagingServiceSid", "MG"),
        "default_inactive_timer": _timer(form, "DefaultInactiveTimer", 1),
        "default_closed_timer": _timer(form, "DefaultClosedTimer", 10),
    }
    body = {**req.store.singleton("conversations_configuration")}
    body.update({k: v for k, v in changes.items() if v is not None})
    req.store.set_singleton("conversations_configuration", body)
    return Response(200, body)


def fetch_webhooks(req: Request) -> Response:
    return Response(200, req.store.singleton("conversations_webhooks"))


def _webhook_url(form: Params, name: str) -> str | None:
    """An absolute http(s) URL; ``""`` clears it (docs/sandbox.md)."""
    value = form.text(name)
    if value is None or value == "":
        return value
    if not re.match(r"https?://[^/\s]+", value):
        raise invalid(f"Invalid {name}: '{value}' is not an absolute http(s) URL")
    return value


def update_webhooks(req: Request) -> Response:
    form = req.form
    changes: dict[str, Any] = {
        "method": form.enum("Method", ("GET", "POST"), fold_case=True),
        "filters": form.enum_list("Filters", CONFIGURATION_WEBHOOK_FILTERS)
        if form.has("Filters")
        else None,
        "pre_webhook_url": _webhook_url(form, "PreWebhookUrl"),
        "post_webhook_url": _webhook_url(form, "PostWebhookUrl"),
        "target": form.enum("Target", ("webhook", "flex")),
    }
    body = {**req.store.singleton("conversations_webhooks")}
    body.update({k: (v or None) if k.endswith("_url") else v
                 for k, v in changes.items() if v is not None})  # fmt: skip
    req.store.set_singleton("conversations_webhooks", body)
    return Response(200, body)


def register(router: Router) -> None:
    api = "conversations"
    router.add("GET", api, ADDRESSES, list_addresses)
    router.add("POST", api, ADDRESSES, post_address)
    router.add("GET", api, ADDRESSES + "/{Sid}", fetch_address)
    router.add("POST", api, ADDRESSES + "/{Sid}", post_address_update)
    router.add("DELETE", api, ADDRESSES + "/{Sid}", delete_address)
    router.add("GET", api, "/v1/Services", list_services)
    router.add("GET", api, "/v1/Configuration", fetch_configuration)
    router.add("POST", api, "/v1/Configuration", update_configuration)
    router.add("GET", api, "/v1/Configuration/Webhooks", fetch_webhooks)
    router.add("POST", api, "/v1/Configuration/Webhooks", update_webhooks)
