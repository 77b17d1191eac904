"""Conversations Address Configurations: what Twilio accepts and stores (no HTTP).

Behaviour reproduced (sources: twilio_conversations_v1.json; Twilio docs
"Address Configuration Resource"):
- create requires Type (enum) and Address; an address is unique in the account;
- FriendlyName is at most 256 characters;
- AutoCreation.Type ``studio`` needs StudioFlowSid, ``webhook`` needs WebhookUrl;
  StudioRetryCount is 0–3 (3 when not given), WebhookMethod POST when not given.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import ApiError, invalid, missing
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.state import AccountState, Body

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


def auto_creation(given: dict[str, Any]) -> dict[str, Any]:
    """The stored ``auto_creation`` object for the values given (response names)."""
    creation_type = given.get("type") or "default"
    if creation_type == "studio" and not given.get("studio_flow_sid"):
        raise invalid("AutoCreation.StudioFlowSid is required when AutoCreation.Type is studio")
    if creation_type == "webhook" and not given.get("webhook_url"):
        raise invalid("AutoCreation.WebhookUrl is required when AutoCreation.Type is webhook")
    body: dict[str, Any] = {
        "enabled": bool(given.get("enabled", False)),
        "type": creation_type,
        "conversation_service_sid": given.get("conversation_service_sid"),
    }
    defaults: dict[str, Any] = {
        "webhook_method": "POST",
        "webhook_filters": [],
        "studio_retry_count": 3,
    }
    for key in AUTO_CREATION_KEYS[creation_type]:
        body[key] = given.get(key, defaults.get(key))
    return body


def _check_unique(store: AccountState, address: str, sid: str) -> None:
    for other in store.items("addresses"):
        if other["address"] == address and other["sid"] != sid:
            raise ApiError(
                409,
                20409,
                f"Address Configuration for address {address} already exists: {other['sid']}",
            )


def _check_friendly_name(fields: dict[str, Any]) -> None:
    if len(fields.get("friendly_name") or "") > 256:
        raise invalid("FriendlyName must be at most 256 characters")


def create_address(store: AccountState, fields: dict[str, Any]) -> Body:
    """Validate and store a new Address Configuration (response field names)."""
    if not fields.get("type"):
        raise missing("Type")
    if fields["type"] not in ADDRESS_TYPES:
        raise invalid(f"Invalid Type: '{fields['type']}' is not one of {', '.join(ADDRESS_TYPES)}")
    if not fields.get("address"):
        raise missing("Address")
    _check_friendly_name(fields)
    sid = store.new_sid("IG")
    _check_unique(store, fields["address"], sid)
    created = now_iso()
    body = {
        "sid": sid,
        "account_sid": store.account_sid,
        "type": fields["type"],
        "address": fields["address"],
        "friendly_name": fields.get("friendly_name"),
        "auto_creation": auto_creation(fields.get("auto_creation") or {}),
        "date_created": created,
        "date_updated": created,
        "url": url("conversations", f"{ADDRESSES}/{sid}"),
        "address_country": fields.get("address_country"),
    }
    return store.put("addresses", body)


def update_address(store: AccountState, current: Body, fields: dict[str, Any]) -> Body:
    """Validate and store new values (not Type, Address or AddressCountry) of an address."""
    _check_friendly_name(fields)
    fields = dict(fields)
    merged = {**current["auto_creation"], **fields.pop("auto_creation", {})}
    updated = {
        **current,
        **fields,
        "auto_creation": auto_creation(merged),
        "date_updated": now_iso(),
    }
    return store.put("addresses", updated)
