"""``flexplan output``: SIDs of the managed resources by kind and local name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from plankit import warnings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_output_json_and_text_after_apply(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / "quickstart", config)
    before = run_flexplan("output", str(config), "--format", "json", env=sandbox_env)
    assert before.exit_code == 0, before
    assert json.loads(before.stdout)["resources"]["studio_flows"] == {"sms": None, "web-chat": None}
    assert "do not exist yet" in before.stderr

    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    result = run_flexplan("output", str(config), "--json", env=sandbox_env)
    assert result.exit_code == 0, result
    outputs = json.loads(result.stdout)
    live = {f["friendly_name"]: f["sid"] for f in sandbox.store.items("studio_flows")}
    addresses = {a["address"]: a["sid"] for a in sandbox.store.items("addresses")}
    assert outputs == {
        "account_sid": sandbox_env["TWILIO_ACCOUNT_SID"],
        "environment": None,
        "resources": {
            "studio_flows": {
                "sms": live["Quickstart SMS Flow"],
                "web-chat": live["Quickstart Web Chat Flow"],
            },
            "conversations_addresses": {
                "support-sms": addresses["+15550001111"],
                "web-chat": addresses["quickstart-web-chat"],
            },
        },
    }
    text = run_flexplan("output", str(config), env=sandbox_env)
    assert text.stdout.splitlines() == [
        f"studio_flows.sms = {live['Quickstart SMS Flow']}",
        f"studio_flows.web-chat = {live['Quickstart Web Chat Flow']}",
        f"conversations_addresses.support-sms = {addresses['+15550001111']}",
        f"conversations_addresses.web-chat = {addresses['quickstart-web-chat']}",
    ]
    assert warnings(text.stderr) == ""


def test_channel_configs_are_never_listed(tmp_path: Path, sandbox_env, run_flexplan) -> None:
    """They have no SID of their own: left out before and after they exist."""
    (tmp_path / "flexplan.yaml").write_text(
        "version: 1\nchannel_configs:\n  email: {attachments: {enabled: true}}\n"
    )
    before = run_flexplan("output", str(tmp_path), "--json", env=sandbox_env)
    assert before.exit_code == 0, before
    assert json.loads(before.stdout)["resources"] == {}
    assert run_flexplan("apply", str(tmp_path), "--auto-approve", env=sandbox_env).exit_code == 0
    after = run_flexplan("output", str(tmp_path), "--json", env=sandbox_env)
    assert json.loads(after.stdout)["resources"] == {}
