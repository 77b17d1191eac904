"""Accounts already beyond the documented attachment limits (issue 11, item 5).

Twilio's own example Flex Configuration (the response body twilio-python's tests use for
flex-api ``/v1/Configuration``) has sms attachments at 10 files of 150 MB with gif and
txt. Twilio documents lower limits ("File Attachments and API
Limits") but not that its API refuses more: such a value is a warning that cites the
page, never an error, so such an account exports, validates and plans clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plankit import CLEAN, write_config

from flexplan.sandbox import SandboxServer

LIMITS_PAGE = "https://www.twilio.com/docs/flex/developer/conversations/limits"
# Twilio's example (test_fetch_response of twilio-python's flex v1 configuration tests)
TWILIO_EXAMPLE_SMS = {
    "address_type": "sms",
    "cbm_attachments": {
        "enabled": True,
        "number_of_attachments": 10,
        "max_file_size": 157286400,
        "max_total_file_size": 157286400,
        "accepted_extensions": ["jpg", "jpeg", "png", "gif", "txt", "pdf"],
    },
}
OVER = """
version: 1
channel_configs:
  sms:
    attachments:
      number_of_attachments: 10
      max_file_size: 150MiB
      max_total_file_size: 150MiB
      accepted_extensions: [jpg, gif]
"""


def _like_twilios_example(sandbox: SandboxServer) -> None:
    store = sandbox.store
    with store.lock:
        config = dict(store.singleton("flex_configuration"))
        entries = [e for e in config["channel_configs"] if e["address_type"] != "sms"]
        config["channel_configs"] = [*entries, TWILIO_EXAMPLE_SMS]
        store.set_singleton("flex_configuration", config)


def test_account_like_twilios_example_exports_and_plans_clean(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    _like_twilios_example(sandbox)
    out = tmp_path / "config"
    exported = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert exported.exit_code == 0, exported
    assert "warning: number_of_attachments 10 is over the documented sms limit" in exported.stderr
    assert "error" not in exported.stderr
    plan = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert plan.stdout.splitlines()[-1] == CLEAN
    assert LIMITS_PAGE in plan.stderr  # the warnings, on stderr, citing the page


def test_validate_warns_and_passes_in_every_format(tmp_path: Path, run_flexplan: Any) -> None:
    config = write_config(tmp_path / "c", OVER)
    text = run_flexplan("validate", str(config))
    assert text.exit_code == 0, text
    warnings = [line for line in text.stdout.splitlines() if ": warning: " in line]
    assert len(warnings) == 4, text.stdout  # files, size, total size, gif
    assert all(LIMITS_PAGE in line for line in warnings)
    assert warnings[0].endswith(
        "flexplan.yaml:6:30: warning: number_of_attachments 10 is over the documented sms "
        f"limit of 1 ({LIMITS_PAGE}); Twilio decides whether it applies"
    )
    assert text.stdout.splitlines()[-1] == (
        "The manifest is valid: 1 resources in 1 file (4 warnings)."
    )
    as_json = run_flexplan("validate", str(config), "--format", "json")
    assert as_json.exit_code == 0, as_json
    assert [d["severity"] for d in json.loads(as_json.stdout)] == ["warning"] * 4
    github = run_flexplan("validate", str(config), "--format", "github")
    assert github.exit_code == 0, github
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 4 and all(a.startswith("::warning file=") for a in annotations)


def test_a_warning_beside_an_error_still_fails(tmp_path: Path, run_flexplan: Any) -> None:
    config = write_config(
        tmp_path / "c",
        OVER.replace("max_total_file_size: 150MiB", "max_total_file_size: 1MiB"),
    )
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 1, result
    assert result.stdout.splitlines()[-1] == "1 error (3 warnings); the manifest is not valid."


def test_plan_applies_a_value_beyond_the_documented_limit(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "c", OVER)
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
