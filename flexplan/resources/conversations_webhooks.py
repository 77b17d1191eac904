"""The account's Conversations webhooks (``conversations_webhooks``), one entry.

Pre- and post-event URLs, the HTTP method, the events that trigger them
(compared as a set: their order means nothing) and the target (``webhook``,
or ``flex``). An empty URL (``""``) clears it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flexplan.plantypes import LiveObject
from flexplan.resources._singleton import SettingsKind
from flexplan.resources.base import ResourceSpec
from flexplan.resources.fields import Url
from flexplan.resources.table import Attr, Table

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

WebhookFilter = Literal[
    "onMessageAdded", "onMessageUpdated", "onMessageRemoved", "onMessageAdd", "onMessageUpdate",
    "onMessageRemove", "onConversationUpdated", "onConversationRemoved", "onConversationAdd",
    "onConversationAdded", "onConversationRemove", "onConversationUpdate",
    "onConversationStateUpdated", "onParticipantAdded", "onParticipantUpdated",
    "onParticipantRemoved", "onParticipantAdd", "onParticipantRemove", "onParticipantUpdate",
    "onDeliveryUpdated", "onUserAdded", "onUserUpdate", "onUserUpdated",
]  # fmt: skip


class ConversationsWebhooksSpec(ResourceSpec):
    """Where Conversations sends its account-level webhooks."""

    pre_webhook_url: Url | Literal[""] | None = Field(
        default=None, description='URL called before an event ("" clears it)'
    )
    post_webhook_url: Url | Literal[""] | None = Field(
        default=None, description='URL called after an event ("" clears it)'
    )
    method: Literal["GET", "POST"] | None = Field(default=None, description="GET or POST")
    filters: list[WebhookFilter] | None = Field(
        default=None,
        min_length=1,  # an empty list reaches Twilio as no Filters at all: nothing cleared
        description="the events that call the webhooks: onMessageAdded…",
    )
    target: Literal["webhook", "flex"] | None = Field(
        default=None, description="webhook (your URLs) or flex"
    )


class ConversationsWebhooksKind(SettingsKind[ConversationsWebhooksSpec]):
    section: ClassVar[str] = "conversations_webhooks"
    type_name: ClassVar[str] = "conversations_webhooks"
    title: ClassVar[str] = "Conversations webhooks"
    spec_model = ConversationsWebhooksSpec
    rank: ClassVar[int] = 61
    fields: ClassVar[Table] = (  # the defaults: a fresh account's
        Attr("pre_webhook_url", role="secret", blank=True),
        Attr("post_webhook_url", role="secret", blank=True),
        Attr("method", default="POST"),
        Attr("filters", role="sorted", default=[]),
        Attr("target", default="webhook"),
    )

    def settings(self, client: Client) -> Any:
        return client.conversations.v1.configuration.webhooks()

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        live = super().to_live(raw)
        live.state["filters"] = live.state["filters"] or []  # Twilio may answer null: none
        return live


KIND = ConversationsWebhooksKind()
