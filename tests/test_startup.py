"""Short commands start fast: they never import what only talking to Twilio needs.

Each case runs the CLI in a fresh interpreter and looks at ``sys.modules``
afterwards (what was imported, not how long it took: timings live in
``benchmarks/startup_bench.py``).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import flexplan.cli

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
RUN_AND_LIST_MODULES = """
import json, sys
from flexplan.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
NEVER_FOR_SHORT_COMMANDS = ("twilio", "requests", "urllib3", "deepdiff", "flexplan.sandbox",
                            "flexplan.twilio_client", "flexplan.engine")  # fmt: skip
COMPLETION_ENV = {
    "_FLEXPLAN_COMPLETE": "bash_complete", "COMP_WORDS": "flexplan ", "COMP_CWORD": "1",
}  # fmt: skip


def _imported(args: list[str], env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**_clean_env(), **(env or {})},
    )
    modules = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, set(modules)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("_FLEXPLAN_COMPLETE")}


def _heavy(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["validate", str(QUICKSTART)], ["validate", "--help"]],
    ids=["--help", "--version", "validate", "validate --help"],
)
def test_short_commands_import_neither_the_sdk_nor_the_sandbox(args: list[str]) -> None:
    _, modules = _imported(args)
    assert _heavy(modules, NEVER_FOR_SHORT_COMMANDS) == []


@pytest.mark.parametrize("args", [["--help"], ["--version"]], ids=["--help", "--version"])
def test_help_and_version_import_no_pydantic_and_no_yaml(args: list[str]) -> None:
    out, modules = _imported(args)
    assert out  # it did print its help or version
    assert _heavy(modules, ("pydantic", "yaml", "flexplan.manifest", "flexplan.resources")) == []


MODELS_BUILT = """
import sys
from pydantic import BaseModel
from flexplan.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
print(sorted({c.__name__ for c in subclasses(BaseModel) if c.__module__.startswith("flexplan")}))
"""


