"""A Studio flow's diff as data: what a reviewer reads, for any renderer to lay out.

The Studio kind (``flexplan.resources.studio.diff``) makes these objects; the
renderers (text, markdown, JSON, the Mermaid picture) read them without
knowing how they were made. A ``DefinitionDiff`` holds the widgets added,
removed or changed (each with its property and transition changes, list items
named by key), the flow's own changed fields, the widgets moved on the canvas,
and the flow's graph (both sides' widgets and transitions, each with its
status) for a picture. Values are as the plan shows them: ``ABSENT`` on the
side a value is not, ``SENSITIVE`` where a secret was masked, ``Named`` for a
look-up's SID, ``Unknown`` for one known only after apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from flexplan.plantypes import FieldPath, Named, Unknown

WidgetAction = Literal["add", "remove", "change"]
Status = Literal["added", "removed", "changed", "unchanged"]


class _Marker:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __reduce__(self) -> str:
        return {"(none)": "ABSENT", "(sensitive)": "SENSITIVE"}.get(self.text, "ABSENT")


ABSENT: Any = _Marker("(none)")  # the value is not there on this side
SENSITIVE: Any = _Marker("(sensitive)")  # a masked value
NO_TRANSITION = "(absent)"  # the widget has no transition for this event
NO_NEXT = "(ends)"  # the transition leads nowhere: the flow ends there


@dataclass(frozen=True)
class PropertyChange:
    """One changed value inside a widget (or the flow), at a path a reviewer reads.

    ``path`` names list items by key (``properties.parameters[key="To"].value``);
    ``before_at``/``after_at`` are where the value stands on each side by index,
    so that masks given by index (``${env:…}`` in the manifest) find it.
    """

    path: str
    before: Any = ABSENT
    after: Any = ABSENT
    before_at: FieldPath | None = None
    after_at: FieldPath | None = None

    @property
    def sensitive(self) -> bool:
        return self.before is SENSITIVE or self.after is SENSITIVE

    def masked(self) -> PropertyChange:
        return replace(
            self,
            before=ABSENT if self.before is ABSENT else SENSITIVE,
            after=ABSENT if self.after is ABSENT else SENSITIVE,
        )


@dataclass(frozen=True)
class WidgetChange:
    """A widget added, removed or changed. Added and removed widgets list every property
    (``before`` or ``after`` ABSENT) and every transition."""

    action: WidgetAction
    name: str
    widget_type: str
    properties: tuple[PropertyChange, ...] = ()
    transitions: tuple[PropertyChange, ...] = ()

    @property
    def changes(self) -> tuple[PropertyChange, ...]:
        return self.properties + self.transitions


@dataclass(frozen=True)
class GraphNode:
    name: str
    widget_type: str
    status: Status


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    label: str
    status: Status


@dataclass(frozen=True)
class FlowGraph:
    """The flow's widgets and transitions, both sides merged, each with its status."""

    nodes: tuple[GraphNode, ...] = ()
    edges: tuple[GraphEdge, ...] = ()
    initial: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "initial": self.initial,
            "nodes": [
                {"name": n.name, "type": n.widget_type, "status": n.status} for n in self.nodes
            ],
            "edges": [
                {"from": e.source, "to": e.target, "label": e.label, "status": e.status}
                for e in self.edges
            ],
        }


