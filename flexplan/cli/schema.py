"""``flexplan schema``: write the JSON Schemas of the manifest (for editors).

The schemas are generated from the pydantic models, so they can never disagree
with what ``validate`` accepts; ``schemas/manifest.schema.json`` (for
``flexplan.yaml``) and ``schemas/include.schema.json`` (for included files)
are the checked-in copies (a test keeps them in sync).
"""

from __future__ import annotations

from pathlib import Path

import click

from flexplan.manifest.schema import schema_files


@click.command(name="schema")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write manifest.schema.json and include.schema.json into.",
)
def command(out_dir: Path) -> None:
    """Write the manifest's JSON Schemas into OUT (default: schemas/).

    manifest.schema.json is for flexplan.yaml, include.schema.json for the
    files it includes (resource sections only).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in schema_files().items():
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {target}")
