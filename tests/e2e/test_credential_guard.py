"""No write carries a Twilio credential of the run (a hostile pull request's exfiltration).

A manifest can say ``${env:TWILIO_AUTH_TOKEN}`` (refused by validate, where it is
named), or ``${env:HOOK}`` where the CI job set ``HOOK`` to the token; CI runs ``plan``
and, after the merge, ``apply`` with it set. Put into a webhook URL, the token would reach
whoever serves that URL on every message, and the plan shows the field only as
``(sensitive)``, so a reviewer sees nothing. plan and apply refuse such a manifest at
the entry, naming the field and the variable, and apply writes nothing. ``export``
of a live value that already holds one writes it as ``${env:…}``, with a warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from applykit import writes
from test_secrets import STUDIO_MANIFEST

from flexplan.twilio_client import credentials_in_reach

WEBHOOK = """\
version: 1
conversations_webhooks:
  hooks:
    method: POST
    pre_webhook_url: "https://hooks.example.com/in?t=${env:NAME}"
    filters: [onMessageAdd]
"""

STUDIO = STUDIO_MANIFEST.replace("HOOK_TOKEN", "NAME")  # a make-http-request widget's url


def _config(tmp_path: Path, manifest: str, name: str) -> Path:
    (tmp_path / "flexplan.yaml").write_text(manifest.replace("NAME", name))
    return tmp_path


def _refused(result, secret: str) -> None:
    assert result.exit_code == 1, result
    assert "Traceback" not in result.output
    assert secret not in result.output


def test_validate_refuses_naming_a_credential_variable(tmp_path, run_flexplan) -> None:
    """Named directly, at the place it is named: no credentials or account needed."""
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET"):
        config = _config(tmp_path, WEBHOOK, name)
        result = run_flexplan("validate", str(config), env={name: "c" * 32})
        _refused(result, "c" * 32)
        assert (
            f"{config / 'flexplan.yaml'}:5:22: error: ${{env:{name}}} is a Twilio credential: "
            "no manifest value may hold it"
        ) in result.stdout  # validate's report


def _copied(env: dict[str, str], name: str) -> dict[str, str]:
    """``env`` with the CI job's ``HOOK`` set to the credential ``name`` (an indirection
    the variable's name does not show: ``HOOK: ${{ secrets.TWILIO_AUTH_TOKEN }}``)."""
    return {**env, "HOOK": env[name]}


def test_plan_refuses_the_auth_token_in_a_webhook_url(tmp_path, sandbox_env, run_flexplan) -> None:
    config = _config(tmp_path, WEBHOOK, "HOOK")
    result = run_flexplan("plan", str(config), env=_copied(sandbox_env, "TWILIO_AUTH_TOKEN"))
    _refused(result, sandbox_env["TWILIO_AUTH_TOKEN"])
    assert f"{config / 'flexplan.yaml'}:3:3: error: conversations_webhooks.hooks: " in result.stderr
    assert "pre_webhook_url holds TWILIO_AUTH_TOKEN, a Twilio credential" in result.stderr
    assert "a credential of its own" in result.stderr


def test_apply_refuses_it_and_writes_nothing(tmp_path, sandbox, sandbox_env, run_flexplan) -> None:
    config = _config(tmp_path, WEBHOOK, "HOOK")
    env = _copied(sandbox_env, "TWILIO_AUTH_TOKEN")
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    _refused(result, sandbox_env["TWILIO_AUTH_TOKEN"])
    assert "pre_webhook_url holds TWILIO_AUTH_TOKEN" in result.stderr
    assert writes(sandbox) == []


def test_a_secret_inside_a_studio_definition(tmp_path, sandbox_env, run_flexplan) -> None:
    config = _config(tmp_path, STUDIO, "HOOK")
    result = run_flexplan("plan", str(config), env=_copied(sandbox_env, "TWILIO_AUTH_TOKEN"))
    _refused(result, sandbox_env["TWILIO_AUTH_TOKEN"])
    assert "definition.states[1].properties.url holds TWILIO_AUTH_TOKEN" in result.stderr


