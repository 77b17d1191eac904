"""Flex Configuration is read-modify-write: only managed ``channel_configs``
entries (and only their managed fields) change; every other key and entry is
identical before and after apply, even when it changed between plan and apply.
Updates of the other kinds send only the fields the manifest manages.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from applykit import CLEAN, assert_sane, write_config, writes

MANIFEST = """\
version: 1
channel_configs:
  sms:
    attachments:
      max_file_size: 1MiB
  web:
    attachments:
      enabled: false
  gbm:
    attachments:
      enabled: true
      number_of_attachments: 1
"""
SERVER_OWNED = {"date_updated"}


def _prepare(store: Any) -> None:
    """Entries and keys flexplan does not manage, that it must not lose."""
    with store.lock:
        config = copy.deepcopy(store.singleton("flex_configuration"))
        for entry in config["channel_configs"]:
            if entry["address_type"] == "sms":
                entry["x_vendor_setting"] = {"keep": ["me", 1]}
                entry["cbm_attachments"]["future_flag"] = True
        config["channel_configs"].append(
            {"address_type": "email", "cbm_attachments": {"enabled": True}, "inbound": "x"}
        )
        config["ui_attributes"] = {"theme": {"isLight": False}, "colors": ["#000"]}
        store.set_singleton("flex_configuration", config)


def _entries(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["address_type"]: e for e in config["channel_configs"]}


def _assert_only_managed_changed(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in set(before) | set(after):
        if key not in ("channel_configs", *SERVER_OWNED):
            assert before.get(key) == after.get(key), key
    old, new = _entries(before), _entries(after)
    assert list(old) == list(new)[: len(old)], "entries keep their order"
    for unmanaged in ("whatsapp", "email"):
        assert old[unmanaged] == new[unmanaged], unmanaged
    expected_sms = copy.deepcopy(old["sms"])
    expected_sms["cbm_attachments"]["max_file_size"] = 1048576
    assert new["sms"] == expected_sms
    expected_web = copy.deepcopy(old["web"])
    expected_web["cbm_attachments"]["enabled"] = False
    assert new["web"] == expected_web
    assert new["gbm"] == {
        "address_type": "gbm",
        "cbm_attachments": {"enabled": True, "number_of_attachments": 1},
    }


def test_unmanaged_keys_and_entries_are_identical(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    _prepare(sandbox.store)
    before = copy.deepcopy(sandbox.store.singleton("flex_configuration"))
    config = write_config(tmp_path / "cfg", MANIFEST)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert "Apply complete: 1 added, 2 changed, 0 destroyed." in result.stdout
    assert_sane(result, sandbox_env)
    _assert_only_managed_changed(before, sandbox.store.singleton("flex_configuration"))
    # each write sends the account and the whole array back, nothing else
    for exchange in writes(sandbox):
        assert set(json.loads(exchange.body)) == {"account_sid", "channel_configs"}
    again = run_flexplan("plan", str(config), env=sandbox_env)
    assert again.stdout.rstrip().endswith(CLEAN), again


def test_changes_made_between_plan_and_apply_survive(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The configuration is re-read right before each write, not taken from the plan."""
    config = write_config(tmp_path / "cfg", MANIFEST)
    saved = tmp_path / "plan.json"
    planned = run_flexplan("plan", str(config), "--out", str(saved), env=sandbox_env)
    assert planned.exit_code == 0, planned
    _prepare(sandbox.store)  # someone edits other parts of the configuration meanwhile
    before = copy.deepcopy(sandbox.store.singleton("flex_configuration"))
    result = run_flexplan("apply", str(saved), env=sandbox_env)
    assert result.exit_code == 1, result  # the sms entry it touches changed: stale
    assert "plan is stale: channel_config.sms" in result.stderr
    assert "channel_config.web" not in result.stderr

    with sandbox.store.lock:  # put the touched entry back; keep the other edits
        current = copy.deepcopy(sandbox.store.singleton("flex_configuration"))
        sms = _entries(current)["sms"]
        del sms["x_vendor_setting"], sms["cbm_attachments"]["future_flag"]
        sandbox.store.set_singleton("flex_configuration", current)
    before = copy.deepcopy(sandbox.store.singleton("flex_configuration"))
    result = run_flexplan("apply", str(saved), env=sandbox_env)
    assert result.exit_code == 0, result
    after = sandbox.store.singleton("flex_configuration")
    assert after["ui_attributes"] == {"theme": {"isLight": False}, "colors": ["#000"]}
    assert _entries(after)["email"] == _entries(before)["email"]


def test_updates_send_only_managed_fields(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    flow = next(f for f in sandbox.store.items("flex_flows") if f["channel_type"] == "web")
    address = next(a for a in sandbox.store.items("addresses") if a["type"] == "chat")
    manifest = f"""\
version: 1
flex_flows:
  web:
    friendly_name: {flow["friendly_name"]}
    channel_type: web
    chat_service: Flex Chat Service
    janitor_enabled: false
conversations_addresses:
  web-chat:
    type: chat
    address: {address["address"]}
    friendly_name: Renamed web chat
"""
    config = write_config(tmp_path / "cfg", manifest)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert "Apply complete: 0 added, 2 changed" in result.stdout
    bodies = {e.api: parse_qs(e.body.decode()) for e in writes(sandbox)}
    assert bodies["flex-api"] == {
        "FriendlyName": [flow["friendly_name"]],
        "ChannelType": ["web"],
        "ChatServiceSid": [flow["chat_service_sid"]],
        "JanitorEnabled": ["false"],
    }
    assert bodies["conversations"] == {"FriendlyName": ["Renamed web chat"]}
    new_flow = sandbox.store.get("flex_flows", flow["sid"])
    assert {k: v for k, v in new_flow.items() if k not in ("janitor_enabled", "date_updated")} == {
        k: v for k, v in flow.items() if k not in ("janitor_enabled", "date_updated")
    }
