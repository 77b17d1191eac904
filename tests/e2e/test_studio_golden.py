"""Golden files: what a reviewer sees of one Studio change (issue 14 item 4).

The account holds a support flow; the manifest changes it in every way a
reviewer must read: a widget added (its message shown), a long message edited
(the changed words marked, not two 400-character strings), one parameter
inserted at the front of a run-function's list (one change, not one per
parameter), two widgets moved (named), a task channel changed through a
look-up (shown as ``name (SID)``), a widget removed and transitions rewired;
and the picture of the flow (Mermaid) in the markdown comment and from
``flexplan graph``.

The files are tests/e2e/golden/studio.txt, studio.md and studio.mmd. To accept
a deliberate change, regenerate and review the diff:

    FLEXPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_studio_golden.py
    git diff tests/e2e/golden
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from plankit import warnings, write_config

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.ids import fixed_sid

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("FLEXPLAN_UPDATE_GOLDEN") == "1"
SMS_CHANNEL = fixed_sid("TC", "sms")
CHAT_CHANNEL = fixed_sid("TC", "chat")

WELCOME = (
    "Thanks for contacting Owl Shoes support. Our team answers messages from 8am to 8pm "
    "Monday to Friday and from 10am to 4pm on Saturdays; outside those hours we reply the "
    "next working morning. While you wait, you can track an order at owlshoes.example/track "
    "or start a return at owlshoes.example/returns. To reach a person sooner, reply AGENT. "
    "To stop receiving messages from us, reply STOP at any time. Thank you for your patience!"
)

SORRY = "No agent is free right now. We will write back soon."
MANIFEST = """\
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
    vars:
      CHANNEL: {task_channel: chat}
