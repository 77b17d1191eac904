"""References between Studio flows: ``{studio_flow: NAME}`` vars, in plans and exports.

Real helplines wire flows together with run-subflow widgets; the sub-flow's SID
is another managed flow's, so it is written as a reference (known after apply
when both are created in one plan) and exported as one whenever the sub-flow is
exported too, which makes an export portable to another account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from plankit import CLEAN, block, headings, write_config

from flexplan.sandbox import SandboxServer, running_sandbox

SUB = {
    "initial_state": "Trigger",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [{"event": "incomingParent"}],
            "properties": {"offset": {"x": 0, "y": 0}},
        }
    ],
}


def _main(flow_sid: str) -> dict[str, Any]:
    return {
        "initial_state": "Trigger",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [{"event": "incomingMessage", "next": "run_sub"}],
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "run_sub",
                "type": "run-subflow",
                "transitions": [{"event": "completed"}, {"event": "failed"}],
                "properties": {
                    "offset": {"x": 0, "y": 200},
                    "flow_sid": flow_sid,
                    "flow_revision": "LatestPublished",
                    "parameters": [],
                },
            },
        ],
    }


MANIFEST = """
studio_flows:
  main:
    friendly_name: Main Flow
    status: published
    definition_file: main.json
    vars: {SUBFLOW_SID: {studio_flow: sub}}
  sub:
    friendly_name: Sub Flow
    status: published
    definition_file: sub.json
"""


def _config(directory: Path) -> Path:
    files = {"main.json": json.dumps(_main("${SUBFLOW_SID}")), "sub.json": json.dumps(SUB)}
    return write_config(directory, MANIFEST, files)


def test_a_flow_var_refers_to_a_flow_created_in_the_same_plan(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert headings(plan.stdout)[:2] == [
        "# studio_flow.sub will be created",
        "# studio_flow.main will be created",
    ]
    lines = block(plan.stdout, "studio_flow.main")
    assert any(line.strip() == "properties.flow_sid = (known after apply)" for line in lines)
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    flows = {f["friendly_name"]: f for f in sandbox.store.items("studio_flows")}
    run_sub = flows["Main Flow"]["definition"]["states"][1]
    assert run_sub["properties"]["flow_sid"] == flows["Sub Flow"]["sid"]
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.endswith(CLEAN + "\n")


def test_a_flow_reference_must_name_a_managed_other_flow(tmp_path: Path, run_flexplan: Any) -> None:
    manifest = MANIFEST.replace("{studio_flow: sub}", "{studio_flow: missing}")
    config = write_config(
        tmp_path / "c",
        manifest,
        {"main.json": json.dumps(_main("x-${SUBFLOW_SID}")), "sub.json": json.dumps(SUB)},
    )
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 1, result
    assert "missing" in result.stdout
    assert "must be the whole value" in result.stdout
    itself = MANIFEST.replace("{studio_flow: sub}", "{studio_flow: main}")
    files = {"main.json": json.dumps(_main("${SUBFLOW_SID}")), "sub.json": json.dumps(SUB)}
    config = write_config(tmp_path / "self", itself, files)
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 1 and "refers to this flow itself" in result.stdout, result


def test_export_writes_sub_flow_sids_as_references_and_is_portable(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    sub = sandbox.store.add_studio_flow(
        friendly_name="Sub Flow", status="published", definition=SUB
    )
    sandbox.store.add_studio_flow(
        friendly_name="Main Flow", status="published", definition=_main(sub["sid"])
    )
    out = tmp_path / "export"
    exported = run_flexplan("export", "--out", str(out), "--kinds", "studio_flows", env=sandbox_env)
    assert exported.exit_code == 0, exported
    flows = yaml.safe_load((out / "studio_flows.yaml").read_text())["studio_flows"]
    assert flows["main-flow"]["vars"] == {"SUBFLOW_SID": {"studio_flow": "sub-flow"}}
    assert sub["sid"] not in (out / "studio" / "main-flow.json").read_text()
    assert '"flow_sid": "${SUBFLOW_SID}"' in (out / "studio" / "main-flow.json").read_text()
    clean = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    assert clean.exit_code == 0, clean
    root = (out / "flexplan.yaml").read_text()  # another account: drop the pinned account SID
    (out / "flexplan.yaml").write_text(root.replace("account_sid:", "# account_sid:"))
    with running_sandbox(account_sid="AC" + "7" * 32) as other:
        elsewhere = dict(other.credentials)
        applied = run_flexplan("apply", str(out), "--auto-approve", env=elsewhere)
        assert applied.exit_code == 0, applied
        created = {f["friendly_name"]: f for f in other.store.items("studio_flows")}
        run_sub = created["Main Flow"]["definition"]["states"][1]
        assert run_sub["properties"]["flow_sid"] == created["Sub Flow"]["sid"]
