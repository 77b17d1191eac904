"""``--target ADDRESS`` on plan and apply, through the CLI against the sandbox.

The manifest: two independent Studio flows and a legacy Flex Flow that refers to one
of them by local name. A target limits the plan to itself and what it depends on;
apply changes nothing else; a targeted plan never deletes what is not a target.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from applykit import assert_sane, writes
from plankit import assert_clean_failure, headings, studio_flow, write_config

from flexplan.sandbox import SandboxServer

CHAT_SERVICE = "IS1fae2e3b8437981223864903fa91d4a9"  # the fresh account's "Flex Chat Service"

MANIFEST = """
version: 1
{prune}
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
  sales:
    friendly_name: Sales Flow
    status: published
    definition_file: sales.json
flex_flows:
  web:
    friendly_name: Web Chat Flow
    channel_type: web
    chat_service: Flex Chat Service
    enabled: true
    integration:
      type: studio
      studio_flow: support
"""
WARNING = "Warning: Resource targeting is in effect"
ROUTINE = "The --target option is not for routine use"
INCOMPLETE = "Warning: Applied changes may be incomplete"


def _config(directory: Path, *, prune: str = "") -> Path:
    files = {
        "support.json": json.dumps(studio_flow("Hello from support")),
        "sales.json": json.dumps(studio_flow("Hello from sales")),
    }
    return write_config(directory, MANIFEST.format(prune=prune), files)


def _names(sandbox: SandboxServer, collection: str) -> set[str]:
    return {item["friendly_name"] for item in sandbox.store.items(collection)}


def test_a_target_plans_itself_and_the_flow_it_refers_to(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    result = run_flexplan("plan", str(config), "--target", "flex_flow.web", env=sandbox_env)
    assert result.exit_code == 0, result
    assert headings(result.stdout) == [
        "# studio_flow.support will be created",
        "# flex_flow.web will be created",
    ]
    assert "sales" not in result.stdout
    assert f"{WARNING} (flex_flow.web)" in result.stdout
    assert " ".join(result.stdout.split()).count(ROUTINE) == 1
    assert result.stdout.rstrip().endswith("Plan: 2 to add, 0 to change, 0 to destroy.")


def test_the_targets_are_recorded_in_the_json_and_markdown_plans(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    args = ("plan", str(config), "--target", "studio_flows.sales", "--target", "flex_flow.web")
    data = json.loads(run_flexplan(*args, "--format", "json", env=sandbox_env).stdout)
    assert data["targets"] == ["studio_flow.sales", "flex_flow.web"]
    assert [c["address"] for c in data["resource_changes"]] == [
        "studio_flow.sales",
        "studio_flow.support",
        "flex_flow.web",
    ]
    markdown = run_flexplan(*args, "--format", "markdown", env=sandbox_env).stdout
    assert "> [!WARNING]\n> **Resource targeting is in effect** (`studio_flow.sales`, " in markdown
    assert "> The `--target` option is not for routine use" in markdown
    whole = json.loads(
        run_flexplan("plan", str(config), "--format", "json", env=sandbox_env).stdout
    )
    assert whole["targets"] == []


def test_a_targeted_apply_changes_only_the_targets(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    flex_flows = _names(sandbox, "flex_flows")
    result = run_flexplan(
        "apply", str(config), "--auto-approve", "--target", "flex_flow.web", env=sandbox_env
    )
    assert result.exit_code == 0, result
    assert "Apply complete: 2 added, 0 changed, 0 destroyed." in result.stdout
    assert INCOMPLETE in result.stdout
    studio = _names(sandbox, "studio_flows")
    assert "Support Flow" in studio and "Sales Flow" not in studio
    assert _names(sandbox, "flex_flows") == flex_flows | {"Web Chat Flow"}
    rest = run_flexplan("plan", str(config), env=sandbox_env)
    assert headings(rest.stdout) == ["# studio_flow.sales will be created"], rest


def test_an_unknown_target_is_named_with_the_closest_address_before_any_request(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    sandbox.clear_stats()
    for target, closest in [
        ("studio_flow.suport", "studio_flow.support"),
        ("flex_flows.webb", "flex_flow.web"),
        ("studio_flw.sales", "studio_flow.sales"),
    ]:
        for command in ("plan", "apply"):
            result = run_flexplan(command, str(config), "--target", target, env=sandbox_env)
            message = assert_clean_failure(result, sandbox_env)
            assert f"error: --target {target}: " in message, message
            assert f"hint: did you mean {closest}?" in message, message
    assert sandbox.stats()["total"] == 0


def test_a_whole_kind_is_not_a_target(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    result = run_flexplan("plan", str(config), "--target", "studio_flows", env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    assert "a target names one resource, as the plan prints it: studio_flow.NAME" in message
    assert "--target studio_flow.support --target studio_flow.sales" in message


def test_a_saved_plan_refuses_target_and_keeps_its_own(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    whole, targeted = tmp_path / "whole.json", tmp_path / "targeted.json"
    assert run_flexplan("plan", str(config), "--out", str(whole), env=sandbox_env).exit_code == 0
    made = run_flexplan(
        "plan", str(config), "--target", "studio_flow.sales", "--out", str(targeted),
        env=sandbox_env,
    )  # fmt: skip
    assert made.exit_code == 0, made
    saved = json.loads(targeted.read_text())
    assert saved["plan"]["targets"] == ["studio_flow.sales"]
    before = len(writes(sandbox))
    refused = run_flexplan("apply", str(whole), "--target", "flex_flow.web", env=sandbox_env)
    message = assert_clean_failure(refused, sandbox_env)
    assert (
        "--target flex_flow.web cannot be used with a saved plan: it was made with no "
        "--target (the whole plan)"
    ) in message
    refused = run_flexplan("apply", str(targeted), "--target", "flex_flow.web", env=sandbox_env)
    assert "it was made with --target studio_flow.sales" in assert_clean_failure(refused)
    assert len(writes(sandbox)) == before
    applied = run_flexplan("apply", str(targeted), env=sandbox_env)
    assert applied.exit_code == 0, applied
    assert "Apply complete: 1 added, 0 changed, 0 destroyed." in applied.stdout
    assert INCOMPLETE in applied.stdout
    assert {"Sales Flow"} <= _names(sandbox, "studio_flows")
    assert "Support Flow" not in _names(sandbox, "studio_flows")


def test_detailed_exitcode_reads_the_targeted_plan(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    target = ("--target", "studio_flow.sales", "--detailed-exitcode")
    assert run_flexplan("plan", str(config), *target, env=sandbox_env).exit_code == 2
    run_flexplan("apply", str(config), "--auto-approve", "--target", "studio_flow.sales",
                 env=sandbox_env)  # fmt: skip
    clean = run_flexplan("plan", str(config), *target, env=sandbox_env)
    assert clean.exit_code == 0, clean  # the rest still differs, but is not targeted
    assert "No changes." in clean.stdout and WARNING in clean.stdout
    assert run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env).exit_code == 2
    bad = run_flexplan("plan", str(config), "--target", "nope.x", "--detailed-exitcode",
                       env=sandbox_env)  # fmt: skip
    assert bad.exit_code == 1, bad


def _orphan(sandbox_client: Any, name: str) -> str:
    definition = studio_flow("left over")
    flow = sandbox_client.studio.v2.flows.create(
        friendly_name=name, status="published", definition=definition
    )
    return str(flow.sid)


def test_a_targeted_plan_never_prunes_what_is_not_a_target(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    sandbox_client: Any,
    run_flexplan: Any,
) -> None:
    config = _config(tmp_path / "c", prune="prune: [studio_flows]")
    _orphan(sandbox_client, "Old Flow")
    whole = run_flexplan("plan", str(config), env=sandbox_env)
    assert "# studio_flow.old-flow will be destroyed (not in the manifest; pruned)" in (
        headings(whole.stdout)
    ), whole
    targeted = run_flexplan("plan", str(config), "--target", "studio_flow.sales", env=sandbox_env)
    assert headings(targeted.stdout) == ["# studio_flow.sales will be created"], targeted
    applied = run_flexplan(
        "apply", str(config), "--auto-approve", "--target", "studio_flow.support", env=sandbox_env
    )
    assert "0 destroyed" in applied.stdout, applied
    assert "Old Flow" in _names(sandbox, "studio_flows")


def test_targeting_a_pruned_resource_deletes_it_alone(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    sandbox_client: Any,
    run_flexplan: Any,
) -> None:
    """As Terraform destroys a targeted resource removed from the configuration."""
    config = _config(tmp_path / "c", prune="prune: [studio_flows]")
    sid = _orphan(sandbox_client, "Old Flow")
    target = ("--target", "studio_flow.old-flow")
    planned = run_flexplan("plan", str(config), *target, env=sandbox_env)
    assert headings(planned.stdout) == [
        "# studio_flow.old-flow will be destroyed (not in the manifest; pruned)"
    ], planned
    applied = run_flexplan("apply", str(config), "--auto-approve", *target, env=sandbox_env)
    assert "Apply complete: 0 added, 0 changed, 1 destroyed." in applied.stdout, applied
    assert sid not in {f["sid"] for f in sandbox.store.items("studio_flows")}
    assert not {"Support Flow", "Sales Flow"} & _names(sandbox, "studio_flows")
    gone = run_flexplan("plan", str(config), *target, env=sandbox_env)
    message = assert_clean_failure(gone, sandbox_env)
    assert "--target studio_flow.old-flow: neither the manifest nor the account has" in message


def test_a_targeted_plan_reads_only_what_it_needs(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path / "c")
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    counts = {}
    for name, extra in [("whole", ()), ("sales", ("--target", "studio_flow.sales"))]:
        sandbox.clear_stats()
        result = run_flexplan("plan", str(config), "--no-cache", *extra, env=sandbox_env)
        assert result.exit_code == 0, result
        counts[name] = sandbox.stats()["requests"]
    sales = counts["sales"]
    assert not any("FlexFlows" in endpoint for endpoint in sales), sales
    assert sum(sales.values()) < sum(counts["whole"].values()), counts
    definitions = [e for e in sales if e.startswith("GET /v2/Flows/FW")]
    assert len(definitions) <= 1, sales  # the targeted flow's definition, not the other's


MOVE = """
version: 1
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
flex_flows:
  legacy-sms:
    friendly_name: Legacy SMS Line
    channel_type: sms
    contact_identity: "+15550003333"
    chat_service: Flex Chat Service
    enabled: true
    {state}
    integration:
      type: studio
      studio_flow: support
{address}
"""
ADDRESS = """
conversations_addresses:
  sms:
    type: sms
    address: "+15550003333"
    friendly_name: Support SMS
    auto_creation:
      enabled: true
      type: studio
      studio_flow: support
