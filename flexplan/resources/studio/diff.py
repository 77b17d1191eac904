"""Studio definitions diffed per widget, the way a reviewer reads a flow.

Both sides are normalized first (key order, whitespace and number forms are no
change at all). Widgets are matched by name: added and removed widgets are
listed by name and type; a changed widget lists its changed properties as
``properties.path: old -> new`` and its changed transitions as
``transition event: old -> new``. Moves on the canvas (``offset``) are only
counted: "layout changed for N widgets".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deepdiff import DeepDiff

from flexplan.plantypes import FieldChange, Named, Unknown
from flexplan.sensitive import secret_paths, secrets_in

ABSENT: Any = None


class _Sensitive:
    """A masked value in a definition diff."""

    def __repr__(self) -> str:
        return "(sensitive)"


SENSITIVE: Any = _Sensitive()
_LAYOUT_KEYS = frozenset({"offset"})


@dataclass(frozen=True)
class WidgetChange:
    action: str  # "add" | "remove" | "change"
    widget: str
    widget_type: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class DefinitionDiff:
    widgets: tuple[WidgetChange, ...] = ()
    flow_fields: tuple[FieldChange, ...] = ()
    layout_changed: int = 0
    layout_widgets: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not (self.widgets or self.flow_fields or self.layout_changed)

    def masked(self, widget_paths: set[tuple[str, str]], flow_paths: set[str]) -> DefinitionDiff:
        """This diff with the values at the given (widget, property path)s masked."""
        widgets = tuple(
            WidgetChange(
                w.action, w.widget, w.widget_type,
                _hide(w.fields, {p for n, p in widget_paths if n == w.widget}),
            )
            for w in self.widgets
        )  # fmt: skip
        flow = _hide(self.flow_fields, flow_paths)
        return DefinitionDiff(widgets, flow, self.layout_changed, self.layout_widgets)

    def to_json(self) -> dict[str, Any]:
        def value(v: Any) -> Any:
            return None if v is SENSITIVE or isinstance(v, Unknown) else v

        def fields(items: tuple[FieldChange, ...]) -> list[dict[str, Any]]:
            return [
                {"path": c.path, "before": value(c.before), "after": value(c.after),
                 "sensitive": c.before is SENSITIVE}
                for c in items
            ]  # fmt: skip

        return {
            "type": "studio_definition",
            "flow": fields(self.flow_fields),
            "widgets": [
                {
                    "action": w.action,
                    "name": w.widget,
                    "type": w.widget_type,
                    "changes": fields(w.fields),
                }
                for w in self.widgets
            ],
            "layout_changed": self.layout_changed,
        }

    def lines(self) -> list[str]:
        """Plain lines, for text and markdown renderings."""
        out: list[str] = []
        for change in self.flow_fields:
            if change.before is ABSENT:
                out.append(f"+ {_one_line(change.path)} = {_show(change.after)}")
            elif change.after is ABSENT:
                out.append(f"- {_one_line(change.path)} = {_show(change.before)}")
            else:
                path = _one_line(change.path)
                out.append(f"{path}: {_show(change.before)} -> {_show(change.after)}")
        for widget in self.widgets:
            out.extend(_widget_lines(widget))
        if self.layout_changed:
            plural = "widget" if self.layout_changed == 1 else "widgets"
            out.append(f"layout changed for {self.layout_changed} {plural}")
        return out


def _under(path: str, roots: set[str]) -> bool:
    """``path`` is a root, inside one, or holds one (a list item added whole)."""
    return any(
        path == r or path.startswith((r + ".", r + "[")) or r.startswith((path + ".", path + "["))
        for r in roots
    )


def _hide(changes: Iterable[FieldChange], roots: set[str]) -> tuple[FieldChange, ...]:
    """Mask both sides of every change at or around ``roots``, or holding a secret itself."""

    def secret(change: FieldChange) -> bool:
        key = change.path.rsplit(".", 1)[-1].split("[", 1)[0]
        return _under(change.path, roots) or any(
            v not in (ABSENT, SENSITIVE) and secrets_in(v, key=key)
            for v in (change.before, change.after)
        )

    return tuple(FieldChange(c.path, SENSITIVE, SENSITIVE) if secret(c) else c for c in changes)


def _secret_roots(prefix: str, *values: Any) -> set[str]:
    """Dotted paths (as the diff writes them) of the strings holding secrets in any value."""
    roots: set[str] = set()
    for value in values:
        roots.update(_dotted(prefix, list(path)) for path in secret_paths(value))
    return roots


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(none)"
    if value is SENSITIVE:
        return "(sensitive)"
    if isinstance(value, Unknown):
        return str(value)  # (known after apply)
    if isinstance(value, Named):
        return value.show()  # chat (TC…)
    if value in (NO_TRANSITION, NO_NEXT):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _one_line(text: str) -> str:
    """Names read from a definition never start a line of their own."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _widget_lines(widget: WidgetChange) -> list[str]:
    symbol = {"add": "+", "remove": "-", "change": "~"}[widget.action]
    kind = _one_line(widget.widget_type)
    head = f"{symbol} widget {json.dumps(widget.widget, ensure_ascii=False)} ({kind})"
    body = [
        f"    {_one_line(c.path)} = {_show(c.after)}"
        if c.before is ABSENT and widget.action == "add"
        else f"    {_one_line(c.path)}: {_show(c.before)} -> {_show(c.after)}"
        for c in widget.fields
    ]
    return [head, *body]


