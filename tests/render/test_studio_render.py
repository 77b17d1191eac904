"""Studio diffs rendered for a reviewer: long strings by their changed words, the flow
as a Mermaid picture whose labels no widget name can break out of (issue 14 item 4)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from flexplan.flowdiff import (
    DefinitionDiff,
    FlowGraph,
    GraphEdge,
    GraphNode,
    PropertyChange,
    WidgetChange,
)
from flexplan.render.mermaid import MAX_NODES, flow_picture, label_text
from flexplan.render.studio import markdown_lines, text_lines, word_diff

LONG = (
    "Thanks for contacting us. We answer within the hour on weekdays and within a day at "
    "weekends. Please stay on this chat; an agent will be with you shortly. Reply STOP to stop."
)


def test_a_long_string_shows_only_its_changed_words_in_text() -> None:
    edited = LONG.replace("within the hour", "in ten minutes").replace("STOP", "END")
    assert word_diff(LONG, edited) == [
        "…contacting us. We answer [-within the hour-]{+in ten minutes+} on weekdays and within…",
        "…with you shortly. Reply [-STOP-]{+END+} to stop.",
    ]
    change = PropertyChange("properties.body", LONG, edited, ("properties", "body"),
                            ("properties", "body"))  # fmt: skip
    diff = DefinitionDiff((WidgetChange("change", "greet", "send-message", (change,)),))
    lines = text_lines(diff)
    assert lines[:2] == ['~ widget "greet" (send-message)', "    properties.body:"]
    assert all(len(line) < 120 for line in lines) and LONG not in "\n".join(lines)


def test_a_long_string_in_markdown_is_its_two_versions_a_sentence_a_line() -> None:
    edited = LONG.replace("within the hour", "in ten minutes")
    change = PropertyChange("properties.body", LONG, edited, ("properties", "body"),
                            ("properties", "body"))  # fmt: skip
    diff = DefinitionDiff((WidgetChange("change", "greet", "send-message", (change,)),))
    lines = markdown_lines("definition", diff)
    block = lines[lines.index("```diff") + 1 : lines.index("```", lines.index("```diff"))]
    assert block == [
        '!   widget "greet" (send-message)',
        "!       properties.body:",
        "          Thanks for contacting us.",
        "-         We answer within the hour on weekdays and within a day at weekends.",
        "+         We answer in ten minutes on weekdays and within a day at weekends.",
        "          Please stay on this chat; an agent will be with you shortly.",
        "          Reply STOP to stop.",
    ]


WORDS = st.lists(st.sampled_from(["a", "b", "the", "hour", "\n", "x`y", "ü"]), max_size=30)


@given(before=WORDS, after=WORDS)
def test_word_diff_is_one_line_per_span_and_keeps_every_new_word(before, after) -> None:
    old, new = " ".join(before), " ".join(after)
    hunks = word_diff(old, new)
    assert all("\n" not in hunk for hunk in hunks)
    for added in re.findall(r"\{\+(.*?)\+\}", "\n".join(hunks)):
        for word in added.replace("\\n", " ").split():
            assert word in new


def test_added_and_removed_widgets_are_folded_with_their_properties() -> None:
    added = WidgetChange("add", "bye", "send-message",
                         (PropertyChange("properties.body", after="See you!"),))  # fmt: skip
    lines = markdown_lines("definition", DefinitionDiff((added,)))
    assert lines[:4] == ["**definition** (1 widget added)", "", "<details>",
                         "<summary><code>+ widget &quot;bye&quot; (send-message)</code> added "
                         "(1 property)</summary>"]  # fmt: skip
    assert '+   properties.body = "See you!"' in lines and lines.count("</details>") == 1


@given(st.text(max_size=80))
def test_a_mermaid_label_is_inert_whatever_the_name(name: str) -> None:
    assume(name != "b")  # widget names are unique in a flow; "b" is the other node here
    label = label_text(name)
    assert re.fullmatch(r"(?:[A-Za-z0-9 _.,:/+=@-]|#\d+;)*", label), label
    graph = FlowGraph((GraphNode(name, name, "changed"), GraphNode("b", "t", "added")),
                      (GraphEdge(name, "b", name, "added"),), initial=name)  # fmt: skip
    source = flow_picture(graph).source
    body = source.splitlines()[1:3]
    assert re.fullmatch(r'  w0\(\["~ [^"]*<br/>[^"]*"\]\):::changed', body[0]), body
    assert re.fullmatch(r'  w1\["\+ b<br/>t"\]:::added', body[1]), body
    assert "`" not in source and "%%{" not in source


def _chain(n: int, changed: int) -> FlowGraph:
    nodes = tuple(GraphNode(f"w{i}", "send-message", "changed" if i == changed else "unchanged")
                  for i in range(n))  # fmt: skip
    edges = tuple(GraphEdge(f"w{i}", f"w{i + 1}", "sent", "unchanged") for i in range(n - 1))
    return FlowGraph(nodes, edges, "w0")


def test_a_large_flow_is_drawn_as_its_changes_and_their_neighbours() -> None:
    picture = flow_picture(_chain(200, changed=120))
    assert (picture.shown, picture.total, picture.summarised) == (3, 200, True)
    assert '["~ w120<br/>send-message"]:::changed' in picture.source
    assert '["w119<br/>send-message"]:::unchanged' in picture.source
    assert "w5<br/>" not in picture.source
    assert picture.source.count(" -->") == 2  # the transitions among what is drawn
    unchanged = flow_picture(_chain(200, changed=-1))
    assert (unchanged.shown, unchanged.total) == (MAX_NODES, 200)
    assert "w0<br/>" in unchanged.source and f"w{MAX_NODES - 1}<br/>" in unchanged.source
    assert "the first ones from the start of the flow" in unchanged.source
    whole = flow_picture(_chain(30, changed=3))
    assert whole.shown == 30 and not whole.summarised and MAX_NODES >= 30


def test_colours_and_symbols_of_every_status() -> None:
    graph = FlowGraph(
        tuple(GraphNode(s, "t", s) for s in ("added", "removed", "changed", "unchanged")),
        (GraphEdge("changed", "added", "ok", "added"),
         GraphEdge("changed", "removed", "ok", "removed"),
         GraphEdge("unchanged", "changed", "go", "unchanged")),
    )  # fmt: skip
    source = flow_picture(graph).source
    for status, symbol in (
        ("added", "+ "),
        ("removed", "- "),
        ("changed", "~ "),
        ("unchanged", ""),
    ):
        assert f'["{symbol}{status}<br/>t"]:::{status}' in source
        assert f"classDef {status} fill:" in source
    assert '  w2 -->|"ok"| w0' in source and '  w2 -.->|"ok"| w1' in source
    assert "linkStyle 0 stroke:#1a7f37" in source and "linkStyle 1 stroke:#cf222e" in source
    assert "linkStyle 2" not in source


HOSTILE_NAMES = [
    '%%{init: {"securityLevel": "loose"}}%%',
    'x"]; click w0 "javascript:alert(1)"; y["',
    "a --> b\nclassDef evil fill:#f00",
    "<img src=x onerror=alert(1)>",
    "```\n</details><script>alert(1)</script>",
    "#quot; #60; &lt; \\u202e",
]


def test_known_mermaid_injections_stay_inside_their_label() -> None:
    nodes = tuple(GraphNode(name, name, "changed") for name in HOSTILE_NAMES)
    edges = tuple(GraphEdge(a.name, b.name, a.name, "added") for a, b in itertools.pairwise(nodes))
    source = flow_picture(FlowGraph(nodes, edges)).source
    lines = source.splitlines()
    assert lines[0] == "flowchart TD"
    node_lines = lines[1 : 1 + len(nodes)]
    edge_lines = lines[1 + len(nodes) : 1 + len(nodes) + len(edges)]
    assert all(re.fullmatch(r'  w\d+\["~ [^"]*<br/>[^"]*"\]:::changed', n) for n in node_lines)
    assert all(re.fullmatch(r'  w\d+ -->\|"[^"|]*"\| w\d+', e) for e in edge_lines)
    assert len(lines) == 1 + len(nodes) + len(edges) + len(edges) + 4  # + linkStyles, classDefs
    assert not any(line.startswith(("  classDef evil", "  click", "%%")) for line in lines)
    for dangerous in ("%%{", "`", "&lt;", "#quot;", "\u202e", ";]", '"]; '):
        assert dangerous not in source, dangerous
    assert source.replace("<br/>", "").count("<") == 0


def _changed_flow(name: str, widgets: int) -> Any:
    from flexplan.engine.model import ResourceChange

    nodes = tuple(
        GraphNode(f"widget_number_{i}", "send-message", "changed") for i in range(widgets)
    )
    edges = tuple(GraphEdge(a.name, b.name, "sent", "added") for a, b in itertools.pairwise(nodes))
    diff = DefinitionDiff(
        (WidgetChange("change", nodes[0].name, "send-message",
                      (PropertyChange("properties.body", "a", "b"),)),),
        graph=FlowGraph(nodes, edges, nodes[0].name),
    )  # fmt: skip
    return ResourceChange(
        section="studio_flows", type_name="studio_flow", title="Studio flow", name=name,
        action="update", before={"definition": {}}, after={"definition": {}},
        details={"definition": diff},
    )  # fmt: skip


def test_the_pictures_of_one_comment_stay_within_their_budget() -> None:
    from flexplan.engine.model import Plan
    from flexplan.render.markdown import PICTURE_BUDGET, render_markdown

    flows = [_changed_flow(f"flow{i}", 40) for i in range(12)]
    text = render_markdown(Plan("AC" + "0" * 32, None, "digest", flows))
    pictures = re.findall(r"```mermaid\n.*?\n```", text, re.S)
    assert 1 <= len(pictures) < 12
    assert sum(len(p) for p in pictures) <= PICTURE_BUDGET
    left_out = [line for line in text.splitlines() if "is left out" in line]
    assert len(left_out) == 12 - len(pictures)
    assert left_out[0].startswith(f"> The picture of `studio_flow.flow{len(pictures)}`")
