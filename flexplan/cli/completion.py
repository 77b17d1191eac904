"""Shell completion of a command's options and arguments without importing the command.

Completing ``flexplan plan --<Tab>`` needs the command's parameters, and the
command's module imports what running it needs (the engine, pydantic, the twilio
SDK): half a second on every Tab. Completion uses a stand-in instead, built from
``completion.json`` beside this module: each command's parameters as click
describes them (names, flags, help, and the types whose values complete: choices,
paths). A test regenerates the table from the real commands and fails when they
differ; ``python -m flexplan.cli.completion`` writes it again.

A command whose parameters complete in a way the table cannot carry (its own
``shell_complete`` function) has no stand-in: completing it imports it, as before.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import click

TABLE = Path(__file__).with_name("completion.json")
# what a parameter's info dict keeps: enough to complete it, nothing that changes per run
_KEPT = ("name", "param_type_name", "opts", "secondary_opts", "nargs", "multiple",
         "required", "help", "hidden", "is_flag", "flag_value", "count")  # fmt: skip
_PATH_FLAGS = ("exists", "file_okay", "dir_okay", "allow_dash")


def stand_in(name: str) -> click.Command | None:
    """A command that completes as ``name`` does, or None when the table cannot say."""
    info = _table().get(name)
    return None if info is None else _command(name, info)


@functools.cache
def _table() -> dict[str, Any]:
    try:
        table: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # completion then imports the command, as it would without the table
    return table


def _command(name: str, info: dict[str, Any]) -> click.Command:
    params = [_param(p) for p in info["params"]]
    settings = {"help": info["help"], "short_help": info["short_help"], "hidden": info["hidden"]}
    if "commands" in info:
        commands = {n: _command(n, i) for n, i in info["commands"].items()}
        return click.Group(name, commands=commands, params=params, **settings)
    return click.Command(name, params=params, **settings)


def _param(info: dict[str, Any]) -> click.Parameter:
    kind = _type(info["type"])
    if info["param_type_name"] == "argument":
        return click.Argument(
            [info["name"]], type=kind, nargs=info["nargs"], required=info["required"]
        )
    flags = [*info["opts"], *(f"/{o}" for o in info["secondary_opts"])]
    declarations = ["".join(flags)] if info["secondary_opts"] else flags
    settings: dict[str, Any] = {
        k: info[k] for k in ("multiple", "count", "nargs", "required", "help", "hidden")
    }
    if info["is_flag"]:
        settings.update(is_flag=True, flag_value=info["flag_value"])
    else:
        settings["type"] = kind
    return click.Option([*declarations, info["name"]], **settings)


def _type(info: dict[str, Any]) -> click.ParamType[Any]:
    """The types whose values complete; every other type completes nothing, as text."""
    kind = info["param_type"]
    if kind == "Choice":
        return click.Choice(info["choices"], case_sensitive=info["case_sensitive"])
    if kind == "Path":
        return click.Path(**{k: info[k] for k in _PATH_FLAGS})
    if kind == "File":
        return click.File(info["mode"])
    if kind == "Bool":
        return click.BOOL
    return click.STRING


# -- writing the table (from the real commands: imports every one) ----------------------
def table() -> dict[str, Any]:
    """Every command's parameters as the table holds them (commands whose completion it
    cannot carry are left out)."""
    from flexplan.cli import COMMANDS, cli, load_command

    top = click.Context(cli, info_name="flexplan", **cli.context_settings)
    described = {name: _describe(load_command(name), top) for name in sorted(COMMANDS)}
    return {name: info for name, info in described.items() if info is not None}


def _describe(command: click.Command, parent: click.Context) -> dict[str, Any] | None:
    ctx = click.Context(command, parent=parent, info_name=command.name)
    helper = command.get_help_option(ctx)
    params = [p for p in command.get_params(ctx) if p is not helper]
    if any(p._custom_shell_complete is not None for p in params):
        return None
    info: dict[str, Any] = {
        "help": command.help,
        "short_help": command.short_help,
        "hidden": command.hidden,
        "params": [_param_info(p) for p in params],
    }
    if isinstance(command, click.Group):
        subcommands = {n: command.get_command(ctx, n) for n in command.list_commands(ctx)}
        described = {n: _describe(c, ctx) for n, c in subcommands.items() if c is not None}
        if any(d is None for d in described.values()):
            return None
        info["commands"] = described
    return info


def _param_info(param: click.Parameter) -> dict[str, Any]:
    raw = param.to_info_dict()
    info = {k: raw.get(k) for k in _KEPT if k in raw or k in ("help", "hidden")}
    info.setdefault("is_flag", False)
    info.setdefault("flag_value", None)
    info.setdefault("count", False)
    kind = raw["type"]
    keep = ("param_type", "choices", "case_sensitive", "mode", *_PATH_FLAGS)
    info["type"] = {k: v for k, v in kind.items() if k in keep}
    return info


def table_text() -> str:
    return json.dumps(table(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    TABLE.write_text(table_text(), encoding="utf-8")
    print(f"wrote {TABLE}")
