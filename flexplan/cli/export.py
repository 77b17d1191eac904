"""``flexplan export``: write a ready-to-use manifest directory from a live account."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import click

from flexplan.cli.options import account_context, account_options
from flexplan.connect import connect
from flexplan.engine.export import ExportResult, build_export, read_export
from flexplan.manifest import validate_directory
from flexplan.resources import BY_SECTION, KINDS
from flexplan.resources.base import AnyKind
from flexplan.sandbox import STATE_RELATIVE

# what may already be in the output directory: the --sandbox account's state
_IGNORED = {".flexplan"}


def _parse_kinds(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[AnyKind]:
    if not values:
        return list(KINDS)
    by_name = {**{k.type_name: k for k in KINDS}, **BY_SECTION}
    chosen: list[AnyKind] = []
    for item in (p.strip() for v in values for p in v.split(",")):
        if not item:
            continue
        if item not in by_name:
            raise click.BadParameter(
                f"{item!r} is not a kind; choose from {', '.join(BY_SECTION)}", ctx, param
            )
        if by_name[item] not in chosen:
            chosen.append(by_name[item])
    return chosen


@click.command(name="export")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Directory to write the manifest into.",
)
@click.option(
    "--kinds",
    multiple=True,
    callback=_parse_kinds,
    metavar="KIND[,KIND…]",
    help=f"Export only these sections ({', '.join(BY_SECTION)}). Repeatable.",
)
@click.option("--force", is_flag=True, help="Write into a directory that is not empty.")
@click.option(
    "--sandbox-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --sandbox: export the sandbox account of this config directory, the one "
    "`flexplan plan/apply DIR --sandbox` built (DIR/.flexplan/sandbox.json); default: the "
    "current directory. Implies --sandbox.",
)
@account_options
def command(
    out: Path,
    kinds: list[AnyKind],
    force: bool,
    sandbox_dir: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
) -> None:
    """Write the account's configuration as a manifest directory (OUT).

    Writes flexplan.yaml, one YAML file per kind and one JSON file per Studio
    flow under studio/. Planning the result against the same account shows no
    changes. Secrets (URLs with credentials) are written as ${env:NAME}.

    With --sandbox it reads the sandbox account of --sandbox-dir (default: the
    current directory), kept in DIR/.flexplan/sandbox.json by `plan`/`apply
    --sandbox`, or a fresh sandbox account when DIR has none; it never writes
    sandbox state, neither into OUT nor into DIR.
    """
    _check_empty(out, force)
    source_of_kinds = click.get_current_context().get_parameter_source("kinds")
    asked = source_of_kinds is not click.core.ParameterSource.DEFAULT  # --kinds: fail loudly
    sandbox = sandbox or sandbox_dir is not None
    source = sandbox_dir if sandbox_dir is not None else Path(".")
    with connect(
        source,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        **account_context(),
        read_only=True,
    ) as conn:
        account = read_export(
            conn.client,
            kinds,
            account_sid=conn.account_sid,
            best_effort=not asked,
        )
    for skipped in account.unreadable:
        message = f"warning: {skipped.title} could not be read ({skipped.answer}); not exported"
        click.echo(message, err=True)
    kinds = [k for k in kinds if k.section in account.objects]
    result = build_export(account, kinds)
    _write(out, result)
    _report(out, result, kinds)
    to_migrate = _self_check(out, result)
    if to_migrate is None:
        raise click.exceptions.Exit(1)
    _next_steps(out, sandbox=source if sandbox else None, to_migrate=to_migrate)


def _check_empty(out: Path, force: bool) -> None:
    if not out.exists() or force:
        return
    present = sorted(p.name for p in out.iterdir() if p.name not in _IGNORED)
    if present:
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        raise click.ClickException(
            f"{out} is not empty ({shown}); export into a new directory, or pass --force "
            "to overwrite files of the same names"
        )


def _write(out: Path, result: ExportResult) -> None:
    for relative, text in result.files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def _report(out: Path, result: ExportResult, kinds: Sequence[AnyKind]) -> None:
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in result.secrets:
        click.echo(
            f"note: {note.where} {note.reason}; it is written as ${{env:{note.variable}}}. "
            f"Set {note.variable} before plan or apply.",
            err=True,
        )
    counts = ", ".join(f"{result.counts.get(k.section, 0)} {k.section}" for k in kinds)
    click.echo(f"Exported {counts} to {out}.", err=True)


def _next_steps(out: Path, *, sandbox: Path | None, to_migrate: int) -> None:
    state = sandbox / STATE_RELATIVE if sandbox is not None else None
    flag = " --sandbox" if sandbox is not None else ""
    if state is not None and state.is_file():
        flag = ""
        click.echo(f"Read the sandbox account in {state}.", err=True)
    elif state is not None:
        click.echo(f"No sandbox account in {state}: exported a fresh one.", err=True)
    if to_migrate:
        click.echo(
            f"Next: `flexplan migrate {out} --in-place` (docs/migrating.md), then "
            f"`flexplan plan {out}{flag}` shows what it rewires.",
            err=True,
        )
    elif state is not None and state.is_file():
        click.echo(
            f"Next: `flexplan plan {out}` against it (`flexplan sandbox serve --state {state}` "
            "prints the variables) should report no changes.",
            err=True,
        )
    else:
        click.echo(f"Next: `flexplan plan {out}{flag}` should report no changes.", err=True)


def _self_check(out: Path, result: ExportResult) -> int | None:
    """Validate what was written (offline), with the secrets' real values in the environment.

    ``None`` when the manifest has errors; else how many of its problems are the account
    still on legacy messaging, which ``flexplan migrate`` resolves: the export is the
    account as it is (Twilio accepts it), so those are warnings with that next step."""
    environ = {**os.environ, **{n.variable: n.value for n in result.secrets}}
    _, diagnostics = validate_directory(out, environ=environ)
    to_migrate = [d for d in diagnostics if d.severity == "error" and d.fixed_by == "migrate"]
    errors = [d for d in diagnostics if d.severity == "error" and d.fixed_by != "migrate"]
    for diagnostic in diagnostics:
        shown = dataclasses.replace(diagnostic, severity="warning")
        click.echo((shown if diagnostic in to_migrate else diagnostic).render(), err=True)
    if errors:
        click.echo(
            f"error: the exported manifest has {len(errors)} problem(s) (above); fix them "
            "before planning",
            err=True,
        )
        return None
    if to_migrate:
        click.echo(
            f"note: {len(to_migrate)} warning(s) above are the account's legacy messaging, "
            "which `flexplan migrate` resolves; `flexplan validate` and `plan` refuse the "
            "manifest until it has run.",
            err=True,
        )
    return len(to_migrate)