def test_a_credential_passed_with_var(tmp_path, sandbox_env, run_flexplan) -> None:
    (tmp_path / "flexplan.yaml").write_text(WEBHOOK.replace("${env:NAME}", "${var.hook}"))
    token = sandbox_env["TWILIO_AUTH_TOKEN"]
    result = run_flexplan("plan", str(tmp_path), "--var", f"hook={token}", env=sandbox_env)
    _refused(result, token)
    assert "pre_webhook_url holds TWILIO_AUTH_TOKEN" in result.stderr


def test_the_api_secret_in_use_and_an_idle_auth_token(
    tmp_path, sandbox, run_flexplan
) -> None:
    """Signed in with an API key, the API secret is refused, and so is an auth token the
    environment holds without flexplan using it."""
    env = {**sandbox.api_key_credentials, "TWILIO_AUTH_TOKEN": "f" * 32}
    config = _config(tmp_path, WEBHOOK, "HOOK")
    for name in ("TWILIO_API_SECRET", "TWILIO_AUTH_TOKEN"):
        result = run_flexplan("plan", str(config), env=_copied(env, name))
        _refused(result, env[name])
        assert f"pre_webhook_url holds {name}, a Twilio credential" in result.stderr


def test_another_secret_from_the_environment_is_planned(
    tmp_path, sandbox_env, run_flexplan
) -> None:
    """The guard is about Twilio's credentials only: a webhook's own token is the usual case."""
    config = _config(tmp_path, WEBHOOK, "HOOK_TOKEN")
    env = {**sandbox_env, "HOOK_TOKEN": "hook-token-of-its-own-4242"}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 0, result
    assert "(sensitive)" in result.stdout


@pytest.mark.parametrize(
    ("env", "password", "expected"),
    [
        ({}, "p" * 32, {"p" * 32: "the secret flexplan signs in with"}),
        ({"TWILIO_AUTH_TOKEN": "a" * 32}, "a" * 32, {"a" * 32: "TWILIO_AUTH_TOKEN"}),
        (
            {"TWILIO_AUTH_TOKEN": "a" * 32, "TWILIO_API_SECRET": "b" * 32},
            "b" * 32,
            {"a" * 32: "TWILIO_AUTH_TOKEN", "b" * 32: "TWILIO_API_SECRET"},
        ),
        ({"TWILIO_AUTH_TOKEN": "  "}, None, {}),
    ],
)
def test_credentials_in_reach(env, password, expected) -> None:
    class Client:
        pass

    client = Client()
    client.password = password  # type: ignore[attr-defined]
    assert credentials_in_reach(client, env) == expected


def test_export_writes_a_live_credential_nowhere(
    tmp_path, sandbox_client, sandbox_env, run_flexplan
) -> None:
    """A live webhook URL that already carries the auth token (set by hand, or by an
    older tool) is exported as ``${env:…}`` with a warning, not written into Git."""
    token = sandbox_env["TWILIO_AUTH_TOKEN"]
    url = f"https://hooks.example.com/in?t={token}"
    sandbox_client.conversations.v1.configuration.webhooks().update(
        pre_webhook_url=url, method="POST", filters=["onMessageAdd"]
    )
    out = tmp_path / "out"
    result = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert result.exit_code == 0, result
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert token not in written and token not in result.output
    assert (
        "warning: conversations_webhooks.account.pre_webhook_url holds TWILIO_AUTH_TOKEN, "
        "a Twilio credential"
    ) in result.stderr
    hooks = (out / "conversations_webhooks.yaml").read_text()
    assert "pre_webhook_url: ${env:CONVERSATIONS_WEBHOOKS_ACCOUNT_PRE_WEBHOOK_URL}" in hooks

    env = {**sandbox_env, "CONVERSATIONS_WEBHOOKS_ACCOUNT_PRE_WEBHOOK_URL": url}
    plan = run_flexplan("plan", str(out), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan  # nothing to write, so nothing refused
    assert token not in plan.output
