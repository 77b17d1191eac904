"""Apply order and concurrency: dependencies first, claims released before taken,
independent actions in parallel up to --parallelism, created SIDs filled in.

The migration of a number from a legacy Flex Flow to a Conversations address
is watched from inside the sandbox's store: after every change the store
makes, the test checks that the number is not routed both ways at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from applykit import CLEAN, assert_sane, copy_example, write_config

NUMBER = "+15550004444"
FLOW = """\
studio_flows:
  messaging:
    friendly_name: Migration Flow
    status: published
    definition:
      description: hands every message to an agent
      initial_state: Trigger
      states:
        - name: Trigger
          type: trigger
          transitions:
            - {event: incomingMessage, next: to_agent}
            - {event: incomingCall}
            - {event: incomingConversationMessage, next: to_agent}
            - {event: incomingRequest}
          properties: {offset: {x: 0, y: 0}}
        - name: to_agent
          type: send-to-flex
          transitions: [{event: callComplete}, {event: failedToEnqueue}]
          properties:
            offset: {x: 0, y: 200}
            workflow: {workflow_sid}
            channel: {channel_sid}
            attributes: '{}'
    vars:
      workflow_sid: {workflow: Assign to Anyone}
      channel_sid: {task_channel: sms}
""".replace("{workflow_sid}", "${workflow_sid}").replace("{channel_sid}", "${channel_sid}")
LEGACY = f"""\
flex_flows:
  legacy-sms:
    friendly_name: Legacy Support SMS
    channel_type: sms
    contact_identity: "{NUMBER}"
    chat_service: Flex Chat Service
    enabled: true
    integration: {{type: studio, studio_flow: messaging}}
"""
ADDRESS = f"""\
conversations_addresses:
  support-sms:
    type: sms
    address: "{NUMBER}"
    friendly_name: Support SMS
    auto_creation: {{enabled: true, type: studio, studio_flow: messaging}}
