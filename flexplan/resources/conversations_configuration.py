"""The account's Conversations defaults (``conversations_configuration``), one entry.

The default Conversations service is a look-up (friendly name or ``IS…``
SID); the messaging service is an ``MG…`` SID; the timers are ISO 8601
durations, the inactive one at least one minute, the closed one at least ten
(Twilio's minimums).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from flexplan.plantypes import Problem
from flexplan.resources._singleton import SettingsKind
from flexplan.resources.base import ResourceSpec
from flexplan.resources.fields import ConversationServiceLookup, Sid
from flexplan.resources.table import Attr, Table

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
    fields: ClassVar[Table] = (
        Attr("default_inactive_timer"),
        Attr("default_closed_timer"),
        Attr("default_conversation_service", "default_chat_service_sid", "lookup",
             "conversation_service"),
        Attr("default_messaging_service", "default_messaging_service_sid"),
    )  # fmt: skip

    def check_settings(self, name: str, spec: ConversationsConfigurationSpec) -> Iterable[Problem]:
        return list(duration_problems(spec, _TIMERS))

    def settings(self, client: Client) -> Any:
        return client.conversations.v1.configuration()


KIND = ConversationsConfigurationKind()
