"""`flexplan export` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command(name="export")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("'flexplan export' is not implemented yet")
