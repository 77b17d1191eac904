"""Studio flow definitions: structural checks, placeholders and a normal form.

A definition is the JSON the Studio canvas exports: ``initial_state``,
``states`` (widgets with ``name``, ``type``, ``transitions``, ``properties``)
and optional ``flags`` / ``description``. Validation checks what Studio would
reject or what silently breaks a flow (a widget type missing from Studio's
library as flexplan knows it is only a warning: Studio's Validate decides);
``normalize_definition`` gives the form the plan compares, so that key order,
whitespace and ``1.0`` vs ``1`` never show as changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from flexplan.plantypes import FieldPath, Problem, map_strings
from flexplan.sensitive import masked_text
from flexplan.studio_widgets import REQUIRED_PROPERTIES, WIDGET_TYPES
from flexplan.suggest import close_matches

KNOWN_WIDGET_TYPES: frozenset[str] = WIDGET_TYPES  # Studio's widget library (shared)

# "did you mean" compares with every state name: only the first problems get one, so
# that a hostile definition with thousands of dangling targets stays linear
HINTED_PROBLEMS = 20

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _problem(message: str, path: FieldPath, hint: str | None = None) -> Problem:
    return Problem(message, path, hint)


def quoted(name: object, quote: str = "'") -> str:
    """A widget's name, type or target as a message quotes it: a definition is written by
    whoever opens the pull request, so what looks secret in it is shown as ``(sensitive)``
    (control characters are escaped where messages are printed)."""
    return f"{quote}{masked_text(str(name))}{quote}"


def check_definition(defn: Any) -> list[Problem]:
    """Structural problems of a definition; paths are relative to the definition."""
    if not isinstance(defn, Mapping):
        return [_problem("a Studio definition must be a JSON object", ())]
    problems: list[Problem] = []
    states = defn.get("states")
    if not isinstance(states, list) or not states:
        return [_problem("a Studio definition needs a non-empty 'states' list", ("states",))]
    names = _check_states(states, problems)
    initial = defn.get("initial_state")
    if not isinstance(initial, str):
        problems.append(_problem("'initial_state' must name a state", ("initial_state",)))
    elif initial not in names:
        problems.append(_missing_state("initial_state", initial, names, ("initial_state",)))
    for path, target in _transition_targets(states):
        if target not in names:
            hinted = len(problems) < HINTED_PROBLEMS
            problems.append(_missing_state("transition target", target, names, path, hinted))
    return problems


def _check_states(states: list[Any], problems: list[Problem]) -> dict[str, int]:
    names: dict[str, int] = {}
    for i, state in enumerate(states):
        path: FieldPath = ("states", i)
        if not isinstance(state, Mapping):
            problems.append(_problem("a state must be a JSON object", path))
            continue
        name = state.get("name")
        if not isinstance(name, str) or not name:
            problems.append(_problem("a state needs a 'name'", path))
        elif name in names:
            first = names[name]
            problems.append(
                _problem(
                    f"duplicate state name {quoted(name)} (also states[{first}])",
                    (*path, "name"),
                    "state names must be unique within a flow: rename one",
                )
            )
        else:
            names[name] = i
        hinted = len(problems) < HINTED_PROBLEMS
        problems.extend(_check_widget_type(state.get("type"), (*path, "type"), hinted))
        if state.get("type") == SEND_TO_FLEX:
            problems.extend(_send_to_flex_problems(state, path))
        transitions = state.get("transitions", [])
        if not isinstance(transitions, list):
            problems.append(_problem("'transitions' must be a list", (*path, "transitions")))
    return names


def _check_widget_type(kind: Any, path: FieldPath, hinted: bool = True) -> list[Problem]:
    if not isinstance(kind, str):
        return [_problem("a state needs a widget 'type'", path)]
    if kind in KNOWN_WIDGET_TYPES:
        return []
    close = close_matches(kind, sorted(KNOWN_WIDGET_TYPES)) if hinted else []
    hint = (
        f"did you mean {quoted(close[0])}? " if close else ""
    ) + "Studio adds widgets over time: `flexplan plan` asks Studio's Validate, which decides"
    return [Problem(f"unknown Studio widget type {quoted(kind)}", path, hint, severity="warning")]


SEND_TO_FLEX = "send-to-flex"


def _send_to_flex_problems(state: Mapping[str, Any], path: FieldPath) -> list[Problem]:
    """Studio creates no task (and no interaction) without a workflow and a task channel."""
    properties = state.get("properties")
    given = properties if isinstance(properties, Mapping) else {}
    return [
        _problem(
            f"Send to Flex widget {quoted(state.get('name'))} has no {name}",
            (*path, "properties") if isinstance(properties, Mapping) else path,
            f"set properties.{name} (a ${{VAR}} with a look-up such as "
            + ("{workflow: Assign to Anyone}" if name == "workflow" else "{task_channel: chat}")
            + " in the flow's vars): without it Studio refuses the flow",
        )
        for name in REQUIRED_PROPERTIES[SEND_TO_FLEX]
        if given.get(name) in (None, "")
    ]


def trigger_events(defn: Any) -> frozenset[str]:
    """The trigger events of a definition that lead to a widget (``incomingMessage``…)."""
    states = defn.get("states") if isinstance(defn, Mapping) else None
    found: set[str] = set()
    for state in states if isinstance(states, list) else []:
        if not isinstance(state, Mapping) or state.get("type") != "trigger":
            continue
        for transition in state.get("transitions") or []:
            if isinstance(transition, Mapping) and transition.get("next"):
                found.add(str(transition.get("event")))
    return frozenset(found)


def _transition_targets(states: list[Any]) -> Iterator[tuple[FieldPath, str]]:
    for i, state in enumerate(states):
        transitions = state.get("transitions") if isinstance(state, Mapping) else None
        if not isinstance(transitions, list):
            continue
        for j, transition in enumerate(transitions):
            target = transition.get("next") if isinstance(transition, Mapping) else None
            if isinstance(target, str) and target:
                yield ("states", i, "transitions", j, "next"), target


def _missing_state(
    what: str, target: str, names: Mapping[str, int], path: FieldPath, hinted: bool = True
) -> Problem:
    close = close_matches(target, names) if hinted else []
    hint = f"did you mean {quoted(close[0])}?" if close else "name one of the flow's states"
    return _problem(f"{what} {quoted(target)} is not a state of this flow", path, hint)


# -- placeholders ------------------------------------------------------------------------


def placeholders(defn: Any) -> set[str]:
    """Names of the ``${NAME}`` placeholders left in a definition."""
    found: set[str] = set()

    def collect(text: str, _path: FieldPath) -> str:
        found.update(PLACEHOLDER.findall(text))
        return text

    map_strings(defn, collect)
    return found


def placeholder_paths(defn: Any) -> list[tuple[FieldPath, str]]:
    """Every ``${NAME}`` left in a definition, with the path of its string."""
    found: list[tuple[FieldPath, str]] = []

    def collect(text: str, path: FieldPath) -> str:
        found.extend((path, name) for name in PLACEHOLDER.findall(text))
        return text

    map_strings(defn, collect)
    return found


def fill_placeholders(defn: Any, values: Mapping[str, Any]) -> Any:
    """Replace ``${NAME}`` with ``values[NAME]`` wherever NAME is known (the plan's step).

    A value that is not text (a SID known only after apply) replaces a string that
    is exactly ``${NAME}``, whole.
    """

    if not values:
        return defn  # nothing to fill: a large definition is not walked for nothing (plan CPU)

    def fill(text: str, _path: FieldPath) -> Any:
        if "${" not in text:
            return text
        whole = PLACEHOLDER.fullmatch(text)
        if whole is not None and whole.group(1) in values:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)

    return map_strings(defn, fill)


# -- normal form -----------------------------------------------------------------------


def normalize_definition(defn: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical form: keys sorted, ``1.0`` → ``1``; strings and list order untouched."""
    result = _normalize(defn)
    assert isinstance(result, dict)
    return result


def _normalize(value: Any) -> Any:
    # exact-type checks first: JSON is dicts, lists and scalars, and the abstract
    # ``Mapping`` check is slow enough to matter for hundreds of large flows
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        return {str(k): _normalize(value[k]) for k in sorted(value, key=str)}
    if kind is list or isinstance(value, tuple | list):
        return [_normalize(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
