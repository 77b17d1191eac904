"""TaskRouter task queues (``task_queues``), identified by friendly name in the workspace.

Activities are named by friendly name (or ``WA…`` SID) and compared by the
names Twilio answers beside the SIDs (``reservation_activity_name``); a write
looks the names up in the workspace's activities. The fresh account's queue
"Everyone" is an account default: never pruned implicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flexplan.errors import FlexplanError
from flexplan.plantypes import LiveObject, Named
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
from flexplan.resources.fields import Lookup, is_sid

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

DEFAULT_QUEUES = frozenset({"everyone"})
_PLAIN = ("friendly_name", "target_workers", "max_reserved_workers", "task_order")
_ACTIVITIES = ("reservation_activity", "assignment_activity")
# Twilio's defaults (the spec): left out of an export
_DEFAULTS: dict[str, Any] = {"target_workers": "1==1", "max_reserved_workers": 1,
                             "task_order": "FIFO"}  # fmt: skip


class TaskQueueSpec(TaskRouterSpec):
    """A task queue: which workers its tasks may reach, and how."""

    friendly_name: str = Field(min_length=1, description="the queue's name (its identity)")
    target_workers: str | None = Field(
        default=None, description="TaskRouter expression choosing the workers (Twilio: 1==1)"
    )
    max_reserved_workers: int | None = Field(
        default=None, ge=1, le=50, description="workers reserved at once per task, 1–50"
    )
    task_order: Literal["FIFO", "LIFO"] | None = Field(
        default=None, description="FIFO (oldest task first, Twilio's default) or LIFO"
    )
    reservation_activity: str | None = Field(
        default=None, min_length=1, description="activity (name or WA… SID) of a reserved worker"
    )
    assignment_activity: str | None = Field(
        default=None, min_length=1, description="activity (name or WA… SID) of an assigned worker"
    )


class TaskQueueKind(ResourceKind[TaskQueueSpec]):
    section: ClassVar[str] = "task_queues"
    type_name: ClassVar[str] = "task_queue"
    title: ClassVar[str] = "task queue"
    spec_model = TaskQueueSpec
    rank: ClassVar[int] = 45

    def natural_key(self, name: str, spec: TaskQueueSpec) -> tuple[Any, ...]:
        return (spec.friendly_name,)

    def display(self, spec: TaskQueueSpec, name: str) -> str:
        return str(spec.friendly_name)

    def lookups(self, spec: TaskQueueSpec) -> Sequence[Lookup]:
        workspace = spec.workspace
        return [workspace] if workspace is not None else []

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, TaskQueueSpec]]
    ) -> list[LiveObject]:
        if not wanted(ctx, specs):
            return []  # nothing managed here: TaskRouter is not read
        queues = in_workspace(ctx, specs).task_queues.stream(page_size=1000)
        return [to_live(to_dict(q)) for q in queues]

    def desired_state(self, name: str, spec: TaskQueueSpec, resolver: Resolver) -> State:
        fields = (*_PLAIN, *_ACTIVITIES)
        state = drop_none({f: getattr(spec, f) for f in fields})
        workspace = spec.workspace
        if workspace is not None:
            state["workspace"] = resolver.lookup(workspace)
        return state

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        workspace = workspace_of(client, desired)
        made = workspace.task_queues.create(**_arguments(workspace, desired))
        return to_live(to_dict(made))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        workspace = workspace_of(client, live.state)
        queue = workspace.task_queues(live.sid)
        return to_live(to_dict(queue.update(**_arguments(workspace, desired))))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        workspace_of(client, live.state).task_queues(live.sid).delete()

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return self.read(Completely(ctx), [])

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        spec = {f: live.raw.get(f) for f in _PLAIN}
        spec = {f: v for f, v in spec.items() if v is not None and _DEFAULTS.get(f) != v}
        for field in _ACTIVITIES:
            if live.raw.get(f"{field}_name"):
                spec[field] = live.raw[f"{field}_name"]
        return Exported(spec)


def _arguments(workspace: Any, desired: dict[str, Any]) -> dict[str, Any]:
    args = {f: desired.get(f) for f in _PLAIN}
    wanted = [f for f in _ACTIVITIES if desired.get(f)]
    if wanted:
        sids = _activity_sids(workspace)
        for field in wanted:
            args[f"{field}_sid"] = _activity(sids, str(desired[field]), field)
    return drop_none(args)


def _activity_sids(workspace: Any) -> dict[str, str]:
    return {a.friendly_name: a.sid for a in workspace.activities.stream(page_size=1000)}


def _activity(sids: dict[str, str], value: str, field: str) -> str:
    if is_sid(value, "WA"):
        return value
    if value in sids:
        return sids[value]
    listing = ", ".join(repr(n) for n in sids) or "none"
    raise FlexplanError(
        f"task queue {field}: activity {value!r} is not in the workspace; it has: {listing}",
        hint="use one of the activity names above, or its WA… SID",
    )


def to_live(raw: dict[str, Any]) -> LiveObject:
    state = {f: raw.get(f) for f in _PLAIN}
    state["workspace"] = raw.get("workspace_sid")
    for field in _ACTIVITIES:
        sid = raw.get(f"{field}_sid")  # compared by name (or SID), shown as "Break (WA…)"
        state[field] = Named(sid, raw.get(f"{field}_name") or "") if sid else None
    name = str(raw.get("friendly_name"))
    return LiveObject(
        key=(raw.get("friendly_name"),),
        sid=raw.get("sid"),
        label=name,
        raw=raw,
        state=state,
        is_default=name.strip().casefold() in DEFAULT_QUEUES,
    )


KIND = TaskQueueKind()
