"""TaskRouter task queues (``task_queues``), identified by friendly name in the workspace.

Activities are named by friendly name (or ``WA…`` SID) and compared by the
names Twilio answers beside the SIDs (``reservation_activity_name``); a write
looks the names up in the workspace's activities. The fresh account's queue
"Everyone" is an account default: never pruned implicitly.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from flexplan.errors import FlexplanError
from flexplan.resources._taskrouter import WORKSPACE, TaskRouterKind, TaskRouterSpec
from flexplan.resources.base import State
from flexplan.resources.fields import is_sid
from flexplan.resources.table import Attr, Table


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


def _activity(name: str) -> Attr:
    return Attr(name, f"{name}_sid", "named", label_api=f"{name}_name")


class TaskQueueKind(TaskRouterKind[TaskQueueSpec]):
    section: ClassVar[str] = "task_queues"
    type_name: ClassVar[str] = "task_queue"
    title: ClassVar[str] = "task queue"
    spec_model = TaskQueueSpec
    rank: ClassVar[int] = 45
    listing: ClassVar[str] = "task_queues"
    fields: ClassVar[Table] = (
        Attr("friendly_name", key=True, always=True),
        Attr("target_workers", default="1==1"),
        Attr("max_reserved_workers", default=1),
        Attr("task_order", default="FIFO"),
        WORKSPACE,
        _activity("reservation_activity"),
        _activity("assignment_activity"),
    )
    defaults: ClassVar[frozenset[str]] = frozenset({"everyone"})

    def write_arguments(self, workspace: Any, desired: State, *, create: bool) -> dict[str, Any]:
        """The activities the entry names by name as the workspace's SIDs."""
        args = self.arguments(desired, create=create)
        wanted = [f for f in ("reservation_activity", "assignment_activity") if f in desired]
        if wanted:
            sids = {a.friendly_name: a.sid for a in workspace.activities.stream(page_size=1000)}
            for field in wanted:
                args[f"{field}_sid"] = _activity_sid(sids, str(desired[field]), field)
        return args


def _activity_sid(sids: dict[str, str], value: str, field: str) -> str:
    if is_sid(value, "WA"):
        return value
    if value in sids:
        return sids[value]
    listing = ", ".join(repr(n) for n in sids) or "none"
    raise FlexplanError(
        f"task queue {field}: activity {value!r} is not in the workspace; it has: {listing}",
        hint="use one of the activity names above, or its WA… SID",
    )


KIND = TaskQueueKind()
