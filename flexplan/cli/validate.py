"""``flexplan validate``: check a manifest without touching the network.

Reports every problem at once -- as ``path:line:col: error: message`` lines,
a JSON list, or GitHub workflow-command annotations -- and exits 1 when there
is an error, 0 when the manifest is valid (warnings, such as a value beyond a
documented platform limit, are shown and never fail). Without ``--env``, a manifest with
``environments:`` is checked in each of them.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from flexplan.cli.options import directory_argument, format_option, manifest_options
from flexplan.errors import Diagnostic
from flexplan.manifest import Manifest, validate_directory
from flexplan.render.escape import visible


@click.command(name="validate")
@directory_argument
@manifest_options
@format_option(
    "text", "json", "github",
    help="text for people, json for tools, github for workflow annotations.",
)  # fmt: skip
def command(
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    output_format: str,
) -> None:
    """Check the manifest in DIRECTORY (default: the current directory)."""
    manifest, diagnostics = validate_directory(
        directory,
        env=env,
        variables=variables,
        all_environments=env is None,
        file_root=file_root,
    )
    if output_format == "json":
        click.echo(json.dumps([_as_json(d) for d in diagnostics], indent=2))
    elif output_format == "github":
        for diagnostic in diagnostics:
            click.echo(github_annotation(diagnostic))
    else:
        for diagnostic in diagnostics:
            click.echo(visible(diagnostic.render(), keep="\n"))  # names from the manifest
    if output_format != "json":
        click.echo(_summary(diagnostics, manifest, env))
    if any(d.severity == "error" for d in diagnostics):
        raise click.exceptions.Exit(1)


def _as_json(diagnostic: Diagnostic) -> dict[str, object]:
    loc = diagnostic.location
    return {
        "file": loc.file if loc else None,
        "line": loc.line if loc and loc.line else None,
        "column": loc.column if loc and loc.column else None,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    }


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_annotation(diagnostic: Diagnostic) -> str:
    """``::error file=…,line=…,col=…::message`` (hint on a second line of the message)."""
    loc = diagnostic.location
    props = []
    if loc is not None:
        props.append(f"file={_escape(loc.file, prop=True)}")
        if loc.line:
            props.append(f"line={loc.line}")
        if loc.column:
            props.append(f"col={loc.column}")
    text = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    text = visible(text, keep="\n")  # names from the manifest: no escape reaches the CI log
    head = f"::{diagnostic.severity}"
    return f"{head} {','.join(props)}::{_escape(text)}" if props else f"{head}::{_escape(text)}"


def _summary(diagnostics: list[Diagnostic], manifest: Manifest | None, env: str | None) -> str:
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    also = f" ({_count(warnings, 'warning')})" if warnings else ""
    if errors:
        return f"{_count(errors, 'error')}{also}; the manifest is not valid."
    if manifest is None:
        return f"The manifest is valid in every environment{also}."
    where = f" (environment {env})" if env else ""
    files = len(manifest.files)
    return (
        f"The manifest is valid{where}: {len(manifest.entries)} resources "
        f"in {files} file{'s' if files != 1 else ''}{also}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"
