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
from dataclasses import replace
from typing import Any, ClassVar

from pydantic import Field

from flexplan.plantypes import FieldPath, LiveObject, Problem, Reference
from flexplan.resources._taskrouter import WORKSPACE, TaskRouterKind, TaskRouterSpec
from flexplan.resources._workflow_diff import (
    WorkflowDiff,
    diff_configurations,
    parsed_configuration,
)
from flexplan.resources.base import Exported, ExportNames, Resolver, State
from flexplan.resources.fields import ResourceRef, Url, is_sid
from flexplan.resources.table import Attr, Table

QUEUE_REF = "task_queues"  # ``queue: {task_queues: NAME}``


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


class WorkflowKind(TaskRouterKind[WorkflowSpec]):
    section: ClassVar[str] = "workflows"
    type_name: ClassVar[str] = "workflow"
    title: ClassVar[str] = "workflow"
    spec_model = WorkflowSpec
    rank: ClassVar[int] = 46
    listing: ClassVar[str] = "workflows"
    rich_paths: ClassVar[frozenset[str]] = frozenset({"configuration"})
    file_fields: ClassVar[dict[str, str]] = {"configuration_file": "configuration"}
    fields: ClassVar[Table] = (
        Attr("friendly_name", key=True, always=True),
        Attr("assignment_callback_url", role="secret"),
        Attr("fallback_assignment_callback_url", role="secret"),
        Attr("task_reservation_timeout", default=120),
        WORKSPACE,
    )  # and configuration, the routing document: its own normal form, diff and references
    defaults: ClassVar[frozenset[str]] = frozenset({"assign to anyone"})

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

    def desired_state(self, name: str, spec: WorkflowSpec, resolver: Resolver) -> State:
        state = super().desired_state(name, spec, resolver)
        if spec.configuration is not None:
            state["configuration"] = _resolved(spec.configuration, resolver)
        return state

    def rich_diff(self, path: str, before: object, after: object) -> WorkflowDiff:
        return diff_configurations(before, after)

    def write_arguments(self, workspace: Any, desired: State, *, create: bool) -> dict[str, Any]:
        args = self.arguments(desired, create=create)
        if desired.get("configuration") is not None:
            args["configuration"] = json.dumps(desired["configuration"])
        return args

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        live = super().to_live(raw)
        config = live.state["configuration"] = parsed_configuration(raw.get("configuration"))
        queues = {v for _, v in _queue_places(config) if isinstance(v, str)}
        return replace(live, referenced_sids=frozenset(queues))

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        exported = super().export(name, live, names)
        config = live.state.get("configuration")
        if exported is not None and isinstance(config, dict):
            exported.spec["configuration"] = _exported(config, names)
        return exported


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


KIND = WorkflowKind()