def diff_definitions(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> DefinitionDiff:
    """Per-widget difference between two (already normalized) definitions."""
    if before == after:
        return DefinitionDiff()  # the common case, at C speed
    before = before or {}
    old_states = _states_by_name(before.get("states", []))
    new_states = _states_by_name(after.get("states", []))
    widgets: list[WidgetChange] = []
    layout: list[str] = []
    for name, state in new_states.items():
        if name not in old_states:
            unknown = tuple(_unknown_properties(state.get("properties")))
            widgets.append(WidgetChange("add", name, str(state.get("type", "?")), unknown))
            continue
        change, moved = _diff_widget(name, old_states[name], state)
        if change:
            widgets.append(change)
        if moved:
            layout.append(name)
    for name, state in old_states.items():
        if name not in new_states:
            widgets.append(WidgetChange("remove", name, str(state.get("type", "?"))))
    rest = [{k: v for k, v in d.items() if k != "states"} for d in (before, after)]
    flow_fields = _hide(_diff_flow_fields(before, after), _secret_roots("", *rest))
    return DefinitionDiff(tuple(widgets), flow_fields, len(layout), tuple(layout))


def _unknown_properties(value: Any, path: str = "properties") -> Iterable[FieldChange]:
    """The values of an added widget known only after apply (a sub-flow's new SID)."""
    if isinstance(value, Unknown):
        yield FieldChange(path, ABSENT, value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _unknown_properties(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_properties(item, f"{path}[{index}]")


def _states_by_name(states: Iterable[Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s.get("name")): s for s in states if isinstance(s, Mapping)}


def _diff_widget(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[WidgetChange | None, bool]:
    fields: list[FieldChange] = []
    if old.get("type") != new.get("type"):
        fields.append(FieldChange("type", old.get("type"), new.get("type")))
    old_props, old_layout = _split_layout(old.get("properties") or {})
    new_props, new_layout = _split_layout(new.get("properties") or {})
    fields.extend(_nested_changes("properties", old_props, new_props))
    fields.extend(_transition_changes(old.get("transitions") or [], new.get("transitions") or []))
    extra_old = {k: v for k, v in old.items() if k not in _WIDGET_KEYS}
    extra_new = {k: v for k, v in new.items() if k not in _WIDGET_KEYS}
    fields.extend(_nested_changes("", extra_old, extra_new))
    moved = old_layout != new_layout
    if not fields:
        return None, moved
    roots = _secret_roots("", old, new)
    hidden = _hide(fields, roots)
    return WidgetChange("change", name, str(new.get("type", "?")), hidden), moved


_WIDGET_KEYS = frozenset({"name", "type", "properties", "transitions"})


def _split_layout(props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    content = {k: v for k, v in props.items() if k not in _LAYOUT_KEYS}
    layout = {k: v for k, v in props.items() if k in _LAYOUT_KEYS}
    return content, layout


def _transition_key(transitions: Iterable[Any]) -> dict[str, Mapping[str, Any]]:
    """Transitions keyed by event; repeated events (split conditions) by label or ordinal."""
    keyed: dict[str, Mapping[str, Any]] = {}
    seen: dict[str, int] = {}
    for t in transitions:
        if not isinstance(t, Mapping):
            continue
        event = str(t.get("event", "?"))
        seen[event] = seen.get(event, 0) + 1
        label = t.get("friendly_name")
        if label:
            key = f"{event} {label!r}" if event == "match" else event
        else:
            key = event if seen[event] == 1 else f"{event} #{seen[event]}"
        keyed[key] = t
    return keyed


NO_TRANSITION = "(absent)"  # the widget has no transition for this event
NO_NEXT = "(ends)"  # the transition leads nowhere: the flow ends there


def _transition_changes(old: Iterable[Any], new: Iterable[Any]) -> list[FieldChange]:
    old_by, new_by = _transition_key(old), _transition_key(new)
    changes: list[FieldChange] = []
    for key in list(new_by) + [k for k in old_by if k not in new_by]:
        before, after = old_by.get(key), new_by.get(key)
        if before == after:
            continue
        path = f"transition {key}"
        if before is not None and after is not None:
            if before.get("next") != after.get("next"):
                changes.append(FieldChange(path, _next(before), _next(after)))
            rest_old = {k: v for k, v in before.items() if k != "next"}
            rest_new = {k: v for k, v in after.items() if k != "next"}
            changes.extend(_nested_changes(path, rest_old, rest_new))
        else:
            changes.append(
                FieldChange(
                    path,
                    _next(before) if before else NO_TRANSITION,
                    _next(after) if after else NO_TRANSITION,
                )
            )
    return changes


def _next(transition: Mapping[str, Any]) -> Any:
    return transition.get("next") or NO_NEXT


def _diff_flow_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        if key == "states":
            continue
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if old is ABSENT or new is ABSENT:
            if old != new:
                changes.append(FieldChange(key, old, new))
        else:
            changes.extend(_nested_changes(key, old, new))
    return changes


def _nested_changes(prefix: str, old: Any, new: Any) -> list[FieldChange]:
    """Leaf-level changes between two JSON values, as dotted paths (deepdiff underneath)."""
    if old == new:
        return []
    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    changes: list[FieldChange] = []
    for bucket in diff.values():
        for item in bucket:
            path = _dotted(prefix, item.path(output_format="list"))
            before = ABSENT if _missing(item.t1) else item.t1
            after = ABSENT if _missing(item.t2) else item.t2
            if isinstance(after, Named):
                if before == after:
                    continue  # the SID and the name of one look-up (deepdiff sees two types)
                before = after.sibling(before)
            changes.append(FieldChange(path, before, after))
    changes.sort(key=lambda c: c.path)
    return changes


def _missing(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def dotted_path(parts: Iterable[Any]) -> str:
    """A path inside a widget as the diff writes it: ``properties.parameters[0].value``."""
    return _dotted("", list(parts))


def _dotted(prefix: str, parts: list[Any]) -> str:
    text = prefix
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text
