"""Kinds the manifest does not manage are read best-effort (issue 11, item 1).

Programmable Chat for Flex, and with it the Flex Flow API, reached its end of life on
2026-06-01: on such an account ``/v1/FlexFlows`` answers an error. A plan whose manifest
neither manages nor prunes Flex Flows still works, and says under "Not managed" that the
kind could not be read; a manifest that manages them fails loudly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plankit import CLEAN, assert_clean_failure, warnings, write_config

from flexplan.sandbox import SandboxServer

ADDRESS_ONLY = """
version: 1
conversations_addresses:
  support-sms:
    type: sms
    address: "+15550001111"
"""

FLEX_FLOW = """
version: 1
flex_flows:
  web:
    friendly_name: Flex Web Channel Flow
    channel_type: web
    chat_service: Flex Chat Service
    integration: {type: external, url: "https://hooks.example.com/web"}
"""

SKIPPED = (
    "Flex Flows: could not be read (Twilio error 20404 (HTTP 404): The requested resource "
    "/v1/FlexFlows was not found); skipped"
)


@pytest.fixture
def retired(sandbox: SandboxServer) -> SandboxServer:
    sandbox.retire("flex_flows")
    return sandbox


def _applied(tmp_path: Path, env: dict[str, str], run_flexplan: Any) -> Path:
    config = write_config(tmp_path / "c", ADDRESS_ONLY)
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    return config


def test_retired_flex_flows_are_one_line_under_not_managed(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _applied(tmp_path, sandbox_env, run_flexplan)
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert f"  {SKIPPED}" in lines, result.stdout
    start = next(i for i, line in enumerate(lines) if line.startswith("Not managed"))
    assert lines.index(f"  {SKIPPED}") > start  # listed under "Not managed"
    assert lines[-1] == CLEAN
    assert warnings(result.stderr) == ""


def test_markdown_and_json_say_the_same(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _applied(tmp_path, sandbox_env, run_flexplan)
    markdown = run_flexplan("plan", str(config), "--format", "markdown", env=sandbox_env)
    assert markdown.exit_code == 0, markdown
    assert f"- {SKIPPED}" in markdown.stdout.splitlines()
    assert markdown.stdout.index("**Not managed**") < markdown.stdout.index(SKIPPED)
    as_json = run_flexplan("plan", str(config), "--format", "json", env=sandbox_env)
    document = json.loads(as_json.stdout)
    assert document["unreadable"] == [
        {
            "section": "flex_flows",
            "title": "Flex Flows",
            "answer": "Twilio error 20404 (HTTP 404): The requested resource "
            "/v1/FlexFlows was not found",
            "text": SKIPPED,
        }
    ]
    assert all(u["section"] != "flex_flows" for u in document["unmanaged"])


def test_changes_still_exit_2_with_detailed_exitcode(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", ADDRESS_ONLY)
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in result.stdout
    assert SKIPPED in result.stdout


def test_a_managed_kind_still_fails_loudly(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", FLEX_FLOW)
    message = assert_clean_failure(run_flexplan("plan", str(config), env=sandbox_env))
    assert message.startswith(
        "error: reading the account's Flex Flows failed: Twilio error 20404 (HTTP 404): "
        "The requested resource /v1/FlexFlows was not found"
    ), message
    assert LEGACY_HINT in message, message


LEGACY_HINT = (
    "  hint: Flex Flows are legacy messaging (Programmable Chat for Flex), whose API Twilio "
    "retires at its end of life; if this account no longer has it, move the flex_flows entries "
    "to conversations_addresses (`flexplan migrate`) or remove them and their prune: — see "
    "docs/manifest.md, 'Legacy messaging after its end of life'\n"
)


def test_a_pruned_kind_still_fails_loudly(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", ADDRESS_ONLY + "prune: [flex_flows]\n")
    message = assert_clean_failure(run_flexplan("plan", str(config), env=sandbox_env))
    assert "reading the account's Flex Flows failed: Twilio error 20404" in message
    assert LEGACY_HINT in message, message


def test_wrong_credentials_are_never_skipped(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", ADDRESS_ONLY)
    env = {**sandbox_env, "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef"}
    message = assert_clean_failure(run_flexplan("plan", str(config), env=env), env)
    assert "Twilio error 20003 (HTTP 401): Authenticate" in message


def test_retired_api_answers_404_20404_on_every_method(retired: SandboxServer) -> None:
    import requests

    auth = (retired.account_sid, retired.auth_token)
    base = f"{retired.base_url}/flex-api/v1/FlexFlows"
    for method, url in (("GET", base), ("POST", base), ("GET", base + "/FO" + "0" * 32),
                        ("DELETE", base + "/FO" + "0" * 32)):  # fmt: skip
        answer = requests.request(method, url, auth=auth, timeout=10)
        assert answer.status_code == 404
        assert answer.json()["code"] == 20404
    assert requests.get(base, timeout=10).status_code == 401  # authentication still first
    other = requests.get(f"{retired.base_url}/studio/v2/Flows", auth=auth, timeout=10)
    assert other.status_code == 200  # the other APIs answer as before


def test_export_skips_a_retired_kind_unless_asked_for(
    tmp_path: Path, retired: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    out = tmp_path / "all"
    result = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert result.exit_code == 0, result
    assert (
        "warning: Flex Flows could not be read (Twilio error 20404 (HTTP 404): The requested "
        "resource /v1/FlexFlows was not found); not exported"
    ) in result.stderr.splitlines()
    assert not (out / "flex_flows.yaml").exists() and (out / "studio_flows.yaml").exists()
    plan = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    assert plan.exit_code == 0, plan
    asked = run_flexplan(
        "export", "--out", str(tmp_path / "asked"), "--kinds", "flex_flows", env=sandbox_env
    )
    message = assert_clean_failure(asked)
    assert message.startswith("error: reading the account's Flex Flows failed: Twilio error 20404")