"""
# the two ways to take a number off a legacy Flex Flow
RETIRED = {
    "deleted": LEGACY + "    state: absent\n",
    "disabled": LEGACY.replace("enabled: true", "enabled: false"),
}


class Timeline:
    """Every change the sandbox store makes, and whether the number was routed twice."""

    def __init__(self, store: Any):
        self.store = store
        self.events: list[str] = []
        self.both_routed = False
        put, delete = store.put, store.delete

        def watched_put(kind: str, body: dict[str, Any]) -> Any:
            out = put(kind, body)
            self._after(f"put {kind} {body.get('friendly_name')}")
            return out

        def watched_delete(kind: str, sid: str) -> None:
            delete(kind, sid)
            self._after(f"delete {kind} {sid}")

        store.put, store.delete = watched_put, watched_delete

    def _after(self, event: str) -> None:
        self.events.append(event)
        legacy = any(
            f.get("contact_identity") == NUMBER and f.get("enabled")
            for f in self.store.items("flex_flows")
        )
        address = any(a.get("address") == NUMBER for a in self.store.items("addresses"))
        self.both_routed |= legacy and address


@pytest.mark.parametrize("retire", sorted(RETIRED))
@pytest.mark.sandbox_knobs(latency_ms=20)
def test_number_moves_from_flex_flow_to_address_without_overlap(
    retire: str, tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = write_config(tmp_path / "cfg", "version: 1\n" + FLOW + LEGACY)
    first = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert first.exit_code == 0, first

    write_config(config, "version: 1\n" + FLOW + RETIRED[retire] + ADDRESS)
    timeline = Timeline(sandbox.store)
    moved = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "10",
                         env=sandbox_env)  # fmt: skip
    assert moved.exit_code == 0, moved
    assert_sane(moved, sandbox_env)
    assert any(e.startswith("put addresses") for e in timeline.events), timeline.events
    assert not timeline.both_routed, timeline.events
    legacy_done = _line(
        moved.stdout, r"flex_flow\.legacy-sms: (Destruction|Modifications) complete"
    )
    address_start = _line(moved.stdout, r"conversations_address\.support-sms: Creating")
    assert legacy_done < address_start, moved.stdout
    again = run_flexplan("plan", str(config), env=sandbox_env)
    assert again.stdout.rstrip().endswith(CLEAN), again


def test_created_sids_flow_into_references(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    flows = {f["friendly_name"]: f["sid"] for f in sandbox.store.items("studio_flows")}
    addresses = {a["address"]: a for a in sandbox.store.items("addresses")}
    sms = addresses["+15550001111"]["auto_creation"]
    chat = addresses["quickstart-web-chat"]["auto_creation"]
    assert sms["studio_flow_sid"] == flows["Quickstart SMS Flow"]
    assert chat["studio_flow_sid"] == flows["Quickstart Web Chat Flow"]
    # the SID printed when the flow was created is the one its referrer got
    printed = re.search(r"studio_flow\.sms: Creation complete after \S+ \[sid=(FW\w+)\]",
                        applied.stdout)  # fmt: skip
    assert printed and printed.group(1) == sms["studio_flow_sid"]
    assert _line(applied.stdout, r"studio_flow\.sms: Creation complete") < _line(
        applied.stdout, r"conversations_address\.support-sms: Creating"
    )


def _many_addresses(count: int) -> str:
    lines = ["version: 1", "conversations_addresses:"]
    for i in range(count):
        lines += [f"  chat-{i}:", "    type: chat", f"    address: parallel-{i}",
                  f"    friendly_name: Parallel {i}"]  # fmt: skip
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("parallelism", [1, 4])
@pytest.mark.sandbox_knobs(latency_ms=60)
def test_independent_actions_run_concurrently_up_to_parallelism(
    parallelism: int, tmp_path: Path, sandbox_env, run_flexplan
) -> None:
    config = write_config(tmp_path / "cfg", _many_addresses(8))
    applied = run_flexplan("apply", str(config), "--auto-approve", "--parallelism",
                           str(parallelism), env=sandbox_env)  # fmt: skip
    assert applied.exit_code == 0, applied
    assert "Apply complete: 8 added, 0 changed, 0 destroyed." in applied.stdout
    assert _most_in_flight(applied.stdout) == parallelism


def _most_in_flight(stdout: str) -> int:
    running = most = 0
    for line in stdout.splitlines():
        if re.match(r"^\S+: Creating\.\.\.", line):
            running += 1
            most = max(most, running)
        elif re.match(r"^\S+: Creation complete", line):
            running -= 1
    return most


def _line(stdout: str, pattern: str) -> int:
    lines = stdout.splitlines()
    found = [i for i, line in enumerate(lines) if re.match(pattern, line)]
    assert found, f"no line matches {pattern!r} in:\n{stdout}"
    return found[0]


def test_replace_creates_then_destroys(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    """A field fixed at creation (the address of a pinned address) is a replace; a new
    number cannot collide with the old one, so the new address is created first."""
    old = sandbox.store.add_address(type="sms", address="+15550007777", friendly_name="Old line")
    manifest = f"""\
version: 1
conversations_addresses:
  line:
    sid: {old["sid"]}
    type: sms
    address: "+15550008888"
    friendly_name: New line
"""
    config = write_config(tmp_path / "cfg", manifest)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert "conversations_address.line: Replacing (create, then destroy)..." in result.stdout
    # the apply's counts add up to the plan's, a replace being one added and one destroyed
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in result.stdout
    assert "Apply complete: 1 added, 0 changed, 1 destroyed (1 replaced)." in result.stdout
    numbers = {a["address"]: a for a in sandbox.store.items("addresses")}
    assert "+15550007777" not in numbers
    assert numbers["+15550008888"]["friendly_name"] == "New line"
    new_sid = numbers["+15550008888"]["sid"]
    assert re.search(rf"line: Replacement complete after \S+ \[sid={new_sid}\]", result.stdout)
    # the pin now names a destroyed SID: the plan matches the replacement by its
    # natural key, says how to re-pin, and is clean
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert (
        f"conversations_address.line: the pinned sid {old['sid']} no longer exists (replaced?); "
        f"matched {new_sid} by sms / +15550008888: write `sid: {new_sid}` to pin it again"
    ) in again.stdout
    assert again.stdout.rstrip().endswith("No changes. The account matches the manifest.")
