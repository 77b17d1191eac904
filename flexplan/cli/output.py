"""``flexplan output``: the SIDs of the managed resources, for downstream tools.

Reads the account the way ``plan`` does and prints, by kind and local name,
the SID each manifest entry resolves to (``null`` for one that does not exist
yet). Kinds without SIDs of their own (channel configs) and entries marked
``state: absent`` are left out. Nothing secret is ever part of the output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from flexplan.cli.options import (
    account_context,
    account_options,
    directory_argument,
    format_option,
    manifest_options,
)
from flexplan.connect import connect_for
from flexplan.engine import compute_plan
from flexplan.engine.model import Plan
from flexplan.manifest import Manifest, load_manifest
from flexplan.resources import KINDS


@click.command(name="output")
@directory_argument
@manifest_options
@account_options
@format_option("json", "text")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def command(
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    output_format: str,
    as_json: bool,
) -> None:
    """Print the SIDs of the resources the manifest in DIRECTORY manages."""
    manifest = load_manifest(directory, env=env, variables=variables, file_root=file_root)
    with connect_for(
        directory,
        manifest,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        **account_context(),
    ) as conn:
        plan = compute_plan(conn.client, manifest, account_sid=conn.account_sid)
    outputs = collect_outputs(manifest, plan)
    if as_json or output_format == "json":
        click.echo(json.dumps(outputs, indent=2, sort_keys=False))
    else:
        click.echo(render_text(outputs), nl=False)
    missing = [f"{s}.{n}" for s, names in outputs["resources"].items()
               for n, sid in names.items() if sid is None]  # fmt: skip
    if missing:
        click.echo(
            f"note: {len(missing)} managed resource(s) do not exist yet ({', '.join(missing[:5])}"
            f"{', …' if len(missing) > 5 else ''}); run `flexplan apply` first",
            err=True,
        )


def collect_outputs(manifest: Manifest, plan: Plan) -> dict[str, Any]:
    """``{account_sid, environment, resources: {section: {local name: SID or null}}}``.

    Kinds whose live resources have no SID of their own (channel configs, entries
    inside Flex Configuration) are left out.
    """
    changes = [c for c in plan.changes if c.managed]
    sids = {(c.section, c.name): c.sid for c in changes}
    sidless = {kind.section for kind in KINDS if not kind.has_sid}
    resources: dict[str, dict[str, str | None]] = {}
    for kind in KINDS:
        entries = [e for e in manifest.entries_of(kind.section) if e.spec.state == "present"]
        if entries and kind.section not in sidless:
            resources[kind.section] = {
                e.name: sids.get((kind.section, e.name)) for e in sorted(entries, key=_name)
            }
    return {
        "account_sid": plan.account_sid,
        "environment": manifest.environment,
        "resources": resources,
    }


def _name(entry: Any) -> str:
    return str(entry.name)


def render_text(outputs: dict[str, Any]) -> str:
    """``studio_flows.messaging = FW…`` lines, one per managed resource."""
    lines = [
        f"{section}.{name} = {sid if sid is not None else '(none)'}"
        for section, names in outputs["resources"].items()
        for name, sid in names.items()
    ]
    return "".join(line + "\n" for line in lines)
