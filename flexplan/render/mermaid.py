"""A picture of a Studio flow: a Mermaid flowchart of its widgets and transitions.

GitHub draws a fenced ``mermaid`` block in a pull-request comment. Widgets
added are green, removed red, changed orange, unchanged grey; a transition
added is a green arrow, a removed one a dashed red arrow. Each label also
starts with the plan's symbol (``+``, ``-``, ``~``), so the picture reads
without colour.

Widget names, types and transition labels are text from the account or the
pull request: every character outside a small safe set is written as a
Mermaid entity code (``#60;``), so no label can close its quotes, start a
directive, carry HTML or a backtick that would end the code fence. Nodes have
generated ids (``w0``, ``w1``…), never names.

A flow too large to draw within the budget is drawn as its changed widgets
and their neighbours; the picture says how many widgets it leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flexplan.flowdiff import FlowGraph, GraphEdge, GraphNode
from flexplan.render.escape import visible

MAX_NODES = 40  # widgets drawn in full; larger flows are summarised
MAX_LABEL = 40  # characters of a name shown in a label
_SAFE = re.compile(r"[A-Za-z0-9 _.,:/+=@-]")
_STATUS_SYMBOL = {"added": "+ ", "removed": "- ", "changed": "~ ", "unchanged": ""}
CLASS_DEFS = (
    "classDef added fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    "classDef removed fill:#ffebe9,stroke:#cf222e,color:#1f2328",
    "classDef changed fill:#fff1c2,stroke:#bc4c00,color:#1f2328",
    "classDef unchanged fill:#f6f8fa,stroke:#8c959f,color:#57606a",
)
_EDGE_STYLE = {
    "added": "stroke:#1a7f37,stroke-width:2px",
    "removed": "stroke:#cf222e,stroke-width:2px",
}


@dataclass(frozen=True)
class Picture:
    """Mermaid source and what it leaves out."""

    source: str
    shown: int  # widgets drawn
    total: int  # widgets in the flow

    @property
    def summarised(self) -> bool:
        return self.shown < self.total


def picture_scope(graph: FlowGraph) -> str:
    """What a summarised picture of ``graph`` shows."""
    if any(n.status != "unchanged" for n in graph.nodes) or any(
        e.status != "unchanged" for e in graph.edges
    ):
        return "the changed ones and their neighbours"
    return "the first ones from the start of the flow"


def label_text(text: str) -> str:
    """Untrusted text as inert Mermaid label text (entity codes for all but a safe set)."""
    text = visible(text)
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return "".join(ch if _SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in text)


def flow_picture(graph: FlowGraph, *, max_nodes: int = MAX_NODES) -> Picture:
    """The flowchart of ``graph``; summarised to its changes when it has too many widgets."""
    nodes = _chosen(graph, max_nodes)
    ids = {node.name: f"w{i}" for i, node in enumerate(nodes)}
    edges = [e for e in graph.edges if e.source in ids and e.target in ids]
    lines = ["flowchart TD"]
    if len(nodes) < len(graph.nodes):
        lines.append(f"  %% {len(nodes)} of {len(graph.nodes)} widgets: {picture_scope(graph)}")
    lines += [f"  {ids[n.name]}{_shape(n, graph.initial)}:::{n.status}" for n in nodes]
    lines += [_edge(e, ids) for e in edges]
    lines += [
        f"  linkStyle {i} {_EDGE_STYLE[e.status]}"
        for i, e in enumerate(edges)
        if e.status in _EDGE_STYLE
    ]
    lines += [f"  {c}" for c in CLASS_DEFS]
    return Picture("\n".join(lines) + "\n", len(nodes), len(graph.nodes))


def _shape(node: GraphNode, initial: str | None) -> str:
    text = (
        f"{_STATUS_SYMBOL[node.status]}{label_text(node.name)}<br/>{label_text(node.widget_type)}"
    )
    if node.name == initial:
        return f'(["{text}"])'
    return f'["{text}"]'


def _edge(edge: GraphEdge, ids: dict[str, str]) -> str:
    arrow = "-.->" if edge.status == "removed" else "-->"
    return f'  {ids[edge.source]} {arrow}|"{label_text(edge.label)}"| {ids[edge.target]}'


def _chosen(graph: FlowGraph, max_nodes: int) -> list[GraphNode]:
    """Every widget, or (too many) the changed ones, the ends of changed transitions and
    their neighbours, in the flow's order; at most ``max_nodes``. A large flow without
    changes is drawn from its first widget on, as far as ``max_nodes`` reaches."""
    if len(graph.nodes) <= max_nodes:
        return list(graph.nodes)
    core = {n.name for n in graph.nodes if n.status != "unchanged"}
    core |= {end for e in graph.edges if e.status != "unchanged" for end in (e.source, e.target)}
    if not core:
        keep = _reachable(graph, max_nodes)
    else:
        near = core | set(_neighbours(core, graph.edges))
        keep = near if len(near) <= max_nodes else core
    chosen = [n for n in graph.nodes if n.name in keep]
    return chosen[:max_nodes]


def _reachable(graph: FlowGraph, limit: int) -> set[str]:
    """Up to ``limit`` widgets, breadth first from the initial one (then in the flow's order)."""
    start = graph.initial if graph.initial else graph.nodes[0].name
    order, seen = [start], {start}
    for name in order:
        for edge in graph.edges:
            if edge.source == name and edge.target not in seen and len(seen) < limit:
                seen.add(edge.target)
                order.append(edge.target)
    for node in graph.nodes:
        if len(seen) >= limit:
            break
        seen.add(node.name)
    return seen


def _neighbours(names: set[str], edges: Iterable[GraphEdge]) -> Iterable[str]:
    for edge in edges:
        if edge.source in names:
            yield edge.target
        if edge.target in names:
            yield edge.source
