"""Values Twilio may answer in another form compare equal, and plans name them.

A Flex Flow's ``Integration.Channel`` takes a task channel's unique name or its
``TC…`` SID; an account may answer either. A look-up resolves both ways, so the
plan is clean whichever form comes back, and a real change shows the names
beside the SIDs: ``chat (TC…) -> sms (TC…)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from plankit import CLEAN, block, studio_flow, write_config

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.ids import fixed_sid as seeded_sid
from flexplan.sandbox.seed import CHAT_SERVICE, WORKFLOW, WORKSPACE

CHAT, SMS = seeded_sid("TC", "chat"), seeded_sid("TC", "sms")

HANDLER = """
flex_flows:
  handler:
    friendly_name: Task Handler
    chat_service: Flex Chat Service
    channel_type: custom
    enabled: false
    integration:
      type: task
      workspace: Flex Task Assignment
      workflow: Assign to Anyone
      channel: {channel}
"""


def _plan(run_flexplan: Any, config: Path, env: dict[str, str]) -> Any:
    return run_flexplan("plan", str(config), "--detailed-exitcode", env=env)


@pytest.mark.sandbox_knobs(echo_sids=True)
def test_a_channel_given_by_name_and_answered_as_its_sid_is_no_change(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", HANDLER.format(channel="chat"))
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    handler = next(
        f for f in sandbox.store.items("flex_flows") if f["friendly_name"] == "Task Handler"
    )
    assert handler["integration"]["channel"] == CHAT  # the account answers the SID
    again = _plan(run_flexplan, config, sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.endswith(CLEAN + "\n")


def test_a_channel_given_by_sid_and_answered_as_its_name_is_no_change(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    sandbox.store.add_flex_flow(
        friendly_name="Task Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        enabled=False, integration_type="task",
        integration={"workspace_sid": WORKSPACE, "workflow_sid": WORKFLOW, "channel": "chat"},
    )  # fmt: skip
    config = write_config(tmp_path / "c", HANDLER.format(channel=CHAT))
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 0, result
    assert result.stdout.endswith(CLEAN + "\n")


@pytest.mark.parametrize("live", ["chat", CHAT])
def test_a_changed_channel_shows_names_beside_sids(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    live: str,
) -> None:
    sandbox.store.add_flex_flow(
        friendly_name="Task Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        enabled=False, integration_type="task",
        integration={"workspace_sid": WORKSPACE, "workflow_sid": WORKFLOW, "channel": live},
    )  # fmt: skip
    config = write_config(tmp_path / "c", HANDLER.format(channel="sms"))
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 2, result
    lines = [line.strip() for line in block(result.stdout, "flex_flow.handler")]
    assert f"~ integration.channel = chat ({CHAT}) -> sms ({SMS})" in lines, lines


STUDIO = """
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
    vars: {CHANNEL_SID: {task_channel: sms}}
"""


def test_a_studio_look_up_var_shows_names_beside_sids(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    live = studio_flow()
    live["states"][2]["properties"]["channel"] = CHAT
    sandbox.store.add_studio_flow(friendly_name="Support Flow", status="published", definition=live)
    desired = studio_flow()
    desired["states"][2]["properties"]["channel"] = "${CHANNEL_SID}"
    config = write_config(tmp_path / "c", STUDIO, {"support.json": json.dumps(desired)})
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 2, result
    lines = [line.strip() for line in block(result.stdout, "studio_flow.support")]
    assert f"properties.channel: chat ({CHAT}) -> sms ({SMS})" in lines, lines


def test_export_writes_a_channel_answered_as_a_sid_by_its_name(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    sandbox.store.add_flex_flow(
        friendly_name="Task Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        enabled=False, integration_type="task",
        integration={"workspace_sid": WORKSPACE, "workflow_sid": WORKFLOW, "channel": SMS},
    )  # fmt: skip
    out = tmp_path / "export"
    exported = run_flexplan("export", "--out", str(out), "--kinds", "flex_flows", env=sandbox_env)
    assert exported.exit_code == 0, exported
    flows = yaml.safe_load((out / "flex_flows.yaml").read_text())["flex_flows"]
    assert flows["task-handler"]["integration"]["channel"] == "sms"
    clean = _plan(run_flexplan, out, sandbox_env)
    assert clean.exit_code == 0, clean
