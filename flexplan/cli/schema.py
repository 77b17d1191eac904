"""``flexplan schema``: write the JSON Schema of the manifest (for editors).

The schema is generated from the pydantic models, so it can never disagree
with what ``validate`` accepts; ``schemas/manifest.schema.json`` is the
checked-in copy (a test keeps it in sync).
"""

from __future__ import annotations

from pathlib import Path

import click

from flexplan.manifest.schema import SCHEMA_FILE, schema_text


@click.command(name="schema")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write manifest.schema.json into.",
)
def command(out_dir: Path) -> None:
    """Write the manifest's JSON Schema into OUT (default: schemas/)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / SCHEMA_FILE
    target.write_text(schema_text(), encoding="utf-8")
    click.echo(f"Wrote {target}")
