"""Studio definitions diff per widget; formatting-only changes are no change."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flexplan import flowdiff as diff_module
from flexplan.plantypes import Named
from flexplan.render.studio import text_lines
from flexplan.resources.studio.definition import normalize_definition
from flexplan.resources.studio.diff import diff_definitions
from flexplan.sensitive import secret_name

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
    assert text_lines(diff) == []


def test_layout_only_is_one_line(parking: dict) -> None:
    moved = copy.deepcopy(parking)
    for state in moved["states"][:3]:
        state["properties"]["offset"]["x"] += 100
    diff = diff_definitions(parking, moved)
    assert not diff.empty
    layout = "layout changed for 3 widgets (Trigger, send_welcome, select_queue)"
    assert text_lines(diff) == [layout]


def test_one_property_change_is_exactly_that_line(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    widget = next(s for s in changed["states"] if s["type"] == "send-message")
    old_body = widget["properties"]["body"]
    widget["properties"]["body"] = "We are closed today."
    diff = diff_definitions(parking, changed)
    assert text_lines(diff) == [
        f'~ widget "{widget["name"]}" (send-message)',
        "    properties.body:",
        f"        [-{json.dumps(old_body)[1:-1]}-]{{+We are closed today.+}}",
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
    lines = text_lines(diff_definitions(parking, changed))
    assert f'- widget "{removed["name"]}" ({removed["type"]})' in lines
    assert '+ widget "survey" (send-message)' in lines
    shown = "(ends)" if old_next is None else json.dumps(old_next)
    assert f'    transition incomingMessage: {shown} -> "survey"' in lines


def test_create_lists_every_widget(parking: dict) -> None:
    lines = text_lines(diff_definitions(None, parking))
    widgets = [line for line in lines if line.startswith("+ widget")]
    assert len(widgets) == len(parking["states"])


def test_flow_level_field_change(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    changed["flags"]["allow_concurrent_calls"] = False
    assert text_lines(diff_definitions(parking, changed)) == [
        "flags.allow_concurrent_calls: true -> false"
    ]


# -- issue 14 item 4: what a reviewer sees ------------------------------------------------


def _widget(name: str, widget_type: str = "run-function", **properties: object) -> dict:
    return {"name": name, "type": widget_type, "transitions": [],
            "properties": {"offset": {"x": 0, "y": 0}, **properties}}  # fmt: skip


def _flow(*states: dict) -> dict:
    return normalize_definition({"initial_state": states[0]["name"], "states": list(states)})


PARAMETERS = [{"key": k, "value": f"{{{{trigger.{k}}}}}"} for k in "ABCDEF"]


def test_an_item_inserted_at_the_front_of_a_keyed_list_is_one_change() -> None:
    before = _flow(_widget("call", parameters=PARAMETERS))
    after = _flow(_widget("call", parameters=[{"key": "Z", "value": "new"}, *PARAMETERS]))
    (widget,) = diff_definitions(before, after).widgets
    assert [(c.path, c.before, c.after) for c in widget.changes] == [
        ('properties.parameters[key="Z"]', diff_module.ABSENT, {"key": "Z", "value": "new"})
    ]
    assert widget.changes[0].after_at == ("properties", "parameters", 0)


def test_keyed_items_reordered_are_no_change_and_a_value_change_names_its_key() -> None:
    before = _flow(_widget("vars", "set-variables", variables=PARAMETERS))
    reordered = _flow(_widget("vars", "set-variables", variables=PARAMETERS[::-1]))
    assert diff_definitions(before, reordered).empty
    changed = copy.deepcopy(PARAMETERS)
    changed[4]["value"] = "five"
    after = _flow(_widget("vars", "set-variables", variables=changed))
    (widget,) = diff_definitions(before, after).widgets
    assert text_lines(diff_definitions(before, after))[1:] == [
        '    properties.variables[key="E"].value: "{{trigger.E}}" -> "five"'
    ]
    assert widget.changes[0].before_at == widget.changes[0].after_at


def test_split_conditions_and_transitions_are_keyed_by_their_names(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    split = _state(changed, "select_queue")
    sales = split["transitions"][1]
    split["transitions"].insert(1, {"event": "match", "next": "set_support", "conditions": [
        {"friendly_name": "If value contains help", "arguments": ["{{x}}"], "type": "contains",
         "value": "help"}]})  # fmt: skip
    sales["conditions"][0]["value"] = "buy"
    lines = text_lines(diff_definitions(parking, changed))
    assert lines == [
        '~ widget "select_queue" (split-based-on)',
        '    transition match "If value contains help": (absent) -> "set_support"',
        '    transition match "If value contains sales".conditions[friendly_name="If value '
        'contains sales"].value: "sales" -> "buy"',
    ]


def test_lists_without_keys_diff_by_position_of_what_changed() -> None:
    before = _flow(_widget("w", media=["a", "b", "c"]))
    after = _flow(_widget("w", media=["z", "a", "b", "c"]))
    (widget,) = diff_definitions(before, after).widgets
    assert [(c.path, c.after) for c in widget.changes] == [("properties.media[0]", "z")]
    duplicates = [{"key": "A", "value": 1}, {"key": "A", "value": 2}]
    after = _flow(_widget("w", parameters=[*duplicates, {"key": "B", "value": 3}]))
    (widget,) = diff_definitions(_flow(_widget("w", parameters=duplicates)), after).widgets
    assert [c.path for c in widget.changes] == ["properties.parameters[2]"]


def test_added_and_removed_widgets_carry_every_property_and_transition() -> None:
    auth = [{"key": "Authorization", "value": "Bearer abcdef0123456789"}]
    hook = _widget("hook", "make-http-request", method="POST", url="https://x.example/in",
                   parameters=auth)  # fmt: skip
    hook["transitions"] = [{"event": "success", "next": "end"}, {"event": "failed"}]
    base = _widget("start", "trigger")
    diff = diff_definitions(_flow(base), _flow(base, hook))
    assert text_lines(diff) == [
        '+ widget "hook" (make-http-request)',
        '    properties.method = "POST"',
        '    properties.parameters[key="Authorization"].value = (sensitive)',
        '    properties.url = "https://x.example/in"',
        '    transition success -> "end"',
        "    transition failed -> (ends)",
    ]
    removed = diff_definitions(_flow(base, hook), _flow(base))
    assert text_lines(removed)[0] == '- widget "hook" (make-http-request)'
    assert "Bearer" not in repr(removed) and "Bearer" not in json.dumps(removed.to_json())


def test_a_mask_given_by_index_finds_the_keyed_change() -> None:
    before = _flow(_widget("call", parameters=PARAMETERS))
    changed = [{"key": "Z", "value": "${env:TOKEN}"}, *PARAMETERS]
    changed[3] = {"key": "C", "value": "rotated"}
    diff = diff_definitions(before, _flow(_widget("call", parameters=changed)))
    masked = diff.masked({("call", "properties.parameters[3].value")}, set())
    shown = {c.path: (c.before, c.after) for c in masked.widgets[0].changes}
    assert shown['properties.parameters[key="C"].value'] == (
        diff_module.SENSITIVE,
        diff_module.SENSITIVE,
    )
    assert shown['properties.parameters[key="Z"]'][1] == {"key": "Z", "value": "${env:TOKEN}"}


def test_moved_widgets_are_named_and_a_look_up_keeps_its_name() -> None:
    channels = [("TC" + "1" * 32, "sms"), ("TC" + "2" * 32, "chat")]
    before = _flow(_widget("a"), _widget("to_flex", "send-to-flex", channel=channels[0][0]))
    after = copy.deepcopy(before)
    after["states"][0]["properties"]["offset"]["x"] = 50
    after["states"][1]["properties"]["channel"] = Named(*channels[1], channels)
    diff = diff_definitions(before, after)
    assert diff.moved == ("a",)
    assert text_lines(diff) == [
        '~ widget "to_flex" (send-to-flex)',
        f"    properties.channel: sms ({channels[0][0]}) -> chat ({channels[1][0]})",
        "layout changed for 1 widget (a)",
    ]
    (change,) = diff.to_json()["widgets"][0]["changes"]
    assert (change["before_name"], change["after_name"]) == ("sms", "chat")


def test_the_graph_marks_each_widget_and_transition(parking: dict) -> None:
    changed = copy.deepcopy(parking)
    changed["states"] = [s for s in changed["states"] if s["name"] != "set_support"]
    _state(changed, "select_queue")["transitions"][2]["next"] = "set_sales"
    graph = diff_definitions(parking, changed).graph
    status = {n.name: n.status for n in graph.nodes}
    assert status["set_support"] == "removed" and status["select_queue"] == "changed"
    assert status["Trigger"] == "unchanged"
    edges = {(e.source, e.target, e.label): e.status for e in graph.edges}
    assert edges[("select_queue", "set_sales", "If value contains support")] == "added"
    assert edges[("select_queue", "set_support", "If value contains support")] == "removed"
    assert edges[("select_queue", "set_sales", "If value contains sales")] == "unchanged"


KEYS = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=12, unique=True)


@given(keys=KEYS, new_key=st.text(min_size=1, max_size=6), data=st.data())
def test_one_item_inserted_anywhere_in_a_keyed_list_is_one_change(keys, new_key, data) -> None:
    assume(new_key not in keys)
    # A parameter named like a secret ("BEARER", "token") is masked; that is tested elsewhere.
    assume(not any(secret_name(k) or secret_name(k, query=True) for k in [*keys, new_key]))
    items = [{"key": k, "value": f"v{i}"} for i, k in enumerate(keys)]
    at = data.draw(st.integers(0, len(items)))
    inserted = [*items[:at], {"key": new_key, "value": "new"}, *items[at:]]
    before, after = _flow(_widget("w", parameters=items)), _flow(_widget("w", parameters=inserted))
    (widget,) = diff_definitions(before, after).widgets
    assert len(widget.changes) == 1
    assert widget.changes[0].after == {"key": new_key, "value": "new"}
    assert widget.changes[0].after_at == ("properties", "parameters", at)
