"""Hostile inputs (issue 10): each ends quickly in one error at file:line and exit 1.

One case per attack an outside contributor (or a careless one) can put in a pull
request: secrets echoed by error messages, files outside the configuration,
resource exhaustion, untrusted text in messages, and the smaller ones (the live
side's secrets and names, and the sandbox's control endpoints, are in
test_live_side.py and test_sandbox_control.py). Every case runs the real CLI
in a child process with a timeout (harness.TIMEOUT), so a hang, a crash or a
traceback fails it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .harness import STUDIO_FLOW, Case, flow_manifest, run_flexplan

MiB = 1024 * 1024
OUTSIDE_SECRET = "TOP-SECRET-OUTSIDE"
OUTSIDE_FLOW = json.dumps({**json.loads(STUDIO_FLOW), "description": OUTSIDE_SECRET})


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config(root: Path, manifest: str, **files: str) -> Path:
    """``root/config`` with ``flexplan.yaml`` and ``files``; ``root/outside`` holds a secret."""
    write(root, "outside/flow.json", OUTSIDE_FLOW)
    write(root, "outside/parts.yaml", f"studio_flows:\n  {OUTSIDE_SECRET}: 1\n")
    directory = root / "config"
    write(directory, "flexplan.yaml", manifest)
    for rel, text in files.items():
        write(directory, rel.replace("__", "/"), text)
    return directory


def validate(directory: Path, *more: str) -> list[str]:
    return ["validate", directory.name, *more]  # flexplan runs in ``root``


# -- item 1: secrets in error messages ------------------------------------------------------

PASTED_TOKEN = "Bearer hostileBearer0002"
ENV_SECRET = "putSecret0099"


def hook_manifest(method: str) -> str:
    """A webhook address whose ``webhook_method`` (line 8, column 21) is ``method``."""
    return (
        "conversations_addresses:\n"
        "  hook:\n"
        "    type: chat\n"
        "    address: hostile-hook\n"
        "    auto_creation:\n"
        "      enabled: true\n"
        "      webhook_url: https://hooks.example.com/in\n"
        f"      webhook_method: {method}\n"
    )


def token_in_the_wrong_field(root: Path) -> list[str]:
    return validate(config(root, hook_manifest(f'"{PASTED_TOKEN}"')))


def env_value_in_the_wrong_field(root: Path) -> list[str]:
    return validate(config(root, hook_manifest("${env:METHOD}")))


# -- item 2: files outside the configuration -----------------------------------------------


def dotdot_definition(root: Path) -> list[str]:
    return validate(config(root, flow_manifest("../outside/flow.json")))


def etc_passwd_definition(root: Path) -> list[str]:
    return validate(config(root, flow_manifest("../../../../../../../../etc/passwd")))


def absolute_definition(root: Path) -> list[str]:
    return validate(config(root, flow_manifest(str(root / "outside" / "flow.json"))))


def symlink_definition(root: Path) -> list[str]:
    directory = config(root, flow_manifest("studio/flow.json"))
    (directory / "studio").mkdir()
    (directory / "studio" / "flow.json").symlink_to(root / "outside" / "flow.json")
    return validate(directory)


def absolute_include(root: Path) -> list[str]:
    return validate(config(root, f"include: ['{root}/outside/*.yaml']\n"))


def etc_include(root: Path) -> list[str]:
    return validate(config(root, "include: ['/etc/*.conf']\n"))


def dotdot_include(root: Path) -> list[str]:
    return validate(config(root, "include: ['../outside/*.yaml']\n"))


def symlink_include(root: Path) -> list[str]:
    directory = config(root, "include: ['parts/*.yaml']\n")
    (directory / "parts").mkdir()
    (directory / "parts" / "more.yaml").symlink_to(root / "outside" / "parts.yaml")
    return validate(directory)


def symlinked_directory_include(root: Path) -> list[str]:
    directory = config(root, "include: ['parts/*.yaml']\n")
    (directory / "parts").symlink_to(root / "outside")
    return validate(directory)


def file_root_still_confines(root: Path) -> list[str]:
    """--file-root widens the root to ``root/config``'s parent, and no further."""
    directory = config(root, flow_manifest("../../flow.json"))
    write(root.parent, "flow.json", OUTSIDE_FLOW)
    return validate(directory, "--file-root", str(root))


