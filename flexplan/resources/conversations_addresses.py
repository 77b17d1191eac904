"""Conversations addresses (``conversations_addresses``): conversations v1
``/v1/Configuration/Addresses``, identified by (``type``, ``address``).

``type``, ``address`` and ``address_country`` cannot be updated: changing them
is a replace. An SMS or WhatsApp address claims its number, so a legacy Flex
Flow for the same number is reported (and ordered before it during apply).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from flexplan.resources.base import Claim, Problem, Reference, ResourceKind, ResourceSpec
from flexplan.resources.fields import (
    ConversationServiceLookup,
    FlowRef,
    Sid,
    Url,
    number_claim_key,
)

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

    enabled: bool | None = None
    type: Literal["webhook", "studio", "default"] | None = None
    conversation_service: ConversationServiceLookup | None = None
    webhook_url: Url | None = None
    webhook_method: Annotated[Literal["GET", "POST"], BeforeValidator(_upper)] | None = None
    webhook_filters: list[WebhookFilter] | None = None
    studio_flow: FlowRef | None = None
    studio_retry_count: int | None = Field(default=None, ge=0, le=3)


class ConversationsAddressSpec(ResourceSpec):
    """An address configuration; (``type``, ``address``) identifies it."""

    sid: Annotated[str, Sid("IG", "address configuration")] | None = None
    type: AddressType
    address: str = Field(min_length=1)
    friendly_name: str | None = Field(default=None, max_length=256)
    address_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    auto_creation: AutoCreation | None = None


class ConversationsAddressKind(ResourceKind):
    section: ClassVar[str] = "conversations_addresses"
    address: ClassVar[str] = "conversations_address"
    title: ClassVar[str] = "Conversations address"
    spec_model: ClassVar[type[ResourceSpec]] = ConversationsAddressSpec

    def references(self, spec: ResourceSpec) -> Sequence[Reference]:
        assert isinstance(spec, ConversationsAddressSpec)
        ref = spec.auto_creation.studio_flow if spec.auto_creation else None
        if ref is None or ref.name is None:
            return ()
        return (Reference("studio_flows", ref.name, ("auto_creation", "studio_flow")),)

    def claims(self, name: str, spec: ResourceSpec) -> Sequence[Claim]:
        assert isinstance(spec, ConversationsAddressSpec)
        if spec.state == "absent":
            return ()
        number = number_claim_key(spec.address, spec.type)
        if number is None:
            return ()
        return (Claim(number, f"routes {spec.address} through Conversations", ("address",)),)

    def check(self, name: str, spec: ResourceSpec) -> Iterable[Problem]:
        assert isinstance(spec, ConversationsAddressSpec)
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

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        assert isinstance(spec, ConversationsAddressSpec)
        return (spec.type, spec.address)

    def display(self, spec: ResourceSpec, name: str) -> str:
        assert isinstance(spec, ConversationsAddressSpec)
        return f"{spec.type} {spec.address}"


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
    for field in _REQUIRED[kind]:
        if getattr(auto, field) is None:
            yield Problem(
                f"{kind} auto-creation needs {field}",
                ("auto_creation",),
                f"add auto_creation.{field}",
            )
    for field, users in _USED_BY.items():
        if getattr(auto, field) is not None and kind not in users:
            yield Problem(
                f"auto_creation.{field} is not used by {kind} auto-creation",
                ("auto_creation", field),
                f"remove it, or use type: {' or '.join(sorted(users))}",
            )


KIND = ConversationsAddressKind()
