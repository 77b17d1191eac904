"""Options shared by several commands, defined once."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from flexplan.redact import register_secret
from flexplan.sensitive import secret_variable

F = TypeVar("F", bound=Callable[..., Any])


def _parse_vars(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", ctx=ctx, param=param)
        parsed[name.strip()] = value
        if secret_variable(name.strip(), value):
            register_secret(value)  # masked in every output, and never saved in a plan
    return parsed


def directory_argument(func: F) -> F:
    return click.argument(
        "directory",
        default=".",
        type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    )(func)


def manifest_options(func: F) -> F:
    """--env, --var and --file-root: which environment, variable overrides, file access."""
    func = click.option(
        "--file-root",
        metavar="DIR",
        envvar="FLEXPLAN_FILE_ROOT",
        type=click.Path(file_okay=False, path_type=Path),
        help="Let the manifest read files anywhere under DIR, e.g. a monorepo's root "
        "(default: only inside the directory that holds flexplan.yaml; env FLEXPLAN_FILE_ROOT).",
    )(func)
    func = click.option(
        "--var",
        "variables",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_parse_vars,
        help="Set a manifest variable (overrides the environment's vars). Repeatable.",
    )(func)
    return click.option(
        "--env", "env", metavar="NAME", help="The environment of `environments:` to use."
    )(func)


_PROFILE = "flexplan.profile"


def _keep_profile(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta[_PROFILE] = value


def account_context() -> dict[str, Any]:
    """What ``connect`` needs from the command line besides the account options:
    ``--profile``, where to say which credential is in use (stderr), and the learned
    concurrency limit's use (commands with ``--no-cache`` only)."""
    ctx = click.get_current_context(silent=True)
    profile = ctx.meta.get(_PROFILE) if ctx is not None else None
    return {
        "profile": profile,
        "notify": lambda line: click.echo(line, err=True),
        "limit_memory": _limit_memory(ctx),
    }


def _limit_memory(ctx: click.Context | None) -> Any:
    """Keep the learned limit beside the digest cache unless ``--no-cache``; start from
    it unless ``--parallelism`` was given (flexplan.learned_limit)."""
    if ctx is None or ctx.params.get("no_cache", True):
        return None
    from flexplan.learned_limit import LimitMemory

    given = ctx.get_parameter_source("parallelism") not in (None, ParameterSource.DEFAULT)
    return LimitMemory(start=not given)


def account_options(func: F) -> F:
    """--sandbox, --api-base, --parallelism, --profile: how to reach the account."""
    func = click.option(
        "--profile",
        "-p",
        metavar="NAME",
        expose_value=False,
        callback=_keep_profile,
        help="Use this twilio CLI profile (`twilio login`; ~/.twilio-cli/config.json) "
        "even when TWILIO_* variables are set. Default: the variables, else the twilio "
        "CLI's active profile.",
    )(func)
    from flexplan.throttle import PARALLELISM  # commands that talk to Twilio only

    func = click.option(
        "--parallelism",
        type=click.IntRange(PARALLELISM.low, PARALLELISM.high),
        default=PARALLELISM.default,
        show_default=True,
        help="Most API requests in flight at once (fewer while the account answers 429).",
    )(func)
    func = click.option(
        "--api-base",
        metavar="URL",
        envvar="FLEXPLAN_API_BASE",
        help="Send API requests to this base URL instead of Twilio (env FLEXPLAN_API_BASE).",
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Use a local sandbox account kept in DIR/.flexplan/sandbox.json (no Twilio needed).",
    )(func)


def use_color(no_color: bool) -> bool:
    """``--no-color``; else ``FORCE_COLOR`` (set and not empty: colour even into a pipe or a
    CI log, as force-color.org proposes, over ``NO_COLOR``); else ``NO_COLOR`` (set and not
    empty: none, no-color.org); else colour on a terminal only."""
    if no_color:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def format_option(*choices: str, help: str | None = None) -> Callable[[F], F]:
    """--format CHOICE, text by default (``choices`` in the order --help shows them)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help,
    )


def cache_option(func: F) -> F:
    """--no-cache: read every Studio definition, and leave DIR/.flexplan/'s digests alone."""
    return click.option(
        "--no-cache",
        "no_cache",
        is_flag=True,
        help="Fetch every managed Studio definition, even those whose live revision "
        "DIR/.flexplan/definition-digests.json knows unchanged; neither read nor write it.",
    )(func)


def target_option(func: F) -> F:
    """--target ADDRESS (repeatable): plan only these resources and what they depend on."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDRESS",
        help="Limit the plan to this resource (its plan address, e.g. flex_flow.support) and "
        "what it depends on. Repeatable. For exceptional situations, not routine use.",
    )(func)


def remote_validate_option(func: F) -> F:
    """--no-remote-validate: skip the account's own checks (Studio's Validate)."""
    return click.option(
        "--no-remote-validate",
        "no_remote_validate",
        is_flag=True,
        help="Do not ask the account to validate what would be written "
        "(Studio's POST /v2/Flows/Validate for each created or changed flow).",
    )(func)


def echo_warnings(manifest: Any) -> None:
    """The manifest's warnings (values beyond documented limits) on stderr; never fatal."""
    for warning in getattr(manifest, "warnings", ()):
        click.echo(warning.render(), err=True)


def lock_options(func: F) -> F:
    """--lock and --lock-timeout: the account lock (docs/locking.md)."""
    from flexplan.cli.locking import parse_duration

    func = click.option(
        "--lock-timeout",
        "lock_timeout",
        default="0s",
        show_default=True,
        metavar="DURATION",
        envvar="FLEXPLAN_LOCK_TIMEOUT",
        callback=lambda ctx, param, value: parse_duration(value),
        help="How long to wait for the account lock another run holds (30s, 5m; env "
        "FLEXPLAN_LOCK_TIMEOUT).",
    )(func)
    return click.option(
        "--lock",
        "lock",
        type=click.BOOL,
        default=True,
        show_default=True,
        metavar="BOOLEAN",
        help="Hold the account lock while applying; --lock=false skips it (unsafe).",
    )(func)
