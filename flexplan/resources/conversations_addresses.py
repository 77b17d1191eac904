"""Conversations addresses (``conversations_addresses``): conversations v1
``/v1/Configuration/Addresses``, identified by (``type``, ``address``).

``type``, ``address`` and ``address_country`` cannot be updated: changing them
is a replace. An SMS or WhatsApp address claims its number, so a legacy Flex
Flow for the same number is reported (and ordered before it during apply).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from flexplan.plantypes import Claim, LiveObject, NaturalKey, Problem, Requirement
from flexplan.resources._sdk import http_status, to_dict
from flexplan.resources.base import (
    ReadContext,
    ResourceSpec,
)
from flexplan.resources.fields import (
    ConversationServiceLookup,
    FlowRef,
    Sid,
    Url,
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

AddressType = Literal["sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat"]
WebhookFilter = Literal[
    "onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onConversationUpdated",
    "onConversationStateUpdated", "onConversationRemoved", "onParticipantAdded",
    "onParticipantUpdated", "onParticipantRemoved", "onDeliveryUpdated",
]  # fmt: skip
_ADDRESS_FORMS = {
    "sms": (re.compile(r"^(\+[1-9]\d{6,14}|\d{3,8})$"), "an E.164 number such as +15550001111"),
    "whatsapp": (re.compile(r"^whatsapp:\+[1-9]\d{6,14}$"), "whatsapp:+15550001111"),
    "messenger": (re.compile(r"^messenger:\S+$"), "messenger:<page id>"),
    "email": (re.compile(r"^[^@\s]+@[^@\s]+$"), "an e-mail address"),
}
def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class AutoCreation(BaseModel):
    """How a conversation is created for a message to this address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = Field(
        default=None, description="auto-create a conversation for a message to this address"
    )
    type: Literal["webhook", "studio", "default"] | None = Field(
        default=None,
        description="webhook: call webhook_url; studio: run studio_flow; default: only create "
        "the conversation",
    )
    conversation_service: ConversationServiceLookup | None = Field(
        default=None,
        description="the Conversations service of the new conversation; without it, the "
        "account's default service",
    )
    webhook_url: Url | None = Field(
        default=None, description="the URL of the webhook request; required for type webhook"
    )
    webhook_method: Annotated[Literal["GET", "POST"], BeforeValidator(_upper)] | None = Field(
        default=None, description="the HTTP method of the webhook request (type webhook)"
    )
    webhook_filters: list[WebhookFilter] | None = Field(
        default=None,
        min_length=1,  # an empty list reaches Twilio as no WebhookFilters at all
        description="the conversation events that fire the webhook (type webhook), e.g. "
        "onMessageAdded",
    )
    studio_flow: FlowRef | None = Field(
        default=None, description="the Studio flow the message goes to; required for type studio"
    )
    studio_retry_count: int | None = Field(
        default=None, ge=0, le=3, description="retries of the Studio webhook request (type studio)"
    )


class ConversationsAddressSpec(ResourceSpec):
    """An address configuration; (``type``, ``address``) identifies it."""

    sid: Annotated[str, Sid("IG", "address configuration")] | None = Field(
        default=None,
        description="pin the live address configuration by its SID (IG…) instead of by address",
    )
    type: AddressType = Field(
        description="the channel of the address; changing it replaces the configuration"
    )
    address: str = Field(
        min_length=1,
        description="the unique address: a phone number (+15550001111), whatsapp:+1555…, "
        "messenger:<page id>, an e-mail address…; quote phone numbers",
    )
    friendly_name: str | None = Field(
        default=None, max_length=256, description="a human-readable name, up to 256 characters"
    )
    address_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 country of the address (short codes only); set at "
        "create, a change replaces",
    )
    auto_creation: AutoCreation | None = Field(
        default=None, description="how a conversation is created for a message to this address"
    )


# A Studio flow that an address runs starts on the Incoming Conversation trigger only.
CONVERSATION_TRIGGER = Requirement(
    "trigger:incomingConversationMessage",
    "does not start on the Incoming Conversation trigger (its trigger's "
    "incomingConversationMessage leads to no widget), so conversations from this address "
    "would never start",
    "in the flow's trigger, connect incomingConversationMessage to the widget its legacy "
    "incomingMessage leads to (`flexplan migrate` does this)",
    fixed_by="migrate",
)
PAGE_SIZE = 50  # the Addresses list's maximum page size
# The web chat address a new Flex account starts with: never pruned implicitly.
DEFAULT_ADDRESSES = frozenset({("chat", "flex web chat")})  # (type, friendly name), any case
_WEBHOOK, _STUDIO = frozenset({"webhook"}), frozenset({"studio"})
FIELDS: Table = (
    Attr("type", create_only=True, always=True, key=True),
    Attr("address", create_only=True, always=True, key=True),
    Attr("friendly_name"),
    Attr("address_country", create_only=True),
    Block("auto_creation", "auto_creation", types=("webhook", "studio", "default"),
          noun="{type} auto-creation", fields=(
        Attr("enabled", default=False, always=True),
        Attr("type", default="default", always=True),  # type goes with enabled
        Attr("conversation_service", "auto_creation.conversation_service_sid", "lookup",
             "conversation_service", used_by=frozenset({"webhook", "studio", "default"})),
        Attr("webhook_url", role="secret", used_by=_WEBHOOK, required_by=_WEBHOOK),
        Attr("webhook_method", default="POST", used_by=_WEBHOOK),
        Attr("webhook_filters", role="sorted", default=[], used_by=_WEBHOOK),
        Attr("studio_flow", "auto_creation.studio_flow_sid", "ref", "studio_flows",
             used_by=_STUDIO, required_by=_STUDIO, needs=CONVERSATION_TRIGGER),
        Attr("studio_retry_count", default=3, used_by=_STUDIO),
    )),
)  # fmt: skip


