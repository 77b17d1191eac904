"""Credentials and secret values never reach output, plan files or errors.

Covered: the auth token and API secret (from the environment) through plan in
every format, a saved plan, apply, and the error paths that are most likely
to echo them (wrong token, unreachable API); a webhook URL built from
``${env:…}`` and one with credentials in it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

WEBHOOK_SECRET = "s3cr3t-hook-token-9931"
URL_PASSWORD = "hunter2-url-password"

MANIFEST = """\
version: 1
conversations_addresses:
  hooked:
    type: chat
    address: secrets-test-chat
    friendly_name: Hooked
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://hooks.example.com/in?token=${env:HOOK_TOKEN}
      webhook_method: POST
  basic-auth:
    type: email
    address: help@example.com
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://bot:URL_PASSWORD@hooks.example.com/mail
""".replace("URL_PASSWORD", URL_PASSWORD)


def _secrets(env: dict[str, str]) -> list[str]:
    values = [WEBHOOK_SECRET, URL_PASSWORD]
    values += [env[k] for k in ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET") if k in env]
    return values


def _assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "flexplan.yaml").write_text(MANIFEST)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_plan_never_shows_secrets(config: Path, sandbox_env, run_flexplan, fmt: str) -> None:
    env = {**sandbox_env, "HOOK_TOKEN": WEBHOOK_SECRET}
    out = config / "plan.json"
    result = run_flexplan("plan", str(config), "--format", fmt, "--out", str(out), env=env)
    assert result.exit_code == 0, result
    if fmt == "json":
        masks = {
            c["address"]: c["change"]["after_sensitive"]
            for c in json.loads(result.stdout)["resource_changes"]
        }
        assert masks["conversations_address.hooked"] == {"auto_creation": {"webhook_url": True}}
        assert masks["conversations_address.basic-auth"] == {"auto_creation": {"webhook_url": True}}
    else:
        assert result.stdout.count("(sensitive)") >= 2
    _assert_clean(result.output, _secrets(env))
    _assert_clean(out.read_text(), _secrets(env))


def test_api_key_secret_never_shown(config: Path, sandbox, run_flexplan) -> None:
    env = {**sandbox.api_key_credentials, "HOOK_TOKEN": WEBHOOK_SECRET}
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert result.exit_code == 0, result
    _assert_clean(result.output, _secrets(env))


def test_apply_output_never_shows_secrets(config: Path, sandbox_env, run_flexplan) -> None:
    env = {**sandbox_env, "HOOK_TOKEN": WEBHOOK_SECRET}
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert result.exit_code == 0, result
    assert "Apply complete: 2 added" in result.stdout
    _assert_clean(result.output, _secrets(env))


@pytest.mark.invalid_requests
def test_wrong_token_error_names_variables_not_values(
    config: Path, sandbox_env, run_flexplan
) -> None:
    wrong = "0123456789abcdef0123456789abcdef"
    env = {**sandbox_env, "TWILIO_AUTH_TOKEN": wrong, "HOOK_TOKEN": WEBHOOK_SECRET}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 1
    assert "20003" in result.stderr
    assert "TWILIO_AUTH_TOKEN" in result.stderr
    assert "Traceback" not in result.output
    _assert_clean(result.output, [*_secrets(env), wrong])


def test_unreachable_api_error_has_no_secret(config: Path, sandbox_env, run_flexplan) -> None:
    env = {**sandbox_env, "FLEXPLAN_API_BASE": "http://127.0.0.1:9", "HOOK_TOKEN": WEBHOOK_SECRET}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip()
    _assert_clean(result.output, _secrets(env))


STUDIO_MANIFEST = """\
version: 1
studio_flows:
  hooked:
    friendly_name: Hooked Flow
    status: published
    definition:
      description: calls a webhook with a token
      initial_state: Trigger
      states:
        - name: Trigger
          type: trigger
          transitions: [{event: incomingMessage, next: call}]
          properties: {offset: {x: 0, y: 0}}
        - name: call
          type: make-http-request
          transitions: [{event: success}, {event: failed}]
          properties:
            offset: {x: 0, y: 200}
            method: POST
            content_type: application/json;charset=utf-8
            url: https://hooks.example.com/in?token=${env:HOOK_TOKEN}
"""


def test_secret_inside_a_studio_definition(tmp_path: Path, sandbox_env, run_flexplan) -> None:
    """The old (live) and the new value are both masked, and the saved plan still applies."""
    (tmp_path / "flexplan.yaml").write_text(STUDIO_MANIFEST)
    old, new = "first-hook-secret-1", "second-hook-secret-2"
    applied = run_flexplan("apply", str(tmp_path), "--auto-approve",
                           env={**sandbox_env, "HOOK_TOKEN": old})  # fmt: skip
    assert applied.exit_code == 0, applied
    env = {**sandbox_env, "HOOK_TOKEN": new}
    saved = tmp_path / "plan.json"
    outputs = []
    for fmt in ("text", "markdown", "json"):
        result = run_flexplan("plan", str(tmp_path), "--format", fmt, "--out", str(saved), env=env)
        assert result.exit_code == 0, result
        outputs.append(result.output)
    assert "    properties.url: (sensitive) -> (sensitive)" in outputs[0]
    for text in [*outputs, saved.read_text()]:
        _assert_clean(text, [old, new, sandbox_env["TWILIO_AUTH_TOKEN"]])
    result = run_flexplan("apply", str(saved), env=env)
    assert result.exit_code == 0, result
    assert "Apply complete: 0 added, 1 changed" in result.stdout
