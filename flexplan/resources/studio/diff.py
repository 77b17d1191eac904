"""Studio definitions diffed per widget, the way a reviewer reads a flow.

Both sides are normalized first (key order, whitespace and number forms are no
change at all). Widgets are matched by name. A changed widget carries its
changed properties and transitions; an added or removed widget carries every
property it has (so a reviewer reads the new message, not just a widget
name). Lists of keyed items (``parameters`` and ``variables`` by ``key``, a
split's ``conditions`` by ``friendly_name``, then ``arguments``) are matched
by key, so inserting one item is one change, not one per item that shifted.
Moves on the canvas (``offset``) are collected by widget name. Every diff also
holds the flow's graph (widgets and transitions, each marked added, removed,
changed or unchanged) for a picture of the flow. The result is data
(``flexplan.flowdiff``) that every renderer reads.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from flexplan.flowdiff import (
    ABSENT,
    NO_NEXT,
    NO_TRANSITION,
    SENSITIVE,
    DefinitionDiff,
    FlowGraph,
    GraphEdge,
    GraphNode,
    PropertyChange,
    Status,
    WidgetAction,
    WidgetChange,
    at_any,
    dotted_path,
    under,
)
from flexplan.plantypes import FieldPath, Named
from flexplan.sensitive import secret_paths, secrets_in

__all__ = ["DefinitionDiff", "diff_definitions", "dotted_path", "flow_graph", "transition_label"]

_LAYOUT_KEYS = frozenset({"offset"})
_WIDGET_KEYS = frozenset({"name", "type", "properties", "transitions"})
# What identifies an item of a list of objects, tried in order; the first that is
# present and unique on both sides wins (Studio: parameters/variables by key,
# a split's conditions by friendly_name, or by friendly_name and arguments).
_LIST_KEYS: tuple[tuple[str, ...], ...] = (
    ("key",),
    ("friendly_name",),
    ("name",),
    ("id",),
    ("friendly_name", "arguments"),
    ("friendly_name", "arguments", "type"),
)


# -- the diff ----------------------------------------------------------------------------


def diff_definitions(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> DefinitionDiff:
    """Per-widget difference between two (already normalized) definitions."""
    if before is not None and before == after:
        return DefinitionDiff()  # the common case, at C speed (no graph: nothing to draw)
    old = before or {}
    old_states = _states_by_name(old.get("states", []))
    new_states = _states_by_name(after.get("states", []))
    widgets: list[WidgetChange] = []
    moved: list[str] = []
    for name, state in new_states.items():
        if name not in old_states:
            widgets.append(_whole_widget("add", name, state))
            continue
        change, was_moved = _diff_widget(name, old_states[name], state)
        if change:
            widgets.append(change)
        if was_moved:
            moved.append(name)
    widgets.extend(
        _whole_widget("remove", name, state)
        for name, state in old_states.items()
        if name not in new_states
    )
    flow_fields = _flow_changes(old, after)
    return DefinitionDiff(
        tuple(widgets), flow_fields, tuple(moved), flow_graph(old, after, widgets)
    )


def _states_by_name(states: Iterable[Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s.get("name")): s for s in states if isinstance(s, Mapping)}


def _whole_widget(action: WidgetAction, name: str, state: Mapping[str, Any]) -> WidgetChange:
    """An added (or removed) widget with every property and transition, secrets masked."""
    adding = action == "add"
    content, _layout = _split_layout(_mapping(state.get("properties")))
    found = list(_leaves("properties", content, ("properties",))) if content else []
    extra = _extra(state)
    if extra:
        found += list(_leaves("", extra, ()))
    properties = tuple(
        PropertyChange(path, ABSENT, value, None, at)
        if adding
        else PropertyChange(path, value, ABSENT, at, None)
        for path, value, at in found
    )
    transitions = tuple(
        PropertyChange(path, NO_TRANSITION, _next(t), None, at)
        if adding
        else PropertyChange(path, _next(t), NO_TRANSITION, at, None)
        for path, t, at in _transition_items(state.get("transitions"))
    )
    widget = WidgetChange(action, name, str(state.get("type", "?")), properties, transitions)
    return _hide_secrets(widget, state if not adding else None, state if adding else None)


def _diff_widget(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[WidgetChange | None, bool]:
    if old == new:
        return None, False  # most widgets of a changed flow, at C speed
    props: list[PropertyChange] = []
    if old.get("type") != new.get("type"):
        props.append(PropertyChange("type", old.get("type"), new.get("type"), ("type",), ("type",)))
    old_props, old_layout = _split_layout(_mapping(old.get("properties")))
    new_props, new_layout = _split_layout(_mapping(new.get("properties")))
    props.extend(_changes("properties", old_props, new_props, ("properties",), ("properties",)))
    props.extend(_changes("", _extra(old), _extra(new), (), ()))
    transitions = _transition_changes(old.get("transitions"), new.get("transitions"))
    moved = old_layout != new_layout
    if not props and not transitions:
        return None, moved
    widget = WidgetChange("change", name, str(new.get("type", "?")), tuple(props), transitions)
    return _hide_secrets(widget, old, new), moved


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _extra(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in _WIDGET_KEYS}


def _split_layout(props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    content = {k: v for k, v in props.items() if k not in _LAYOUT_KEYS}
    layout = {k: v for k, v in props.items() if k in _LAYOUT_KEYS}
    return content, layout


def _hide_secrets(
    widget: WidgetChange, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> WidgetChange:
    """Mask every change at or around a string holding a secret on either side (each value
    is part of its widget, so the widgets' secret paths find every one)."""
    old_roots = {dotted_path(p) for p in secret_paths(old)} if old is not None else set()
    new_roots = {dotted_path(p) for p in secret_paths(new)} if new is not None else set()
    if not old_roots and not new_roots:
        return widget

    def secret(change: PropertyChange) -> bool:
        return (
            change.before_at is not None and under(dotted_path(change.before_at), old_roots)
        ) or (change.after_at is not None and under(dotted_path(change.after_at), new_roots))

    def hide(changes: tuple[PropertyChange, ...]) -> tuple[PropertyChange, ...]:
        return tuple(c.masked() if secret(c) else c for c in changes)

    return replace(widget, properties=hide(widget.properties), transitions=hide(widget.transitions))


def _flow_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[PropertyChange, ...]:
    rest_old = {k: v for k, v in old.items() if k != "states"}
    rest_new = {k: v for k, v in new.items() if k != "states"}
    changes = _changes("", rest_old, rest_new, (), ())
    roots = {dotted_path(p) for side in (rest_old, rest_new) for p in secret_paths(side)}
    return tuple(
        c.masked()
        if at_any(c, roots)
        or any(v not in (ABSENT, SENSITIVE) and secrets_in(v) for v in (c.before, c.after))
        else c
        for c in changes
    )


# -- values, lists by key ------------------------------------------------------------------


def _changes(
    path: str, old: Any, new: Any, old_at: FieldPath, new_at: FieldPath
) -> list[PropertyChange]:
    """Leaf-level changes between two JSON values; lists of keyed objects matched by key."""
    if old is new or old == new:  # a look-up's Named equals both its SID and its name
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[PropertyChange] = []
        for key in sorted(set(old) | set(new), key=str):
            step = _join(path, str(key))
            if key not in old:
                out.append(PropertyChange(step, ABSENT, new[key], None, (*new_at, key)))
            elif key not in new:
                out.append(PropertyChange(step, old[key], ABSENT, (*old_at, key), None))
            else:
                out += _changes(step, old[key], new[key], (*old_at, key), (*new_at, key))
        return out
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(path, old, new, old_at, new_at)
    before = new.sibling(old) if isinstance(new, Named) else old
    return [PropertyChange(path, before, new, old_at, new_at)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list_changes(
    path: str, old: list[Any], new: list[Any], old_at: FieldPath, new_at: FieldPath
) -> list[PropertyChange]:
    fields = _list_key(old, new)
    if fields is not None:
        return _keyed_changes(path, fields, old, new, old_at, new_at)
    return _sequence_changes(path, old, new, old_at, new_at)


def _list_key(old: list[Any], new: list[Any]) -> tuple[str, ...] | None:
    """The fields that identify every item of both lists uniquely, if any do."""
    items = [*old, *new]
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for fields in _LIST_KEYS:
        if all(_unique_by(side, fields) for side in (old, new)):
            return fields
    return None


def _unique_by(items: list[Any], fields: tuple[str, ...]) -> bool:
    keys = []
    for item in items:
        if not all(f in item for f in fields):
            return False
        key = _item_key(item, fields)
        if key is None:
            return False
        keys.append(key)
    return len(set(keys)) == len(keys)


def _item_key(item: Mapping[str, Any], fields: tuple[str, ...]) -> str | None:
    values = [item[f] for f in fields]
    if len(fields) == 1 and not isinstance(values[0], str | int):
        return None
    return ", ".join(
        f"{f}={json.dumps(v, ensure_ascii=False, sort_keys=True)}"
        for f, v in zip(fields, values, strict=True)
    )


def _keyed_changes(
    path: str,
    fields: tuple[str, ...],
    old: list[Any],
    new: list[Any],
    old_at: FieldPath,
    new_at: FieldPath,
) -> list[PropertyChange]:
    old_by = {_item_key(item, fields): (i, item) for i, item in enumerate(old)}
    new_by = {_item_key(item, fields): (i, item) for i, item in enumerate(new)}
    out: list[PropertyChange] = []
    for key in [*new_by, *(k for k in old_by if k not in new_by)]:
        step = f"{path}[{key}]"
        if key not in old_by:
            index, item = new_by[key]
            out.append(PropertyChange(step, ABSENT, item, None, (*new_at, index)))
        elif key not in new_by:
            index, item = old_by[key]
            out.append(PropertyChange(step, item, ABSENT, (*old_at, index), None))
        else:
            (i, a), (j, b) = old_by[key], new_by[key]
            rest_a = {k: v for k, v in a.items() if k not in fields}
            rest_b = {k: v for k, v in b.items() if k not in fields}
            out += _changes(step, rest_a, rest_b, (*old_at, i), (*new_at, j))
    return out


def _sequence_changes(
    path: str, old: list[Any], new: list[Any], old_at: FieldPath, new_at: FieldPath
) -> list[PropertyChange]:
    """Lists without keys: items inserted or deleted as such, replaced ones compared."""
    a = [_canonical(v) for v in old]
    b = [_canonical(v) for v in new]
    out: list[PropertyChange] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                out += _changes(f"{path}[{j}]", old[i], new[j], (*old_at, i), (*new_at, j))
            continue
        out += [
            PropertyChange(f"{path}[{i}]", old[i], ABSENT, (*old_at, i), None)
            for i in range(i1, i2)
        ]
        out += [
            PropertyChange(f"{path}[{j}]", ABSENT, new[j], None, (*new_at, j))
            for j in range(j1, j2)
        ]
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _leaves(path: str, value: Any, at: FieldPath) -> Iterator[tuple[str, Any, FieldPath]]:
    """Every leaf of a value, lists of keyed objects by key (their key fields in the path)."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            yield from _leaves(_join(path, str(key)), value[key], (*at, key))
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        fields = _list_key(value, [])
        for index, item in enumerate(value):
            if fields is None:
                yield from _leaves(f"{path}[{index}]", item, (*at, index))
                continue
            rest = {k: v for k, v in item.items() if k not in fields}
            step = f"{path}[{_item_key(item, fields)}]"
            if rest:
                yield from _leaves(step, rest, (*at, index))
            else:
                yield step, item, (*at, index)
    else:
        yield path, value, at


# -- transitions -------------------------------------------------------------------------


def _transition_items(transitions: Any) -> Iterator[tuple[str, Mapping[str, Any], FieldPath]]:
    """Each transition with the path a reviewer reads: ``transition sent``, a split's
    ``transition match "If value contains sales"`` (by its condition's name)."""
    seen: dict[str, int] = {}
    for index, t in enumerate(transitions if isinstance(transitions, list) else []):
        if not isinstance(t, Mapping):
            continue
        label = transition_label(t)
        event = str(t.get("event", "?"))
        base = event if label == event else f"{event} {json.dumps(label, ensure_ascii=False)}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base} #{seen[base]}"
        yield f"transition {key}", t, ("transitions", index)


def transition_label(transition: Mapping[str, Any]) -> str:
    """A transition's event, or for a split's match the names of its conditions."""
    event = str(transition.get("event", "?"))
    if event != "match":
        return event
    names = [transition.get("friendly_name")]
    conditions = transition.get("conditions")
    if not names[0] and isinstance(conditions, list):
        names = [c.get("friendly_name") for c in conditions if isinstance(c, Mapping)]
    shown = " and ".join(str(n) for n in names if n)
    return shown or event


def _transition_changes(old: Any, new: Any) -> tuple[PropertyChange, ...]:
    if old == new:
        return ()
    old_by = {path: (t, at) for path, t, at in _transition_items(old)}
    new_by = {path: (t, at) for path, t, at in _transition_items(new)}
    changes: list[PropertyChange] = []
    for path in [*new_by, *(k for k in old_by if k not in new_by)]:
        before, before_at = old_by.get(path, (None, None))
        after, after_at = new_by.get(path, (None, None))
        if before == after:
            continue
        if before is None or after is None:
            changes.append(
                PropertyChange(
                    path,
                    _next(before) if before is not None else NO_TRANSITION,
                    _next(after) if after is not None else NO_TRANSITION,
                    before_at,
                    after_at,
                )
            )
            continue
        assert before_at is not None and after_at is not None
        if before.get("next") != after.get("next"):
            changes.append(PropertyChange(path, _next(before), _next(after), before_at, after_at))
        rest_old = {k: v for k, v in before.items() if k != "next"}
        rest_new = {k: v for k, v in after.items() if k != "next"}
        changes += _changes(path, rest_old, rest_new, before_at, after_at)
    return tuple(changes)


def _next(transition: Mapping[str, Any]) -> Any:
    return transition.get("next") or NO_NEXT


# -- the graph ---------------------------------------------------------------------------

_STATUS: dict[WidgetAction, Status] = {"add": "added", "remove": "removed", "change": "changed"}


def flow_graph(
    old: Mapping[str, Any], new: Mapping[str, Any], widgets: Sequence[WidgetChange]
) -> FlowGraph:
    """Both sides' widgets and transitions, merged; each marked by what the plan does."""
    status: dict[str, Status] = {w.name: _STATUS[w.action] for w in widgets}
    old_states = _states_by_name(old.get("states", []))
    new_states = _states_by_name(new.get("states", []))
    nodes = [
        GraphNode(name, str(state.get("type", "?")), status.get(name, "unchanged"))
        for name, state in [*new_states.items(), *((n, s) for n, s in old_states.items()
                                                    if n not in new_states)]
    ]  # fmt: skip
    old_edges = list(_edges(old_states))
    new_edges = list(_edges(new_states))
    old_set, new_set = set(old_edges), set(new_edges)
    edges = [GraphEdge(*e, "unchanged" if e in old_set else "added") for e in new_edges]
    edges += [GraphEdge(*e, "removed") for e in old_edges if e not in new_set]
    initial = new.get("initial_state") or old.get("initial_state")
    return FlowGraph(tuple(nodes), tuple(edges), str(initial) if initial else None)


def _edges(states: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str, str]]:
    seen: set[tuple[str, str, str]] = set()
    for name, state in states.items():
        transitions = state.get("transitions")
        for t in transitions if isinstance(transitions, list) else []:
            target = t.get("next") if isinstance(t, Mapping) else None
            if not isinstance(target, str) or not target:
                continue
            edge = (name, target, transition_label(t))
            if edge not in seen:
                seen.add(edge)
                yield edge