"""


def test_a_target_that_needs_an_untargeted_delete_is_refused_naming_it(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Moving a number from a legacy Flex Flow to a Conversations address: the address
    takes the number only after the Flex Flow that holds it is deleted."""
    files = {"support.json": json.dumps(studio_flow("Hello from support"))}
    config = write_config(tmp_path / "c", MOVE.format(state="", address=""), files)
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    write_config(config, MOVE.format(state="state: absent", address=ADDRESS), files)
    before = len(writes(sandbox))
    only = run_flexplan(
        "apply", str(config), "--auto-approve", "--target", "conversations_address.sms",
        env=sandbox_env,
    )  # fmt: skip
    message = assert_clean_failure(only, sandbox_env)
    assert (
        "--target: conversations_address.sms needs flex_flow.legacy-sms deleted first "
        "(state: absent), which is not a target"
    ) in message, message
    assert "hint: add --target flex_flow.legacy-sms to delete it too" in message
    assert len(writes(sandbox)) == before
    both = run_flexplan(
        "plan", str(config), "--target", "conversations_address.sms",
        "--target", "flex_flow.legacy-sms", env=sandbox_env,
    )  # fmt: skip
    assert headings(both.stdout) == [
        "# flex_flow.legacy-sms will be destroyed",
        "# conversations_address.sms will be created",
    ], both