"""


def live_definition() -> dict[str, Any]:
    keys = ("From", "To", "Body", "ChannelSid", "ConversationSid", "Source")
    parameters = [{"key": k, "value": f"{{{{trigger.message.{k}}}}}"} for k in keys]
    return {
        "description": "Owl Shoes support",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
        "states": [
            {"name": "Trigger", "type": "trigger",
             "transitions": [{"event": "incomingMessage", "next": "greet"},
                             {"event": "incomingCall"}, {"event": "incomingRequest"}],
             "properties": {"offset": {"x": 0, "y": 0}}},
            {"name": "greet", "type": "send-message",
             "transitions": [{"event": "sent", "next": "lookup"}, {"event": "failed"}],
             "properties": {"offset": {"x": 0, "y": 200}, "from": "{{flow.channel.address}}",
                            "to": "{{contact.channel.address}}", "body": WELCOME}},
            {"name": "lookup", "type": "run-function",
             "transitions": [{"event": "success", "next": "send_to_agent"},
                             {"event": "fail", "next": "sorry"}],
             "properties": {"offset": {"x": 0, "y": 400},
                            "service_sid": "ZS" + "1" * 32, "environment_sid": "ZE" + "1" * 32,
                            "function_sid": "ZH" + "1" * 32,
                            "url": "https://owl-1234.twil.io/customer", "parameters": parameters}},
            {"name": "sorry", "type": "send-message",
             "transitions": [{"event": "sent"}, {"event": "failed"}],
             "properties": {"offset": {"x": 300, "y": 400}, "body": "Sorry, try again later."}},
            {"name": "send_to_agent", "type": "send-to-flex",
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}],
             "properties": {"offset": {"x": 0, "y": 600}, "workflow": "WW" + "0" * 32,
                            "channel": SMS_CHANNEL, "attributes": "{}"}},
        ],
    }  # fmt: skip


def manifest_definition() -> dict[str, Any]:
    definition = copy.deepcopy(live_definition())
    trigger, greet, lookup, _sorry, to_agent = definition["states"]
    greet["properties"]["body"] = WELCOME.replace(
        "from 10am to 4pm on Saturdays", "from 9am to 5pm on Saturdays and Sundays"
    ).replace("reply AGENT", "reply AGENT or call 0800 555 0100")
    lookup["properties"]["parameters"].insert(0, {"key": "Channel", "value": "{{flow.channel}}"})
    lookup["transitions"][1]["next"] = "goodbye"
    to_agent["properties"]["channel"] = "${CHANNEL}"
    to_agent["transitions"][1]["next"] = "goodbye"
    for widget in (greet, to_agent):
        widget["properties"]["offset"]["x"] += 150
    goodbye = {"name": "goodbye", "type": "send-message",
               "transitions": [{"event": "sent"}, {"event": "failed"}],
               "properties": {"offset": {"x": 300, "y": 800}, "from": "{{flow.channel.address}}",
                              "to": "{{contact.channel.address}}",
                              "body": SORRY}}  # fmt: skip
    definition["states"] = [trigger, greet, lookup, to_agent, goodbye]
    return definition


def _normalise(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path), "<tmp>")


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual)
        return
    assert path.exists(), f"{path} is missing; run with FLEXPLAN_UPDATE_GOLDEN=1 to write it"
    assert actual == path.read_text(), (
        f"{name} differs from the golden file; if the change is intended, run "
        "FLEXPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_studio_golden.py "
        "and review `git diff tests/e2e/golden`"
    )


@pytest.fixture
def config(tmp_path: Path, sandbox: SandboxServer) -> Path:
    sandbox.store.add_studio_flow(
        friendly_name="Support Flow", status="published", definition=live_definition()
    )
    files = {"support.json": json.dumps(manifest_definition(), indent=2)}
    return write_config(tmp_path / "config", MANIFEST, files)


@pytest.mark.sandbox_knobs(seed=2024)
def test_studio_review_renderings_match_the_golden_files(
    config: Path, tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    outputs = {}
    for fmt, name in (("text", "studio.txt"), ("markdown", "studio.md"), ("json", None)):
        result = run_flexplan("plan", str(config), "--format", fmt, env=sandbox_env)
        assert result.exit_code == 0 and warnings(result.stderr) == "", result
        outputs[name or fmt] = _normalise(result.stdout, tmp_path)
    graph = run_flexplan("graph", "support", str(config), env=sandbox_env)
    assert graph.exit_code == 0 and warnings(graph.stderr) == "", graph
    outputs["studio.mmd"] = graph.stdout

    text = outputs["studio.txt"]
    assert "Thanks for contacting Owl Shoes support." not in text  # no whole string twice
    assert (
        "from [-10am-]{+9am+} to [-4pm-]{+5pm+} on [-Saturdays;-]{+Saturdays and Sundays;+}" in text
    )
    assert 'properties.parameters[key="Channel"]: (none) -> ' in text
    assert text.count("properties.parameters") == 1  # one insert, one change
    assert "layout changed for 2 widgets (greet, send_to_agent)" in text
    assert f"properties.channel: sms ({SMS_CHANNEL}) -> chat ({CHAT_CHANNEL})" in text
    assert f'properties.body = "{SORRY}"' in text  # an added widget shows its message
    markdown = outputs["studio.md"]
    assert markdown.count("<details>") == markdown.count("</details>") == 5  # flow, 2 widgets,
    assert len(re.findall(r"^```", markdown, re.MULTILINE)) % 2 == 0  # picture, unmanaged
    assert markdown.count("```mermaid") == 1 and outputs["studio.mmd"] in markdown
    assert re.search(
        r"<summary><code>\+ widget &quot;goodbye&quot; \(send-message\)</code>", markdown
    )
    detail = next(
        item["detail"]
        for change in json.loads(outputs["json"])["resource_changes"]
        if change["address"] == "studio_flow.support"
        for item in change["change"]["diff"]
        if "detail" in item
    )
    assert detail["layout_widgets"] == ["greet", "send_to_agent"]
    statuses = {n["name"]: n["status"] for n in detail["graph"]["nodes"]}
    assert statuses == {"Trigger": "unchanged", "greet": "changed", "lookup": "changed",
                        "send_to_agent": "changed", "goodbye": "added",
                        "sorry": "removed"}  # fmt: skip
    for name in ("studio.txt", "studio.md", "studio.mmd"):
        _check(name, outputs[name])


def test_graph_of_the_manifest_alone_and_of_an_unknown_flow(
    config: Path, run_flexplan: Any
) -> None:
    alone = run_flexplan("graph", "support", str(config), "--manifest-only", env={})
    assert alone.exit_code == 0, alone
    assert alone.stdout.startswith("flowchart TD\n")
    assert ":::unchanged" in alone.stdout and ":::added" not in alone.stdout
    unknown = run_flexplan("graph", "sales", str(config), "--manifest-only", env={})
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert "no Studio flow named 'sales'" in unknown.stderr and "support" in unknown.stderr


def test_graph_of_an_unchanged_flow_draws_every_widget_grey(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    sandbox.store.add_studio_flow(
        friendly_name="Support Flow", status="published", definition=live_definition()
    )
    manifest = MANIFEST.split("    vars:")[0]
    files = {"support.json": json.dumps(live_definition())}
    config = write_config(tmp_path / "same", manifest, files)
    result = run_flexplan("graph", "support", str(config), env=sandbox_env)
    assert result.exit_code == 0, result
    nodes = [line for line in result.stdout.splitlines() if ":::" in line]
    assert len(nodes) == 5 and all(line.endswith(":::unchanged") for line in nodes)
    assert "linkStyle" not in result.stdout