def plan_refuses_before_any_request(root: Path) -> list[str]:
    directory = config(root, flow_manifest("../outside/flow.json"))
    return ["plan", directory.name, "--api-base", "http://127.0.0.1:9", "--parallelism", "1"]


# -- item 3: resource exhaustion -------------------------------------------------------------


def alias_bomb(root: Path) -> list[str]:
    lines = ["vars:", "  a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return validate(config(root, "\n".join(lines) + "\n"))


def merge_key_bomb(root: Path) -> list[str]:
    lines = ["vars:", "  m0: &m0 {k: 1}"]
    lines += [
        f"  m{i}: &m{i} {{<<: [*m{i - 1}], x{i}: {{<<: *m{i - 1}}}, y{i}: {{<<: *m{i - 1}}}}}"
        for i in range(1, 40)
    ]
    return validate(config(root, "\n".join(lines) + "\n"))


def merge_chain_bomb(root: Path) -> list[str]:
    lines = ["vars:", "  a0: &a0 {x: 1}"]
    lines += [f"  a{i}: &a{i} {{<<: *a{i - 1}, y{i}: *a{i - 1}}}" for i in range(1, 3000)]
    return validate(config(root, "\n".join(lines) + "\n"))


def alias_nesting(root: Path) -> list[str]:
    lines = ["vars:", "  a0: &a0 [x]"]
    lines += [f"  a{i}: &a{i} [*a{i - 1}]" for i in range(1, 3000)]
    return validate(config(root, "\n".join(lines) + "\n"))


def flow_nesting(root: Path) -> list[str]:
    return validate(config(root, "vars: " + "[" * 200_000 + "]" * 200_000 + "\n"))


def too_many_values(root: Path) -> list[str]:
    return validate(config(root, "vars:\n  many: [" + "1," * 600_000 + "1]\n"))


def too_many_json_values(root: Path) -> list[str]:
    text = STUDIO_FLOW.replace('"properties": {}', '"properties": {"x": [' + "1," * 250_000 + "1]}")
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def many_dangling_targets(root: Path) -> list[str]:
    states = [
        {"name": f"s{i}", "type": f"no-such-widget-{i}", "transitions": [{"next": f"gone{i}"}]}
        for i in range(5_000)
    ]
    text = json.dumps({"initial_state": "s0", "states": states})
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def fifo_definition(root: Path) -> list[str]:
    directory = config(root, flow_manifest("flow.json"))
    os.mkfifo(directory / "flow.json")
    return validate(directory)


def fifo_include(root: Path) -> list[str]:
    directory = config(root, "include: [pipe.yaml]\n")
    os.mkfifo(directory / "pipe.yaml")
    return validate(directory)


def include_everything(root: Path) -> list[str]:
    return validate(config(root, "include: ['/**']\n"))


def include_too_many(root: Path) -> list[str]:
    directory = config(root, "include: ['parts/*.yaml']\n")
    (directory / "parts").mkdir()
    for i in range(1001):
        (directory / "parts" / f"p{i:04}.yaml").write_text("{}\n")
    return validate(directory)


def include_symlink_loop(root: Path) -> list[str]:
    directory = config(root, "include: ['**/*.yml']\n")
    for name in ("a", "b"):
        (directory / name).mkdir()
        (directory / name / "up").symlink_to("..")
        (directory / name / "here").symlink_to(".")
    return validate(directory)


def dev_zero_definition(root: Path) -> list[str]:
    directory = config(root, flow_manifest("/dev/zero"))
    return validate(directory, "--file-root", "/")


def huge_manifest(root: Path) -> list[str]:
    directory = config(root, "")
    os.truncate(directory / "flexplan.yaml", 50 * MiB)  # sparse: nothing is written
    return validate(directory)


def huge_definition(root: Path) -> list[str]:
    directory = config(root, flow_manifest("flow.json"))
    (directory / "flow.json").write_text(STUDIO_FLOW)
    os.truncate(directory / "flow.json", 11 * MiB)
    return validate(directory)


def deep_definition(root: Path) -> list[str]:
    nested = '{"a": ' * 150 + "1" + "}" * 150
    text = STUDIO_FLOW.replace('"properties": {}', f'"properties": {nested}')
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def very_deep_definition(root: Path) -> list[str]:
    text = '{"states": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


# -- item 4: untrusted text in messages ------------------------------------------------------

EVIL_KEY = "<img src=x onerror=alert(1)>\u202efield"


def invisible_and_html_key(root: Path) -> list[str]:
    manifest = f'studio_flows:\n  hostile:\n    friendly_name: x\n    "{EVIL_KEY}": 1\n'
    return validate(config(root, manifest))


WIDGET_TOKEN = "Bearer hostileWidget0003"
TARGET_TOKEN = "Bearer hostileTarget0004"
TERMINAL_NAME = "x\x1b[2J\x1b]0;pwned\x07**bold** <img src=x>"


def studio_states(*states: dict[str, object]) -> str:
    """A definition (one state a line: the N-th state is on line N + 2) of ``states``."""
    trigger = {"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}}
    lines = ",\n".join(json.dumps(state) for state in (trigger, *states))
    return '{"initial_state": "Trigger", "states": [\n' + lines + "\n]}\n"


def widget(name: str, target: str | None = None) -> dict[str, object]:
    transitions = [{"event": "sent", "next": target}] if target else []
    return {"name": name, "type": "send-message", "transitions": transitions,
            "properties": {"body": "hi"}}  # fmt: skip


def token_as_widget_name(root: Path) -> list[str]:
    text = studio_states(widget(WIDGET_TOKEN), widget(WIDGET_TOKEN))
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def token_as_transition_target(root: Path) -> list[str]:
    text = studio_states(widget("greet", TARGET_TOKEN), widget("Bearer hostileTarget0005"))
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def terminal_escapes_as_target(root: Path) -> list[str]:
    text = studio_states(widget("greet", TERMINAL_NAME))
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


# -- item 6: the smaller ones ----------------------------------------------------------------


def size_manifest(value: str) -> str:
    return f"channel_configs:\n  sms:\n    attachments: {{enabled: true, max_file_size: {value}}}\n"


def hex_number(root: Path) -> list[str]:
    return validate(config(root, size_manifest("0x10")))


def octal_number(root: Path) -> list[str]:
    return validate(config(root, size_manifest("010")))


def json_duplicate_key(root: Path) -> list[str]:
    text = STUDIO_FLOW.replace(
        '"description": "A hostile test flow",',
        '"description": "A hostile test flow",\n  "initial_state": "Elsewhere",',
    )
    return validate(config(root, flow_manifest("flow.json"), **{"flow.json": text}))


def manifest_is_directory(root: Path) -> list[str]:
    directory = root / "config"
    (directory / "flexplan.yaml").mkdir(parents=True)
    return validate(directory)


def deep_saved_plan(root: Path) -> list[str]:
    nested = "[" * 200_000 + "]" * 200_000
    plan = '{"format": "flexplan-saved-plan/1", "integrity": "0", "plan": ' + nested + "}"
    write(root, "deep.plan", plan)
    return ["apply", str(root / "deep.plan"), "--api-base", "http://127.0.0.1:9"]


OUTSIDE = "resolves outside the configuration directory"
FLOW_AT = "config/flexplan.yaml:4:22"
CASES = [
    Case("a token pasted into the wrong field", "1", token_in_the_wrong_field,
         "config/flexplan.yaml:8:23",
         "a value that looks like a secret is not a valid value for webhook_method",
         never=("hostileBearer0002", "HOSTILEBEARER0002")),
    Case("an ${env:…} value in the wrong field", "1", env_value_in_the_wrong_field,
         "config/flexplan.yaml:8:23",
         "the value from ${env:…} is not a valid value for webhook_method",
         never=(ENV_SECRET, ENV_SECRET.upper()), env={"METHOD": ENV_SECRET}),
    Case("definition ../", "2", dotdot_definition, FLOW_AT,
         f"definition_file '../outside/flow.json' {OUTSIDE}", never=(OUTSIDE_SECRET,)),
    Case("definition ../../etc/passwd", "2", etc_passwd_definition, FLOW_AT,
         f"definition_file '../../../../../../../../etc/passwd' {OUTSIDE}", never=("root:",)),
    Case("definition absolute", "2", absolute_definition, FLOW_AT,
         "definition_file '{root}/outside/flow.json' is outside the configuration directory",
         never=(OUTSIDE_SECRET,)),
    Case("definition symlink out", "2", symlink_definition, FLOW_AT,
         f"definition_file 'studio/flow.json' {OUTSIDE}", never=(OUTSIDE_SECRET,)),
    Case("include absolute", "2", absolute_include, "config/flexplan.yaml:1:11",
         "include '{root}/outside/*.yaml' is outside the configuration directory",
         never=(OUTSIDE_SECRET,)),
    Case("include /etc/*.conf", "2", etc_include, "config/flexplan.yaml:1:11",
         "include '/etc/*.conf' is outside the configuration directory"),
    Case("include ../", "2", dotdot_include, "config/flexplan.yaml:1:11",
         "include '../outside/*.yaml' is outside the configuration directory",
         never=(OUTSIDE_SECRET,)),
    Case("include symlinked file", "2", symlink_include, "config/flexplan.yaml:1:11",
         f"included file 'parts/more.yaml' {OUTSIDE}", never=(OUTSIDE_SECRET,)),
    Case("include symlinked directory", "2", symlinked_directory_include,
         "config/flexplan.yaml:1:11",
         "include 'parts/*.yaml' is outside the configuration directory",
         never=(OUTSIDE_SECRET,)),
    Case("--file-root widens, and no further", "2", file_root_still_confines, FLOW_AT,
         f"definition_file '../../flow.json' {OUTSIDE}", never=(OUTSIDE_SECRET,)),
    Case("plan refuses before any request", "2", plan_refuses_before_any_request, FLOW_AT,
         f"definition_file '../outside/flow.json' {OUTSIDE}", never=(OUTSIDE_SECRET,)),
    Case("alias bomb", "3", alias_bomb, "config/flexplan.yaml:7:3",
         "YAML aliases (*name) and << merges expand to more than 100,000 values"),
    Case("merge-key alias bomb", "3", merge_key_bomb, "config/flexplan.yaml:10:38",
         "YAML aliases (*name) and << merges expand to more than 100,000 values"),
    Case("merge chain bomb", "3", merge_chain_bomb, "config/flexplan.yaml:15:24",
         "YAML aliases (*name) and << merges expand to more than 100,000 values"),
    Case("nesting through aliases", "3", alias_nesting, "config/flexplan.yaml:3:7",
         "the YAML is nested more than 100 levels deep"),
    Case("nesting in brackets", "3", flow_nesting, "config/flexplan.yaml:1:1006",
         "invalid YAML: exceeded maximum nesting depth (while increasing flow level at line 1)"),
    Case("too many values", "3", too_many_values, "config/flexplan.yaml:2:1000000",
         "the YAML holds more than 500,000 values"),
    Case("too many JSON values", "3", too_many_json_values, "config/flow.json:1:1",
         "the JSON holds more than 200,000 values"),
    Case("FIFO definition", "3", fifo_definition, FLOW_AT,
         "definition_file 'flow.json' is a FIFO, not a regular file"),
    Case("FIFO include", "3", fifo_include, "config/flexplan.yaml:1:11",
         "included file 'pipe.yaml' is a FIFO, not a regular file"),
    Case("include /**", "3", include_everything, "config/flexplan.yaml:1:11",
         "include '/**' is outside the configuration directory"),
    Case("include matches too many", "3", include_too_many, "config/flexplan.yaml:1:11",
         "the include: globs match more than 1,000 files"),
    Case("include ** through symlink loops", "3", include_symlink_loop,
         "config/flexplan.yaml:1:11", "include '**/*.yml' matches no file"),
    Case("/dev/zero definition", "3", dev_zero_definition, FLOW_AT,
         "definition_file '/dev/zero' is a device or socket, not a regular file"),
    Case("50 MiB manifest", "3", huge_manifest, "config/flexplan.yaml",
         "manifest file is 50 MiB, over the limit of 10 MiB for one file"),
    Case("11 MiB definition", "3", huge_definition, FLOW_AT,
         "definition_file 'flow.json' is 11 MiB, over the limit of 10 MiB for one file"),
    Case("deep definition", "3", deep_definition, "config/flow.json:5:659",
         "the JSON is nested more than 100 levels deep"),
    Case("very deep definition", "3", very_deep_definition, "config/flow.json:1:111",
         "the JSON is nested more than 100 levels deep"),
    Case("HTML and a bidi override in a key", "4", invisible_and_html_key,
         "config/flexplan.yaml:4:5",
         "unknown field '<img src=x onerror=alert(1)>\\u202efield'", never=("\u202e",)),
    Case("a token as a Studio widget's name", "4", token_as_widget_name,
         "config/flow.json:4:10", "duplicate state name 'Bearer (sensitive)' (also states[1])",
         never=("hostileWidget0003",)),
    Case("a token as a Studio transition's target", "4", token_as_transition_target,
         "config/flow.json:3:85",
         "transition target 'Bearer (sensitive)' is not a state of this flow",
         never=("hostileTarget000",)),
    Case("terminal escapes and markdown as a transition's target", "4",
         terminal_escapes_as_target, "config/flow.json:3:85",
         "transition target 'x\\u001b[2J\\u001b]0;pwned\\u0007**bold** <img src=x>' is not a "
         "state of this flow", never=("\x1b", "\x07")),
    Case("max_file_size: 0x10", "6", hex_number, "config/flexplan.yaml:3:49",
         "YAML reads 0x10 as the number 16"),
    Case("max_file_size: 010", "6", octal_number, "config/flexplan.yaml:3:49",
         "YAML reads 010 as the number 8"),
    Case("duplicate key in a Studio JSON file", "6", json_duplicate_key, "config/flow.json:4:3",
         "duplicate key 'initial_state' (first at line 3)"),
    Case("a directory named flexplan.yaml", "6", manifest_is_directory,
         "config/flexplan.yaml", "flexplan.yaml is a directory, not a file"),
    Case("200,000-deep saved plan", "6", deep_saved_plan, "",
         "{root}/deep.plan is not a flexplan plan file (its JSON is nested too deeply)"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{c.item}:{c.name}" for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    root = tmp_path / "case"
    root.mkdir()
    args = case.build(root)
    outcome = run_flexplan(*args, cwd=root, env=case.env)
    case.resolved(str(root)).check(outcome)


def test_a_flood_of_problems_in_one_definition_is_capped(tmp_path: Path) -> None:
    """5,000 unknown widgets with dangling targets: 100 problems shown, the rest counted."""
    outcome = run_flexplan(*many_dangling_targets(tmp_path), cwd=tmp_path)
    assert outcome.code == 1 and "Traceback" not in outcome.output
    lines = outcome.stdout.splitlines()
    assert sum(line.startswith("config/flow.json:1:") for line in lines) == 100
    assert "config/flexplan.yaml:2:3: error: Studio flow 'hostile' has 9,900 more problems" in lines


def test_github_annotations_carry_no_terminal_escape(tmp_path: Path) -> None:
    """A CI log is a terminal too: the workflow command shows escapes as ``\\u001b``."""
    outcome = run_flexplan(*terminal_escapes_as_target(tmp_path), "--format", "github",
                           cwd=tmp_path)  # fmt: skip
    assert outcome.code == 1 and "Traceback" not in outcome.output
    assert "\x1b" not in outcome.stdout and "\x07" not in outcome.stdout
    assert (
        "::error file=config/flow.json,line=3,col=85::transition target "
        "'x\\u001b[2J\\u001b]0;pwned\\u0007**bold** <img src=x>' is not a state of this flow"
    ) in outcome.stdout
