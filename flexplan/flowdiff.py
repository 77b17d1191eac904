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
