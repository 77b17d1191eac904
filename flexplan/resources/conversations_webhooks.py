"""The account's Conversations webhooks (``conversations_webhooks``), one entry.

Pre- and post-event URLs, the HTTP method, the events that trigger them
(compared as a set: their order means nothing) and the target (``webhook``,
or ``flex``). An empty URL (``""``) clears it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flexplan.plantypes import LiveObject
from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._singleton import SettingsKind
from flexplan.resources.base import Exported, ExportNames, Resolver, ResourceSpec, State
from flexplan.resources.fields import Url

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
_URLS = ("pre_webhook_url", "post_webhook_url")
# Twilio's defaults on a fresh account: left out of an export
_DEFAULTS: dict[str, Any] = {"method": "POST", "filters": [], "target": "webhook"}


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
        default=None, description="the events that call the webhooks: onMessageAdded…"
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

    def read_settings(self, client: Client) -> LiveObject:
        return self.to_live(to_dict(client.conversations.v1.configuration.webhooks().fetch()))

    def desired_state(
        self, name: str, spec: ConversationsWebhooksSpec, resolver: Resolver
    ) -> State:
        state = drop_none({f: getattr(spec, f, None) for f in (*_URLS, "method", "target")})
        state.update({f: None for f in _URLS if state.get(f) == ""})  # "" clears: none is left
        if spec.filters is not None:
            state["filters"] = sorted(set(getattr(spec, "filters", [])))
        return state

    def write(self, client: Client, desired: State) -> LiveObject:
        args = drop_none({f: desired.get(f) for f in ("method", "filters", "target")})
        args.update({f: desired[f] or "" for f in _URLS if f in desired})
        hooks = client.conversations.v1.configuration.webhooks().update(**args)
        return self.to_live(to_dict(hooks))

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        spec = {f: live.raw.get(f) for f in (*_URLS, "method", "filters", "target")}
        return Exported({f: v for f, v in spec.items() if v is not None and _DEFAULTS.get(f) != v})

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        state = {f: raw.get(f) for f in (*_URLS, "method", "target")}
        state["filters"] = sorted(raw.get("filters") or [])
        return self.live(raw, state)


KIND = ConversationsWebhooksKind()
