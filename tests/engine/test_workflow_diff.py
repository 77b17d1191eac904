"""Workflow configurations diff per filter; whitespace and key order are no change."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.plantypes import Unknown
from flexplan.resources._workflow_diff import diff_configurations

SUPPORT = "WQ" + "1" * 32
SALES = "WQ" + "2" * 32
EVERYONE = "WQ" + "3" * 32
PLAN_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


def _routing() -> dict[str, Any]:
    return {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Support",
                    "expression": "type == 'support'",
                    "targets": [
                        {"queue": SUPPORT, "expression": "worker.level > 1", "timeout": 30},
                        {"queue": EVERYONE, "priority": 2},
                    ],
                },
                {
                    "filter_friendly_name": "Sales",
                    "expression": "type == 'sales'",
                    "targets": [{"queue": SALES}],
                },
                {"expression": "vip == true", "targets": [{"queue": SUPPORT, "priority": 10}]},
            ],
            "default_filter": {"queue": EVERYONE},
        }
    }


def _scrambled(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrambled(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_scrambled(v) for v in value]
    return value


@given(st.sampled_from([None, 0, 1, 2, 4, "\t"]), st.booleans())
@settings(max_examples=30, deadline=None)
def test_whitespace_and_key_order_are_no_change(indent: Any, scramble: bool) -> None:
    live = json.dumps(_routing())  # as Twilio answers it: one line
    document = _scrambled(_routing()) if scramble else _routing()
    desired = json.dumps(document, indent=indent, separators=(",", ":") if indent is None else None)
    assert diff_configurations(live, desired).empty


def test_one_filter_change_shows_exactly_that_filter() -> None:
    after = _routing()
    after["task_routing"]["filters"][1]["expression"] = "type == 'sales' OR type == 'quote'"
    after["task_routing"]["filters"][1]["targets"][0]["priority"] = 5
    diff = diff_configurations(json.dumps(_routing()), after)
    assert diff.lines() == [
        '~ filter "Sales"',
        "    expression: \"type == 'sales'\" -> \"type == 'sales' OR type == 'quote'\"",
        "    + targets[0].priority = 5",
    ]


def test_added_removed_and_reordered_filters_and_default_queue() -> None:
    after = _routing()
    filters = after["task_routing"]["filters"]
    support, sales, vip = filters
    after["task_routing"]["filters"] = [
        sales,
        support,
        vip,
        {"filter_friendly_name": "Billing", "expression": "1==1", "targets": [{"queue": SALES}]},
    ]
    after["task_routing"]["default_filter"]["queue"] = SUPPORT
    del after["task_routing"]["filters"][2]  # the unnamed filter goes
    diff = diff_configurations(_routing(), after)
    assert diff.lines() == [
        '+ filter "Billing"',
        '    expression = "1==1"',
        f'    targets[0].queue = "{SALES}"',
        '- filter "(unnamed)"',
        "filter order: Support, Sales -> Sales, Support",
        f'task_routing.default_filter.queue: "{EVERYONE}" -> "{SUPPORT}"',
    ]


def test_a_queue_created_in_the_same_plan_is_known_after_apply() -> None:
    after = copy.deepcopy(_routing())
    after["task_routing"]["filters"][0]["targets"][0]["queue"] = Unknown("task_queue.tier2")
    lines = diff_configurations(_routing(), after).lines()
    assert lines == [
        '~ filter "Support"',
        f'    targets[0].queue: "{SUPPORT}" -> (known after apply)',
    ]


def test_json_form_matches_the_plan_schema() -> None:
    after = _routing()
    after["task_routing"]["filters"].pop(0)
    after["task_routing"]["filters"][0]["targets"][0]["queue"] = Unknown("task_queue.x")
    detail = diff_configurations(_routing(), after).to_json()
    schema = json.loads(PLAN_SCHEMA.read_text(encoding="utf-8"))
    definition = {**schema["$defs"]["workflow_configuration_diff"], "$defs": schema["$defs"]}
    jsonschema.validate(detail, definition)
    assert detail["filters"][1] == {"action": "remove", "name": "Support", "changes": []}
    assert detail["filters"][0]["changes"][0]["after"] is None  # known after apply


def test_text_that_is_not_json_is_one_change() -> None:
    diff = diff_configurations("{broken", _routing())
    assert [c.path for c in diff.routing] == ["configuration"]
