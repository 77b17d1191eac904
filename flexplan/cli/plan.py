"""`flexplan plan` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command(name="plan")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("'flexplan plan' is not implemented yet")
