"""Reads that lag behind writes, and writes whose outcome is unknown (issues 11.2, 9.5).

Everything runs through the CLI against the sandbox with the real SDK. The
sandbox's lag mode shows each create, update and delete to reads only
``lag_seconds`` after it (docs/sandbox.md "Reads that lag"); its post-commit
faults carry a write out and then answer 502, or answer after the client has
timed out. Must hold: the plan right after an apply is clean or says the
account has not caught up (never a false change); a saved plan is not stale
because of lag alone; every natural key ends with exactly one resource, and an
extra copy this run made is removed and reported, never a copy it did not make.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from applykit import CLEAN, assert_sane, copy_example, duplicates, write_config

CAUGHT_UP = "has not caught up with the apply"
# The lag ends when the test says so (``sandbox.catch_up``), never by the clock: what a
# command sees during the lag must not depend on how fast a loaded machine runs it.
HELD = math.inf
LAG = 1.0  # the unknown-outcome tests: their windows outlast it, whatever the load
PATIENT = "10"  # a catch-up window for plans during which the test ends the lag
FLOWS = frozenset({"POST /studio/v2/Flows"})  # post-commit faults on flow creates only
# Short windows keep the tests fast: each is still longer than the lag it must outlast.
QUICK = {"FLEXPLAN_RETRY_DELAY": "0.01", "FLEXPLAN_LOOKUP_WINDOW": "4",
         "FLEXPLAN_VERIFY_WINDOW": "4", "FLEXPLAN_CATCH_UP_WINDOW": "4"}  # fmt: skip


def _env(sandbox_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**sandbox_env, **QUICK, **extra}


def _posts(sandbox: Any) -> int:
    """Writes of resources (not the account lock's Sync documents)."""
    return sum(n for route, n in sandbox.stats()["requests"].items()
               if route.startswith("POST") and "/sync/" not in route)  # fmt: skip


# -- apply, then plan, under lag ---------------------------------------------------------


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_plan_right_after_apply_is_clean_or_not_caught_up(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    env = _env(sandbox_env)
    applied = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert applied.exit_code == 0, applied
    assert "Apply complete: 4 added" in applied.stdout
    assert_sane(applied, env)

    # a catch-up window shorter than the lag: the plan says so, and shows no change
    impatient = run_flexplan("plan", str(config), "--detailed-exitcode",
                             env=_env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0"))  # fmt: skip
    assert impatient.exit_code == 0, impatient
    assert CAUGHT_UP in impatient.stdout
    assert "will be created" not in impatient.stdout
    # held back, never "matches the manifest": the account has not caught up
    assert "No changes shown: 4 held back until the account catches up" in impatient.stdout
    assert CLEAN not in impatient.stdout

    # an apply right after it makes nothing again (no duplicate of what reads miss)
    posts = _posts(sandbox)
    again = run_flexplan("apply", str(config), "--auto-approve",
                         env=_env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0"))  # fmt: skip
    assert again.exit_code == 0, again
    assert CAUGHT_UP in again.stdout and "Apply complete" not in again.stdout
    assert _posts(sandbox) == posts
    assert duplicates(sandbox) == {}

    # with a window longer than the lag it reads again (and the lag ends as it does): clean
    sandbox.clear_stats()
    sandbox.catch_up(when_read_again=True)
    patient = run_flexplan("plan", str(config), "--detailed-exitcode",
                           env=_env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW=PATIENT))  # fmt: skip
    assert patient.exit_code == 0, patient
    assert patient.stdout.rstrip().endswith(CLEAN), patient
    assert CAUGHT_UP not in patient.stdout
    assert sandbox.stats()["requests"]["GET /studio/v2/Flows"] >= 2, "it read again"


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_an_apply_from_another_checkout_right_after_makes_no_duplicate(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """Two CI runners, two checkouts of one manifest: the second applies while Twilio's
    reads still lag behind the first. The first's writes are kept in the account beside
    the lock, so the second holds them back as lag, as the same checkout would."""
    first = copy_example(tmp_path / "runner-1", "quickstart")
    second = copy_example(tmp_path / "runner-2", "quickstart")
    env = _env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0")
    assert run_flexplan("apply", str(first), "--auto-approve", env=env).exit_code == 0
    posts = _posts(sandbox)
    again = run_flexplan("apply", str(second), "--auto-approve", env=env)
    assert again.exit_code == 0, again
    assert CAUGHT_UP in again.stdout and "Apply complete" not in again.stdout, again
    assert _posts(sandbox) == posts  # nothing created a second time
    assert duplicates(sandbox) == {}
    assert not (second / ".flexplan" / "recent-writes.json").exists()  # it came from Twilio
    sandbox.catch_up()
    settled = run_flexplan("plan", str(second), "--detailed-exitcode", env=env)
    assert settled.exit_code == 0 and settled.stdout.rstrip().endswith(CLEAN), settled


FLOW_ENTRY = """\
  flow-{i}:
    friendly_name: Lagging Flow {i}
    status: draft
    definition:
      description: one of many
      initial_state: Trigger
      states:
        - {{name: Trigger, type: trigger, transitions: [], properties: {{offset: {{x: 0, y: 0}}}}}}
"""


def _many_flows(count: int) -> str:
    return "version: 1\nstudio_flows:\n" + "".join(FLOW_ENTRY.format(i=i) for i in range(count))


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_a_big_apply_from_another_checkout_is_kept_whole(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """More writes than one Sync document holds (16 KiB, some 70 entries): the journal is
    kept in parts, so the second checkout holds back every one of them as lag. (Before,
    the first apply's oldest writes were left out and created a second time.)"""
    manifest = _many_flows(120)
    first, second = tmp_path / "runner-1", tmp_path / "runner-2"
    for directory in (first, second):
        directory.mkdir()
        (directory / "flexplan.yaml").write_text(manifest)
    env = _env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0")
    applied = run_flexplan("apply", str(first), "--auto-approve", env=env)
    assert applied.exit_code == 0 and "120 added" in applied.stdout, applied
    posts = _posts(sandbox)
    again = run_flexplan("apply", str(second), "--auto-approve", env=env)
    assert again.exit_code == 0, again
    assert CAUGHT_UP in again.stdout and "Apply complete" not in again.stdout, again
    assert _posts(sandbox) == posts
    assert duplicates(sandbox) == {}


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_the_journal_is_read_from_a_duplicate_flexplan_service_too(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """Two runs that made the ``flexplan`` service at once each made one (locking.md); a
    run may have kept its journal in either, so the next reads every one it sees."""
    from flexplan.sandbox.api_sync import _service_body

    first = copy_example(tmp_path / "runner-1", "quickstart")
    second = copy_example(tmp_path / "runner-2", "quickstart")
    env = _env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0")
    assert run_flexplan("apply", str(first), "--auto-approve", env=env).exit_code == 0
    with sandbox.store.lock:  # an older duplicate: the next lease is taken there
        older = _service_body(sandbox.store, sandbox.store.new_sid("IS"), "flexplan")
        sandbox.store.put("sync_services", {**older, "date_created": "2020-01-01T00:00:00Z"})
    posts = _posts(sandbox)
    again = run_flexplan("apply", str(second), "--auto-approve", env=env)
    assert again.exit_code == 0, again
    assert CAUGHT_UP in again.stdout and _posts(sandbox) == posts, again
    assert duplicates(sandbox) == {}


SECRET = "s3cr3t-journal-token-4417"


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_the_journal_of_recent_writes_holds_no_secret(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    manifest = """\
version: 1
conversations_addresses:
  hooked:
    type: chat
    address: journal-chat
    auto_creation: {enabled: true, type: webhook, webhook_method: POST,
                    webhook_url: "https://hooks.example.com/in?token=${env:HOOK_TOKEN}"}
"""
    config = write_config(tmp_path / "cfg", manifest)
    env = _env(sandbox_env, HOOK_TOKEN=SECRET)
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    journal = (config / ".flexplan" / "recent-writes.json").read_text()
    assert "conversations_address.hooked" in journal
    assert SECRET not in journal and "hooks.example.com" not in journal  # hashes only
    assert sandbox_env["TWILIO_AUTH_TOKEN"] not in journal
    shared = [d for d in sandbox.store.items("sync_documents")
              if d["unique_name"] == "flexplan-recent-writes"]  # fmt: skip
    assert len(shared) == 1 and "conversations_address.hooked" in str(shared[0]["data"])
    for text in (SECRET, "hooks.example.com", sandbox_env["TWILIO_AUTH_TOKEN"]):
        assert text not in str(shared[0]), text  # the account's copy: hashes only too
    right_after = run_flexplan("plan", str(config), "--detailed-exitcode",
                               env=_env(sandbox_env, HOOK_TOKEN=SECRET,
                                        FLEXPLAN_CATCH_UP_WINDOW="0"))  # fmt: skip
    assert right_after.exit_code == 0 and CAUGHT_UP in right_after.stdout, right_after
    assert SECRET not in right_after.output


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_update_under_lag_is_not_shown_again(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    env = _env(sandbox_env)
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    sandbox.catch_up()
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("An agent will reply shortly.", "Hi!"))
    updated = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert updated.exit_code == 0, updated
    assert "Apply complete: 0 added, 1 changed" in updated.stdout

    right_after = run_flexplan("plan", str(config), "--detailed-exitcode",
                               env=_env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0"))  # fmt: skip
    assert right_after.exit_code == 0, right_after  # the stale read is not a change
    assert CAUGHT_UP in right_after.stdout
    assert "studio_flow.sms" in right_after.stdout.split(CAUGHT_UP)[1]


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_lag_never_hides_a_real_change(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    """A manifest edited since the apply, and a change made in the account after it, show."""
    config = copy_example(tmp_path, "quickstart")
    env = _env(sandbox_env)
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("Quickstart support SMS", "Support"))
    sandbox.catch_up(when_read_again=True)  # the plan's first read still misses the apply
    edited = run_flexplan("plan", str(config), "--detailed-exitcode",
                          env=_env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW=PATIENT))  # fmt: skip
    assert edited.exit_code == 2, edited
    assert "conversations_address.support-sms will be updated in-place" in edited.stdout

    sandbox.catch_up()
    sandbox.set_lag(0)
    flow = next(f for f in sandbox.store.items("studio_flows")
                if f["friendly_name"] == "Quickstart SMS Flow")  # fmt: skip
    with sandbox.store.lock:  # someone edits the flow in the Console: a newer revision
        sandbox.store.put("studio_flows", {**flow, "status": "draft",
                                           "revision": flow["revision"] + 1})  # fmt: skip
    drift = run_flexplan("plan", str(config), "--detailed-exitcode", env=env)
    assert drift.exit_code == 2, drift
    assert "studio_flow.sms will be updated in-place" in drift.stdout
    assert CAUGHT_UP not in drift.stdout


@pytest.mark.sandbox_knobs(lag_seconds=HELD)
def test_saved_plan_is_not_stale_because_of_lag(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """Saved while reads still miss the apply's flow; applied once they show it."""
    config = copy_example(tmp_path, "quickstart")
    env = _env(sandbox_env, FLEXPLAN_CATCH_UP_WINDOW="0")
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("An agent will reply shortly.", "Hi!"))
    saved = run_flexplan("plan", str(config), "--out", str(tmp_path / "p.json"), env=env)
    assert saved.exit_code == 0, saved
    assert "studio_flow.sms will be created" in saved.stdout  # the read lagged

    sandbox.catch_up()  # now reads show the flow the first apply created
    applied = run_flexplan("apply", str(tmp_path / "p.json"), env=env)
    assert applied.exit_code == 0, applied
    assert "plan is stale" not in applied.output
    assert "Apply complete: 0 added, 1 changed" in applied.stdout
    assert duplicates(sandbox) == {}
    sandbox.catch_up()
    clean = run_flexplan("plan", str(config), "--detailed-exitcode", env=env)
    assert clean.exit_code == 0 and clean.stdout.rstrip().endswith(CLEAN), clean


# -- writes whose outcome is unknown -------------------------------------------------------


def _flows(*names: str) -> str:
    trigger = {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
               "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"},
                               {"event": "incomingConversationMessage"},
                               {"event": "incomingRequest"}]}  # fmt: skip
    definition = {"initial_state": "Trigger", "states": [trigger]}
    flows = {n: {"friendly_name": f"Unknown Outcome {n}", "status": "published",
                 "definition": definition} for n in names}  # fmt: skip
    return yaml.safe_dump({"version": 1, "studio_flows": flows}, sort_keys=False)


def _named(sandbox: Any, prefix: str = "Unknown Outcome") -> list[dict[str, Any]]:
    return [f for f in sandbox.store.items("studio_flows") if f["friendly_name"].startswith(prefix)]


def _apply_flows(tmp_path: Path, run_flexplan: Any, env: dict[str, str], *names: str) -> Any:
    config = write_config(tmp_path / "cfg", _flows(*names))
    result = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "1", env=env)
    assert_sane(result, env)
    return result


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("502", marks=pytest.mark.sandbox_knobs(commit_502_rate=1.0, lag_seconds=LAG,
                                                           commit_fault_routes=FLOWS),
                     id="502-after-commit+stale-list"),
        pytest.param("502", marks=pytest.mark.sandbox_knobs(
            commit_502_rate=1.0, lag_seconds=LAG, lag_lists="empty", commit_fault_routes=FLOWS),
                     id="502-after-commit+empty-list"),
        pytest.param("stall", marks=pytest.mark.sandbox_knobs(
            commit_stall_rate=1.0, stall_seconds=1.0, lag_seconds=LAG, commit_fault_routes=FLOWS),
                     id="answer-after-client-timeout"),
    ],
)  # fmt: skip
def test_unknown_outcome_makes_exactly_one(
    case: str, tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    env = _env(sandbox_env, FLEXPLAN_ATTEMPT_TIMEOUT="0.5")
    result = _apply_flows(tmp_path, run_flexplan, env, "a", "b")
    assert result.exit_code == 0, result
    assert "Apply complete: 2 added" in result.stdout
    flows = _named(sandbox)
    assert sorted(f["friendly_name"] for f in flows) == ["Unknown Outcome a", "Unknown Outcome b"]
    for line in re.findall(r"^studio_flow\.\w: Creation complete .*$", result.stdout, re.M):
        assert re.search(r"\[sid=FW\w{32}\] \(1 retry\)", line), line  # found, not re-made
    assert sandbox.stats()["faults"], "post-commit faults were injected"


@pytest.mark.sandbox_knobs(
    commit_502_rate=1.0, commit_fault_limit=1, lag_seconds=HELD, commit_fault_routes=FLOWS
)
def test_extra_copy_made_by_this_run_is_removed_and_reported(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The look-up window is shorter than the lag, so a second copy is made; the
    end-of-apply verification reads until the lag ends, finds both and removes the copy
    whose answer was lost."""
    sandbox.catch_up(after_writes=2, when_read_again=True)  # lags until it reads again
    env = _env(sandbox_env, FLEXPLAN_LOOKUP_WINDOW="0.2")
    result = _apply_flows(tmp_path, run_flexplan, env, "a")
    assert result.exit_code == 0, result
    kept = re.search(r"Creation complete .*\[sid=(FW\w{32})\]", result.stdout)
    assert kept, result.stdout
    removed = re.findall(r"^Removed an extra copy this apply made: studio_flow\.a (FW\w{32}) "
                         r"\(a duplicate of (FW\w{32})", result.stdout, re.M)  # fmt: skip
    assert len(removed) == 1 and removed[0][1] == kept.group(1), result.stdout
    assert [f["sid"] for f in _named(sandbox)] == [kept.group(1)]
    assert sandbox.stats()["requests"].get("POST /studio/v2/Flows") == 2


@pytest.mark.sandbox_knobs(
    commit_502_rate=1.0, commit_fault_limit=1, lag_seconds=HELD, commit_fault_routes=FLOWS
)
def test_never_removes_a_copy_it_did_not_make(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """Someone else made the same flow just before the apply (its reads did not show it
    yet): the run makes two copies of its own, and removes none, since it cannot tell
    which of the two unknown ones is not its own; the report says so."""
    theirs = sandbox.store.add_studio_flow(
        friendly_name="Unknown Outcome a", status="draft",
        definition={"initial_state": "Trigger", "states": [
            {"name": "Trigger", "type": "trigger", "transitions": [],
             "properties": {"offset": {"x": 0, "y": 0}}}]},
    )  # fmt: skip
    sandbox.catch_up(after_writes=2)  # with the run's second copy
    env = _env(sandbox_env, FLEXPLAN_LOOKUP_WINDOW="0.2")
    result = _apply_flows(tmp_path, run_flexplan, env, "a")
    assert result.exit_code == 0, result
    assert theirs["sid"] in {f["sid"] for f in _named(sandbox)}, "their copy is never removed"
    assert "Removed an extra copy" not in result.stdout
    assert re.search(r"^Warning: studio_flow\.a: \d other cop.* none was removed", result.stdout,
                     re.M), result.stdout  # fmt: skip


def test_a_delete_in_the_account_after_the_horizon_is_shown_and_repaired(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    """The journal of recent writes never hides a real deletion for long: within the lag
    horizon the plan says changes are held back (never "matches the manifest"); after
    it, the deleted address is planned as a create and apply makes it again."""
    config = copy_example(tmp_path, "quickstart")
    env = _env(sandbox_env)
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    address = next(a for a in sandbox_client.conversations.v1.address_configurations.list()
                   if a.address == "+15550001111")  # fmt: skip
    sandbox_client.conversations.v1.address_configurations(address.sid).delete()

    soon = run_flexplan("plan", str(config), "--detailed-exitcode",
                        env={**env, "FLEXPLAN_CATCH_UP_WINDOW": "0"})  # fmt: skip
    assert soon.exit_code == 0, soon
    assert CAUGHT_UP in soon.stdout
    assert "matches the manifest" not in soon.stdout
    assert "No changes shown: 1 held back until the account catches up" in soon.stdout

    past = {**env, "FLEXPLAN_LAG_HORIZON": "0"}  # the apply's writes are now past it
    later = run_flexplan("plan", str(config), "--detailed-exitcode", env=past)
    assert later.exit_code == 2, later
    assert "conversations_address.support-sms will be created" in later.stdout
    assert CAUGHT_UP not in later.stdout
    repaired = run_flexplan("apply", str(config), "--auto-approve", env=past)
    assert repaired.exit_code == 0, repaired
    assert "Apply complete: 1 added" in repaired.stdout
    assert run_flexplan("plan", str(config), "--detailed-exitcode", env=past).exit_code == 0
