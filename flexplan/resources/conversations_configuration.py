"""The account's Conversations defaults (``conversations_configuration``), one entry.

The default Conversations service is a look-up (friendly name or ``IS…``
SID); the messaging service is an ``MG…`` SID; the timers are ISO 8601
durations, the inactive one at least one minute, the closed one at least ten
(Twilio's minimums).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from flexplan.plantypes import LiveObject, Problem
from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._singleton import SettingsKind
from flexplan.resources.base import Exported, ExportNames, Resolver, ResourceSpec, State
from flexplan.resources.fields import ConversationServiceLookup, Lookup, Sid

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

_DURATION = re.compile(r"P(?!$)(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_TIMERS = {"default_inactive_timer": 1, "default_closed_timer": 10}  # minimum minutes


class ConversationsConfigurationSpec(ResourceSpec):
    """The account's defaults for new conversations."""

    default_conversation_service: ConversationServiceLookup | None = Field(
        default=None, description="Conversations service (friendly name or IS… SID) by default"
    )
    default_messaging_service: Annotated[str, Sid("MG", "Messaging service")] | None = Field(
        default=None, description="Messaging service SID (MG…) used by default"
    )
    default_inactive_timer: str | None = Field(
        default=None, description="ISO 8601 duration before a conversation goes inactive (≥ PT1M)"
    )
    default_closed_timer: str | None = Field(
        default=None, description="ISO 8601 duration before a conversation closes (≥ PT10M)"
    )


def duration_problems(spec: Any, timers: dict[str, int]) -> Iterable[Problem]:
    for field, minimum in timers.items():
        value = getattr(spec, field, None)
        found = _DURATION.fullmatch(value) if value is not None else None
        if value is None:
            continue
        if found is None:
            yield Problem(f"{field} '{value}' is not an ISO 8601 duration", (field,),
                          "write days, hours, minutes, seconds: PT30M, PT12H, P1DT6H")  # fmt: skip
            continue
        days, hours, minutes, seconds = (int(n or 0) for n in found.groups())
        if ((days * 24 + hours) * 60 + minutes) * 60 + seconds < minimum * 60:
            unit = "minute" if minimum == 1 else "minutes"
            yield Problem(f"{field} {value} is shorter than Twilio's minimum of {minimum} {unit}",
                          (field,), f"use PT{minimum}M or more")  # fmt: skip


class ConversationsConfigurationKind(SettingsKind[ConversationsConfigurationSpec]):
    section: ClassVar[str] = "conversations_configuration"
    type_name: ClassVar[str] = "conversations_configuration"
    title: ClassVar[str] = "Conversations configuration"
    spec_model = ConversationsConfigurationSpec
    rank: ClassVar[int] = 60

    def check_settings(self, name: str, spec: ConversationsConfigurationSpec) -> Iterable[Problem]:
        return list(duration_problems(spec, _TIMERS))

    def lookups(self, spec: ConversationsConfigurationSpec) -> Sequence[Lookup]:
        service = spec.default_conversation_service
        return [service] if service is not None else []

    def read_settings(self, client: Client) -> LiveObject:
        return self.to_live(to_dict(client.conversations.v1.configuration().fetch()))

    def desired_state(
        self, name: str, spec: ConversationsConfigurationSpec, resolver: Resolver
    ) -> State:
        state = drop_none(
            {f: getattr(spec, f, None) for f in (*_TIMERS, "default_messaging_service")}
        )
        service = spec.default_conversation_service
        if service is not None:
            state["default_conversation_service"] = resolver.lookup(service)
        return state

    def write(self, client: Client, desired: State) -> LiveObject:
        args = drop_none(
            {
                "default_chat_service_sid": desired.get("default_conversation_service"),
                "default_messaging_service_sid": desired.get("default_messaging_service"),
                **{f: desired.get(f) for f in _TIMERS},
            }
        )
        return self.to_live(to_dict(client.conversations.v1.configuration().update(**args)))

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        raw = live.raw
        spec = drop_none({f: raw.get(f) for f in _TIMERS})
        if raw.get("default_chat_service_sid"):
            spec["default_conversation_service"] = names.lookup(
                "conversation_service", raw["default_chat_service_sid"]
            )
        if raw.get("default_messaging_service_sid"):
            spec["default_messaging_service"] = raw["default_messaging_service_sid"]
        return Exported(spec)

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        state = {f: raw.get(f) for f in _TIMERS}
        state["default_conversation_service"] = raw.get("default_chat_service_sid")
        state["default_messaging_service"] = raw.get("default_messaging_service_sid")
        return self.live(raw, state)


KIND = ConversationsConfigurationKind()
