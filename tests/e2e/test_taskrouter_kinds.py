"""TaskRouter, Conversations settings and Flex UI attributes as manifest kinds, through the CLI.

A queue, a workflow routing to it, a task channel, and a Flex Flow and a Studio
flow naming the new workflow and channel by local name: created in dependency
order on a fresh sandbox, applied, then planned clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from plankit import CLEAN, block, write_config

from flexplan.sandbox import SandboxServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEMAS = EXAMPLES.parent / "schemas"
STUDIO = (EXAMPLES / "quickstart" / "studio" / "messaging.json").read_text(encoding="utf-8")

MANIFEST = """\
version: 1
task_queues:
  tier2:
    friendly_name: Tier 2
    target_workers: "routing.skills HAS 'tier2'"
    reservation_activity: Break
  everyone:
    friendly_name: Everyone
workflows:
  support:
    friendly_name: Support Routing
    task_reservation_timeout: 60
    configuration:
      task_routing:
        filters:
          - filter_friendly_name: Tier 2
            expression: "needs == 'tier2'"
            targets:
              - queue: {task_queues: tier2}
                timeout: 120
          - filter_friendly_name: Sales
            expression: "type == 'sales'"
            targets:
              - queue: {task_queues: everyone}
        default_filter:
          queue: {task_queues: everyone}
task_channels:
  callback:
    friendly_name: Callbacks
    channel_optimized_routing: true
flex_flows:
  callbacks:
    friendly_name: Callback Line
    chat_service: Flex Chat Service
    channel_type: sms
    contact_identity: "+15550009999"
    enabled: true
    integration:
      type: task
      workspace: Flex Task Assignment
      workflow: {workflows: support}
      channel: {task_channels: callback}
studio_flows:
  callback-flow:
    friendly_name: Callback Flow
    status: published
    definition_file: studio/messaging.json
    vars:
      GREETING: hi
      WORKFLOW_SID: {workflows: support}
      CHANNEL_SID: {task_channels: callback}
"""


def _config(tmp_path: Path, manifest: str = MANIFEST) -> Path:
    return write_config(tmp_path / "config", manifest, {"studio/messaging.json": STUDIO})


def _started_after(output: str, first: str, then: str) -> bool:
    lines = output.splitlines()
    done = next(i for i, line in enumerate(lines) if line.startswith(f"{first}: Creation complete"))
    return next(i for i, line in enumerate(lines) if line.startswith(f"{then}: Creating")) > done


def test_new_kinds_plan_in_dependency_order_apply_and_plan_clean(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path)
    plan = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert plan.exit_code == 2, plan
    assert "Plan: 5 to add, 0 to change, 0 to destroy." in plan.stdout
    assert "      + integration.workflow = (known after apply)" in plan.stdout
    assert "              properties.workflow = (known after apply)" in plan.stdout
    assert "              targets[0].queue = (known after apply)" in plan.stdout
    as_json = run_flexplan("plan", str(config), "--format", "json", env=sandbox_env)
    schema = json.loads((SCHEMAS / "plan.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(as_json.stdout), schema)
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    for first, then in (
        ("task_queue.tier2", "workflow.support"),
        ("workflow.support", "flex_flow.callbacks"),
        ("workflow.support", "studio_flow.callback-flow"),
        ("task_channel.callback", "flex_flow.callbacks"),
        ("task_channel.callback", "studio_flow.callback-flow"),
    ):
        assert _started_after(applied.stdout, first, then), (first, then, applied.stdout)
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.rstrip().endswith(CLEAN)


def test_one_filter_change_shows_exactly_that_filter(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path)
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    changed = MANIFEST.replace("\"type == 'sales'\"", "\"type == 'sales' OR vip == true\"")
    config = _config(tmp_path, changed)
    plan = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert plan.exit_code == 2, plan
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.stdout
    lines = block(plan.stdout, "workflow.support")
    assert lines[3:6] == [
        "      ~ configuration = {",
        '          ~ filter "Sales"',
        "              expression: \"type == 'sales'\" -> \"type == 'sales' OR vip == true\"",
    ]
    assert lines[6] == "        }"


def test_reformatted_configuration_is_no_change(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """The live text differs from what was sent (Twilio keeps its own formatting), and a
    configuration file written indented and in another key order plans clean."""
    config = _config(tmp_path)
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    live = next(
        w for w in sandbox.store.items("workflows") if w["friendly_name"] == "Support Routing"
    )
    document = json.loads(live["configuration"])
    routing = document["task_routing"]
    reordered = {"task_routing": {"default_filter": routing["default_filter"],
                                  "filters": [dict(reversed(list(f.items())))
                                              for f in routing["filters"]]}}  # fmt: skip
    text = re.sub(r"\n", "\n\n", json.dumps(reordered, indent=4))
    head, rest = MANIFEST.split("    configuration:\n")
    tail = "task_channels:\n" + rest.split("task_channels:\n", 1)[1]
    manifest = head + "    configuration_file: routing.json\n" + tail
    config = write_config(
        tmp_path / "config", manifest, {"studio/messaging.json": STUDIO, "routing.json": text}
    )
    plan = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert plan.exit_code == 0, plan


SETTINGS = """\
version: 1
flex_configuration:
  account:
    ui_attributes:
      theme: {isLight: false}
      custom_data: {features: {callbacks: {enabled: true}}}
    taskrouter_skills:
      spanish: {multivalue: true, minimum: 1, maximum: 5}
