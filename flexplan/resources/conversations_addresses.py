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

from flexplan.plantypes import Claim, LiveObject, Problem, Reference, Requirement
from flexplan.resources._sdk import drop_none, http_status, to_dict
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    ResourceSpec,
    State,
    WriteContext,
    problems_by_type,
)
from flexplan.resources.fields import (
    ConversationServiceLookup,
    FlowRef,
    Lookup,
    Sid,
    Url,
    number_claim_key,
    web_chat_claim,
)
from flexplan.sensitive import looks_secret

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
_USED_BY = {
    "conversation_service": {"webhook", "studio", "default"},
    "webhook_url": {"webhook"},
    "webhook_method": {"webhook"},
    "webhook_filters": {"webhook"},
    "studio_flow": {"studio"},
    "studio_retry_count": {"studio"},
}
_REQUIRED = {"webhook": ("webhook_url",), "studio": ("studio_flow",), "default": ()}


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
)
PAGE_SIZE = 50  # the Addresses list's maximum page size
# The web chat address a new Flex account starts with: never pruned implicitly.
DEFAULT_ADDRESSES = frozenset({("chat", "flex web chat")})  # (type, friendly name), any case
# manifest auto_creation field -> API response key (the SDK keyword is auto_creation_<key>)
_AUTO = {
    "enabled": "enabled",
    "type": "type",
    "conversation_service": "conversation_service_sid",
    "webhook_url": "webhook_url",
    "webhook_method": "webhook_method",
    "webhook_filters": "webhook_filters",
    "studio_flow": "studio_flow_sid",
    "studio_retry_count": "studio_retry_count",
}


class ConversationsAddressKind(ResourceKind[ConversationsAddressSpec]):
    section: ClassVar[str] = "conversations_addresses"
    address: ClassVar[str] = "conversations_address"
    title: ClassVar[str] = "Conversations address"
    spec_model = ConversationsAddressSpec
    rank: ClassVar[int] = 30
    replace_fields: ClassVar[frozenset[str]] = frozenset({"type", "address", "address_country"})

    def references(self, spec: ConversationsAddressSpec) -> Sequence[Reference]:
        ref = spec.auto_creation.studio_flow if spec.auto_creation else None
        if ref is None or ref.name is None:
            return ()
        path = ("auto_creation", "studio_flow")
        return (Reference("studio_flows", ref.name, path, needs=CONVERSATION_TRIGGER),)

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
        if spec.auto_creation is not None and spec.state == "present":
            problems.extend(_check_auto_creation(spec.auto_creation))
        return problems

    def natural_key(self, name: str, spec: ConversationsAddressSpec) -> tuple[Any, ...]:
        return (spec.type, spec.address)

    def display(self, spec: ConversationsAddressSpec, name: str) -> str:
        return f"{spec.type} {spec.address}"

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

    def lookups(self, spec: ConversationsAddressSpec) -> Sequence[Lookup]:
        auto = spec.auto_creation
        return [auto.conversation_service] if auto and auto.conversation_service else []

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, ConversationsAddressSpec]]
    ) -> list[LiveObject]:

        def chain(kind: str) -> list[LiveObject]:
            api = ctx.client.conversations.v1.address_configurations
            return [to_live(to_dict(a)) for a in api.stream(type=kind, page_size=PAGE_SIZE)]

        chains = ctx.map(chain, list(get_args(AddressType)))
        return [obj for objects in chains for obj in objects]

    def desired_state(
        self, name: str, spec: ConversationsAddressSpec, resolver: Resolver
    ) -> State:
        state: State = {"type": spec.type, "address": spec.address}
        for field in ("friendly_name", "address_country"):
            if getattr(spec, field, None) is not None:
                state[field] = getattr(spec, field)
        auto = spec.auto_creation
        if auto is not None:
            state["auto_creation"] = _desired_auto(auto, resolver)
        return state

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        api = client.conversations.v1.address_configurations
        created = api.create(
            type=desired["type"],
            address=desired["address"],
            **drop_none({"address_country": desired.get("address_country")}),
            **_arguments(desired),
        )
        return to_live(to_dict(created))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        api = client.conversations.v1.address_configurations(live.sid)
        return to_live(to_dict(api.update(**_arguments(desired))))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        client.conversations.v1.address_configurations(live.sid).delete()


    finds_by_key: ClassVar[bool] = True

    def find(self, client: Client, key: tuple[Any, ...]) -> LiveObject | None:
        """By the address itself: the API fetches an Address Configuration by SID or address."""
        kind, address = key
        if not address:
            return None
        try:
            found = to_dict(client.conversations.v1.address_configurations(address).fetch())
        except Exception as exc:
            if http_status(exc) == 404:
                return None
            raise
        return to_live(found) if found.get("type") == kind else None

    def export_name(self, live: LiveObject) -> str:
        kind, address = str(live.raw.get("type")), str(live.raw.get("address"))
        plain = address.removeprefix(f"{kind}:")
        return str(live.raw.get("friendly_name") or f"{kind} {plain}")

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        raw = live.raw
        spec: dict[str, Any] = {"type": raw.get("type"), "address": raw.get("address")}
        for field in ("friendly_name", "address_country"):
            if raw.get(field):
                spec[field] = raw[field]
        where = f"conversations_addresses.{name}"
        auto = _export_auto(raw.get("auto_creation") or {}, where, names)
        if auto:
            spec["auto_creation"] = auto
        return Exported(spec)


