"""Every example applies to a fresh (seeded) account and then plans clean.

This is issue 5's "after a successful apply, plan reports no changes" for
every kind and every example, Studio definitions included; multi-env runs
once per environment, with the sandbox playing that environment's account
(through the ``sandbox`` fixture, so all traffic is contract-checked) and once
through ``--sandbox``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from applykit import CLEAN, assert_sane, copy_example, duplicates

STAGING = "AC00000000000000000000000000000001"
PRODUCTION = "AC00000000000000000000000000000002"


def _apply_then_plan(config: Path, env: dict[str, str], run_flexplan, *extra: str) -> str:
    applied = run_flexplan("apply", str(config), "--auto-approve", *extra, env=env)
    assert applied.exit_code == 0, applied
    assert_sane(applied, env)
    summary = re.search(
        r"Apply complete: (\d+) added, (\d+) changed, (\d+) destroyed", applied.stdout
    )
    assert summary and sum(int(n) for n in summary.groups()) > 0, applied
    again = run_flexplan("plan", str(config), "--detailed-exitcode", *extra, env=env)
    assert again.exit_code == 0, again
    assert again.stdout.rstrip().endswith(CLEAN), again
    return applied.stdout


def test_quickstart(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    out = _apply_then_plan(copy_example(tmp_path, "quickstart"), sandbox_env, run_flexplan)
    assert "Apply complete: 4 added, 0 changed, 0 destroyed." in out
    assert duplicates(sandbox) == {}


def test_contact_center(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    config = copy_example(tmp_path, "contact-center")
    out = _apply_then_plan(config, sandbox_env, run_flexplan)
    # every kind was written: Studio definitions, Flex Flows, addresses, channel configs
    for address in ("studio_flow.messaging", "studio_flow.voice-ivr", "flex_flow.legacy-sms",
                    "conversations_address.web-chat", "channel_config.web"):  # fmt: skip
        assert re.search(rf"^{re.escape(address)}: \w+ complete after \d", out, re.M), address
    assert duplicates(sandbox) == {}
    # the Studio definitions in the account are the manifest's, widget for widget
    flows = {f["friendly_name"]: f for f in sandbox.store.items("studio_flows")}
    assert len(flows["Messaging Flow with Parking"]["definition"]["states"]) > 5


@pytest.mark.parametrize(
    ("environment", "account"),
    [
        pytest.param("staging", STAGING, marks=pytest.mark.sandbox_knobs(account_sid=STAGING)),
        pytest.param(
            "production", PRODUCTION, marks=pytest.mark.sandbox_knobs(account_sid=PRODUCTION)
        ),
    ],
)
def test_multi_env(
    environment: str, account: str, tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    assert sandbox_env["TWILIO_ACCOUNT_SID"] == account
    config = copy_example(tmp_path, "multi-env")
    out = _apply_then_plan(config, sandbox_env, run_flexplan, "--env", environment)
    assert "Apply complete: 2 added, 1 changed, 0 destroyed." in out
    numbers = {a["address"] for a in sandbox.store.items("addresses")}
    assert ("+15550001111" in numbers) == (environment == "staging")
    assert ("+15550002222" in numbers) == (environment == "production")


def test_multi_env_with_embedded_sandbox(tmp_path: Path, run_flexplan) -> None:
    config = copy_example(tmp_path, "multi-env")
    for environment in ("staging", "production"):
        _apply_then_plan(config, {}, run_flexplan, "--env", environment, "--sandbox")
    # each environment is its own account: two state files
    states = sorted(p.name for p in (config / ".flexplan").glob("sandbox*.json"))
    assert len(states) == 2, states


def test_wrong_account_for_environment(tmp_path: Path, sandbox_env, run_flexplan) -> None:
    config = copy_example(tmp_path, "multi-env")
    result = run_flexplan("apply", str(config), "--env", "staging", "--auto-approve",
                          env=sandbox_env)  # fmt: skip
    assert result.exit_code == 1, result
    assert "environment 'staging' is for account " + STAGING in result.stderr
    assert "Apply complete" not in result.stdout
    assert_sane(result, sandbox_env)
