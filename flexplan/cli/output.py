"""`flexplan output` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command(name="output")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("'flexplan output' is not implemented yet")
