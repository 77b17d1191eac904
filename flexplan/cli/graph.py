"""``flexplan graph FLOW``: the Mermaid picture of one managed Studio flow.

The same picture the markdown plan folds under each changed flow: the plan is
computed as ``plan`` computes it, and the flow's widgets and transitions are
drawn marked added, removed, changed or unchanged. ``--manifest-only`` draws
the manifest's flow without reading the account (nothing marked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from flexplan.cli.options import account_context, account_options, echo_warnings, manifest_options
from flexplan.connect import connect_for
from flexplan.engine import compute_plan
from flexplan.errors import FlexplanError
from flexplan.flowdiff import DefinitionDiff, FlowGraph
from flexplan.manifest import load_manifest
from flexplan.redact import redact
from flexplan.render.mermaid import MAX_NODES, flow_picture
from flexplan.resources.studio.definition import normalize_definition
from flexplan.resources.studio.diff import diff_definitions, flow_graph

SECTION = "studio_flows"


@click.command(name="graph")
@click.argument("flow")
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path)
)
@manifest_options
@account_options
@click.option(
    "--manifest-only",
    is_flag=True,
    help="Draw the manifest's flow without reading the account (no changes marked).",
)
@click.option(
    "--all",
    "draw_all",
    is_flag=True,
    help=f"Draw every widget (a flow over {MAX_NODES} widgets is otherwise drawn as its "
    "changed widgets and their neighbours).",
)
def command(
    flow: str,
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    manifest_only: bool,
    draw_all: bool,
) -> None:
    """Print a Mermaid flowchart of the Studio flow FLOW (its local name in DIRECTORY's
    manifest): widgets added green, removed red, changed orange, unchanged grey.

    Paste it into a ```mermaid block (GitHub draws it) or https://mermaid.live.
    """
    manifest = load_manifest(directory, env=env, variables=variables, file_root=file_root)
    echo_warnings(manifest)
    entry = _entry(manifest, flow)
    if manifest_only:
        graph = _manifest_picture(entry)
    else:
        with connect_for(
            directory,
            manifest,
            sandbox=sandbox,
            api_base=api_base,
            parallelism=parallelism,
            **account_context(),
        ) as conn:
            plan = compute_plan(conn.client, manifest, account_sid=conn.account_sid)
        graph = _planned_picture(plan, flow)
    picture = flow_picture(graph, max_nodes=len(graph.nodes) if draw_all else MAX_NODES)
    click.echo(redact(picture.source), nl=False)  # the last guard, as in every rendering


def _entry(manifest: Any, flow: str) -> Any:
    names = [e.name for e in manifest.entries_of(SECTION)]
    if flow not in names:
        known = ", ".join(sorted(names)) or "none"
        raise FlexplanError(
            f"the manifest has no Studio flow named {flow!r} (its studio_flows: {known})",
            hint="give the flow's local name, the key under studio_flows:",
        )
    return manifest.entry(SECTION, flow)


def _manifest_picture(entry: Any) -> FlowGraph:
    definition = getattr(entry.spec, "definition", None)
    if not isinstance(definition, dict):
        raise FlexplanError(
            f"studio_flows.{entry.name} has no definition to draw",
            hint="add definition_file: or definition:",
        )
    normal = normalize_definition(definition)
    return flow_graph(normal, normal, ())


def _planned_picture(plan: Any, flow: str) -> FlowGraph:
    change = next((c for c in plan.changes if c.section == SECTION and c.name == flow), None)
    detail = change.details.get("definition") if change is not None else None
    if isinstance(detail, DefinitionDiff):
        return detail.graph
    before = ((change.before if change else None) or {}).get("definition")
    after = ((change.after if change else None) or {}).get("definition")
    if after is None and before is None:
        raise FlexplanError(
            f"studio_flows.{flow}: neither the manifest nor the account holds a definition to draw",
            hint="give the flow a definition (definition_file: or definition:)",
        )
    if after is None:
        return diff_definitions(before, {}).graph  # destroyed: every widget removed
    if before is not None and after != before:
        return diff_definitions(before, after).graph
    return flow_graph(after, after, ())