def test_targeting_a_resource_that_prune_keeps_says_why_it_is_kept(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    sandbox_client: Any,
    run_flexplan: Any,
) -> None:
    """A live resource prune keeps (something that stays points at it) is in the account:
    the refusal names it and why it is kept, not "neither the manifest nor the account"."""
    config = _config(tmp_path / "c", prune="prune: [studio_flows]")
    sid = _orphan(sandbox_client, "Old Flow")
    sandbox.store.add_flex_flow(
        friendly_name="Custom Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="custom-1", enabled=True, integration_type="studio",
        integration={"flow_sid": sid},
    )  # fmt: skip
    before = len(writes(sandbox))
    for command in ("plan", "apply"):
        result = run_flexplan(command, str(config), "--target", "studio_flow.old-flow",
                              env=sandbox_env)  # fmt: skip
        message = assert_clean_failure(result, sandbox_env)
        assert "neither the manifest nor the account" not in message, message
        assert (
            f"error: --target studio_flow.old-flow: the account's Studio flow 'Old Flow' ({sid}) "
            "is not pruned, so a plan has nothing to do with it: 'Custom Handler' ("
        ) in message, message
        assert "which stays, still points at it" in message, message
    assert len(writes(sandbox)) == before
    assert sid in {f["sid"] for f in sandbox.store.items("studio_flows")}


def test_a_pruned_resource_with_a_non_ascii_name_can_be_targeted(
    tmp_path: Path, sandbox_env: dict[str, str], sandbox_client: Any, run_flexplan: Any
) -> None:
    """The plan's address keeps letters outside ASCII (Café Flow -> café-flow); the target
    spelled as the plan prints it names that resource."""
    config = _config(tmp_path / "c", prune="prune: [studio_flows]")
    _orphan(sandbox_client, "Café Flow")
    planned = run_flexplan("plan", str(config), "--target", "studio_flow.café-flow",
                           env=sandbox_env)  # fmt: skip
    assert headings(planned.stdout) == [
        "# studio_flow.café-flow will be destroyed (not in the manifest; pruned)"
    ], planned