# Twilio's defaults for auto-creation fields: left out of an export
_AUTO_DEFAULTS: dict[str, Any] = {
    "enabled": False, "type": "default", "webhook_method": "POST", "webhook_filters": [],
    "studio_retry_count": 3,
}  # fmt: skip


def _export_auto(given: dict[str, Any], where: str, names: ExportNames) -> dict[str, Any]:
    kind = given.get("type") or "default"
    out: dict[str, Any] = {}
    for field, key in _AUTO.items():
        value = given.get(key)
        users = _USED_BY.get(field)
        if value is None or (users is not None and kind not in users):
            continue
        if field == "studio_flow":
            value = names.ref("studio_flows", value)
        elif field == "conversation_service":
            value = names.lookup("conversation_service", value)
        elif isinstance(value, str) and looks_secret(value, key=field):
            value = names.secret(f"{where}.auto_creation.{field}", value)
        out[field] = value
    if all(_AUTO_DEFAULTS.get(f) == v for f, v in out.items()):
        return {}  # nothing but defaults
    # enabled and type always go together (type is required when enabled)
    return {f: v for f, v in out.items() if f in ("enabled", "type") or _AUTO_DEFAULTS.get(f) != v}


def _check_auto_creation(auto: AutoCreation) -> Iterable[Problem]:
    kind = auto.type
    if kind is None:
        if auto.enabled:
            yield Problem(
                "auto_creation.type is required when auto-creation is enabled",
                ("auto_creation",),
                "add type: studio, webhook or default",
            )
        return
    yield from problems_by_type(
        auto, kind, required=_REQUIRED, used_by=_USED_BY,
        section="auto_creation", noun=f"{kind} auto-creation",
    )  # fmt: skip


def _desired_auto(auto: Any, resolver: Any) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for field in _AUTO:
        value = getattr(auto, field, None)
        if value is None:
            continue
        if field == "studio_flow":
            value = resolver.ref(value)
        elif field == "conversation_service":
            value = resolver.lookup(value)
        elif field == "webhook_filters":
            value = sorted(value)
        state[field] = value
    return state


def _arguments(desired: dict[str, Any]) -> dict[str, Any]:
    auto = desired.get("auto_creation") or {}
    args = {f"auto_creation_{key}": auto.get(field) for field, key in _AUTO.items()}
    args["friendly_name"] = desired.get("friendly_name")
    return drop_none(args)


def _claims(address: str, address_type: str, name: str | None) -> tuple[Claim, ...]:
    """What an address occupies, the same for a spec and a live address: its number or
    Facebook page; a chat address also stands for the web chat of its name."""
    if address_type == "chat":
        return (web_chat_claim(name),) if name else ()
    if address_type == "messenger":
        page = address.removeprefix("messenger:")
        return (Claim(f"messenger:{page}", f"routes Facebook page {page} through Conversations",
                      ("address",)),)  # fmt: skip
    number = number_claim_key(address, address_type)
    if number is None:
        return ()
    return (Claim(number, f"routes {address} through Conversations", ("address",)),)


def to_live(raw: dict[str, Any]) -> LiveObject:
    auto_raw = raw.get("auto_creation") or {}
    auto = {field: auto_raw.get(key) for field, key in _AUTO.items()}
    filters = auto.get("webhook_filters")
    if isinstance(filters, list):
        auto["webhook_filters"] = sorted(filters)
    state = {
        "type": raw.get("type"),
        "address": raw.get("address"),
        "friendly_name": raw.get("friendly_name"),
        "address_country": raw.get("address_country"),
        "auto_creation": auto,
    }
    address = str(raw.get("address"))
    claims = _claims(address, str(raw.get("type")), raw.get("friendly_name"))
    refs = {v for v in (auto.get("studio_flow"), auto.get("conversation_service")) if v}
    return LiveObject(
        key=(raw.get("type"), raw.get("address")),
        sid=raw.get("sid"),
        label=str(raw.get("friendly_name") or f"{raw.get('type')} {address}"),
        raw=raw,
        state=state,
        claims=tuple(claims),
        referenced_sids=frozenset(refs),
        is_default=(raw.get("type"), str(raw.get("friendly_name") or "").strip().casefold())
        in DEFAULT_ADDRESSES,
    )


KIND = ConversationsAddressKind()