@dataclass(frozen=True)
class DefinitionDiff:
    widgets: tuple[WidgetChange, ...] = ()
    flow_fields: tuple[PropertyChange, ...] = ()
    moved: tuple[str, ...] = ()  # widgets whose place on the canvas changed
    graph: FlowGraph = field(default_factory=FlowGraph)

    @property
    def empty(self) -> bool:
        return not (self.widgets or self.flow_fields or self.moved)

    @property
    def layout_changed(self) -> int:
        return len(self.moved)

    def masked(self, widget_paths: set[tuple[str, str]], flow_paths: set[str]) -> DefinitionDiff:
        """This diff with the values at the given (widget, index path)s masked, on both sides."""
        widgets = tuple(
            _mask_widget(w, {p for n, p in widget_paths if n == w.name}) for w in self.widgets
        )
        flow = tuple(c.masked() if at_any(c, flow_paths) else c for c in self.flow_fields)
        return replace(self, widgets=widgets, flow_fields=flow)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "studio_definition",
            "flow": [_change_json(c) for c in self.flow_fields],
            "widgets": [
                {
                    "action": w.action,
                    "name": w.name,
                    "type": w.widget_type,
                    "changes": [_change_json(c) for c in w.changes],
                }
                for w in self.widgets
            ],
            "layout_changed": self.layout_changed,
            "layout_widgets": list(self.moved),
            "graph": self.graph.to_json(),
        }


def _mask_widget(widget: WidgetChange, roots: set[str]) -> WidgetChange:
    if not roots:
        return widget
    props = tuple(c.masked() if at_any(c, roots) else c for c in widget.properties)
    return replace(widget, properties=props)


def at_any(change: PropertyChange, roots: set[str]) -> bool:
    """The change stands at, inside or around one of ``roots`` (dotted index paths)."""
    return any(
        at is not None and under(dotted_path(at), roots)
        for at in (change.before_at, change.after_at)
    )


def under(path: str, roots: set[str]) -> bool:
    """``path`` is a root, inside one, or holds one (a list item added whole)."""
    return any(
        path == r or path.startswith((r + ".", r + "[")) or r.startswith((path + ".", path + "["))
        for r in roots
    )


def _change_json(change: PropertyChange) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": change.path,
        "before": _json_value(change.before),
        "after": _json_value(change.after),
        "sensitive": change.sensitive,
    }
    for side, value in (("before_name", change.before), ("after_name", change.after)):
        if isinstance(value, Named) and value.name:
            out[side] = value.name
    return out


def _json_value(value: Any) -> Any:
    if value is ABSENT or value is SENSITIVE or isinstance(value, Unknown):
        return None
    return value


# -- paths -------------------------------------------------------------------------------


