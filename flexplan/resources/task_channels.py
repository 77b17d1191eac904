"""TaskRouter task channels (``task_channels``), identified by unique name in the workspace.

The unique name defaults to the local name. Twilio cannot change a unique
name, so another unique name is another channel. The six channels of a fresh
Flex workspace are account defaults: never pruned implicitly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from flexplan.plantypes import LiveObject
from flexplan.resources._taskrouter import WORKSPACE, TaskRouterKind, TaskRouterSpec
from flexplan.resources.base import State
from flexplan.resources.table import Attr, Table


class TaskChannelSpec(TaskRouterSpec):
    """A task channel (voice, chat, sms… or your own)."""

    unique_name: str | None = Field(
        default=None, min_length=1, description="the channel's unique name; default: the local name"
    )
    friendly_name: str | None = Field(
        default=None, min_length=1, max_length=64, description="its display name (≤ 64)"
    )
    channel_optimized_routing: bool | None = Field(
        default=None, description="prefer the workers idle longest on this channel"
    )


class TaskChannelKind(TaskRouterKind[TaskChannelSpec]):
    section: ClassVar[str] = "task_channels"
    type_name: ClassVar[str] = "task_channel"
    title: ClassVar[str] = "task channel"
    spec_model = TaskChannelSpec
    rank: ClassVar[int] = 47
    listing: ClassVar[str] = "task_channels"
    fields: ClassVar[Table] = (
        Attr("unique_name", key=True, from_name=True, always=True),
        WORKSPACE,
        Attr("friendly_name", always=True),
        Attr("channel_optimized_routing", default=False),
    )
    defaults: ClassVar[frozenset[str]] = frozenset(
        {"default", "voice", "chat", "sms", "video", "email"}
    )

    def write_arguments(self, workspace: Any, desired: State, *, create: bool) -> dict[str, Any]:
        args = self.arguments(desired, create=create)
        if create:  # Twilio needs a friendly name: the unique name unless the entry says
            args.setdefault("friendly_name", desired["unique_name"])
        else:
            args.pop("unique_name", None)  # fixed at create: another one is another channel
        return args

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        return self.live(raw, is_default=raw.get("unique_name") in self.defaults)

    def export_name(self, live: LiveObject) -> str:
        return str(live.key[0])


KIND = TaskChannelKind()
