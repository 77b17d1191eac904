"""Benchmark the Studio definition diff and its renderings on one large flow.

A flow of about 290 widgets (the vendored parking template's widgets copied
40 times under new names): equal definitions (every no-op flow of a plan),
a change to one widget in ten (moved, its message edited), and a create
(every widget added whole, with its properties). Reports the milliseconds of
the diff, of the text and markdown renderings and of the Mermaid picture
(CPU time, the fastest of --repeat runs).

    .venv/bin/python benchmarks/studio_diff_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flexplan.render.mermaid import flow_picture
from flexplan.render.studio import markdown_lines, text_lines
from flexplan.resources.studio.definition import normalize_definition
from flexplan.resources.studio.diff import diff_definitions

TEMPLATE = (
    Path(__file__).resolve().parents[1]
    / "examples/contact-center/studio/template_example_messaging_with_parking_flow.json"
)


def large_flow(copies: int = 40) -> dict[str, Any]:
    base = normalize_definition(json.loads(TEMPLATE.read_text()))
    flow = copy.deepcopy(base)
    for i in range(copies):
        for state in base["states"]:
            twin = copy.deepcopy(state)
            twin["name"] = f"{state['name']}_{i}"
            flow["states"].append(twin)
    return flow


def edited(flow: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(flow)
    for state in out["states"][::10]:
        state["properties"]["offset"] = {"x": 1, "y": 2}
        if "body" in state["properties"]:
            state["properties"]["body"] += " Thanks for waiting."
    return out


def _ms(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in CPU milliseconds (other processes share the cores)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return round(best * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    flow = large_flow()
    cases = {"equal": (flow, copy.deepcopy(flow)), "changed": (flow, edited(flow)),
             "create": (None, flow)}  # fmt: skip
    report: dict[str, Any] = {"widgets": len(flow["states"])}
    for name, (before, after) in cases.items():
        diff = diff_definitions(before, after)
        report[name] = {
            "diff_ms": _ms(lambda b=before, a=after: diff_definitions(b, a), repeat),
            "text_ms": _ms(lambda d=diff: text_lines(d), repeat),
            "markdown_ms": _ms(lambda d=diff: markdown_lines("definition", d), repeat),
            "mermaid_ms": _ms(lambda d=diff: flow_picture(d.graph), repeat),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
