"""``flexplan show PLANFILE``: a saved plan, printed as ``plan`` printed it (``terraform show``).

Reads only the file: no credentials, no account, no manifest. The file holds
no secret (engine/saved.py), and the output passes the same last guards as
plan's. The integrity and format checks are apply's: an edited, truncated,
foreign, older- or newer-format file is refused with one message.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from flexplan.cli.options import format_option, use_color
from flexplan.engine.saved import load_saved_plan, printed_document
from flexplan.redact import redact
from flexplan.render.markdown import render_markdown
from flexplan.render.text import render_text


@click.command(name="show")
@click.argument("planfile", type=click.Path(dir_okay=True, path_type=Path))
@format_option("text", "json", "markdown")
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR; FORCE_COLOR forces it).")
def command(planfile: Path, output_format: str, no_color: bool) -> None:
    """Print the saved plan PLANFILE as plan printed it, without reading the account.

    The output is the one `flexplan plan --format FORMAT` printed when it saved
    the plan: the text plan, the pull-request markdown (Studio diffs, flow
    pictures, the migration section) or the JSON document. Nothing is read
    from the account and no credentials are needed.
    """
    body, plan = load_saved_plan(planfile)
    if output_format == "json":
        document = printed_document(body)
        click.echo(redact(json.dumps(document, indent=2, sort_keys=False, default=str)))
        return
    if output_format == "markdown":
        click.echo(render_markdown(plan), nl=False)
        return
    color = use_color(no_color)
    click.echo(render_text(plan, color=color), nl=False, color=color)
