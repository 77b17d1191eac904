"""TaskRouter task channels (``task_channels``), identified by unique name in the workspace.

The unique name defaults to the local name. Twilio cannot change a unique
name, so another unique name is another channel. The six channels of a fresh
Flex workspace are account defaults: never pruned implicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from flexplan.plantypes import LiveObject
from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._taskrouter import (
    Completely,
    TaskRouterSpec,
    in_workspace,
    wanted,
    workspace_of,
)
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    State,
    WriteContext,
)
from flexplan.resources.fields import Lookup

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

DEFAULT_CHANNELS = frozenset({"default", "voice", "chat", "sms", "video", "email"})
_FIELDS = ("friendly_name", "channel_optimized_routing")


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


def unique_name_of(name: str, spec: TaskChannelSpec) -> str:
    return spec.unique_name or name


class TaskChannelKind(ResourceKind[TaskChannelSpec]):
    section: ClassVar[str] = "task_channels"
    type_name: ClassVar[str] = "task_channel"
    title: ClassVar[str] = "task channel"
    spec_model = TaskChannelSpec
    rank: ClassVar[int] = 47

    def natural_key(self, name: str, spec: TaskChannelSpec) -> tuple[Any, ...]:
        return (unique_name_of(name, spec),)

    def display(self, spec: TaskChannelSpec, name: str) -> str:
        return unique_name_of(name, spec)

    def lookups(self, spec: TaskChannelSpec) -> Sequence[Lookup]:
        workspace = spec.workspace
        return [workspace] if workspace is not None else []

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, TaskChannelSpec]]
    ) -> list[LiveObject]:
        if not wanted(ctx, specs):
            return []  # nothing managed here: TaskRouter is not read
        channels = in_workspace(ctx, specs).task_channels.stream(page_size=1000)
        return [to_live(to_dict(c)) for c in channels]

    def desired_state(self, name: str, spec: TaskChannelSpec, resolver: Resolver) -> State:
        state: dict[str, Any] = {"unique_name": unique_name_of(name, spec)}
        workspace = spec.workspace
        if workspace is not None:
            state["workspace"] = resolver.lookup(workspace)
        state.update(drop_none({f: getattr(spec, f) for f in _FIELDS}))
        return state

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        made = workspace_of(client, desired).task_channels.create(
            unique_name=desired["unique_name"],
            **{"friendly_name": desired["unique_name"], **_arguments(desired)},
        )
        return to_live(to_dict(made))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        channel = workspace_of(client, live.state).task_channels(live.sid)
        return to_live(to_dict(channel.update(**_arguments(desired))))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        workspace_of(client, live.state).task_channels(live.sid).delete()

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return self.read(Completely(ctx), [])

    def export_name(self, live: LiveObject) -> str:
        return str(live.key[0])

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        spec: dict[str, Any] = {} if name == live.key[0] else {"unique_name": live.key[0]}
        spec["friendly_name"] = live.raw.get("friendly_name")
        if live.raw.get("channel_optimized_routing"):
            spec["channel_optimized_routing"] = True
        return Exported(spec)


def _arguments(desired: dict[str, Any]) -> dict[str, Any]:
    return drop_none({f: desired.get(f) for f in _FIELDS})


def to_live(raw: dict[str, Any]) -> LiveObject:
    unique = raw.get("unique_name")
    state = {"unique_name": unique, "workspace": raw.get("workspace_sid")}
    state.update({f: raw.get(f) for f in _FIELDS})
    return LiveObject(
        key=(unique,),
        sid=raw.get("sid"),
        label=str(unique),
        raw=raw,
        state=state,
        is_default=unique in DEFAULT_CHANNELS,
    )


KIND = TaskChannelKind()
