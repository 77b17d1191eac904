"""The ``flexplan`` command line: parse, call the engine, render.

Each command lives in its own module here and exposes ``command``; this module
only assembles them and turns flexplan's errors into one clear message and a
non-zero exit.

A command's module is imported only when that command runs (or its own help
is asked for): ``--help``, ``--version``, shell completion (of command names,
and of a command's options and arguments: ``flexplan.cli.completion``) and
``validate`` then never pay for the twilio SDK, requests or the sandbox.
``COMMANDS`` holds what the top-level help and completion show; a test checks
it against each module's own command.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import click

from flexplan import __version__, pydantic_plugins
from flexplan.collector import collector_paused
from flexplan.errors import DiagnosticsError, FlexplanError
from flexplan.redact import redact
from flexplan.render.escape import visible

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


class CommandEntry(NamedTuple):
    """Where a command lives and the one-line summary its docstring starts with."""

    module: str
    summary: str


COMMANDS: dict[str, CommandEntry] = {
    "apply": CommandEntry(
        "apply",
        "Make the account match the manifest in TARGET (a directory), or apply a saved plan file.",
    ),
    "comment": CommandEntry(
        "comment", "Build one comment from the plans in PLAN_DIR..., within GitHub's size limit."
    ),
    "export": CommandEntry(
        "export", "Write the account's configuration as a manifest directory (OUT)."
    ),
    "force-unlock": CommandEntry(
        "force_unlock",
        "Delete the account lock LOCK_ID (of the account the manifest in DIRECTORY names).",
    ),
    "graph": CommandEntry(
        "graph",
        "Print a Mermaid flowchart of the Studio flow FLOW (its local name in DIRECTORY's "
        "manifest): widgets added green, removed red, changed orange, unchanged grey.",
    ),
    "migrate": CommandEntry(
        "migrate", "Move the manifest in DIRECTORY from legacy Flex Flows to Flex Conversations."
    ),
    "output": CommandEntry(
        "output", "Print the SIDs of the resources the manifest in DIRECTORY manages."
    ),
    "plan": CommandEntry(
        "plan", "Show what would change in the account to match the manifest in DIRECTORY."
    ),
    "sandbox": CommandEntry(
        "sandbox", "A local Twilio-compatible API server with a fresh Flex account."
    ),
    "schema": CommandEntry(
        "schema", "Write the manifest's JSON Schemas into OUT (default: schemas/)."
    ),
    "show": CommandEntry(
        "show", "Print the saved plan PLANFILE as plan printed it, without reading the account."
    ),
    "validate": CommandEntry(
        "validate", "Check the manifest in DIRECTORY (default: the current directory)."
    ),
}
# Terraform's rule: 1 for every error, usage errors included; 2 is only
# `--detailed-exitcode`'s "changes" (click would exit 2 for a usage error).
EXIT_ERROR = 1


def load_command(name: str) -> click.Command:
    """The command ``name`` from its module (importing it and what it needs)."""
    pydantic_plugins.disable()  # the command's models: no third-party plugin sees them
    # imports make long-lived objects (modules, classes, pydantic's validators) and next
    # to no garbage: the cycle collector's passes over them are start-up time for nothing
    with collector_paused():
        module = importlib.import_module(f"flexplan.cli.{COMMANDS[name].module}")
    command: click.Command = module.command
    return command


def _short_help(summary: str, limit: int = 45) -> str:
    """``summary`` cut to ``limit`` as click cuts a loaded command's help."""
    return click.Command(None, help=summary).get_short_help_str(limit)


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, not when the CLI starts."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            if ctx.resilient_parsing:  # shell completion: a stand-in, the module not imported
                from flexplan.cli.completion import stand_in

                stand = stand_in(cmd_name)
                if stand is not None:
                    return stand
            self.add_command(load_command(cmd_name), cmd_name)
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _short_help(COMMANDS[name].summary, limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        if incomplete.startswith("-"):
            return click.Command.shell_complete(self, ctx, incomplete)
        return [
            CompletionItem(name, help=_short_help(entry.summary))
            for name, entry in sorted(COMMANDS.items())
            if name.startswith(incomplete)
        ]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flexplan")
def cli() -> None:
    """Configuration-as-code for Twilio Flex messaging.

    Keep Studio flows, Flex Flows, Conversations addresses and attachment
    settings as YAML in Git; `plan` shows what would change, `apply` makes the
    account match.
    """


def _shown(message: str) -> str:
    """A message as printed: no known secret, no invisible or control character."""
    return visible(redact(message), keep="\n")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI; report flexplan errors without a traceback."""
    try:
        # without standalone mode, click returns (not raises) a command's Exit code
        code = cli.main(args=argv, prog_name="flexplan", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click's word for Ctrl-C
            _interrupted()
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
        _interrupted()
    except Exception as exc:  # a bug in flexplan, not a user mistake
        click.echo(f"flexplan: internal error: {redact(repr(exc))}", err=True)
        click.echo("  hint: this is a bug in flexplan; please report it.", err=True)
        if os.environ.get("FLEXPLAN_DEBUG"):
            import traceback  # a bug's report only: not start-up time for every command

            click.echo(redact(traceback.format_exc()), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted() -> NoReturn:
    """Ctrl-C in a command without its own handling (apply has it: ``cli.locking``): exit
    130 at once, as shells expect; a read in flight is not waited for (``engine.read``)."""
    click.echo("Interrupted (SIGINT).", err=True)
    sys.exit(130)
