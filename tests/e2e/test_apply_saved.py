"""``flexplan apply PLANFILE``: applied without asking, and refused — before any
write — when it no longer describes the account it would change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from applykit import CLEAN, assert_sane, copy_example, writes

from flexplan.sandbox import running_sandbox

OTHER_ACCOUNT = "AC" + "ab" * 16


@pytest.fixture
def applied(tmp_path: Path, sandbox_env, run_flexplan) -> Path:
    """The quick start, applied, with a changed greeting waiting to be planned."""
    config = copy_example(tmp_path, "quickstart")
    first = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert first.exit_code == 0, first
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("An agent will reply", "We will reply"))
    return config


def _save(config: Path, run_flexplan, env: dict[str, str]) -> Path:
    out = config.parent / "plan.json"
    result = run_flexplan("plan", str(config), "--out", str(out), env=env)
    assert result.exit_code == 0, result
    return out


def test_saved_plan_applies_without_asking(applied: Path, sandbox_env, run_flexplan) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    result = run_flexplan("apply", str(plan), env=sandbox_env)  # stdin is not a terminal
    assert result.exit_code == 0, result
    assert "Apply complete: 0 added, 1 changed, 0 destroyed." in result.stdout
    assert_sane(result, sandbox_env)
    again = run_flexplan("plan", str(applied), env=sandbox_env)
    assert again.stdout.rstrip().endswith(CLEAN), again
    # the same plan a second time no longer matches the account
    twice = run_flexplan("apply", str(plan), env=sandbox_env)
    assert twice.exit_code == 1, twice
    assert "plan is stale: studio_flow.sms: it would now be no-op, not update" in twice.stderr


def test_stale_studio_flow_is_refused_naming_revisions(
    applied: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    flow = next(f for f in sandbox.store.items("studio_flows")
                if f["friendly_name"] == "Quickstart SMS Flow")  # fmt: skip
    revision = flow["revision"]
    # someone edits the flow in the Console between plan and apply
    definition = dict(flow["definition"], description="edited in the Console")
    sandbox_client.studio.v2.flows(flow["sid"]).update(status="published", definition=definition)
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), env=sandbox_env)
    assert result.exit_code == 1, result
    assert (
        f"plan is stale: studio_flow.sms: it changed in the account since the plan "
        f"(revision {revision} → {revision + 1})"
    ) in result.stderr
    assert "hint: run `flexplan plan --out FILE` again" in result.stderr
    assert len(writes(sandbox)) == before, "nothing may be written before the checks pass"
    assert_sane(result, sandbox_env)


def test_stale_untouched_looking_change_is_refused(
    applied: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    """A touched address changed in a field the plan does not change: still stale."""
    manifest = applied / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("Quickstart support SMS", "Support SMS"))
    plan = _save(applied, run_flexplan, sandbox_env)
    address = next(a for a in sandbox.store.items("addresses") if a["address"] == "+15550001111")
    sandbox_client.conversations.v1.address_configurations(address["sid"]).update(
        auto_creation_studio_retry_count=1
    )
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), env=sandbox_env)
    assert result.exit_code == 1, result
    assert "plan is stale: conversations_address.support-sms: it changed in the account" in (
        result.stderr
    )
    assert len(writes(sandbox)) == before


def test_plan_for_another_account_is_refused(applied: Path, sandbox_env, run_flexplan) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    with running_sandbox(account_sid=OTHER_ACCOUNT, record=True) as other:
        result = run_flexplan("apply", str(plan), env=other.credentials)
        assert [e for e in other.recorder.exchanges if e.method != "GET"] == []
    assert result.exit_code == 1, result
    assert (
        f"the plan was made for account {sandbox_env['TWILIO_ACCOUNT_SID']}, but the "
        f"credentials reach account {OTHER_ACCOUNT}; refusing to apply it here"
    ) in result.stderr
    assert_sane(result, other.credentials)


def test_changed_manifest_is_refused(applied: Path, sandbox, sandbox_env, run_flexplan) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    manifest = applied / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("We will reply", "Someone will reply"))
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), env=sandbox_env)
    assert result.exit_code == 1, result
    assert "the manifest changed since the plan was made (its digest differs)" in result.stderr
    assert len(writes(sandbox)) == before


def _edited(document: dict) -> dict:
    document["plan"]["resource_changes"][0]["change"]["actions"] = ["no-op"]
    return document


def _other_version(document: dict) -> dict:
    document["format"] = "flexplan-saved-plan/99"
    return document


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: len(text) // 2], "is not a flexplan plan file (not JSON"),
        (
            lambda text: json.dumps(_other_version(json.loads(text))),
            "was written by a newer flexplan (saved-plan format 99;",
        ),
        (
            lambda text: json.dumps(_edited(json.loads(text))),
            "was changed after flexplan wrote it (integrity check failed)",
        ),
        (lambda text: "[1, 2]", "is not a flexplan plan file (format None"),
    ],
    ids=["malformed", "other-version", "hand-edited", "not-a-plan"],
)
def test_bad_plan_files_are_refused(
    damage, message: str, applied: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    plan.write_text(damage(plan.read_text()))
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), env=sandbox_env)
    assert result.exit_code == 1, result
    assert message in result.stderr, result
    assert result.stderr.count("error:") == 1, result
    assert len(writes(sandbox)) == before
    assert_sane(result, sandbox_env)


def test_saved_plan_refused_when_a_look_up_now_resolves_elsewhere(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The reviewed SIDs are what gets written: a renamed service makes the plan stale."""
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "flexplan.yaml").write_text("""\
version: 1
flex_flows:
  handler:
    friendly_name: Custom handler
    chat_service: Flex Chat Service
    channel_type: custom
    enabled: false
    integration: {type: external, url: "https://hooks.example.com/in"}
""")  # fmt: skip
    plan = _save(config, run_flexplan, sandbox_env)
    services = sandbox.store.state["chat_services"]
    reviewed = next(s for s in services.values() if s["friendly_name"] == "Flex Chat Service")
    other = dict(reviewed, sid="IS" + "cd" * 16)  # another service takes the name
    reviewed["friendly_name"] = "Old Chat Service"
    services[other["sid"]] = other
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), env=sandbox_env)
    assert result.exit_code == 1, result
    assert (
        "plan is stale: flex_flow.handler: the values it would write changed since the plan "
        f"(chat_service: '{reviewed['sid']}' → '{other['sid']}')"
    ) in result.stderr
    assert len(writes(sandbox)) == before  # nothing written


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--env", "prod"), "error: --env prod cannot be used with a saved plan: it was made for "
         "no environment (the top level)\n"),
        (("--var", "greeting=Hi", "--var", "team=a"), "error: --var greeting, team cannot be "
         "used with a saved plan: it is applied with the variables it was made with\n"),
    ],
    ids=["--env", "--var"],
)  # fmt: skip
def test_a_saved_plan_refuses_env_and_var_instead_of_ignoring_them(
    applied: Path, sandbox, sandbox_env, run_flexplan, options: tuple[str, ...], message: str
) -> None:
    plan = _save(applied, run_flexplan, sandbox_env)
    before = len(writes(sandbox))
    result = run_flexplan("apply", str(plan), *options, env=sandbox_env)
    assert result.exit_code == 1, result
    assert message in result.stderr, result.stderr
    assert "hint: drop" in result.stderr
    assert len(writes(sandbox)) == before
