"""``flexplan migrate``: rewrite a manifest's legacy Flex Flows as Conversations addresses."""

from __future__ import annotations

from pathlib import Path

import click

from flexplan.cli.options import directory_argument
from flexplan.errors import Diagnostic
from flexplan.manifest import validate_directory
from flexplan.manifest.files import AccessError
from flexplan.migrate.rewrite import Line, Migration, handler_names, migrate
from flexplan.migrate.source import SKIPPED, copy_tree, read_manifest, write_files
from flexplan.render.escape import visible

_HEADINGS = {
    "changed": "Changed:",
    "kept": "Not migrated (stays on legacy messaging):",
    "todo": "Not done by flexplan (what Conversations does instead, or what to do by hand):",
}
_MARKS = {"changed": "~", "kept": "!", "todo": "-"}


def _parse_only(ctx: click.Context, param: click.Parameter, value: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (value or "").split(",") if p.strip())


@click.command(name="migrate")
@directory_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the migrated manifest into this new (or empty) directory.",
)
@click.option("--in-place", is_flag=True, help="Rewrite the files of DIRECTORY itself.")
@click.option(
    "--only",
    callback=_parse_only,
    metavar="NAME[,NAME…]",
    help="Migrate only these Flex Flows (local names under flex_flows:).",
)
def command(directory: Path, out: Path | None, in_place: bool, only: frozenset[str]) -> None:
    """Move the manifest in DIRECTORY from legacy Flex Flows to Flex Conversations.

    Each enabled Flex Flow of an sms, whatsapp, facebook or web channel gets
    state: absent and a Conversations address for the same number, page or
    web chat; Studio flows they run are rewired to the Incoming Conversation
    trigger (copied when a handler that stays still runs them); a task
    integration becomes a generated Send to Flex flow. Prints what changed
    and what it could not do, then validates the result. Review it with
    `flexplan plan`, which deletes each Flex Flow before creating its address.
    The way back is `git revert` of the migration (docs/migrating.md).
    """
    target = _target(directory, out, in_place)
    _refuse_invalid(directory)
    try:
        files = read_manifest(directory)
    except AccessError as exc:
        raise click.ClickException(exc.message) from None
    unknown = sorted(only - set(handler_names(files)))
    if unknown:
        raise click.ClickException(
            f"--only names no Flex Flow of the manifest: {', '.join(unknown)} (give local "
            "names under flex_flows:)"
        )
    migration = migrate(files, only or None)
    if target != directory:
        copy_tree(directory, target)
    write_files(target, migration.files, migration.yaml_changed, migration.json_changed)
    _report(migration, target)
    if not _self_check(target):
        raise click.exceptions.Exit(1)


def _target(directory: Path, out: Path | None, in_place: bool) -> Path:
    if (out is None) == (not in_place):
        raise click.UsageError("give either --out DIR (a new directory) or --in-place")
    if out is None:
        return directory
    if out.exists() and any(p.name not in SKIPPED for p in out.iterdir()):
        raise click.ClickException(f"{out} is not empty; write the migration to a new directory")
    return out


def _refuse_invalid(directory: Path) -> None:
    _, diagnostics = validate_directory(directory, all_environments=True)
    # what migrate itself resolves (an address on a legacy flow, as export writes it) is
    # not in its way; the self-check afterwards sees that it was resolved
    errors = [d for d in diagnostics if d.severity == "error" and d.fixed_by != "migrate"]
    if errors:
        _show(errors)
        raise click.ClickException(
            f"the manifest in {directory} has {len(errors)} problem(s) (above): fix them "
            "before migrating (`flexplan validate`)"
        )


def _report(migration: Migration, target: Path) -> None:
    for kind, heading in _HEADINGS.items():
        lines = [line for line in migration.lines if line.kind == kind]
        if lines:
            click.echo(heading)
            click.echo("\n".join(_line(line) for line in lines))
            click.echo("")
    written = len(migration.yaml_changed) + len(migration.json_changed)
    click.echo(
        f"Migrated {len(migration.migrated)} Flex Flow(s) to Conversations addresses; wrote "
        f"{written} file(s) in {target}. Next: `flexplan plan {target}`."
    )


def _line(line: Line) -> str:
    return visible(f"  {_MARKS[line.kind]} {line.subject}: {line.text}")


def _self_check(target: Path) -> bool:
    """The pre-flight: the migrated manifest validated (every cross-resource rule)."""
    _, diagnostics = validate_directory(target, all_environments=True)
    _show(diagnostics)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        click.echo(
            f"error: the migrated manifest has {len(errors)} problem(s) (above); fix them "
            "before planning",
            err=True,
        )
    return not errors


def _show(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(visible(diagnostic.render(), keep="\n"), err=True)
