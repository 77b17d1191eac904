"""Exit codes through the installed `flexplan` script: every error is 1, as in Terraform.

2 means only "changes" (`plan --detailed-exitcode`), so a CI job that treats 2
as success must never see it for a typo in an option. Click's own default
for usage errors is 2. Every command's usage errors go through the console
script's entry point (``flexplan.cli:main``); the installed script and
``python -m flexplan`` are run as subprocesses for one of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from flexplan.cli import cli, main

SCRIPT = Path(sys.executable).parent / "flexplan"


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the CLI's group imports its commands lazily
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            out += _leaf_commands(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


COMMANDS = _leaf_commands(cli)
USAGE_ERRORS: dict[str, list[str]] = {
    **{f"{' '.join(c)}: unknown option": [*c, "--no-such-option"] for c in COMMANDS},
    "plan: misspelt option, --detailed-exitcode": [
        "plan", "--detailed-exitcode", "--paralelism", "4",
    ],
    "plan: bad choice": ["plan", "--format", "yaml"],
    "plan: not a number": ["plan", "--parallelism", "four"],
    "output: bad choice": ["output", "--format", "yaml"],
    "sandbox serve: not a port": ["sandbox", "serve", "--port", "abc"],
    "sandbox replay: missing argument": ["sandbox", "replay"],
    "unknown command": ["frobnicate"],
    "unknown sandbox command": ["sandbox", "frobnicate"],
    "no command": [],
}  # fmt: skip


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The console script's entry point (``flexplan.cli:main``), in this process."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_every_command_is_covered() -> None:
    assert {c[0] for c in COMMANDS} >= {"validate", "plan", "apply", "export", "sandbox"}


@pytest.mark.parametrize("name", sorted(USAGE_ERRORS))
def test_usage_error_exits_1_never_2(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _main(USAGE_ERRORS[name], capsys)
    assert code == 1, f"a usage error must exit 1 (2 means 'changes'): {err}"
    assert "Traceback" not in err
    if name != "no command":
        assert "Error:" in err  # click's one-line message, after the usage line


@pytest.mark.parametrize(
    "launcher", [[str(SCRIPT)], [sys.executable, "-m", "flexplan"]], ids=["script", "python-m"]
)
def test_installed_script_exits_1_for_a_misspelt_option(
    launcher: list[str], tmp_path: Path
) -> None:
    done = subprocess.run(
        [*launcher, "plan", "--detailed-exitcode", "--paralelism", "4"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Did you mean '--parallelism'?" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["plan", "--help"]])
def test_help_and_version_exit_0(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(args, capsys)[0] == 0