class ConversationsAddressKind(TableKind[ConversationsAddressSpec]):
    section: ClassVar[str] = "conversations_addresses"
    type_name: ClassVar[str] = "conversations_address"
    title: ClassVar[str] = "Conversations address"
    spec_model = ConversationsAddressSpec
    rank: ClassVar[int] = 30
    fields: ClassVar[Table] = FIELDS  # type, address and address_country: a change replaces
    finds_by_key: ClassVar[bool] = True

    def claims(self, name: str, spec: ConversationsAddressSpec) -> Sequence[Claim]:
        if spec.state == "absent":
            return ()
        return _claims(spec.address, spec.type, spec.friendly_name)

    def check(self, name: str, spec: ConversationsAddressSpec) -> Iterable[Problem]:
        problems: list[Problem] = []
        form = _ADDRESS_FORMS.get(spec.type)
        if form and not form[0].match(spec.address):
            problems.append(
                Problem(
                    f"'{spec.address}' is not a {spec.type} address",
                    ("address",),
                    f"write {form[1]}",
                )
            )
        auto = spec.auto_creation
        if auto is not None and spec.state == "present" and auto.type is None and auto.enabled:
            problems.append(
                Problem(
                    "auto_creation.type is required when auto-creation is enabled",
                    ("auto_creation",),
                    "add type: studio, webhook or default",
                )
            )
        return problems + list(super().check(name, spec))

    def replace_note(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
        """A Webchat 3 deployment key is linked to a chat address's SID; the replacement has
        a new one, so the key stops working until it is linked again (error 45777)."""
        if before.get("type") != "chat":
            return None
        return (
            "replacing this chat address gives it a new SID; a Webchat 3 deployment key "
            'linked to the old one stops working (Twilio error 45777 "Address Configuration '
            'not found for deployment key", https://www.twilio.com/docs/api/errors/45777): '
            "after apply, link the key to the new address (Console: Flex > Manage > Webchat)"
        )

    def api(self, client: Client) -> Any:
        return client.conversations.v1.address_configurations

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, ConversationsAddressSpec]]
    ) -> list[LiveObject]:
        def chain(address_type: str) -> list[LiveObject]:  # the list is read by type
            listed = self.api(ctx.client).stream(type=address_type, page_size=PAGE_SIZE)
            return [self.to_live(to_dict(a)) for a in listed]

        chains = ctx.map(chain, list(get_args(AddressType)))
        return [obj for objects in chains for obj in objects]

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        address_type, channel_address = raw.get("type"), str(raw.get("address"))
        name = raw.get("friendly_name")
        return self.live(raw, str(name or f"{address_type} {channel_address}"),
                         claims=_claims(channel_address, str(address_type), name),
                         is_default=(address_type, str(name or "").strip().casefold())
                         in DEFAULT_ADDRESSES)  # fmt: skip

    def find(self, client: Client, key: NaturalKey) -> LiveObject | None:
        """By the address itself: the API fetches an Address Configuration by SID or address."""
        address_type, channel_address = key
        if not channel_address:
            return None
        api = client.conversations.v1.address_configurations(channel_address)
        try:
            found = to_dict(api.fetch())
        except Exception as exc:
            if http_status(exc) == 404:
                return None
            raise
        return self.to_live(found) if found.get("type") == address_type else None

    def export_name(self, live: LiveObject) -> str:
        address_type = str(live.raw.get("type"))
        plain = str(live.raw.get("address")).removeprefix(f"{address_type}:")
        return str(live.raw.get("friendly_name") or f"{address_type} {plain}")


def _claims(channel_address: str, address_type: str, name: str | None) -> tuple[Claim, ...]:
    """What an address occupies, the same for a spec and a live address: its number or
    Facebook page; a chat address also stands for the web chat of its name."""
    if address_type == "chat":
        return (web_chat_claim(name),) if name else ()
    if address_type == "messenger":
        page = channel_address.removeprefix("messenger:")
        return (Claim(f"messenger:{page}", f"routes Facebook page {page} through Conversations",
                      ("address",)),)  # fmt: skip
    number = number_claim_key(channel_address, address_type)
    if number is None:
        return ()
    return (Claim(number, f"routes {channel_address} through Conversations", ("address",)),)



KIND = ConversationsAddressKind()
