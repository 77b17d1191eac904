"""Studio definitions diff per widget; formatting-only changes are no change."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from flexplan.resources.studio.definition import normalize_definition
from flexplan.resources.studio.diff import diff_definitions

# three real Studio templates of twilio-professional-services/flex-project-template,
# vendored unchanged with their licence (examples/contact-center/studio/NOTICE)
SHARED = Path(__file__).resolve().parents[2] / "examples" / "contact-center" / "studio"
FLOWS = sorted(SHARED.glob("template_*.json"))


def _load(path: Path) -> dict:
    return normalize_definition(json.loads(path.read_text()))


def _state(defn: dict, name: str) -> dict:
    return next(s for s in defn["states"] if s["name"] == name)


@pytest.fixture
def parking() -> dict:
    return _load(SHARED / "template_example_messaging_with_parking_flow.json")


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_reformatted_definition_is_no_change(path: Path) -> None:
    original = json.loads(path.read_text())

    # key order reversed everywhere, compact whitespace, integers written as floats
    def scramble(value):
        if isinstance(value, dict):
            return {k: scramble(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [scramble(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    reformatted = json.loads(json.dumps(scramble(original), separators=(",", ":")))
    diff = diff_definitions(normalize_definition(original), normalize_definition(reformatted))
    assert diff.empty
    assert diff.lines() == []


def test_layout_only_is_one_line(parking: dict) -> None:
    moved = copy.deepcopy(parking)
    for state in moved["states"][:3]:
        state["properties"]["offset"]["x"] += 100
    diff = diff_definitions(parking, moved)
    assert not diff.empty
    assert diff.lines() == ["layout changed for 3 widgets"]


def test_one_property_change_is_exactly_that_line(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    widget = next(s for s in changed["states"] if s["type"] == "send-message")
    old_body = widget["properties"]["body"]
    widget["properties"]["body"] = "We are closed today."
    diff = diff_definitions(parking, changed)
    assert diff.lines() == [
        f'~ widget "{widget["name"]}" (send-message)',
        f'    properties.body: {json.dumps(old_body)} -> "We are closed today."',
    ]


def test_widgets_added_removed_and_transition_changed(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    removed = changed["states"].pop()
    changed["states"].append(
        {"name": "survey", "type": "send-message", "transitions": [], "properties": {"body": "?"}}
    )
    trigger = _state(changed, changed["initial_state"])
    message = next(t for t in trigger["transitions"] if t["event"] == "incomingMessage")
    old_next = message.get("next")
    message["next"] = "survey"
    lines = diff_definitions(parking, changed).lines()
    assert f'- widget "{removed["name"]}" ({removed["type"]})' in lines
    assert '+ widget "survey" (send-message)' in lines
    shown = "(ends)" if old_next is None else json.dumps(old_next)
    assert f'    transition incomingMessage: {shown} -> "survey"' in lines


def test_create_lists_every_widget(parking: dict) -> None:
    lines = diff_definitions(None, parking).lines()
    widgets = [line for line in lines if line.startswith("+ widget")]
    assert len(widgets) == len(parking["states"])


def test_flow_level_field_change(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    changed["flags"]["allow_concurrent_calls"] = False
    assert diff_definitions(parking, changed).lines() == [
        "flags.allow_concurrent_calls: true -> false"
    ]
