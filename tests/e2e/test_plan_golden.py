"""Golden files: the text, JSON and markdown renderings of one plan that touches everything.

The plan covers every kind (Studio flows, Flex Flows, Conversations addresses,
channel configs) and every action: create, update, delete (``state: absent``),
replace (a pinned address whose number changed), no-op, prune (of two kinds,
with the account's defaults kept), a per-widget Studio diff with a layout
move, ``(known after apply)`` for references to a flow created in the same
plan, ``(sensitive)`` for an ``${env:…}`` value and for a URL with a password,
and the legacy-to-Conversations order (a Flex Flow deleted before an address
takes its number).

The files are tests/e2e/golden/plan.txt, plan.json and plan.md, and comment.md:
the pull-request comment ``flexplan comment`` builds from this plan and a failed one. The sandbox
runs with a fixed seed, so every SID is the same run after run; the one value
that still varies (the flexplan version in the JSON) is normalised in
``_normalise``, the only place that rewrites output.

To accept a deliberate change of rendering, regenerate them and review the diff:

    FLEXPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_plan_golden.py
    git diff tests/e2e/golden
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from plankit import moved, reformatted, studio_flow, warnings, write_config

from flexplan.sandbox import SandboxServer

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"
UPDATE = os.environ.get("FLEXPLAN_UPDATE_GOLDEN") == "1"
CHAT_SERVICE = "IS1fae2e3b8437981223864903fa91d4a9"  # the fresh account's "Flex Chat Service"
HOOK_TOKEN = "golden-hook-token-0001"

MANIFEST = """\
prune: [flex_flows, studio_flows]

studio_flows:
  support:                      # created; others refer to it
    friendly_name: Support Flow
    status: published
    definition_file: studio/support.json
  sales:                        # one widget's text changed, every widget moved
    friendly_name: Sales Flow
    status: published
    definition_file: studio/sales.json
  survey:                       # the live flow, reformatted: no change
    friendly_name: Survey Flow
    status: published
    definition_file: studio/survey.json
  old-ivr:
    friendly_name: Old IVR
    state: absent

flex_flows:
  legacy-sms:                   # its number moves to conversations_address.support-sms
    friendly_name: Legacy SMS
    state: absent
  web:                          # the account's web chat flow, now through the new flow
    friendly_name: Flex Web Channel Flow
    channel_type: web
    chat_service: Flex Chat Service
    enabled: true
    integration: {type: studio, studio_flow: support, retry_count: 1}

conversations_addresses:
  support-sms:
    type: sms
    address: "+15550007777"
    friendly_name: Support SMS
    auto_creation: {enabled: true, type: studio, studio_flow: support, studio_retry_count: 2}
  hook:
    type: chat
    address: support-hook
    friendly_name: Support hook
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: "https://hooks.example.com/in?token=${env:HOOK_TOKEN}"
      webhook_method: POST
  bot:
    type: chat
    address: support-bot
    friendly_name: Bot
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: "https://bot:hunter2@bots.example.com/in"
  line:
    sid: %(line_sid)s
    type: sms
    address: "+15550004444"
    friendly_name: Line
  moved:
    sid: %(moved_sid)s
    type: sms
    address: "+15550002222"
    address_country: CA
  web-chat:
    type: chat
    address: flex-webchat
    friendly_name: Flex Web Chat

channel_configs:
  sms:
    attachments:
      enabled: true
      accepted_extensions: [jpg, png, pdf]
      max_file_size: 1MiB         # shown with its unit, as written
  web:
    attachments: {enabled: true, number_of_attachments: 1}
