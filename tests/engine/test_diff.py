"""Managed-field diff: omitted fields never diff; unknowns and nested paths are reported."""

from __future__ import annotations

from flexplan.engine.diff import diff_states, project
from flexplan.plantypes import Unknown


def test_only_managed_fields_are_compared() -> None:
    live = {"friendly_name": "A", "enabled": True, "janitor_enabled": False}
    result = diff_states({"friendly_name": "A"}, live)
    assert not result.changed
    assert result.unchanged == 1


def test_nested_change_has_dotted_path() -> None:
    live = {"integration": {"type": "studio", "retry_count": 3, "flow_sid": "FW1"}}
    desired = {"integration": {"type": "studio", "retry_count": 1}}
    result = diff_states(desired, live)
    assert [(c.path, c.before, c.after) for c in result.changes] == [
        ("integration.retry_count", 3, 1)
    ]
    assert result.unchanged == 1
    assert project(live, desired) == {"integration": {"type": "studio", "retry_count": 3}}


def test_unknown_value_is_a_change_known_after_apply() -> None:
    result = diff_states({"flow": Unknown("studio_flow.x")}, {"flow": "FW1"})
    assert result.unknown_paths == ["flow"]
    assert result.changed


def test_missing_live_field_is_a_change() -> None:
    result = diff_states({"friendly_name": "A"}, {})
    assert [(c.path, c.before, c.after) for c in result.changes] == [("friendly_name", None, "A")]
