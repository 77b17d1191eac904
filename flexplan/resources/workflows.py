"""TaskRouter workflows (``workflows``), identified by friendly name in the workspace.

``configuration`` is the routing document as YAML/JSON data (or
``configuration_file``, a JSON file). A target's or the default filter's
``queue`` is a ``WQ…`` SID or ``{task_queues: NAME}``, a managed queue by local
name: the queue is created first, and the plan shows ``(known after apply)``.
The configuration diffs per filter (``_workflow_diff``): whitespace and key
order are never a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from flexplan.plantypes import FieldPath, LiveObject, Problem, Reference
from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._taskrouter import (
    Completely,
    TaskRouterSpec,
    in_workspace,
    wanted,
    workspace_of,
)
from flexplan.resources._workflow_diff import diff_configurations, parsed_configuration
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    Resolver,
    ResourceKind,
    State,
    WriteContext,
)
from flexplan.resources.fields import Lookup, ResourceRef, Url, is_sid

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

QUEUE_REF = "task_queues"  # ``queue: {task_queues: NAME}``
DEFAULT_WORKFLOWS = frozenset({"assign to anyone"})
_PLAIN = ("friendly_name", "assignment_callback_url", "fallback_assignment_callback_url",
          "task_reservation_timeout")  # fmt: skip


class WorkflowSpec(TaskRouterSpec):
    """A workflow: which queue each task goes to, in what order, for how long."""

    friendly_name: str = Field(min_length=1, description="the workflow's name (its identity)")
    assignment_callback_url: Url | None = Field(
        default=None, description="URL TaskRouter calls when a task is assigned"
    )
    fallback_assignment_callback_url: Url | None = Field(
        default=None, description="URL called when the assignment callback fails"
    )
    task_reservation_timeout: int | None = Field(
        default=None, ge=1, le=86400, description="seconds to wait for an accept (Twilio: 120)"
    )
    configuration: dict[str, Any] | None = Field(
        default=None,
        description="the routing document: task_routing.filters and default_filter; a queue "
        "is a WQ… SID or {task_queues: NAME}",
    )
    configuration_file: str | None = Field(
        default=None, description="a JSON file holding the configuration, relative to this file"
    )


class WorkflowKind(ResourceKind[WorkflowSpec]):
    section: ClassVar[str] = "workflows"
    type_name: ClassVar[str] = "workflow"
    title: ClassVar[str] = "workflow"
    spec_model = WorkflowSpec
    rank: ClassVar[int] = 46
    rich_paths: ClassVar[frozenset[str]] = frozenset({"configuration"})
    file_fields: ClassVar[dict[str, str]] = {"configuration_file": "configuration"}

    def references(self, spec: WorkflowSpec) -> Sequence[Reference]:
        config = spec.configuration
        return [Reference(QUEUE_REF, name, path) for path, name in _queue_refs(config)]

    def check(self, name: str, spec: WorkflowSpec) -> Iterable[Problem]:
        config = spec.configuration
        if spec.state == "absent" or config is not None:
            return [] if config is None else list(_check_configuration(config))
        if spec.configuration_file is not None:
            return []  # the file could not be loaded; that is reported already
        return [Problem("a workflow needs a configuration", (), "add configuration:")]

    def natural_key(self, name: str, spec: WorkflowSpec) -> tuple[Any, ...]:
        return (spec.friendly_name,)

    def display(self, spec: WorkflowSpec, name: str) -> str:
        return str(spec.friendly_name)

    def lookups(self, spec: WorkflowSpec) -> Sequence[Lookup]:
        workspace = spec.workspace
        return [workspace] if workspace is not None else []

    def read(self, ctx: ReadContext, specs: Sequence[tuple[str, WorkflowSpec]]) -> list[LiveObject]:
        if not wanted(ctx, specs):
            return []  # nothing managed here: TaskRouter is not read
        flows = in_workspace(ctx, specs).workflows.stream(page_size=1000)
        return [to_live(to_dict(f)) for f in flows]

    def desired_state(self, name: str, spec: WorkflowSpec, resolver: Resolver) -> State:
        state = drop_none({f: getattr(spec, f) for f in _PLAIN})
        workspace = spec.workspace
        if workspace is not None:
            state["workspace"] = resolver.lookup(workspace)
        config = spec.configuration
        if config is not None:
            state["configuration"] = _resolved(config, resolver)
        return state

    def rich_diff(self, path: str, before: Any, after: Any) -> Any:
        return diff_configurations(before, after)

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject:
        made = workspace_of(client, desired).workflows.create(**_arguments(desired))
        return to_live(to_dict(made))

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject:
        flow = workspace_of(client, live.state).workflows(live.sid)
        return to_live(to_dict(flow.update(**_arguments(desired))))

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        workspace_of(client, live.state).workflows(live.sid).delete()

    def read_for_export(self, ctx: ReadContext) -> list[LiveObject]:
        return self.read(Completely(ctx), [])

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        spec = drop_none({f: live.raw.get(f) for f in _PLAIN})
        if spec.get("task_reservation_timeout") == 120:  # Twilio's default
            del spec["task_reservation_timeout"]
        config = live.state.get("configuration")
        if isinstance(config, dict):
            spec["configuration"] = _exported(config, names)
        return Exported(spec)


def _queue_places(config: Any) -> Iterator[tuple[FieldPath, Any]]:
    """Every ``queue`` value of a configuration and its path."""
    routing = config.get("task_routing") if isinstance(config, dict) else None
    if not isinstance(routing, dict):
        return
    filters = routing.get("filters")
    for i, item in enumerate(filters if isinstance(filters, list) else []):
        targets = item.get("targets") if isinstance(item, dict) else None
        for j, target in enumerate(targets if isinstance(targets, list) else []):
            if isinstance(target, dict) and "queue" in target:
                yield ("task_routing", "filters", i, "targets", j, "queue"), target["queue"]
    default = routing.get("default_filter")
    if isinstance(default, dict) and "queue" in default:
        yield ("task_routing", "default_filter", "queue"), default["queue"]


def _queue_refs(config: Any) -> Iterator[tuple[FieldPath, str]]:
    for path, value in _queue_places(config):
        if isinstance(value, dict) and isinstance(value.get(QUEUE_REF), str):
            yield ("configuration", *path), value[QUEUE_REF]


def _check_configuration(config: dict[str, Any]) -> Iterator[Problem]:
    if not isinstance(config.get("task_routing"), dict):
        yield Problem(
            "a workflow configuration needs task_routing",
            ("configuration",),
            "write configuration: {task_routing: {filters: [...], default_filter: {queue: …}}}",
        )
    for path, value in _queue_places(config):
        named = isinstance(value, dict) and set(value) == {QUEUE_REF}
        if not named and not (isinstance(value, str) and is_sid(value, "WQ")):
            yield Problem(
                "a queue is a WQ… SID or {task_queues: NAME}",
                ("configuration", *path),
                "name a managed queue as {task_queues: LOCAL_NAME}, or write its SID",
            )


def _resolved(value: Any, resolver: Resolver) -> Any:
    """The configuration with every ``{task_queues: NAME}`` replaced by that queue's SID."""
    if isinstance(value, dict):
        if set(value) == {QUEUE_REF} and isinstance(value[QUEUE_REF], str):
            return resolver.ref(ResourceRef(QUEUE_REF, name=value[QUEUE_REF]))
        return {k: _resolved(v, resolver) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, resolver) for v in value]
    return value