conversations_configuration:
  account:
    default_conversation_service: Flex Conversation Service
    default_closed_timer: P1D
conversations_webhooks:
  account:
    post_webhook_url: https://hooks.example.com/post
    filters: [onMessageAdded]
"""


def test_ui_attributes_change_leaves_every_other_key_byte_identical(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    before = sandbox.store.snapshot()["flex_configuration"]
    before["ui_attributes"]["plugin"] = {"owner": "another team", "list": [1, 2]}
    sandbox.store.set_singleton("flex_configuration", before)
    config = write_config(tmp_path / "config", SETTINGS)
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    after = sandbox.store.snapshot()["flex_configuration"]
    changed = {k for k in before.keys() | after.keys()
               if json.dumps(before.get(k)) != json.dumps(after.get(k))}  # fmt: skip
    assert changed == {"ui_attributes", "taskrouter_skills", "date_updated"}
    assert after["ui_attributes"] == {
        "theme": {"isLight": False},
        "plugin": {"owner": "another team", "list": [1, 2]},
        "custom_data": {"features": {"callbacks": {"enabled": True}}},
    }
    webhooks = sandbox.store.singleton("conversations_webhooks")
    assert (webhooks["post_webhook_url"], webhooks["filters"]) == (
        "https://hooks.example.com/post",
        ["onMessageAdded"],
    )
    assert sandbox.store.singleton("conversations_configuration")["default_closed_timer"] == "P1D"
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again


def test_settings_sections_take_one_entry_and_cannot_be_absent(
    tmp_path: Path, run_flexplan: Any
) -> None:
    manifest = SETTINGS + "  second:\n    filters: [onMessageAdded]\n"
    manifest = manifest.replace(
        "    default_closed_timer: P1D\n", "    default_closed_timer: PT5M\n"
    )
    manifest = manifest.replace(
        "  account:\n    ui_attributes:", "  account:\n    state: absent\n    ui_attributes:"
    )
    config = write_config(tmp_path / "config", manifest)
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 1, result
    assert "shorter than Twilio's minimum of 10 minutes" in result.stdout
    assert "cannot be absent" in result.stdout
    assert "'second' and 'account'" in result.stdout


def test_prune_deletes_unmentioned_queues_and_channels_but_keeps_what_routing_uses(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    store = sandbox.store
    seeded = next(iter(store.items("task_queues")))
    for sid, name in (("WQ" + "5" * 32, "Stale Queue"), ("WQ" + "6" * 32, "Held Queue")):
        store.put("task_queues", {**seeded, "sid": sid, "friendly_name": name})
    channel = next(iter(store.items("task_channels")))
    store.put("task_channels", {**channel, "sid": "TC" + "5" * 32, "unique_name": "stale"})
    flow = next(iter(store.items("workflows")))
    routing = {"task_routing": {"filters": [], "default_filter": {"queue": "WQ" + "6" * 32}}}
    store.put("workflows", {**flow, "sid": "WW" + "6" * 32, "friendly_name": "Other team",
                            "configuration": json.dumps(routing)})  # fmt: skip
    manifest = "version: 1\nprune: [task_queues, task_channels]\n" + MANIFEST.split("\n", 1)[1]
    config = _config(tmp_path, manifest)
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert "  # task_queue.stale-queue will be destroyed" in plan.stdout
    assert "  # task_channel.stale will be destroyed" in plan.stdout
    assert "kept task queue 'Held Queue'" in plan.stdout
    assert "kept task queue 'Everyone'" not in plan.stdout  # managed by the manifest here
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    names = {q["friendly_name"] for q in store.items("task_queues")}
    assert names == {"Everyone", "Tier 2", "Held Queue"}
    assert "stale" not in {c["unique_name"] for c in store.items("task_channels")}


def test_a_pruned_taskrouter_kind_without_entries_lists_the_workspaces_once(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Whether there is a workspace at all and which one it is come from one listing."""
    config = write_config(tmp_path / "c", "version: 1\nprune: [task_queues]\n")
    sandbox.clear_stats()
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert plan.exit_code == 0, plan.output
    requests = sandbox.stats()["requests"]
    assert requests.get("GET /taskrouter/v1/Workspaces") == 1, requests


@pytest.mark.sandbox_knobs(latency_ms=150)
def test_taskrouter_kinds_read_at_once_list_the_workspaces_once(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Queues, workflows and channels are read in threads of their own, each needing the
    workspace: while one lists the workspaces (slowly, here), the others wait for that
    listing instead of sending their own."""
    manifest = "version: 1\nprune: [task_queues, workflows, task_channels]\n"
    config = write_config(tmp_path / "c", manifest)
    sandbox.clear_stats()
    plan = run_flexplan("plan", str(config), "--parallelism", "4", env=sandbox_env)
    assert plan.exit_code == 0, plan.output
    requests = sandbox.stats()["requests"]
    assert requests.get("GET /taskrouter/v1/Workspaces") == 1, requests