def test_validate_loads_only_the_kinds_the_manifest_uses() -> None:
    """The quickstart has Studio flows and Conversations addresses: no other kind's
    module is imported and none of their models is built."""
    from flexplan.resources import KINDS

    used = {"studio_flows", "conversations_addresses"}
    others = [k for k in KINDS if k.section not in used]
    _, modules = _imported(["validate", str(QUICKSTART)])
    assert sorted(modules & {type(k).__module__ for k in others}) == []
    assert {type(k).__module__ for k in KINDS if k.section in used} <= modules
    done = subprocess.run(
        [sys.executable, "-c", MODELS_BUILT, "validate", str(QUICKSTART)],
        capture_output=True, text=True, timeout=60, env=_clean_env(), check=True,
    )  # fmt: skip
    built = set(json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"')))
    assert "StudioFlowSpec" in built and "ConversationsAddressSpec" in built
    assert sorted(built & {k.spec_model.__name__ for k in others}) == []


def test_completing_a_command_name_imports_no_command() -> None:
    out, modules = _imported([], COMPLETION_ENV)
    assert out.splitlines() == [f"plain,{name}" for name in sorted(_command_table())]
    assert _heavy(modules, ("pydantic", "yaml", *NEVER_FOR_SHORT_COMMANDS)) == []


@pytest.mark.parametrize("name", sorted(flexplan.cli.COMMANDS))
def test_completing_a_commands_options_imports_no_command(name: str) -> None:
    """``flexplan plan --<Tab>``: the options come from the completion table."""
    env = {**COMPLETION_ENV, "COMP_WORDS": f"flexplan {name} --", "COMP_CWORD": "2"}
    out, modules = _imported([], env)
    assert "plain,--help" in out.splitlines(), out
    module = f"flexplan.cli.{flexplan.cli.COMMANDS[name].module}"
    assert module not in modules
    assert _heavy(modules, ("pydantic", "yaml", *NEVER_FOR_SHORT_COMMANDS)) == []


def test_completing_an_option_value_imports_no_command() -> None:
    env = {**COMPLETION_ENV, "COMP_WORDS": "flexplan plan --format ", "COMP_CWORD": "3"}
    out, modules = _imported([], env)
    assert out.splitlines() == ["plain,text", "plain,json", "plain,markdown"]
    assert "flexplan.cli.plan" not in modules


def test_the_command_table_matches_every_command_module() -> None:
    """Top-level help shows COMMANDS' summaries: each must be its command's own."""
    from flexplan.cli import COMMANDS, load_command

    modules = {
        info.name
        for info in pkgutil.iter_modules(flexplan.cli.__path__)
        if hasattr(load_command_module(info.name), "command")
    }
    assert {entry.module for entry in COMMANDS.values()} == modules
    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert command.get_short_help_str(limit=10_000) == entry.summary


def load_command_module(name: str) -> object:
    return importlib.import_module(f"flexplan.cli.{name}")


def _command_table() -> dict[str, object]:
    table: dict[str, object] = flexplan.cli.COMMANDS
    return table


SHOW_NEVER = ("twilio", "requests", "urllib3", "flexplan.sandbox", "flexplan.twilio_client",
              "flexplan.engine.read", "flexplan.connect")  # fmt: skip


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_reads_a_saved_plan_without_the_sdk_or_the_sandbox(tmp_path: Path, fmt: str) -> None:
    from flexplan.engine.model import Plan, ResourceChange
    from flexplan.engine.saved import write_saved_plan

    change = ResourceChange(
        section="flex_flows", type_name="flex_flow", title="Flex Flow", name="web",
        action="create", after={"friendly_name": "Web"},
    )  # fmt: skip
    saved = tmp_path / "plan.tfplan"
    write_saved_plan(Plan("AC" + "0" * 32, None, "digest", [change]), saved, directory=".")
    out, modules = _imported(["show", str(saved), "--format", fmt])
    assert "web" in out
    assert _heavy(modules, SHOW_NEVER) == []


# What ``validate`` of a valid manifest needs is the manifest layer and the kinds it names:
# not what plans diff and show with, not the translation of pydantic's errors, and not the
# entry-point scan of pydantic's plugin loader (flexplan.pydantic_plugins).
VALIDATE_NEVER = (
    *NEVER_FOR_SHORT_COMMANDS, "flexplan.flowdiff", "flexplan.resources.studio.diff",
    "flexplan.render.studio", "flexplan.manifest.translate", "flexplan.throttle",
    "importlib.metadata", "html", "difflib",
)  # fmt: skip


def test_validate_imports_only_what_checking_a_manifest_needs() -> None:
    out, modules = _imported(["validate", str(QUICKSTART)])
    assert "The manifest is valid" in out
    assert _heavy(modules, VALIDATE_NEVER) == []



PATTERNS_COMPILED = """
import sys
from flexplan.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
import flexplan.sensitive
print(flexplan.sensitive._patterns.cache_info().currsize)
"""


def test_validate_compiles_none_of_the_secret_patterns() -> None:
    """A valid manifest has no live value to look at: the secret detector's regexes (compiled
    on first use) stay uncompiled; a ``--var`` does look."""
    run = [sys.executable, "-c", PATTERNS_COMPILED, "validate", str(QUICKSTART)]
    done = subprocess.run(run, capture_output=True, text=True, timeout=60, env=_clean_env())
    assert "The manifest is valid" in done.stdout
    assert done.stdout.splitlines()[-1] == "0"
    with_var = subprocess.run(
        [*run, "--var", "token=abc"], capture_output=True, text=True, timeout=60, env=_clean_env()
    )
    assert with_var.stdout.splitlines()[-1] == "1", with_var.stdout + with_var.stderr


RECORDS_PENDING = """
import sys
from flexplan.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
import flexplan.records
print(" ".join(sorted(c.__name__ for c in flexplan.records._pending)))
"""
PLAN_AND_ERROR_RECORDS = {"Diagnostic", "DiagnosticsError", "LiveObject", "FieldChange", "Problem"}


def test_validate_makes_none_of_the_records_only_plans_and_errors_use() -> None:
    """A valid manifest raises no error and reads no live object: their dataclasses (records,
    made on first use) stay unmade; an invalid one makes the diagnostics it prints."""
    run = [sys.executable, "-c", RECORDS_PENDING, "validate"]
    done = subprocess.run(
        [*run, str(QUICKSTART)], capture_output=True, text=True, timeout=60, env=_clean_env()
    )
    assert "The manifest is valid" in done.stdout
    assert set(done.stdout.splitlines()[-1].split()) >= PLAN_AND_ERROR_RECORDS
    broken = subprocess.run(
        [*run, str(QUICKSTART / "missing")], capture_output=True, text=True, timeout=60,
        env=_clean_env(),
    )  # fmt: skip
    assert "the manifest is not valid" in broken.stdout
    assert "Diagnostic" not in broken.stdout.splitlines()[-1].split(), broken.stdout