def test_a_kept_target_is_told_its_own_reason_whatever_other_names_hold(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    sandbox_client: Any,
    run_flexplan: Any,
) -> None:
    """Why a target is kept comes from the plan's record of it, not from its notes' text: a
    flow listed before it, whose name quotes it as the plan names it ('Old Flow' (FW…): …),
    does not lend it its note (the notes' text once made it "Studio flow "Copy of …")."""
    config = _config(tmp_path / "c", prune="prune: [studio_flows]")
    copy = _orphan(sandbox_client, "Draft")  # listed first: its note comes first
    sid = _orphan(sandbox_client, "Old Flow")
    sandbox_client.studio.v2.flows(copy).update(
        status="published", friendly_name=f"Copy of 'Old Flow' ({sid}): draft"
    )
    for handler, flow, identity in (("Copy Handler", copy, "c-1"), ("Old Handler", sid, "c-2")):
        sandbox.store.add_flex_flow(
            friendly_name=handler, chat_service_sid=CHAT_SERVICE, channel_type="custom",
            contact_identity=identity, enabled=True, integration_type="studio",
            integration={"flow_sid": flow},
        )  # fmt: skip
    result = run_flexplan("plan", str(config), "--target", "studio_flow.old-flow",
                          env=sandbox_env)  # fmt: skip
    message = assert_clean_failure(result, sandbox_env)
    assert (
        f"error: --target studio_flow.old-flow: the account's Studio flow 'Old Flow' ({sid}) "
        "is not pruned, so a plan has nothing to do with it: 'Old Handler' ("
    ) in message, message
    assert "Copy Handler" not in message, message



REPLACE = """
version: 1
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
  sales:
    friendly_name: Sales Flow
    status: published
    definition_file: sales.json
conversations_addresses:
  line:
    sid: {sid}
    type: sms
    address: "+15550002222"
    auto_creation:
      enabled: true
      type: studio
      studio_flow: support
"""
DELETE_ADDRESS = "DELETE /conversations/v1/Configuration/Addresses/{Sid}"


def _numbers(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    return {a["address"]: a for a in sandbox.store.items("addresses")}


def test_a_targeted_replacement_plans_and_applies_only_what_it_needs_and_finishes(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """A target whose change forces a new SID (an address's number, created first): the
    targeted plan shows its replace and the flow it runs, not the other flow; applying the
    saved plan creates the new address, and when the old one's destroy fails, the same
    target's next plan destroys that old object (the deposed one), which once it left out
    ("No changes") although its note said the plan destroys it."""
    old = sandbox.store.add_address(type="sms", address="+15550001111")["sid"]
    files = {
        "support.json": json.dumps(studio_flow("Hello from support")),
        "sales.json": json.dumps(studio_flow("Hello from sales")),
    }
    config = write_config(tmp_path / "c", REPLACE.format(sid=old), files)
    target = ("--target", "conversations_address.line")
    saved = tmp_path / "targeted.json"
    planned = run_flexplan("plan", str(config), *target, "--out", str(saved), env=sandbox_env)
    assert planned.exit_code == 0, planned
    assert headings(planned.stdout) == [
        "# studio_flow.support will be created",
        "# conversations_address.line must be replaced",
    ], planned.stdout
    assert "Sales" not in planned.stdout and "  +/- create replacement" in planned.stdout
    assert "Plan: 2 to add, 0 to change, 1 to destroy." in planned.stdout
    sandbox.faults.fail_routes.add(DELETE_ADDRESS)
    failed = run_flexplan("apply", str(saved), env=sandbox_env)
    assert failed.exit_code == 1, failed
    assert_sane(failed, sandbox_env)
    assert "the old one was not destroyed" in failed.stdout
    assert (  # a whole apply would create the other flow too
        "Fix the cause and run `flexplan apply --target conversations_address.line` again"
    ) in failed.stdout
    sandbox.faults.fail_routes.clear()
    flows = {f["friendly_name"]: f["sid"] for f in sandbox.store.items("studio_flows")}
    new = _numbers(sandbox)["+15550002222"]
    assert new["sid"] != old and new["auto_creation"]["studio_flow_sid"] == flows["Support Flow"]
    assert old in {a["sid"] for a in _numbers(sandbox).values()}
    rest = run_flexplan("plan", str(config), *target, "--out", str(saved), env=sandbox_env)
    assert headings(rest.stdout) == ["# conversations_address.line-deposed will be destroyed"], (
        rest.stdout
    )
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in rest.stdout
    finished = run_flexplan("apply", str(saved), env=sandbox_env)
    assert finished.exit_code == 0, finished
    assert "Apply complete: 0 added, 0 changed, 1 destroyed." in finished.stdout
    assert "+15550001111" not in _numbers(sandbox)
    assert "Sales Flow" not in _names(sandbox, "studio_flows")
    whole = run_flexplan("plan", str(config), env=sandbox_env)
    assert headings(whole.stdout) == ["# studio_flow.sales will be created"], whole.stdout
