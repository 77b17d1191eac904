"""TaskRouter's checks of a workflow ``Configuration`` (a JSON text), and how it is kept.

The document (Twilio's "Workflows Overview", taskrouter/workflow-configuration):
``{"task_routing": {"filters": [...], "default_filter": {"queue": WQ…}}}``; a
filter has an optional ``filter_friendly_name``, an ``expression`` and a list
of ``targets``; a target names a ``queue`` (a TaskQueue SID of the workspace)
and may carry ``expression``, ``priority``, ``timeout``, ``order_by``,
``skip_if``, ``known_worker_sid`` or ``known_worker_friendly_name``. A broken
document is refused with 400, code 20001 and a message naming the JSON path
(the code and wording are the sandbox's, see docs/sandbox.md).

Twilio answers the configuration in its own formatting, not the text sent
(twilio/terraform-provider-twilio#120: a configuration sent compact comes back
with other whitespace), so the sandbox keeps ``json.dumps`` of the parsed
document: the same data, other whitespace.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from flexplan.sandbox.errors import ApiError, invalid

TARGET_TEXT_KEYS = ("expression", "order_by", "skip_if", "known_worker_sid",
                    "known_worker_friendly_name")  # fmt: skip
TARGET_NUMBER_KEYS = ("priority", "timeout")


def checked_configuration(text: str, queues: Collection[str]) -> str:
    """``text`` as TaskRouter keeps it, or a 400 naming what is wrong.

    ``queues`` are the SIDs of the workspace's task queues: a target or the
    default filter naming any other queue is refused.
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise invalid(f"Configuration is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("task_routing"), dict):
        raise _bad("task_routing", "must be an object")
    routing = document["task_routing"]
    filters = routing.get("filters", [])
    if not isinstance(filters, list):
        raise _bad("task_routing.filters", "must be a list")
    for index, item in enumerate(filters):
        _check_filter(f"task_routing.filters[{index}]", item, queues)
    if "default_filter" in routing:
        default = routing["default_filter"]
        if not isinstance(default, dict) or "queue" not in default:
            raise _bad("task_routing.default_filter", "must be an object with a queue")
        _check_queue("task_routing.default_filter.queue", default["queue"], queues)
    return json.dumps(document)


def _check_filter(where: str, item: Any, queues: Collection[str]) -> None:
    if not isinstance(item, dict):
        raise _bad(where, "must be an object")
    name = item.get("filter_friendly_name")
    if name is not None and not isinstance(name, str):
        raise _bad(f"{where}.filter_friendly_name", "must be a string")
    if not isinstance(item.get("expression"), str) or not item["expression"].strip():
        raise _bad(f"{where}.expression", "is required (a TaskRouter expression)")
    targets = item.get("targets")
    if not isinstance(targets, list) or not targets:
        raise _bad(f"{where}.targets", "must be a non-empty list")
    for index, target in enumerate(targets):
        _check_target(f"{where}.targets[{index}]", target, queues)


def _check_target(where: str, target: Any, queues: Collection[str]) -> None:
    if not isinstance(target, dict):
        raise _bad(where, "must be an object")
    if "queue" in target:
        _check_queue(f"{where}.queue", target["queue"], queues)
    for key in TARGET_TEXT_KEYS:
        if key in target and not isinstance(target[key], str):
            raise _bad(f"{where}.{key}", "must be a string")
    for key in TARGET_NUMBER_KEYS:
        value = target.get(key)
        if key in target and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise _bad(f"{where}.{key}", f"must be a whole number of at least 0, got {value!r}")


def _check_queue(where: str, value: Any, queues: Collection[str]) -> None:
    if not isinstance(value, str) or value not in queues:
        raise _bad(where, f"{value!r} is not a TaskQueue of this workspace")


def _bad(where: str, what: str) -> ApiError:
    return invalid(f"Invalid Configuration: {where} {what}")
