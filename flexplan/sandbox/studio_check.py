"""Studio flow definition checks, done the way Studio reports them.

Studio refuses a definition that breaks its schema or its graph rules with
error 81022 "Flow definition validation failed" and a list of failures in
``details`` (https://www.twilio.com/docs/api/errors/81022: "Widget names are
not unique", "Transition references a widget that doesn't exist",
"Definition contains properties that do not match the schema"). The schema is
Twilio's published flow-definition schema
(https://www.twilio.com/docs/studio/rest-api/v2/schemas); this module checks
its structural core, independently of flexplan's own manifest checks, and the
properties Studio's widget library documents as required for the common
widgets (``flexplan.studio_widgets``, each with its source): a run-subflow
without ``flow_sid`` is refused here as on Twilio.
"""

from __future__ import annotations

import json
from typing import Any

from flexplan.sandbox.errors import ApiError
from flexplan.studio_widgets import KEYED_ITEMS, REQUIRED_PROPERTIES, WIDGET_TYPES


def _problem(message: str, path: str) -> dict[str, str]:
    return {"message": message, "property_path": path}


def _state_problems(states: list[Any]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    names: set[str] = set()
    for index, state in enumerate(states):
        where = f"#/states/{index}"
        if not isinstance(state, dict) or not isinstance(state.get("name"), str):
            problems.append(_problem("Widget must be an object with a name", where))
            continue
        if state["name"] in names:
            problems.append(
                _problem(f"Widget name '{state['name']}' is not unique", where + "/name")
            )
        names.add(state["name"])
        if state.get("type") not in WIDGET_TYPES:
            problems.append(_problem(f"Unknown widget type '{state.get('type')}'", where + "/type"))
        if not isinstance(state.get("transitions", []), list):
            problems.append(_problem("transitions must be an array", where + "/transitions"))
        properties = state.get("properties", {})
        if not isinstance(properties, dict):
            problems.append(_problem("properties must be an object", where + "/properties"))
        else:
            problems.extend(_property_problems(str(state.get("type")), properties, where))
    return problems


def _missing(value: Any) -> bool:
    return value is None or value == ""


def _property_problems(kind: str, properties: dict[str, Any], where: str) -> list[dict[str, str]]:
    """The widget's required properties (absent, null or empty is missing)."""
    problems = [
        _problem(
            f"Property '{name}' is required by a {kind} widget (null found, string expected)",
            f"{where}/properties/{name}",
        )
        for name in REQUIRED_PROPERTIES.get(kind, ())
        if _missing(properties.get(name))
    ]
    items_key = KEYED_ITEMS.get(kind)
    items = properties.get(items_key) if items_key else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or _missing(item.get("key")):
            problems.append(
                _problem(
                    f"Each of {items_key} needs a key",
                    f"{where}/properties/{items_key}/{index}/key",
                )
            )
    return problems


def _transition_problems(states: list[Any]) -> list[dict[str, str]]:
    names = {s.get("name") for s in states if isinstance(s, dict)}
    problems: list[dict[str, str]] = []
    for index, state in enumerate(states):
        transitions = state.get("transitions", []) if isinstance(state, dict) else []
        for t_index, transition in enumerate(transitions if isinstance(transitions, list) else []):
            target = transition.get("next") if isinstance(transition, dict) else None
            if target and target not in names:
                problems.append(
                    _problem(
                        f"Transition to '{target}' references a widget that doesn't exist",
                        f"#/states/{index}/transitions/{t_index}/next",
                    )
                )
    return problems


def definition_problems(definition: Any) -> list[dict[str, str]]:
    """Every problem Studio would report for ``definition`` (empty when valid)."""
    if not isinstance(definition, dict):
        return [_problem("Definition must be a JSON object", "#")]
    states = definition.get("states")
    if not isinstance(states, list) or not states:
        return [_problem("states must be a non-empty array", "#/states")]
    problems = _state_problems(states) + _transition_problems(states)
    initial = definition.get("initial_state")
    if not isinstance(initial, str) or initial not in {
        s.get("name") for s in states if isinstance(s, dict)
    }:
        problems.append(
            _problem(f"initial_state '{initial}' is not a widget of this flow", "#/initial_state")
        )
    if not any(isinstance(s, dict) and s.get("type") == "trigger" for s in states):
        problems.append(_problem("A flow needs a trigger widget", "#/states"))
    return problems


def parse_definition(raw: Any) -> dict[str, Any]:
    """The definition as an object, or Studio's 400 (code 81022) with the problems."""
    definition = raw
    if isinstance(raw, str):
        try:
            definition = json.loads(raw)
        except ValueError as exc:
            definition = None
            problems = [_problem(f"Definition is not valid JSON: {exc}", "#")]
            raise invalid_definition(problems) from None
    problems = definition_problems(definition)
    if problems:
        raise invalid_definition(problems)
    assert isinstance(definition, dict)
    return definition


def invalid_definition(problems: list[dict[str, str]]) -> ApiError:
    return ApiError(400, 81022, "Flow definition validation failed", details={"errors": problems})
