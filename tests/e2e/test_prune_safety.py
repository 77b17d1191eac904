"""Prune deletes only what it can identify and what nothing still uses.

Each test drives the CLI against the sandbox through the real SDK: a list
answer that lost its identity (the sandbox's ``drop_fields`` knob plays the
proxy that dropped it), names retyped with a different case or a trailing
space, the account's default flows under every documented name and by role,
and live referrers that stay.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from applykit import assert_sane, writes
from plankit import CLEAN, assert_clean_failure, headings, studio_flow, write_config

from flexplan.sandbox import SandboxServer

CHAT_SERVICE = "IS1fae2e3b8437981223864903fa91d4a9"  # the fresh account's "Flex Chat Service"
STUDIO = json.dumps(studio_flow())


def _flow(sandbox: SandboxServer, name: str, definition: dict | None = None) -> dict:
    return sandbox.store.add_studio_flow(
        friendly_name=name, status="published", definition=definition or studio_flow()
    )


def _flows_manifest(*entries: tuple[str, str, bool]) -> str:
    lines = ["version: 1", "prune: [studio_flows]", "studio_flows:"]
    for local, name, protect in entries:
        lines += [f"  {local}:", f"    friendly_name: {json.dumps(name)}", "    status: published",
                  "    definition_file: f.json"]  # fmt: skip
        if protect:
            lines.append("    protect: true")
    return "\n".join(lines) + "\n"


@pytest.mark.sandbox_knobs(drop_fields={"friendly_name"})
def test_prune_with_identity_less_answers_deletes_nothing_and_names_them(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    kept = _flow(sandbox, "Support Flow")
    guarded = _flow(sandbox, "Billing Flow")
    config = write_config(
        tmp_path / "c",
        _flows_manifest(("support", "Support Flow", False), ("billing", "Billing Flow", True)),
        {"f.json": STUDIO},
    )
    before = len(writes(sandbox))
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    message = assert_clean_failure(applied, sandbox_env)
    assert len(writes(sandbox)) == before, "apply wrote to the account"
    assert len(sandbox.store.items("studio_flows")) == 5
    for sid in [kept["sid"], guarded["sid"]] + [
        f["sid"] for f in sandbox.store.items("studio_flows")
    ]:
        assert f"error: the live Studio flow {sid} has no identity in the account's answer" in (
            message
        ), message
    assert "it plans no change (and never deletes it)" in message
    # once the answers are whole again, the plan is clean: nothing was lost
    sandbox.faults.drop_fields.clear()
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.rstrip().endswith(CLEAN)


@pytest.mark.parametrize("live_name", ["Support Flow ", "support flow", "  SUPPORT FLOW"])
@pytest.mark.parametrize("protect", [True, False])
def test_a_name_retyped_in_the_console_is_matched_not_pruned_or_duplicated(
    live_name: str,
    protect: bool,
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan,
) -> None:
    live = _flow(sandbox, live_name)
    config = write_config(
        tmp_path / "c", _flows_manifest(("support", "Support Flow", protect)), {"f.json": STUDIO}
    )
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert headings(plan.stdout) == ["# studio_flow.support will be updated in-place"], plan.stdout
    assert f'friendly_name = {json.dumps(live_name)} -> "Support Flow"' in plan.stdout
    assert (
        f"Note: studio_flow.support: the live Studio flow {live['sid']} {live_name!r} looks like "
        "'Support Flow' (differs only in case or surrounding whitespace)"
    ) in plan.stdout
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    assert_sane(applied, sandbox_env)
    flows = {f["sid"]: f["friendly_name"] for f in sandbox.store.items("studio_flows")}
    assert flows[live["sid"]] == "Support Flow"  # the same object, renamed back: same SID
    assert list(flows.values()).count("Support Flow") == 1
    assert len(flows) == 4  # the three defaults and this one: nothing pruned, nothing added
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again


def test_a_look_alike_beside_the_exact_match_is_kept_not_pruned(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    _flow(sandbox, "Support Flow")
    twin = _flow(sandbox, "Support Flow ")
    stray = _flow(sandbox, "Stray Flow")
    config = write_config(
        tmp_path / "c", _flows_manifest(("support", "Support Flow", True)), {"f.json": STUDIO}
    )
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert headings(plan.stdout) == [
        "# studio_flow.stray-flow will be destroyed (not in the manifest; pruned)"
    ]
    assert (
        f"Note: kept Studio flow 'Support Flow ' ({twin['sid']}): it looks like "
        "studio_flow.support (differs only in case or surrounding whitespace), so it is never "
        "pruned"
    ) in plan.stdout
    assert stray["sid"] in plan.stdout


DEFAULT_NAMES = ["WebChat Flow", "Chat Flow", "webchat flow ", " MESSAGING FLOW"]


@pytest.mark.parametrize("name", DEFAULT_NAMES)
def test_default_flows_are_never_pruned_under_any_documented_name(
    name: str, tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    """Twilio's pages call the web chat flow "Webchat Flow", "WebChat Flow" and "Chat Flow"."""
    default = _flow(sandbox, name)
    config = write_config(tmp_path / "c", _flows_manifest(("x", "X", False)), {"f.json": STUDIO})
    plan = run_flexplan("plan", str(config), env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert default["sid"] not in "\n".join(headings(plan.stdout)), plan.stdout
    assert f"Note: kept Studio flow {name!r} ({default['sid']}): an account default" in (
        plan.stdout
    )
    assert "destroy" not in plan.stdout.split("Not managed")[0]


def test_default_flows_by_role_are_never_pruned(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    """Renamed defaults are still what the default handlers and chat address use."""
    store = sandbox.store
    renamed = {}
    for flow in store.items("studio_flows"):
        if flow["friendly_name"] in ("Messaging Flow", "Webchat Flow"):
            renamed[flow["sid"]] = f"Our {flow['friendly_name']}"
            store.put("studio_flows", {**flow, "friendly_name": renamed[flow["sid"]]})
    config = write_config(tmp_path / "c", _flows_manifest(("x", "X", False)), {"f.json": STUDIO})
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    left = {f["sid"] for f in store.items("studio_flows")}
    assert set(renamed) <= left, applied.stdout
    for sid in renamed:
        assert (
            f"({sid}): an account default uses it (a default handler or the default chat "
            "address), so it is never pruned"
        ) in applied.stdout
    # "Voice IVR" keeps its default name; "X" was created; nothing else was touched
    assert "Apply complete: 1 added, 0 changed, 0 destroyed." in applied.stdout


def test_a_live_referrer_that_stays_blocks_prune(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    store = sandbox.store
    used_by_handler = _flow(sandbox, "Handler Flow")
    used_by_address = _flow(sandbox, "Address Flow")
    subflow = _flow(sandbox, "Business Hours")
    parent_definition = studio_flow()
    parent_definition["states"].append(
        {
            "name": "hours",
            "type": "run-subflow",
            "transitions": [{"event": "completed"}, {"event": "failed"}],
            "properties": {"offset": {"x": 0, "y": 400}, "flow_sid": subflow["sid"],
                           "flow_revision": "LatestPublished", "parameters": []},
        }
    )  # fmt: skip
    parent_definition["states"][0]["transitions"][1]["next"] = "hours"
    parent = _flow(sandbox, "Parent Flow", parent_definition)
    unused = _flow(sandbox, "Unused Flow")
    store.add_flex_flow(
        friendly_name="Custom Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="custom-1", enabled=True, integration_type="studio",
        integration={"flow_sid": used_by_handler["sid"]},
    )  # fmt: skip
    store.add_address(
        type="sms", address="+15550006666", friendly_name="Kept line",
        auto_creation={"enabled": True, "type": "studio",
                       "studio_flow_sid": used_by_address["sid"]},
    )  # fmt: skip
    # the parent flow is managed and keeps its subflow; nothing in the manifest uses the others
    config = write_config(
        tmp_path / "c",
        _flows_manifest(("parent", "Parent Flow", False)),
        {"f.json": json.dumps(parent_definition)},
    )
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    left = {f["sid"] for f in store.items("studio_flows")}
    for kept, user in (
        (used_by_handler, "'Custom Handler'"),
        (used_by_address, "'Kept line'"),
        (subflow, "'Parent Flow'"),
    ):
        assert kept["sid"] in left, applied.stdout
        assert f"({kept['sid']}): {user} (" in applied.stdout, applied.stdout
        assert "which stays, still points at it; prune never deletes what is in use" in (
            applied.stdout
        )
    assert parent["sid"] in left
    assert unused["sid"] not in left
    assert "Apply complete: 0 added, 0 changed, 1 destroyed." in applied.stdout


def test_a_live_handler_with_an_empty_name_stops_a_pruning_plan(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    store = sandbox.store
    blank = store.add_flex_flow(
        friendly_name="Blank", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="blank", enabled=False, integration_type="external",
        integration={"url": "https://hooks.example.com/blank"},
    )  # fmt: skip
    store.put("flex_flows", {**blank, "friendly_name": "  "})
    config = write_config(tmp_path / "c", "version: 1\nprune: [flex_flows]\n")
    before = len(writes(sandbox))
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    message = assert_clean_failure(applied, sandbox_env)
    assert f"error: the live Flex Flow {blank['sid']} has no identity" in message, message
    assert "(its name is missing or empty)" in message
    assert len(writes(sandbox)) == before


@pytest.mark.sandbox_knobs(drop_fields={"friendly_name"})
def test_a_look_up_whose_candidates_lost_their_names_is_one_clear_error(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan
) -> None:
    """A look-up by name into a list answered without names says so, once per look-up,
    and never offers the literal ``None`` as a name to pick."""
    from applykit import copy_example

    config = copy_example(tmp_path, "contact-center")
    planned = run_flexplan("plan", str(config), env=sandbox_env)
    message = assert_clean_failure(planned, sandbox_env)
    assert "None" not in message, message
    assert "without a name (its friendly_name is missing or empty)" in message, message
    lines = [line for line in message.splitlines() if "was not found" in line]
    assert lines and len(lines) == len(set(lines)), message
