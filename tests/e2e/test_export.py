"""``flexplan export`` end to end: export a sandbox account, then validate and plan it clean.

Covers the seeded (fresh Flex) account, an account with the awkward cases
(duplicate names, literal ``${`` in a definition, two workspaces, task
integrations, secrets in URLs), byte-identical repeated exports, the refusal to
write into a non-empty directory, ``--kinds``, and that a URL with credentials
is written nowhere and printed nowhere.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from flexplan.sandbox.seed import WORKFLOW, WORKSPACE, studio_definition

SECRET = "s3cr3t-Pa55word"
HOOK = f"https://flexbot:{SECRET}@hooks.example.com/flex/inbound"


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and ".flexplan" not in p.parts
    }


def _export(run_flexplan: Any, out: Path, env: dict[str, str], *extra: str) -> Any:
    result = run_flexplan("export", "--out", str(out), *extra, env=env)
    assert result.exit_code == 0, result
    return result


def _plan_clean(run_flexplan: Any, directory: Path, env: dict[str, str]) -> Any:
    plan = run_flexplan("plan", str(directory), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan
    assert "No changes. The account matches the manifest." in plan.stdout
    return plan


def test_seeded_account_exports_validates_and_plans_clean(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    out = tmp_path / "config"
    result = _export(run_flexplan, out, sandbox_env)
    counts = "3 studio_flows, 2 flex_flows, 1 conversations_addresses, 3 channel_configs"
    assert f"Exported {counts}" in result.stderr
    assert sorted(_files(out)) == [
        "channel_configs.yaml", "conversations_addresses.yaml",
        "conversations_configuration.yaml", "conversations_webhooks.yaml",
        "flex_configuration.yaml", "flex_flows.yaml",
        "flexplan.yaml", "studio/messaging-flow.json", "studio/voice-ivr.json",
        "studio/webchat-flow.json", "studio_flows.yaml",
        "task_channels.yaml", "task_queues.yaml", "workflows.yaml",
    ]  # fmt: skip
    validated = run_flexplan("validate", str(out))
    assert validated.exit_code == 0, validated
    _plan_clean(run_flexplan, out, sandbox_env)

    flows = yaml.safe_load((out / "flex_flows.yaml").read_text())["flex_flows"]
    assert flows["flex-web-channel-flow"] == {
        "friendly_name": "Flex Web Channel Flow",
        "chat_service": "Flex Chat Service",  # a look-up by name, not IS…
        "channel_type": "web",
        "enabled": True,
        "janitor_enabled": True,
        "integration": {"type": "studio", "studio_flow": "webchat-flow"},  # retry_count 3: default
    }
    studio = yaml.safe_load((out / "studio_flows.yaml").read_text())["studio_flows"]
    assert studio["webchat-flow"]["vars"] == {  # exported too: by local name, not a look-up
        "CHANNEL_SID": {"task_channels": "chat"},
        "WORKFLOW_SID": {"workflows": "assign-to-anyone"},
    }
    assert WORKFLOW not in (out / "studio" / "webchat-flow.json").read_text()


def _awkward_account(store: Any) -> None:
    """Duplicates, a literal ${…}, a second workspace, task integrations, secrets."""
    second = copy.deepcopy(store.get("workspaces", WORKSPACE))
    second.update(sid="WS" + "e" * 32, friendly_name="Second Workspace")
    store.put("workspaces", second)
    workflow = copy.deepcopy(store.get("workflows", WORKFLOW))
    workflow.update(sid="WW" + "e" * 32, workspace_sid=second["sid"])  # same name, other space
    store.put("workflows", workflow)
    odd = studio_definition(("incomingMessage", "incomingConversationMessage"), "sms")
    odd["states"][1]["properties"]["attributes"] = '{"literal": "${not_a_var}"}'
    odd["description"] = "Café ☕ flow"
    odd["states"].append({"name": "notify", "type": "make-http-request", "transitions": [],
                          "properties": {"url": HOOK, "method": "POST",
                                         "content_type": "application/json"}})  # fmt: skip
    flow = store.add_studio_flow(friendly_name="Café ☕ Flow!", status="draft", definition=odd)
    service = store.items("chat_services")[0]["sid"]
    for _ in range(2):  # two Flex Flows with one name: the oldest is exported, pinned
        store.add_flex_flow(friendly_name="Duplicate Handler", chat_service_sid=service,
                            channel_type="custom", enabled=False, integration_type="external",
                            integration={"url": "https://hooks.example.com/plain"})  # fmt: skip
    store.add_flex_flow(friendly_name="Outbound Hook", chat_service_sid=service,
                        channel_type="sms", contact_identity="+15550009999", enabled=False,
                        integration_type="external", integration={"url": HOOK, "retry_count": 1},
                        long_lived=True)  # fmt: skip
    store.add_flex_flow(friendly_name="Task Line", chat_service_sid=service, channel_type="sms",
                        contact_identity="+15550008888", enabled=True, integration_type="task",
                        integration={"workspace_sid": WORKSPACE, "workflow_sid": WORKFLOW,
                                     "channel": "sms", "priority": 5, "timeout": 600})  # fmt: skip
    store.add_address(type="sms", address="+15550007777", friendly_name="Café ☕ Flow!",
                      auto_creation={"enabled": True, "type": "webhook", "webhook_url": HOOK,
                                     "webhook_filters": ["onMessageAdded"]})  # fmt: skip
    auto = {"enabled": True, "type": "studio", "studio_flow_sid": flow["sid"],
            "studio_retry_count": 1}  # fmt: skip
    store.add_address(type="whatsapp", address="whatsapp:+15550006666", auto_creation=auto)


def test_awkward_account_round_trip_identical_bytes_and_no_secret(
    tmp_path: Path,
    sandbox: Any,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _awkward_account(sandbox.store)
    first, second = tmp_path / "first", tmp_path / "second"
    result = _export(run_flexplan, first, sandbox_env)
    _export(run_flexplan, second, sandbox_env)
    assert _files(first) == _files(second)  # byte-identical

    written = b"".join(_files(first).values()).decode()
    assert SECRET not in written and SECRET not in result.output
    assert "$${not_a_var}" in written  # a literal ${ is escaped, not taken for a variable
    variables = sorted(
        line.split("Set ")[1].split(" ")[0]
        for line in result.stderr.splitlines()
        if line.startswith("note:")
    )
    assert variables == [
        "CONVERSATIONS_ADDRESSES_CAFE_FLOW_AUTO_CREATION_WEBHOOK_URL",
        "FLEX_FLOWS_OUTBOUND_HOOK_INTEGRATION_URL",
        "STUDIO_FLOWS_CAFE_FLOW_DEFINITION_NOTIFY_PROPERTIES_URL",
    ]
    assert "# secret: set FLEX_FLOWS_OUTBOUND_HOOK_INTEGRATION_URL" in written
    assert "Duplicate Handler" in result.stderr  # the skipped duplicate is named

    flows = yaml.safe_load((first / "flex_flows.yaml").read_text())["flex_flows"]
    assert flows["task-line"]["integration"] == {
        "type": "task", "workspace": "Flex Task Assignment",
        "workflow": {"workflows": "assign-to-anyone"}, "channel": "sms", "timeout": 600,
        "priority": 5,
    }  # fmt: skip
    assert flows["duplicate-handler"]["sid"].startswith("FO")
    addresses = yaml.safe_load((first / "conversations_addresses.yaml").read_text())
    assert addresses["conversations_addresses"]["whatsapp-15550006666"]["auto_creation"] == {
        "enabled": True, "type": "studio", "studio_flow": "cafe-flow", "studio_retry_count": 1,
    }  # fmt: skip
    studio = yaml.safe_load((first / "studio_flows.yaml").read_text())["studio_flows"]
    assert studio["messaging-flow"]["vars"]["WORKFLOW_SID"] == {"workflows": "assign-to-anyone"}

    secrets = {v: HOOK for v in variables}
    plan = _plan_clean(run_flexplan, first, {**sandbox_env, **secrets})
    assert SECRET not in plan.output
    for name in variables:
        monkeypatch.delenv(name)
    missing = run_flexplan("plan", str(first), env=sandbox_env)
    assert missing.exit_code == 1 and "FLEX_FLOWS_OUTBOUND_HOOK_INTEGRATION_URL" in missing.stderr


def test_refuses_non_empty_directory_and_kinds_filter(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    out = tmp_path / "config"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    refused = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert refused.exit_code == 1 and "not empty" in refused.stderr and "--force" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    _export(run_flexplan, out, sandbox_env, "--force", "--kinds", "flex_flows")
    assert (out / "notes.txt").read_text() == "mine\n"
    flows = yaml.safe_load((out / "flex_flows.yaml").read_text())["flex_flows"]
    assert flows["flex-web-channel-flow"]["integration"]["studio_flow"].startswith("FW")  # no ref
    assert not (out / "studio_flows.yaml").exists()
    _plan_clean(run_flexplan, out, sandbox_env)

    bad = run_flexplan("export", "--out", str(tmp_path / "x"), "--kinds", "numbers")
    assert bad.exit_code == 1 and "'numbers' is not a kind" in bad.stderr  # usage error: 1
