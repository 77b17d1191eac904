"""`flexplan sandbox` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command(name="sandbox")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("'flexplan sandbox' is not implemented yet")
