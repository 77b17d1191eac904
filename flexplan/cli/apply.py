"""``flexplan apply``: make the account match the manifest, or carry out a saved plan."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import click

from flexplan.cli.options import account_options, manifest_options, use_color
from flexplan.connect import check_account, connect
from flexplan.engine import compute_plan
from flexplan.engine.apply import ApplyResult, apply_plan
from flexplan.engine.model import Plan, ResourceChange
from flexplan.engine.saved import read_saved_plan
from flexplan.engine.stale import check_account as check_saved_account
from flexplan.engine.stale import check_digest, check_fresh
from flexplan.errors import FlexplanError
from flexplan.manifest import load_manifest
from flexplan.render.apply_report import event_line, final_report
from flexplan.render.text import render_text
from flexplan.resources import KINDS


@click.command(name="apply")
@click.argument("target", default=".", type=click.Path(path_type=Path))
@manifest_options
@account_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--message", metavar="TEXT", help="Commit message for Studio flow revisions.")
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR).")
def command(
    target: Path,
    env: str | None,
    variables: dict[str, str],
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    auto_approve: bool,
    message: str | None,
    no_color: bool,
) -> None:
    """Make the account match the manifest in TARGET (a directory), or apply a saved plan file."""
    if target.is_file():
        result = _apply_saved(target, sandbox, api_base, parallelism, message)
    else:
        result = _apply_directory(
            target, env, variables, sandbox, api_base, parallelism, auto_approve, message, no_color
        )
    if result is not None and not result.ok:
        raise click.exceptions.Exit(1)


def _apply_directory(
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    auto_approve: bool,
    message: str | None,
    no_color: bool,
) -> ApplyResult | None:
    if not directory.exists():
        raise FlexplanError(
            f"{directory} does not exist", hint="give a config directory or a plan file"
        )
    manifest = load_manifest(directory, env=env, variables=variables)
    with connect(
        directory,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        account_sid=manifest.account_sid,
    ) as conn:
        check_account(conn, manifest.account_sid, manifest.environment)
        plan = compute_plan(
            conn.client, manifest, account_sid=conn.account_sid, parallelism=parallelism
        )
        click.echo(render_text(plan, color=use_color(no_color)), nl=False)
        if not plan.has_changes:
            return None
        if not auto_approve:
            _confirm()
        return _run(conn.client, plan, parallelism, _commit_message(message, directory))


def _apply_saved(
    path: Path, sandbox: bool, api_base: str | None, parallelism: int, message: str | None
) -> ApplyResult | None:
    saved = read_saved_plan(path)
    directory = Path(saved.get("directory") or ".")
    if not directory.is_dir():
        raise FlexplanError(
            f"the plan was made from {directory}, which is not a directory here",
            hint="run apply from the directory where `flexplan plan --out` ran",
        )
    manifest = load_manifest(
        directory, env=saved.get("environment"), variables=saved.get("variables") or {}
    )
    check_digest(saved, manifest.digest)
    with connect(
        directory,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        account_sid=manifest.account_sid,
    ) as conn:
        check_saved_account(saved, conn.account_sid)
        fresh = compute_plan(
            conn.client, manifest, account_sid=conn.account_sid, parallelism=parallelism
        )
        check_fresh(saved, fresh)
        if not fresh.has_changes:
            click.echo("No changes. The account matches the manifest.")
            return None
        click.echo(f"Applying the saved plan {path} ({len(fresh.actionable)} actions).")
        return _run(conn.client, fresh, parallelism, _commit_message(message, directory))


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise FlexplanError(
            "refusing to apply without confirmation: standard input is not a terminal",
            hint="review the plan, then run again with --auto-approve (or apply a saved plan file)",
        )
    click.echo(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n"
    )
    answer = click.prompt("  Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        raise FlexplanError("Apply cancelled.")


def _run(client: object, plan: Plan, parallelism: int, commit_message: str) -> ApplyResult:
    lock = threading.Lock()

    def on_event(event: str, change: ResourceChange, result: object) -> None:
        with lock:
            click.echo(event_line(event, change, result))  # type: ignore[arg-type]

    click.echo("")
    result = apply_plan(
        client,
        plan,
        KINDS,
        parallelism=parallelism,
        commit_message=commit_message,
        on_event=on_event,
    )
    click.echo("")
    click.echo(final_report(result), nl=False)
    return result


def _commit_message(message: str | None, directory: Path) -> str:
    if message:
        return message
    sha = os.environ.get("GITHUB_SHA") or _git_head(directory)
    return f"flexplan apply ({sha[:12]})" if sha else "flexplan apply"


def _git_head(directory: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None
