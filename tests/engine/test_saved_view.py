"""A Studio definition diff survives a saved plan whole (``flexplan show``, issue 14).

``definition_to_saved`` / ``definition_from_saved`` (flexplan/flowdiff.py)
keep every value with its marker (absent, masked, known after apply, a
look-up's name), the split of properties and transitions, the moves and the
graph; the text and markdown renderings of the restored diff are the
original's. Anything but what ``definition_to_saved`` writes is refused.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexplan.flowdiff import (
    ABSENT,
    SENSITIVE,
    DefinitionDiff,
    FlowGraph,
    GraphEdge,
    GraphNode,
    PropertyChange,
    SavedFormError,
    WidgetChange,
    definition_from_saved,
    definition_to_saved,
)
from flexplan.plantypes import Named, Unknown
from flexplan.render.mermaid import flow_picture
from flexplan.render.studio import markdown_lines, text_lines
from flexplan.resources.studio.definition import normalize_definition
from flexplan.resources.studio.diff import diff_definitions

TEMPLATE = (
    Path(__file__).resolve().parents[2]
    / "examples/contact-center/studio/template_example_messaging_with_parking_flow.json"
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
VALUES = st.one_of(
    st.just(ABSENT),
    st.just(SENSITIVE),
    st.builds(Unknown, st.text(max_size=20)),
    st.builds(Named, st.text(min_size=1, max_size=34), st.text(max_size=10)),
    JSON,
)
PATHS = st.lists(st.one_of(st.text(min_size=1, max_size=8), st.integers(0, 9)), max_size=4)
CHANGES = st.builds(
    PropertyChange,
    path=st.text(min_size=1, max_size=40),
    before=VALUES,
    after=VALUES,
    before_at=st.none() | PATHS.map(tuple),
    after_at=st.none() | PATHS.map(tuple),
)
WIDGETS = st.builds(
    WidgetChange,
    action=st.sampled_from(["add", "remove", "change"]),
    name=st.text(min_size=1, max_size=20),
    widget_type=st.text(min_size=1, max_size=20),
    properties=st.lists(CHANGES, max_size=3).map(tuple),
    transitions=st.lists(CHANGES, max_size=2).map(tuple),
)
STATUS = st.sampled_from(["added", "removed", "changed", "unchanged"])
GRAPHS = st.builds(
    FlowGraph,
    nodes=st.lists(st.builds(GraphNode, st.text(max_size=10), st.text(max_size=10), STATUS),
                   max_size=4).map(tuple),
    edges=st.lists(st.builds(GraphEdge, st.text(max_size=5), st.text(max_size=5),
                             st.text(max_size=8), STATUS), max_size=4).map(tuple),
    initial=st.none() | st.text(max_size=10),
)  # fmt: skip
DIFFS = st.builds(
    DefinitionDiff,
    widgets=st.lists(WIDGETS, max_size=3).map(tuple),
    flow_fields=st.lists(CHANGES, max_size=2).map(tuple),
    moved=st.lists(st.text(max_size=10), max_size=3).map(tuple),
    graph=GRAPHS,
)


def _through_a_file(diff: DefinitionDiff) -> DefinitionDiff:
    return definition_from_saved(json.loads(json.dumps(definition_to_saved(diff))))


def _typed(value: Any) -> Any:
    """A value with what equality ignores: its type, a look-up's name, a marker's identity."""
    if value is ABSENT or value is SENSITIVE:
        return ("marker", id(value))
    if isinstance(value, Named):
        return ("named", str.__str__(value), value.name)
    if isinstance(value, Unknown):
        return ("unknown", value.source)
    return (type(value).__name__, json.dumps(value, sort_keys=True))


def _values(diff: DefinitionDiff) -> list[Any]:
    changes = [*diff.flow_fields, *(c for w in diff.widgets for c in w.changes)]
    return [(_typed(c.before), _typed(c.after), c.before_at, c.after_at) for c in changes]


@given(DIFFS)
def test_every_diff_round_trips_with_its_markers_and_names(diff: DefinitionDiff) -> None:
    restored = _through_a_file(diff)
    assert restored == diff
    assert _values(restored) == _values(diff)
    assert [(w.properties, w.transitions) for w in restored.widgets] == [
        (w.properties, w.transitions) for w in diff.widgets
    ]


def test_a_real_diff_renders_the_same_after_the_round_trip() -> None:
    before = normalize_definition(json.loads(TEMPLATE.read_text()))
    after = copy.deepcopy(before)
    after["states"][1]["properties"]["offset"] = {"x": 999, "y": 999}
    after["states"].append({"name": "added_one", "type": "send-message", "transitions": [],
                            "properties": {"body": "Hello " * 30, "offset": {"x": 1, "y": 1}}})
    after["states"].pop(2)  # fmt: skip
    diff = diff_definitions(before, after)
    assert diff.widgets and diff.moved
    restored = _through_a_file(diff)
    assert text_lines(restored) == text_lines(diff)
    assert markdown_lines("definition", restored) == markdown_lines("definition", diff)
    assert flow_picture(restored.graph) == flow_picture(diff.graph)


BROKEN: list[Any] = [
    None,
    [],
    {"type": "studio_definition"},
    {**definition_to_saved(DefinitionDiff()), "widgets": 7},
    {**definition_to_saved(DefinitionDiff()), "moved": [1]},
    {**definition_to_saved(DefinitionDiff()), "graph": {"initial": None, "nodes": [{}]}},
    {**definition_to_saved(DefinitionDiff(widgets=(WidgetChange("explode", "w", "t"),)))},
    {**definition_to_saved(DefinitionDiff(flow_fields=(PropertyChange("p"),))),
     "flow": [{"path": "p", "before": {"what": 1}, "after": {"absent": True},
               "before_at": None, "after_at": None}]},
]  # fmt: skip


@pytest.mark.parametrize("data", BROKEN)
def test_anything_else_is_refused_as_a_saved_form_error(data: Any) -> None:
    with pytest.raises(SavedFormError):
        definition_from_saved(data)