def _exported(config: dict[str, Any], names: ExportNames) -> dict[str, Any]:
    """The configuration with the queues export names written as ``{task_queues: NAME}``."""
    out: dict[str, Any] = json.loads(json.dumps(config))
    for path, value in _queue_places(out):
        local = names.ref(QUEUE_REF, value) if isinstance(value, str) else None
        if local is not None and local != value:
            node: Any = out
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = {QUEUE_REF: local}
    return out


def _arguments(desired: dict[str, Any]) -> dict[str, Any]:
    args = {f: desired.get(f) for f in _PLAIN}
    if desired.get("configuration") is not None:
        args["configuration"] = json.dumps(desired["configuration"])
    return drop_none(args)


def to_live(raw: dict[str, Any]) -> LiveObject:
    state = {f: raw.get(f) for f in _PLAIN}
    state["workspace"] = raw.get("workspace_sid")
    state["configuration"] = parsed_configuration(raw.get("configuration"))
    queues = {v for _, v in _queue_places(state["configuration"]) if isinstance(v, str)}
    name = str(raw.get("friendly_name"))
    return LiveObject(
        key=(raw.get("friendly_name"),),
        sid=raw.get("sid"),
        label=name,
        raw=raw,
        state=state,
        referenced_sids=frozenset(queues),
        is_default=name.strip().casefold() in DEFAULT_WORKFLOWS,
    )


KIND = WorkflowKind()
