"""What ``flexplan plan`` writes: exit codes, colour, secrets, saved plans, markdown size.

The renderings of one plan that touches everything are pinned by
test_plan_golden.py; these tests check the rules around them.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from plankit import CLEAN, block, write_config

from flexplan.render.markdown import GITHUB_LIMIT
from flexplan.sandbox import SandboxServer

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json").read_text()
)
SECRET = "s3cr3t-hook-token-4711"
PASSWORD = "hunter2-url-password"

SECRETS_MANIFEST = f"""
conversations_addresses:
  hook:
    type: chat
    address: support-hook
    friendly_name: Hook
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: "https://hooks.example.com/in?token=${{env:HOOK_TOKEN}}"
      webhook_method: POST
  basic:
    type: chat
    address: support-basic
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: "https://bot:{PASSWORD}@hooks.example.com/in"
"""


def test_detailed_exitcode_is_0_2_1_and_plain_exit_is_0(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    unchanged = write_config(
        tmp_path / "same", "channel_configs:\n  sms:\n    attachments: {enabled: true}\n"
    )
    changed = write_config(
        tmp_path / "diff", "channel_configs:\n  sms:\n    attachments: {enabled: false}\n"
    )
    broken = write_config(tmp_path / "bad", "channel_configs:\n  fax: {}\n")
    codes = [
        run_flexplan("plan", str(d), "--detailed-exitcode", env=sandbox_env).exit_code
        for d in (unchanged, changed, broken)
    ]
    assert codes == [0, 2, 1]
    plain = [run_flexplan("plan", str(d), env=sandbox_env) for d in (unchanged, changed)]
    assert [r.exit_code for r in plain] == [0, 0]
    assert plain[0].stdout.endswith(CLEAN + "\n")
    assert plain[1].stdout.endswith("Plan: 0 to add, 1 to change, 0 to destroy.\n")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the run look like a terminal (click keeps colours, flexplan sees a tty)."""
    import click.utils

    import flexplan.cli.options as options

    tty = types.SimpleNamespace(stdout=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(options, "sys", tty)
    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda *a, **k: False)


def test_colour_on_a_terminal_and_off_with_no_color(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any, terminal: None
) -> None:
    config = write_config(
        tmp_path / "c", "channel_configs:\n  sms:\n    attachments: {enabled: false}\n"
    )
    coloured = run_flexplan("plan", str(config), env=sandbox_env)
    assert "\x1b[33m" in coloured.stdout  # yellow ~
    flag = run_flexplan("plan", str(config), "--no-color", env=sandbox_env)
    env = run_flexplan("plan", str(config), env={**sandbox_env, "NO_COLOR": "1"})
    assert "\x1b[" not in flag.stdout and "\x1b[" not in env.stdout
    assert flag.stdout == env.stdout
    assert flag.stdout.endswith("Plan: 0 to add, 1 to change, 0 to destroy.\n")


def test_sensitive_values_and_unknowns(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", SECRETS_MANIFEST)
    env = {**sandbox_env, "HOOK_TOKEN": SECRET}
    text = run_flexplan("plan", str(config), env=env)
    assert text.exit_code == 0, text
    assert "      + auto_creation.webhook_url = (sensitive)" in block(
        text.stdout, "conversations_address.hook"
    )
    assert "      + auto_creation.webhook_url = (sensitive)" in block(
        text.stdout, "conversations_address.basic"
    )
    as_json = run_flexplan("plan", str(config), "--format", "json", env=env)
    markdown = run_flexplan("plan", str(config), "--format", "markdown", env=env)
    for result in (text, as_json, markdown):
        assert SECRET not in result.output and PASSWORD not in result.output
    changes = {c["name"]: c["change"] for c in json.loads(as_json.stdout)["resource_changes"]}
    assert changes["hook"]["after"]["auto_creation"]["webhook_url"] is None
    assert changes["hook"]["after_sensitive"] == {"auto_creation": {"webhook_url": True}}
    assert changes["basic"]["after_sensitive"] == {"auto_creation": {"webhook_url": True}}


def test_saved_plan_carries_account_digest_fingerprints_and_no_secret(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    live = sandbox.store.add_address(type="chat", address="support-hook", friendly_name="Old")
    config = write_config(tmp_path / "c", SECRETS_MANIFEST)
    out = tmp_path / "plans" / "plan.json"
    env = {**sandbox_env, "HOOK_TOKEN": SECRET}
    result = run_flexplan("plan", str(config), "--out", str(out), env=env)
    assert result.exit_code == 0, result
    assert f"Saved the plan to {out}" in result.stderr
    text = out.read_text()
    for secret in (SECRET, PASSWORD, sandbox_env["TWILIO_AUTH_TOKEN"]):
        assert secret not in text
    body = json.loads(text)["plan"]
    assert body["account_sid"] == sandbox_env["TWILIO_ACCOUNT_SID"]
    shown = json.loads(run_flexplan("plan", str(config), "--format", "json", env=env).stdout)
    assert body["manifest_digest"] == shown["manifest_digest"]
    assert len(body["manifest_digest"]) == 64
    by_name = {c["name"]: c for c in body["resource_changes"]}
    assert by_name["hook"]["sid"] == live["sid"]
    assert by_name["hook"]["change"]["actions"] == ["update"]
    assert isinstance(by_name["hook"]["fingerprint"], str) and by_name["hook"]["fingerprint"]
    assert by_name["basic"]["fingerprint"] is None  # created: nothing live to compare


def test_markdown_never_over_githubs_limit_and_step_summary_appended(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    lines = ["conversations_addresses:"]
    for i in range(400):
        lines += [
            f"  address-{i:03d}:",
            "    type: sms",
            f'    address: "+1555000{i:04d}"',
            f"    friendly_name: Support line number {i:03d} of the big helpline",
        ]
    config = write_config(tmp_path / "c", "\n".join(lines) + "\n")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    result = run_flexplan(
        "plan", str(config), "--format", "markdown",
        env={**sandbox_env, "GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert result.exit_code == 0, result
    markdown = result.stdout
    assert len(markdown) <= GITHUB_LIMIT
    assert markdown.startswith(
        "<!-- flexplan plan -->\n<!-- flexplan:title -->\n### flexplan plan\n"
    )
    assert "· **Plan: 400 to add, 0 to change, 0 to destroy.**" in markdown
    assert "Cut to fit GitHub's 65,536-character limit: the details of " in markdown
    assert "| `conversations_address.address-399` |" in markdown  # the table is whole
    assert markdown.count("```") % 2 == 0  # code fences stay balanced
    assert summary.read_text() == "# earlier step\n" + markdown


def test_json_of_an_unchanged_account_matches_the_schema(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(
        tmp_path / "c", "channel_configs:\n  sms:\n    attachments: {enabled: true}\n"
    )
    result = run_flexplan("plan", str(config), "--format", "json", env=sandbox_env)
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["summary"] == {"add": 0, "change": 0, "destroy": 0, "no_op": 1}
    assert [c["change"]["actions"] for c in document["resource_changes"]] == [["no-op"]]