def dotted_path(parts: Iterable[Any]) -> str:
    """A path by index as masks write it: ``properties.parameters[0].value``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


# -- the saved form: a saved plan keeps the whole diff, to show it again ----------------
# ``to_json`` is what the JSON plan prints (a value's absence, mask and look-up name are
# folded into ``null`` and flags); a saved plan keeps every value with its marker, so that
# ``flexplan show`` lays out exactly what ``plan`` did. Masked values stay masked: the
# saved form holds ``SENSITIVE``, never the value. A look-up keeps its SID and name (not
# the other candidates, which only planning uses).

SAVED_TYPE = "studio_definition"


class SavedFormError(ValueError):
    """A saved diff that is not in the shape ``to_saved`` writes."""


def saved_value(value: Any) -> dict[str, Any]:
    """One value, its marker kept: ``{"value": …}``, ``{"absent": true}``, ``{"sensitive":
    true}``, ``{"unknown": source}`` or ``{"named": SID, "name": name}``."""
    if value is ABSENT:
        return {"absent": True}
    if value is SENSITIVE:
        return {"sensitive": True}
    if isinstance(value, Unknown):
        return {"unknown": value.source}
    if isinstance(value, Named):
        return {"named": str.__str__(value), "name": value.name}
    return {"value": value}


def restored_value(data: Any) -> Any:
    """The value ``saved_value`` wrote."""
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise SavedFormError(f"not a saved value: {data!r:.80}")
    if data.get("absent") is True:
        return ABSENT
    if data.get("sensitive") is True:
        return SENSITIVE
    if "unknown" in data:
        return Unknown(saved_text(data["unknown"]))
    if "named" in data:
        return Named(saved_text(data["named"]), saved_text(data.get("name")))
    if "value" in data:
        return data["value"]
    raise SavedFormError(f"not a saved value: {data!r:.80}")


def definition_to_saved(diff: DefinitionDiff) -> dict[str, Any]:
    return {
        "type": SAVED_TYPE,
        "flow": [_saved_change(c) for c in diff.flow_fields],
        "widgets": [
            {
                "action": w.action,
                "name": w.name,
                "type": w.widget_type,
                "properties": [_saved_change(c) for c in w.properties],
                "transitions": [_saved_change(c) for c in w.transitions],
            }
            for w in diff.widgets
        ],
        "moved": list(diff.moved),
        "graph": diff.graph.to_json(),
    }


def definition_from_saved(data: Any) -> DefinitionDiff:
    """The diff ``definition_to_saved`` wrote; ``SavedFormError`` for anything else."""
    try:
        return DefinitionDiff(
            widgets=tuple(_restored_widget(w) for w in saved_list(data["widgets"])),
            flow_fields=tuple(_restored_change(c) for c in saved_list(data["flow"])),
            moved=tuple(saved_text(n) for n in saved_list(data["moved"])),
            graph=_restored_graph(data["graph"]),
        )
    except (KeyError, TypeError) as exc:
        raise SavedFormError(f"not a saved Studio diff ({type(exc).__name__}: {exc})") from None


def _saved_change(change: PropertyChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "before": saved_value(change.before),
        "after": saved_value(change.after),
        "before_at": None if change.before_at is None else list(change.before_at),
        "after_at": None if change.after_at is None else list(change.after_at),
    }


_ACTIONS: tuple[WidgetAction, ...] = ("add", "remove", "change")
_STATUSES: tuple[Status, ...] = ("added", "removed", "changed", "unchanged")


def _restored_widget(data: Any) -> WidgetChange:
    action = next((a for a in _ACTIONS if a == data["action"]), None)
    if action is None:
        raise SavedFormError(f"not a widget action: {data['action']!r:.40}")
    return WidgetChange(
        action=action,
        name=saved_text(data["name"]),
        widget_type=saved_text(data["type"]),
        properties=tuple(_restored_change(c) for c in saved_list(data["properties"])),
        transitions=tuple(_restored_change(c) for c in saved_list(data["transitions"])),
    )


def _restored_change(data: Any) -> PropertyChange:
    return PropertyChange(
        path=saved_text(data["path"]),
        before=restored_value(data["before"]),
        after=restored_value(data["after"]),
        before_at=_restored_at(data["before_at"]),
        after_at=_restored_at(data["after_at"]),
    )


def _restored_at(data: Any) -> FieldPath | None:
    if data is None:
        return None
    parts = saved_list(data)
    if not all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in parts):
        raise SavedFormError(f"not a field path: {data!r:.80}")
    return tuple(parts)


def _restored_graph(data: Any) -> FlowGraph:
    initial = data["initial"]
    return FlowGraph(
        nodes=tuple(
            GraphNode(saved_text(n["name"]), saved_text(n["type"]), _status(n["status"]))
            for n in saved_list(data["nodes"])
        ),
        edges=tuple(
            GraphEdge(
                saved_text(e["from"]), saved_text(e["to"]), saved_text(e["label"]),
                _status(e["status"]),
            )
            for e in saved_list(data["edges"])
        ),
        initial=None if initial is None else saved_text(initial),
    )


def _status(value: Any) -> Status:
    status = next((s for s in _STATUSES if s == value), None)
    if status is None:
        raise SavedFormError(f"not a widget status: {value!r:.40}")
    return status


def saved_list(value: Any) -> list[Any]:
    """``value`` from a saved plan, which must be a list."""
    if not isinstance(value, list):
        raise SavedFormError(f"expected a list, found {type(value).__name__}")
    return value


def saved_text(value: Any) -> str:
    """``value`` from a saved plan, which must be a string."""
    if not isinstance(value, str):
        raise SavedFormError(f"expected a string, found {type(value).__name__}")
    return value
