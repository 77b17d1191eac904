"""`flexplan validate` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command(name="validate")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("'flexplan validate' is not implemented yet")
