"""``flexplan plan`` through the CLI against the sandbox: which actions, in which order.

Each test writes a small manifest, seeds the sandbox where the account must
hold something first, and checks the exact lines of the text plan.
"""

from __future__ import annotations

import json
from pathlib import Path

from plankit import CLEAN, assert_clean_failure, block, headings, studio_flow, write_config

from flexplan.sandbox import SandboxServer

CHAT_SERVICE = "IS1fae2e3b8437981223864903fa91d4a9"  # the fresh account's "Flex Chat Service"
STUDIO = json.dumps(studio_flow())


def test_fresh_account_creates_in_dependency_order(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan
) -> None:
    config = write_config(
        tmp_path / "c",
        """
conversations_addresses:
  support-sms:
    type: sms
    address: "+15550001111"
    friendly_name: Support SMS
    auto_creation: {enabled: true, type: studio, studio_flow: support}
flex_flows:
  support-web:
    friendly_name: Support Web
    channel_type: web
    chat_service: Flex Chat Service
    enabled: true
    integration: {type: studio, studio_flow: support}
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
""",
        {"support.json": STUDIO},
    )
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert headings(result.stdout) == [
        "# studio_flow.support will be created",
        "# flex_flow.support-web will be created",
        "# conversations_address.support-sms will be created",
    ]
    assert block(result.stdout, "conversations_address.support-sms") == [
        "  # conversations_address.support-sms will be created",
        '  + conversations_address "support-sms" {',
        '      + type = "sms"',
        '      + address = "+15550001111"',
        '      + friendly_name = "Support SMS"',
        "      + auto_creation.enabled = true",
        '      + auto_creation.type = "studio"',
        "      + auto_creation.studio_flow = (known after apply)",
        "    }",
    ]
    assert "      ~ integration.studio_flow" not in result.stdout
    assert "      + integration.studio_flow = (known after apply)" in result.stdout
    assert result.stdout.endswith("Plan: 3 to add, 0 to change, 0 to destroy.\n")
    as_json = json.loads(
        run_flexplan("plan", str(config), "--format", "json", env=sandbox_env).stdout
    )
    order = [(c["address"], c["depends_on"]) for c in as_json["resource_changes"]]
    assert order == [
        ("studio_flow.support", []),
        ("flex_flow.support-web", ["studio_flow.support"]),
        ("conversations_address.support-sms", ["studio_flow.support"]),
    ]


