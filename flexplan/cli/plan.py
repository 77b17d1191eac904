"""``flexplan plan``: show what would change in the account."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from flexplan.cli.options import (
    account_context,
    account_options,
    cache_option,
    directory_argument,
    echo_warnings,
    format_option,
    manifest_options,
    remote_validate_option,
    target_option,
    use_color,
)
from flexplan.connect import connect_for, exchanges_written
from flexplan.engine import compute_settled_plan
from flexplan.engine.consistency import Windows
from flexplan.engine.defcache import DigestCache
from flexplan.engine.model import Plan
from flexplan.engine.saved import write_saved_plan
from flexplan.engine.targeting import resolve_targets
from flexplan.manifest import ManifestLoad, start_loading
from flexplan.render.json_plan import render_json
from flexplan.render.markdown import render_markdown
from flexplan.render.text import render_text
from flexplan.resources import KINDS


@click.command(name="plan")
@directory_argument
@manifest_options
@account_options
@format_option("text", "json", "markdown")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR; FORCE_COLOR forces it).")
@target_option
@remote_validate_option
@cache_option
def command(
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    output_format: str,
    out: Path | None,
    detailed_exitcode: bool,
    no_color: bool,
    targets: tuple[str, ...],
    no_remote_validate: bool,
    no_cache: bool,
) -> None:
    """Show what would change in the account to match the manifest in DIRECTORY.

    Every Studio flow the plan would create or change is also checked by Studio
    itself (POST /v2/Flows/Validate, read-only) unless --no-remote-validate.
    """
    load = start_loading(directory, env=env, variables=variables, file_root=file_root)
    # targeting needs the whole manifest; a recording or request log needs its secrets
    loaded_first = bool(targets) or exchanges_written()
    if loaded_first:
        echo_warnings(load.result())
        resolve_targets(load.result(), KINDS, targets)  # an unknown address: no request
    connection = {"sandbox": sandbox, "api_base": api_base, "parallelism": parallelism}
    cache = None if no_cache else DigestCache.load(directory)
    plan = _plan_while_loading(
        load, directory, connection, cache, targets,
        remote_validate=not no_remote_validate, warned=loaded_first,
    )  # fmt: skip
    if cache is not None:
        cache.save()
    color = use_color(no_color)
    click.echo(_render(plan, output_format, color), nl=False, color=color)
    if out is not None:
        write_saved_plan(plan, out, directory=str(directory), variables=variables)
        click.echo(f"\nSaved the plan to {out}; apply it with `flexplan apply {out}`.", err=True)
    _append_step_summary(plan)
    if detailed_exitcode and plan.has_changes:
        raise click.exceptions.Exit(2)


def _plan_while_loading(
    load: ManifestLoad,
    directory: Path,
    connection: dict[str, Any],
    cache: DigestCache | None,
    targets: tuple[str, ...],
    *,
    remote_validate: bool,
    warned: bool,
) -> Plan:
    """Connect as soon as the manifest names its account, and plan while it still loads.

    Whatever fails meanwhile (the account check, a read), the manifest's own errors are
    reported instead when it has any; its warnings come before the credential note,
    and both before any other error, as when the manifest was loaded first."""
    notes = _Notes()
    try:
        with connect_for(
            directory, load.preamble(), **connection, **{**account_context(), "notify": notes.add}
        ) as conn:
            return compute_settled_plan(
                conn.client,
                load,
                account_sid=conn.account_sid,
                directory=directory,
                windows=Windows.from_env(os.environ),
                remote_validate=remote_validate,
                cache=cache,
                targets=targets,
            )
    finally:
        manifest = load.result()  # raises the manifest's errors, over any other failure
        if not warned:
            echo_warnings(manifest)
        notes.show()


class _Notes:
    """What ``connect`` says about the credential in use, held back until the manifest has
    loaded: its errors alone when it fails, else its warnings first (as before the head
    start)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def show(self) -> None:
        for line in self.lines:
            click.echo(line, err=True)


def _render(plan: Plan, output_format: str, color: bool) -> str:
    if output_format == "json":
        return render_json(plan)
    if output_format == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)


def _append_step_summary(plan: Plan) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(plan))
    except OSError as exc:
        click.echo(f"warning: cannot write GITHUB_STEP_SUMMARY ({exc.strerror})", err=True)
