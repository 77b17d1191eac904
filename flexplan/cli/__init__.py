"""The ``flexplan`` command line: parse, call the engine, render.

Each command lives in its own module here and exposes ``command``; this module
only assembles them and turns flexplan's errors into one clear message and a
non-zero exit.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from flexplan import __version__
from flexplan.errors import DiagnosticsError, FlexplanError
from flexplan.redact import redact
from flexplan.render.escape import visible

COMMAND_MODULES = (
    "validate", "schema", "plan", "apply", "export", "output", "sandbox", "force_unlock",
    "migrate",
    "graph",
)  # fmt: skip
# Terraform's rule: 1 for every error, usage errors included; 2 is only
# `--detailed-exitcode`'s "changes" (click would exit 2 for a usage error).
EXIT_ERROR = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flexplan")
def cli() -> None:
    """Configuration-as-code for Twilio Flex messaging.

    Keep Studio flows, Flex Flows, Conversations addresses and attachment
    settings as YAML in Git; `plan` shows what would change, `apply` makes the
    account match.
    """


for _name in COMMAND_MODULES:
    _module = importlib.import_module(f"flexplan.cli.{_name}")
    cli.add_command(_module.command)


def _shown(message: str) -> str:
    """A message as printed: no known secret, no invisible or control character."""
    return visible(redact(message), keep="\n")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI; report flexplan errors without a traceback."""
    try:
        # without standalone mode, click returns (not raises) a command's Exit code
        code = cli.main(args=argv, prog_name="flexplan", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors, bad option values, unknown commands
        exc.show()
        sys.exit(EXIT_ERROR)
    except FlexplanError as exc:
        click.echo(_shown(exc.as_diagnostic().render()), err=True)
        sys.exit(1)
    except DiagnosticsError as exc:
        click.echo(_shown(str(exc)), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in flexplan, not a user mistake
        click.echo(f"flexplan: internal error: {redact(repr(exc))}", err=True)
        click.echo("  hint: this is a bug in flexplan; please report it.", err=True)
        if os.environ.get("FLEXPLAN_DEBUG"):
            click.echo(redact(traceback.format_exc()), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
