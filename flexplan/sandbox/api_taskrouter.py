"""taskrouter v1 inside a workspace: task channels, task queues, workflows (CRUD), activities.

Behaviour reproduced (sources: twilio_taskrouter_v1.json; Twilio docs "Task
Queue Resource", "Workflow Resource", "Workflows Overview"; docs/sandbox.md):
- task channels: create needs FriendlyName and UniqueName, a unique name is
  unique in its workspace, fetch/update/delete take the SID or the unique name;
  UniqueName cannot be updated (not an update parameter);
- task queues: create needs FriendlyName; TargetWorkers defaults to ``1==1``,
  MaxReservedWorkers to 1 (1–50), TaskOrder to FIFO; a friendly name is unique in
  its workspace ("Queue named … already exists for workspace …", 400/20001);
  Reservation/AssignmentActivitySid name activities of the workspace and the
  answer carries their names; a queue a workflow routes to cannot be deleted;
- workflows: create needs FriendlyName and Configuration, checked and kept as
  ``workflow_check`` says; TaskReservationTimeout 1–86400, default 120;
- every child answers 404 when it is not in the path's workspace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flexplan.sandbox.errors import invalid, missing, not_found
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import AccountState, Body
from flexplan.sandbox.workflow_check import checked_configuration

WORKSPACES = "/v1/Workspaces"
NAME_LIMIT = 64  # task channel friendly names: "up to 64 characters long" (the spec)
TASK_ORDERS = ("FIFO", "LIFO")


def _workspace_sid(req: Request) -> str:
    sid = req.path_params["WorkspaceSid"]
    if req.store.get("workspaces", sid) is None:
        raise not_found(f"{WORKSPACES}/{sid}")
    return sid


def _children(store: AccountState, kind: str, workspace: str) -> list[Body]:
    return [item for item in store.items(kind) if item.get("workspace_sid") == workspace]


def _child(req: Request, kind: str, segment: str, *, by_name: str | None = None) -> Body:
    workspace = _workspace_sid(req)
    key = req.path_params["Sid"]
    for item in _children(req.store, kind, workspace):
        if key == item["sid"] or (by_name is not None and key == item.get(by_name)):
            return item
    raise not_found(f"{WORKSPACES}/{workspace}/{segment}/{key}")


Extra = tuple[str, str, Callable[[Body], bool]]  # (query parameter, value, keep)


def _listing(
    req: Request, kind: str, segment: str, key: str, name_filter: bool, extra: Extra | None = None
) -> Response:
    """One page of a workspace's children: the store's listing, tested only on the items
    the page walks over (``paging``), not the whole collection filtered per page."""
    workspace = _workspace_sid(req)
    tests: list[Callable[[Body], bool]] = [lambda item: item.get("workspace_sid") == workspace]
    filters: list[tuple[str, str]] = []
    if extra is not None:
        tests.append(extra[2])
        filters.append((extra[0], extra[1]))
    name = req.query.text("FriendlyName") if name_filter else None
    if name is not None:
        tests.append(lambda item: item["friendly_name"] == name)
        filters.append(("FriendlyName", name))
    base = url("taskrouter", f"{WORKSPACES}/{workspace}/{segment}")

    def keep(item: Body) -> bool:
        return all(test(item) for test in tests)

    listing = req.store.listing(kind)
    page = page_of(req.query, listing, base=base, key=key, max_size=1000, filters=filters,
                   keep=keep)  # fmt: skip
    return Response(200, page)


def _stamped(store: AccountState, sid: str, workspace: str, segment: str) -> Body:
    created = now_iso()
    return {
        "account_sid": store.account_sid,
        "sid": sid,
        "workspace_sid": workspace,
        "date_created": created,
        "date_updated": created,
        "url": url("taskrouter", f"{WORKSPACES}/{workspace}/{segment}/{sid}"),
    }


def _put(store: AccountState, kind: str, current: Body, changes: dict[str, Any]) -> Body:
    given = {k: v for k, v in changes.items() if v is not None}
    return store.put(kind, {**current, **given, "date_updated": now_iso()})


# -- task channels ------------------------------------------------------------------
def _channel_name(form: Params) -> str | None:
    name = form.text("FriendlyName")
    if name is not None and len(name) > NAME_LIMIT:
        raise invalid(f"FriendlyName must be at most {NAME_LIMIT} characters")
    return name


def create_task_channel(req: Request) -> Response:
    workspace = _workspace_sid(req)
    name = _channel_name(req.form) or ""
    if not name:
        raise missing("FriendlyName")
    unique = req.form.required("UniqueName")
    if any(c["unique_name"] == unique for c in _children(req.store, "task_channels", workspace)):
        raise invalid(f"TaskChannel with unique name {unique} already exists in {workspace}")
    sid = req.store.new_sid("TC")
    body = {
        **_stamped(req.store, sid, workspace, "TaskChannels"),
        "friendly_name": name,
        "unique_name": unique,
        "channel_optimized_routing": bool(req.form.flag("ChannelOptimizedRouting")),
        "links": {"workspace": url("taskrouter", f"{WORKSPACES}/{workspace}")},
    }
    return Response(201, req.store.put("task_channels", body))


def update_task_channel(req: Request) -> Response:
    current = _child(req, "task_channels", "TaskChannels", by_name="unique_name")
    if req.form.has("UniqueName"):
        raise invalid("UniqueName cannot be updated; delete the TaskChannel and create it again")
    changes = {
        "friendly_name": _channel_name(req.form),
        "channel_optimized_routing": req.form.flag("ChannelOptimizedRouting"),
    }
    return Response(200, _put(req.store, "task_channels", current, changes))


# -- activities (read-only) ---------------------------------------------------------
def list_activities(req: Request) -> Response:
    available = req.query.flag("Available")
    if available is None:
        return _listing(req, "activities", "Activities", "activities", True)
    return _listing(
        req, "activities", "Activities", "activities", True,
        extra=("Available", str(available).lower(), lambda a: a["available"] == available),
    )  # fmt: skip


def _activity_name(store: AccountState, workspace: str, sid: str | None) -> str | None:
    if sid is None:
        return None
    for activity in _children(store, "activities", workspace):
        if activity["sid"] == sid:
            return str(activity["friendly_name"])
    raise invalid(f"Activity {sid} is not an Activity of workspace {workspace}")


# -- task queues --------------------------------------------------------------------
def _queue_fields(req: Request, workspace: str) -> dict[str, Any]:
    form = req.form
    reservation = form.sid("ReservationActivitySid", "WA")
    assignment = form.sid("AssignmentActivitySid", "WA")
    fields: dict[str, Any] = {
        "friendly_name": form.text("FriendlyName"),
        "target_workers": form.text("TargetWorkers"),
        "max_reserved_workers": form.integer("MaxReservedWorkers", low=1, high=50),
        "task_order": form.enum("TaskOrder", TASK_ORDERS),
    }
    if reservation is not None:
        fields["reservation_activity_sid"] = reservation
        fields["reservation_activity_name"] = _activity_name(req.store, workspace, reservation)
    if assignment is not None:
        fields["assignment_activity_sid"] = assignment
        fields["assignment_activity_name"] = _activity_name(req.store, workspace, assignment)
    return fields


def _check_queue_name(store: AccountState, workspace: str, name: str, sid: str) -> None:
    for other in _children(store, "task_queues", workspace):
        if other["friendly_name"] == name and other["sid"] != sid:
            raise invalid(
                f"Queue named {name} already exists for workspace {workspace} "
                f"for account {store.account_sid}"
            )


def create_task_queue(req: Request) -> Response:
    workspace = _workspace_sid(req)
    fields = _queue_fields(req, workspace)
    if not fields["friendly_name"]:
        raise missing("FriendlyName")
    sid = req.store.new_sid("WQ")
    _check_queue_name(req.store, workspace, fields["friendly_name"], sid)
    base = f"{WORKSPACES}/{workspace}/TaskQueues/{sid}"
    defaults: dict[str, Any] = {
        "target_workers": "1==1",
        "max_reserved_workers": 1,
        "task_order": "FIFO",
        "reservation_activity_sid": None,
        "reservation_activity_name": None,
        "assignment_activity_sid": None,
        "assignment_activity_name": None,
    }
    body = {
        **_stamped(req.store, sid, workspace, "TaskQueues"),
        **defaults,
        **{k: v for k, v in fields.items() if v is not None},
        "links": {
            "workspace": url("taskrouter", f"{WORKSPACES}/{workspace}"),
            "statistics": url("taskrouter", f"{base}/Statistics"),
        },
    }
    return Response(201, req.store.put("task_queues", body))


def update_task_queue(req: Request) -> Response:
    current = _child(req, "task_queues", "TaskQueues")
    fields = _queue_fields(req, current["workspace_sid"])
    if fields["friendly_name"] is not None:
        _check_queue_name(
            req.store, current["workspace_sid"], fields["friendly_name"], current["sid"]
        )
    return Response(200, _put(req.store, "task_queues", current, fields))


def delete_task_queue(req: Request) -> Response:
    queue = _child(req, "task_queues", "TaskQueues")
    for workflow in _children(req.store, "workflows", queue["workspace_sid"]):
        if queue["sid"] in _queues_named(workflow["configuration"]):
            raise invalid(
                f"TaskQueue {queue['sid']} cannot be deleted: Workflow {workflow['sid']} "
                "routes tasks to it"
            )
    req.store.delete("task_queues", queue["sid"])
    return Response(204, None)


def _queues_named(configuration: str) -> set[str]:
    routing = json.loads(configuration).get("task_routing", {})
    found = {t.get("queue") for f in routing.get("filters", []) for t in f.get("targets", [])}
    found.add((routing.get("default_filter") or {}).get("queue"))
    return {q for q in found if isinstance(q, str)}


# -- workflows ----------------------------------------------------------------------
def _workflow_fields(req: Request, workspace: str) -> dict[str, Any]:
    form = req.form
    configuration = form.text("Configuration")
    queues = [q["sid"] for q in _children(req.store, "task_queues", workspace)]
    return {
        "friendly_name": form.text("FriendlyName"),
        "assignment_callback_url": form.text("AssignmentCallbackUrl"),
        "fallback_assignment_callback_url": form.text("FallbackAssignmentCallbackUrl"),
        "task_reservation_timeout": form.integer("TaskReservationTimeout", low=1, high=86400),
        "configuration": None
        if configuration is None
        else checked_configuration(configuration, queues),
    }


def create_workflow(req: Request) -> Response:
    workspace = _workspace_sid(req)
    if not req.form.text("FriendlyName"):
        raise missing("FriendlyName")
    if not req.form.text("Configuration"):
        raise missing("Configuration")
    fields = _workflow_fields(req, workspace)
    sid = req.store.new_sid("WW")
    base = f"{WORKSPACES}/{workspace}/Workflows/{sid}"
    body = {
        **_stamped(req.store, sid, workspace, "Workflows"),
        "assignment_callback_url": None,
        "fallback_assignment_callback_url": None,
        "task_reservation_timeout": 120,
        "document_content_type": "application/json",
        **{k: v for k, v in fields.items() if v is not None},
        "links": {
            name: url("taskrouter", f"{base}/{segment}")
            for name, segment in (
                ("statistics", "Statistics"),
                ("real_time_statistics", "RealTimeStatistics"),
                ("cumulative_statistics", "CumulativeStatistics"),
            )
        },
    }
    return Response(201, req.store.put("workflows", body))


def update_workflow(req: Request) -> Response:
    current = _child(req, "workflows", "Workflows")
    if req.form.has("ReEvaluateTasks"):
        req.form.flag("ReEvaluateTasks")  # accepted; there are no tasks to re-evaluate
    fields = _workflow_fields(req, current["workspace_sid"])
    return Response(200, _put(req.store, "workflows", current, fields))


# -- routes -------------------------------------------------------------------------
def _fetcher(kind: str, segment: str, by_name: str | None = None) -> Callable[[Request], Response]:
    return lambda req: Response(200, _child(req, kind, segment, by_name=by_name))


def _deleter(kind: str, segment: str, by_name: str | None = None) -> Callable[[Request], Response]:
    def delete(req: Request) -> Response:
        req.store.delete(kind, _child(req, kind, segment, by_name=by_name)["sid"])
        return Response(204, None)

    return delete


def _lister(kind: str, segment: str, key: str, name_filter: bool) -> Callable[[Request], Response]:
    return lambda req: _listing(req, kind, segment, key, name_filter)


def register(router: Router) -> None:
    base = WORKSPACES + "/{WorkspaceSid}"
    tables: list[tuple[str, str, str, bool, str | None, Any, Any, Any]] = [
        ("task_channels", "TaskChannels", "channels", False, "unique_name",
         create_task_channel, update_task_channel, _deleter("task_channels", "TaskChannels",
                                                             "unique_name")),
        ("task_queues", "TaskQueues", "task_queues", True, None,
         create_task_queue, update_task_queue, delete_task_queue),
        ("workflows", "Workflows", "workflows", True, None,
         create_workflow, update_workflow, _deleter("workflows", "Workflows")),
    ]  # fmt: skip
    for kind, segment, key, name_filter, by_name, create, update, delete in tables:
        path = f"{base}/{segment}"
        router.add("GET", "taskrouter", path, _lister(kind, segment, key, name_filter))
        router.add("POST", "taskrouter", path, create)
        router.add("GET", "taskrouter", path + "/{Sid}", _fetcher(kind, segment, by_name))
        router.add("POST", "taskrouter", path + "/{Sid}", update)
        router.add("DELETE", "taskrouter", path + "/{Sid}", delete)
    router.add("GET", "taskrouter", f"{base}/Activities", list_activities)
    router.add(
        "GET", "taskrouter", f"{base}/Activities/{{Sid}}", _fetcher("activities", "Activities")
    )