"""


def _seed(sandbox: SandboxServer) -> dict[str, Any]:
    """The live account the plan is computed against (order fixed: it fixes the SIDs)."""
    store = sandbox.store
    store.add_studio_flow(friendly_name="Sales Flow", status="published",
                          definition=studio_flow("Sales here!"))  # fmt: skip
    store.add_studio_flow(friendly_name="Survey Flow", status="published",
                          definition=studio_flow("How did we do?"))  # fmt: skip
    store.add_studio_flow(friendly_name="Old IVR", status="published", definition=studio_flow())
    store.add_studio_flow(friendly_name="Stray Flow", status="draft", definition=studio_flow())
    store.add_flex_flow(
        friendly_name="Legacy SMS", chat_service_sid=CHAT_SERVICE, channel_type="sms",
        contact_identity="+15550007777", enabled=True, integration_type="external",
        integration={"url": "https://hooks.example.com/sms"},
    )  # fmt: skip
    store.add_flex_flow(
        friendly_name="Stray Handler", chat_service_sid=CHAT_SERVICE, channel_type="custom",
        contact_identity="stray", enabled=False, integration_type="external",
        integration={"url": "https://hooks.example.com/stray"},
    )  # fmt: skip
    store.add_address(type="chat", address="support-hook", friendly_name="Hook",
                      auto_creation={"enabled": False, "type": "webhook",
                                     "webhook_url": "https://hooks.example.com/old",
                                     "webhook_method": "POST"})  # fmt: skip
    line = store.add_address(type="sms", address="+15550001111", friendly_name="Line")
    store.add_address(type="whatsapp", address="whatsapp:+15550009999", friendly_name="Stray WA")
    # same address, other country: a replace that must destroy first (the other creates first)
    moved = store.add_address(type="sms", address="+15550002222", address_country="US")
    return {"line_sid": line["sid"], "moved_sid": moved["sid"]}


def _normalise(text: str, tmp_path: Path) -> str:
    """The one place output is rewritten: values that differ between runs or machines."""
    text = re.sub(r'"flexplan_version": "[^"]*"', '"flexplan_version": "<version>"', text)
    return text.replace(str(tmp_path), "<tmp>")


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual)
        return
    assert path.exists(), f"{path} is missing; run with FLEXPLAN_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text()
    assert actual == expected, (
        f"{name} differs from the golden file; if the change is intended, run "
        "FLEXPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_plan_golden.py "
        "and review `git diff tests/e2e/golden`"
    )


@pytest.mark.sandbox_knobs(seed=2024)
def test_plan_renderings_match_the_golden_files(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    values = _seed(sandbox)
    sales = moved(studio_flow("Sales here!"))
    sales["states"][1]["properties"]["body"] = "Sales: we answer within the hour."
    config = write_config(
        tmp_path / "config",
        MANIFEST % values,
        {
            "studio/support.json": json.dumps(studio_flow("Welcome to support!"), indent=2),
            "studio/sales.json": json.dumps(sales, indent=2),
            "studio/survey.json": reformatted(studio_flow("How did we do?")),
        },
    )
    env = {**sandbox_env, "HOOK_TOKEN": HOOK_TOKEN}
    outputs = {}
    for fmt, name in (("text", "plan.txt"), ("json", "plan.json"), ("markdown", "plan.md")):
        result = run_flexplan("plan", str(config), "--format", fmt, "--detailed-exitcode", env=env)
        assert result.exit_code == 2, result
        assert warnings(result.stderr) == "", result
        assert HOOK_TOKEN not in result.stdout and "hunter2" not in result.stdout
        outputs[name] = _normalise(result.stdout, tmp_path)
    document = json.loads(outputs["plan.json"])
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    actions = {tuple(c["change"]["actions"]) for c in document["resource_changes"]}
    assert actions == {
        ("create",), ("update",), ("delete",), ("delete", "create"), ("create", "delete"),
        ("no-op",),
    }  # fmt: skip
    assert {c["kind"] for c in document["resource_changes"]} == {
        "studio_flow", "flex_flow", "conversations_address", "channel_config",
    }  # fmt: skip
    assert any(not c["managed"] for c in document["resource_changes"])  # pruned
    for name, text in outputs.items():
        _check(name, text)
    _check("comment.md", _comment(tmp_path, outputs["plan.md"], run_flexplan))


PRODUCTION_ERROR = """\
**flexplan plan failed** for environment `production`

```
error: reading the account's Studio flows failed: Twilio error 20003 (HTTP 401)
```
"""


def _comment(tmp_path: Path, staging: str, run_flexplan: Any) -> str:
    """The combined pull-request comment of this plan (staging) and a failed plan."""
    for name, text, code in (("staging", staging, 2), ("production", PRODUCTION_ERROR, 1)):
        directory = tmp_path / "out" / f"plan-{name}"
        directory.mkdir(parents=True)
        (directory / "plan.md").write_text(text)
        (directory / "exitcode").write_text(f"{code}\n")
    github = {
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/flex-config",
        "GITHUB_RUN_ID": "4242",
        "FLEXPLAN_NEXT": "Merging this pull request applies these plans to staging and production.",
    }  # fmt: skip
    dirs = [str(tmp_path / "out" / f"plan-{n}") for n in ("staging", "production")]
    result = run_flexplan("comment", *dirs, env=github)
    assert result.exit_code == 0, result
    return result.stdout


@pytest.mark.sandbox_knobs(seed=2024)
def test_a_targeted_plan_matches_the_golden_files(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """The same account and manifest, planned with ``--target`` for a Flex Flow (and the flow
    it refers to, created) and a pruned flow: Terraform's targeting warning, in text and
    markdown, and only those three resources."""
    values = _seed(sandbox)
    config = write_config(
        tmp_path / "config",
        MANIFEST % values,
        {
            "studio/support.json": json.dumps(studio_flow("Welcome to support!"), indent=2),
            "studio/sales.json": json.dumps(moved(studio_flow("Sales here!")), indent=2),
            "studio/survey.json": reformatted(studio_flow("How did we do?")),
        },
    )
    targets = ("--target", "flex_flow.web", "--target", "studio_flow.stray-flow")
    env = {**sandbox_env, "HOOK_TOKEN": HOOK_TOKEN}
    for fmt, name in (("text", "targeted.txt"), ("markdown", "targeted.md")):
        result = run_flexplan("plan", str(config), *targets, "--format", fmt, env=env)
        assert result.exit_code == 0, result
        _check(name, _normalise(result.stdout, tmp_path))
