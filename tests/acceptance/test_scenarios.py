"""End-to-end scenarios run against the sandbox in every test run, and against a real
Twilio account with ``FLEXPLAN_ACCEPTANCE=1`` and credentials (docs/acceptance.md).

Each scenario drives the CLI as a user does (plan, apply, plan again, change, destroy,
export); every resource it makes carries the run's prefix and is removed afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accounts import Account, leftovers

CLEAN = "No changes. The account matches the manifest."


def _flow(greeting: str) -> dict[str, Any]:
    """A flow real Studio accepts without account-specific SIDs: greet and end."""
    return {
        "description": "flexplan acceptance",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [
                    {"event": "incomingMessage", "next": "greet"},
                    {"event": "incomingCall"},
                    {"event": "incomingConversationMessage", "next": "greet"},
                    {"event": "incomingRequest"},
                    {"event": "incomingParent"},
                ],
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "greet",
                "type": "send-message",
                "transitions": [{"event": "sent"}, {"event": "failed"}],
                "properties": {
                    "offset": {"x": 0, "y": 200},
                    "from": "{{flow.channel.address}}",
                    "to": "{{contact.channel.address}}",
                    "body": greeting,
                },
            },
        ],
    }


def _manifest(account: Account, *, state: str = "present") -> str:
    p = account.prefix
    return f"""
version: 1
studio_flows:
  support:
    friendly_name: {p} Support Flow
    status: published
    state: {state}
    definition_file: support.json
conversations_addresses:
  webchat:
    type: chat
    address: {p}-webchat
    friendly_name: {p} Web Chat
    state: {state}
    auto_creation: {{enabled: true, type: studio, studio_flow: support}}
"""


def _config(directory: Path, account: Account, greeting: str, state: str = "present") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "flexplan.yaml").write_text(_manifest(account, state=state))
    (directory / "support.json").write_text(json.dumps(_flow(greeting), indent=2))
    return directory


def _plan(run_flexplan: Any, config: Path, account: Account, expected_exit: int) -> str:
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=account.env)
    assert result.exit_code == expected_exit, result
    return str(result.stdout)


def _apply(run_flexplan: Any, config: Path, account: Account) -> str:
    result = run_flexplan("apply", str(config), "--auto-approve", env=account.env)
    assert result.exit_code == 0, result
    return str(result.stdout)


def test_create_change_destroy(tmp_path: Path, account: Account, run_flexplan: Any) -> None:
    config = _config(tmp_path / "c", account, "Hello!")
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in _plan(run_flexplan, config, account, 2)
    _apply(run_flexplan, config, account)
    assert CLEAN in _plan(run_flexplan, config, account, 0)
    assert len(leftovers(account)) == 2

    _config(tmp_path / "c", account, "Hello again!")
    changed = _plan(run_flexplan, config, account, 2)
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in changed
    assert '"Hello!" -> "Hello again!"' in changed
    _apply(run_flexplan, config, account)
    assert CLEAN in _plan(run_flexplan, config, account, 0)

    _config(tmp_path / "c", account, "Hello again!", state="absent")
    assert "0 to add, 0 to change, 2 to destroy." in _plan(run_flexplan, config, account, 2)
    _apply(run_flexplan, config, account)
    assert CLEAN in _plan(run_flexplan, config, account, 0)
    assert leftovers(account) == []


def test_export_plans_clean(tmp_path: Path, account: Account, run_flexplan: Any) -> None:
    config = _config(tmp_path / "c", account, "Hello!")
    _apply(run_flexplan, config, account)
    out = tmp_path / "exported"
    exported = run_flexplan("export", "--out", str(out), "--kinds", "studio_flows", env=account.env)
    assert exported.exit_code == 0, exported
    assert f"{account.prefix} Support Flow" in (out / "studio_flows.yaml").read_text()
    assert CLEAN in _plan(run_flexplan, out, account, 0)


def test_saved_plan_applies_and_a_stale_one_is_refused(
    tmp_path: Path, account: Account, run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c", account, "Hello!")
    saved = tmp_path / "plan.json"
    made = run_flexplan("plan", str(config), "--out", str(saved), env=account.env)
    assert made.exit_code == 0, made
    applied = run_flexplan("apply", str(saved), env=account.env)
    assert applied.exit_code == 0, applied
    assert CLEAN in _plan(run_flexplan, config, account, 0)
    again = run_flexplan("apply", str(saved), env=account.env)  # the account moved on
    assert again.exit_code == 1, again
    assert "stale" in again.stderr