def test_one_changed_field_is_one_update_showing_that_field(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    live = sandbox.store.add_address(
        type="sms",
        address="+15550001111",
        friendly_name="Support",
        auto_creation={"enabled": True, "type": "default"},
    )
    config = write_config(
        tmp_path / "c",
        """
conversations_addresses:
  support:
    type: sms
    address: "+15550001111"
    friendly_name: Support line
    auto_creation: {enabled: true, type: default}
""",
    )
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert headings(result.stdout) == ["# conversations_address.support will be updated in-place"]
    assert block(result.stdout, "conversations_address.support") == [
        "  # conversations_address.support will be updated in-place",
        '  ~ conversations_address "support" {',
        f'        sid = "{live["sid"]}"',
        '      ~ friendly_name = "Support" -> "Support line"',
        "        # (4 unchanged fields hidden)",
        "    }",
    ]
    assert result.stdout.endswith("Plan: 0 to add, 1 to change, 0 to destroy.\n")


def test_state_absent_deletes_and_absent_twice_is_no_change(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    live = sandbox.store.add_flex_flow(
        friendly_name="Old Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="old", enabled=False, integration_type="external",
        integration={"url": "https://hooks.example.com/old"},
    )  # fmt: skip
    config = write_config(
        tmp_path / "c",
        """
flex_flows:
  old:
    friendly_name: Old Handler
    state: absent
  never-existed:
    friendly_name: Never Existed
    state: absent
""",
    )
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert headings(result.stdout) == ["# flex_flow.old will be destroyed"]
    lines = block(result.stdout, "flex_flow.old")
    assert lines[:4] == [
        "  # flex_flow.old will be destroyed",
        "  # (state: absent)",
        '  - flex_flow "old" {',
        f'        sid = "{live["sid"]}"',
    ]
    assert '      - friendly_name = "Old Handler"' in lines
    assert result.stdout.endswith("Plan: 0 to add, 0 to change, 1 to destroy.\n")
    sandbox.store.delete("flex_flows", live["sid"])
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.endswith(CLEAN + "\n")


def test_prune_deletes_only_unmanaged_resources_of_pruned_kinds(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    store = sandbox.store
    store.add_address(type="sms", address="+15550001111", friendly_name="Managed")
    stray = store.add_address(type="sms", address="+15550002222", friendly_name="Stray SMS")
    store.add_address(type="whatsapp", address="whatsapp:+15550003333", friendly_name="Stray WA")
    store.add_flex_flow(
        friendly_name="Unmanaged Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="x", enabled=False, integration_type="external",
        integration={"url": "https://hooks.example.com/x"},
    )  # fmt: skip
    config = write_config(
        tmp_path / "c",
        """
prune: [conversations_addresses]
conversations_addresses:
  managed:
    type: sms
    address: "+15550001111"
    friendly_name: Managed
""",
    )
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert headings(result.stdout) == [
        "# conversations_address.stray-sms will be destroyed (not in the manifest; pruned)",
        "# conversations_address.stray-wa will be destroyed (not in the manifest; pruned)",
    ]
    assert block(result.stdout, "conversations_address.stray-sms")[1:4] == [
        "  # (not in the manifest and conversations_addresses is in `prune`)",
        '  - conversations_address "stray-sms" {',
        f'        sid = "{stray["sid"]}"',
    ]
    # other kinds are information only; the account's default web chat address is kept
    assert "  flex_flow: 3 (" in result.stdout
    assert '"Unmanaged Handler"' in result.stdout
    assert "Note: kept Conversations address 'Flex Web Chat'" in result.stdout
    assert result.stdout.endswith("Plan: 0 to add, 0 to change, 2 to destroy.\n")


def test_protect_refuses_destroy_and_replace(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    sandbox.store.add_address(type="sms", address="+15550001111", friendly_name="Kept")
    live = sandbox.store.add_address(type="sms", address="+15550002222", friendly_name="Moved")
    config = write_config(
        tmp_path / "c",
        f"""
conversations_addresses:
  kept:
    type: sms
    address: "+15550001111"
    state: absent
    protect: true
  moved:
    sid: {live["sid"]}
    type: sms
    address: "+15550009999"
    protect: true
""",
    )
    result = run_flexplan("plan", str(config), env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    assert (
        "error: conversations_address.kept is protected (protect: true) but the plan would "
        "destroy it (state: absent)"
    ) in message
    assert (
        "error: conversations_address.moved is protected (protect: true) but the plan would "
        "replace it (address cannot be changed in place;"
    ) in message
    assert "flexplan.yaml:" in message
    assert "hint: remove `protect: true`" in message


def test_ambiguous_names_are_an_error_naming_the_sids(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    first = sandbox.store.add_studio_flow(
        friendly_name="Twin", status="published", definition=studio_flow()
    )
    second = sandbox.store.add_studio_flow(
        friendly_name="Twin", status="published", definition=studio_flow("Hi")
    )
    config = write_config(
        tmp_path / "c",
        "studio_flows:\n  twin:\n    friendly_name: Twin\n    definition_file: f.json\n",
        {"f.json": STUDIO},
    )
    result = run_flexplan("plan", str(config), env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    sids = sorted([first["sid"], second["sid"]])
    assert f"studio_flow.twin: 2 live Studio flows match Twin: {sids[0]}, {sids[1]}" in message
    assert f"hint: pin the one to manage with `sid: {sids[0]}`" in message
    # pinning one SID resolves it
    config = write_config(
        tmp_path / "c",
        f"studio_flows:\n  twin:\n    sid: {first['sid']}\n    friendly_name: Twin\n"
        "    definition_file: f.json\n",
        {"f.json": STUDIO},
    )
    pinned = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert pinned.exit_code == 0, pinned


def test_pinned_address_whose_address_changed_is_replaced(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    live = sandbox.store.add_address(type="sms", address="+15550001111", friendly_name="Line")
    config = write_config(
        tmp_path / "c",
        f"""
conversations_addresses:
  line:
    sid: {live["sid"]}
    type: sms
    address: "+15550004444"
    friendly_name: Line
""",
    )
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    # a new number cannot collide with the old one: create first, then destroy
    assert "  +/- create replacement and then destroy" in result.stdout
    assert "-/+" not in result.stdout
    assert block(result.stdout, "conversations_address.line") == [
        "  # conversations_address.line must be replaced",
        "  # (address cannot be changed in place; the new one is created before the old one "
        "is destroyed)",
        '+/- conversations_address "line" {',
        f'        sid = "{live["sid"]}"',
        '      ~ address = "+15550001111" -> "+15550004444"  # forces replacement',
        "        # (2 unchanged fields hidden)",
        "    }",
    ]
    assert result.stdout.endswith("Plan: 1 to add, 0 to change, 1 to destroy.\n")
    as_json = json.loads(
        run_flexplan("plan", str(config), "--format", "json", env=sandbox_env).stdout
    )
    assert as_json["resource_changes"][0]["change"]["actions"] == ["create", "delete"]


def test_legacy_to_conversations_migration_deletes_before_it_creates(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    sandbox.store.add_flex_flow(
        friendly_name="Legacy SMS", chat_service_sid=CHAT_SERVICE, channel_type="sms",
        contact_identity="+15550007777", enabled=True, integration_type="external",
        integration={"url": "https://hooks.example.com/sms"},
    )  # fmt: skip
    config = write_config(
        tmp_path / "c",
        """
conversations_addresses:
  aaa-support:
    type: sms
    address: "+15550007777"
    friendly_name: Support
    auto_creation: {enabled: true, type: default}
flex_flows:
  zzz-legacy:
    friendly_name: Legacy SMS
    state: absent
""",
    )
    result = run_flexplan("plan", str(config), env=sandbox_env)
    assert result.exit_code == 0, result
    assert headings(result.stdout) == [
        "# flex_flow.zzz-legacy will be destroyed",
        "# conversations_address.aaa-support will be created",
    ]
    as_json = json.loads(
        run_flexplan("plan", str(config), "--format", "json", env=sandbox_env).stdout
    )
    changes = {c["address"]: c for c in as_json["resource_changes"]}
    assert changes["conversations_address.aaa-support"]["depends_on"] == ["flex_flow.zzz-legacy"]


def test_empty_blocks_manage_nothing_and_plan_clean_after_apply(
    tmp_path: Path, sandbox_env, run_flexplan
) -> None:
    """`auto_creation: {}` and `attachments: {}` are valid and manage nothing under them."""
    config = write_config(tmp_path / "cfg", """\
version: 1
conversations_addresses:
  a: {type: sms, address: "+15550004444", auto_creation: {}}
channel_configs:
  sms: {attachments: {}}
""")  # fmt: skip
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.rstrip().endswith(CLEAN)


def test_sid_pinned_reference_to_a_deleted_resource_is_refused(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    flow = sandbox.store.add_studio_flow(
        friendly_name="Doomed Flow", status="published", definition=studio_flow("doomed")
    )
    config = write_config(tmp_path / "cfg", f"""\
version: 1
prune: [studio_flows]
conversations_addresses:
  line:
    type: sms
    address: "+15550009999"
    auto_creation: {{enabled: true, type: studio, studio_flow: {flow["sid"]}}}
""")  # fmt: skip
    result = run_flexplan("plan", str(config), env=sandbox_env)
    assert result.exit_code == 1, result
    assert (
        f"conversations_address.line: auto_creation.studio_flow is {flow['sid']}, the SID of "
        "studio_flow.doomed-flow, which this plan deletes (not in the manifest and studio_flows "
        "is in `prune`)"
    ) in result.stderr
    assert "Traceback" not in result.output
