"""``flexplan export`` names a workflow or task channel it also exports by local name.

A Flex Flow's task integration and a Studio flow's ``vars`` point at TaskRouter
objects by SID. When the export writes that object too (it is managed by the
exported manifest), the reference is ``{workflows: NAME}`` / ``{task_channels:
NAME}``; an object the export leaves out (another workspace, ``--kinds``) stays a
look-up by name. Either way the exported directory plans clean.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from flexplan.sandbox.seed import WORKFLOW, WORKSPACE

OTHER_WORKSPACE = "WS" + "e" * 32
OTHER_WORKFLOW = "WW" + "e" * 32


def _account(store: Any) -> None:
    """Two task Flex Flows: one routed in Flex's workspace (by channel SID), one in another."""
    second = copy.deepcopy(store.get("workspaces", WORKSPACE))
    second.update(sid=OTHER_WORKSPACE, friendly_name="Second Workspace")
    store.put("workspaces", second)
    other = copy.deepcopy(store.get("workflows", WORKFLOW))
    other.update(sid=OTHER_WORKFLOW, workspace_sid=OTHER_WORKSPACE, friendly_name="Overflow")
    store.put("workflows", other)
    sms = next(c for c in store.items("task_channels") if c["unique_name"] == "sms")
    service = store.items("chat_services")[0]["sid"]
    for name, number, space, flow, channel in (
        ("Task Line", "+15550008888", WORKSPACE, WORKFLOW, sms["sid"]),
        ("Overflow Line", "+15550007777", OTHER_WORKSPACE, OTHER_WORKFLOW, None),
    ):
        integration = {"workspace_sid": space, "workflow_sid": flow, "channel": channel}
        store.add_flex_flow(friendly_name=name, chat_service_sid=service, channel_type="sms",
                            contact_identity=number, enabled=True, integration_type="task",
                            integration={k: v for k, v in integration.items() if v})  # fmt: skip


def _export(run_flexplan: Any, out: Path, env: dict[str, str], *extra: str) -> dict[str, Any]:
    result = run_flexplan("export", "--out", str(out), *extra, env=env)
    assert result.exit_code == 0, result
    plan = run_flexplan("plan", str(out), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan  # the exported tree plans clean
    return {p.stem: yaml.safe_load(p.read_text())[p.stem] for p in out.glob("*.yaml")
            if p.name != "flexplan.yaml"}  # fmt: skip


def test_exported_workflow_and_channel_are_named_by_local_name(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    _account(sandbox.store)
    sections = _export(run_flexplan, tmp_path / "all", sandbox_env)
    assert "assign-to-anyone" in sections["workflows"]
    assert "sms" in sections["task_channels"] and "chat" in sections["task_channels"]
    flows = sections["flex_flows"]
    assert flows["task-line"]["integration"] == {
        "type": "task", "workspace": "Flex Task Assignment",
        "workflow": {"workflows": "assign-to-anyone"}, "channel": {"task_channels": "sms"},
    }  # fmt: skip
    # a workflow of another workspace is not exported: it stays a look-up by name
    assert flows["overflow-line"]["integration"] == {
        "type": "task", "workspace": "Second Workspace", "workflow": "Overflow",
    }  # fmt: skip
    assert sections["studio_flows"]["webchat-flow"]["vars"] == {
        "CHANNEL_SID": {"task_channels": "chat"},
        "WORKFLOW_SID": {"workflows": "assign-to-anyone"},
    }


def test_workflow_and_channel_left_out_of_the_export_stay_look_ups(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    _account(sandbox.store)
    kinds = ("--kinds", "studio_flows,flex_flows")
    sections = _export(run_flexplan, tmp_path / "some", sandbox_env, *kinds)
    assert sorted(sections) == ["flex_flows", "studio_flows"]
    integration = sections["flex_flows"]["task-line"]["integration"]
    assert (integration["workflow"], integration["channel"]) == ("Assign to Anyone", "sms")
    workspace = "Flex Task Assignment"  # named: the account has two
    assert sections["studio_flows"]["webchat-flow"]["vars"] == {
        "CHANNEL_SID": {"task_channel": "chat", "workspace": workspace},
        "WORKFLOW_SID": {"workflow": "Assign to Anyone", "workspace": workspace},
    }
