"""Completion without importing a command (flexplan.cli.completion): the stand-ins built
from completion.json complete exactly as the real commands do, and the table is the
real commands' own."""

from __future__ import annotations

import click
import pytest
from click.shell_completion import CompletionItem, ShellComplete

from flexplan.cli import COMMANDS, cli, load_command
from flexplan.cli.completion import TABLE, stand_in, table_text


def test_the_completion_table_is_the_commands_own() -> None:
    assert TABLE.read_text(encoding="utf-8") == table_text(), (
        "flexplan/cli/completion.json differs from the commands' options; regenerate it "
        "with `.venv/bin/python -m flexplan.cli.completion` and review the diff"
    )


def _group(commands: dict[str, click.Command]) -> click.Group:
    return click.Group("flexplan", commands=commands, context_settings=cli.context_settings)


def _completions(group: click.Group, args: list[str], incomplete: str) -> list[tuple[str, ...]]:
    found = ShellComplete(group, {}, "flexplan", "_FLEXPLAN_COMPLETE").get_completions(
        args, incomplete
    )
    return [_shown(item) for item in found]


def _shown(item: CompletionItem) -> tuple[str, ...]:
    return (str(item.value), item.type, str(item.help))


def _cases(name: str, command: click.Command) -> list[tuple[list[str], str]]:
    """Words a user may have typed before Tab: options, arguments, every option's value,
    and for a group each subcommand's options."""
    cases: list[tuple[list[str], str]] = [([name], "--"), ([name], "-"), ([name], ""),
                                          ([name], "x")]  # fmt: skip
    for param in command.params:
        if isinstance(param, click.Option) and not param.is_flag:
            cases += [([name, param.opts[0]], ""), ([name, param.opts[0]], "e")]
    if isinstance(command, click.Group):
        for sub in command.commands:
            cases += [([name, sub], "--"), ([name, sub], "")]
    return cases


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_stand_in_completes_as_its_command(name: str) -> None:
    real = load_command(name)
    stand = stand_in(name)
    assert stand is not None, f"{name} has no stand-in (a custom shell_complete?)"
    for args, incomplete in _cases(name, real):
        expected = _completions(_group({name: real}), args, incomplete)
        assert _completions(_group({name: stand}), args, incomplete) == expected, (
            args,
            incomplete,
        )
