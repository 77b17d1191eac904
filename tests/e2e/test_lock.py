"""The account lock seen from the CLI: refused with the holder shown, waiting, breaking it,
a crashed holder's lease expiring by TTL, a live holder's lease renewed (issue 9, item 1)."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from applykit import assert_sane, copy_example, writes
from lockkit import (
    cli_env,
    finish,
    lock_documents,
    release_once_refused,
    start_on_terminal,
    wait_until,
)
from plankit import warnings

from flexplan.engine.lock import AccountLock, new_holder
from flexplan.sandbox import SandboxServer

CI_ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/flex-config",
    "GITHUB_RUN_ID": "4242",
}


def _held(client, *, operation: str = "apply", ttl: int = 60) -> AccountLock:
    lock = AccountLock(client, new_holder(operation, CI_ENV), ttl=ttl)
    lock.acquire()
    assert lock.held
    return lock


def test_apply_is_refused_while_another_run_holds_the_lock(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    lock = _held(sandbox_client)
    try:
        result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    finally:
        lock.release()
    assert result.exit_code == 1, result
    assert result.stdout == ""  # refused before the plan is even read
    err = warnings(result.stderr)
    assert err.startswith("error: the account is locked by another flexplan run:"), err
    holder = lock.holder
    for shown in (holder.lock_id, f"{holder.who}@{holder.host} (pid {os.getpid()})",
                  "https://github.com/acme/flex-config/actions/runs/4242", "Operation: apply",
                  f"flexplan {holder.flexplan_version}", holder.started_at):  # fmt: skip
        assert shown in err, (shown, err)
    assert f"flexplan force-unlock {holder.lock_id}" in err
    assert "--lock-timeout" in err
    assert writes(sandbox) == []
    assert_sane(result, sandbox_env)


def test_lock_timeout_waits_for_the_holder_then_applies(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    sandbox.clear_stats()
    lock = _held(sandbox_client)
    releaser = release_once_refused(sandbox, lock)
    try:
        result = run_flexplan(
            "apply", str(config), "--auto-approve", "--lock-timeout", "1m", env=sandbox_env
        )
    finally:
        releaser.join()
    assert result.exit_code == 0, result
    assert "Waiting for the account lock held by" in result.stderr
    assert lock.holder.lock_id in result.stderr  # the holder is shown while waiting
    assert "Apply complete: 4 added" in result.stdout
    assert lock_documents(sandbox) == []  # given back at the end


def test_lock_timeout_that_runs_out_is_refused(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    lock = _held(sandbox_client)
    try:
        result = run_flexplan(
            "apply", str(config), "--auto-approve", "--lock-timeout", "1s", env=sandbox_env
        )
    finally:
        lock.release()
    assert result.exit_code == 1, result
    assert "the account is locked by another flexplan run (waited 1 s)" in result.stderr
    assert writes(sandbox) == []


def test_lock_false_applies_with_a_warning(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    lock = _held(sandbox_client)
    try:
        result = run_flexplan(
            "apply", str(config), "--auto-approve", "--lock=false", env=sandbox_env
        )
    finally:
        lock.release()
    assert result.exit_code == 0, result
    assert "warning: --lock=false: this run does not take the account lock" in result.stderr


@pytest.mark.parametrize("given", ["soon", "5x", ""])
def test_a_bad_lock_timeout_is_one_message(
    given: str, tmp_path: Path, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    result = run_flexplan("apply", str(config), "--lock-timeout", given, env=sandbox_env)
    assert result.exit_code == 1, result  # a bad option value is a usage error: 1
    assert "is not a duration such as 30s, 5m or 1m30s" in result.stderr


def test_force_unlock_breaks_only_the_lock_with_that_id(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    lock = _held(sandbox_client)
    lock._stop.set()  # a holder that went away without giving the lock back
    lock_id = lock.holder.lock_id

    wrong = run_flexplan("force-unlock", "not-the-id", str(config), "--force", env=sandbox_env)
    assert wrong.exit_code == 1, wrong
    assert "the account lock has another ID than not-the-id" in wrong.stderr
    assert lock_id in wrong.stderr and len(lock_documents(sandbox)) == 1

    unconfirmed = run_flexplan("force-unlock", lock_id, str(config), env=sandbox_env)
    assert unconfirmed.exit_code == 1
    assert "refusing to force-unlock without confirmation" in unconfirmed.stderr
    assert len(lock_documents(sandbox)) == 1

    broken = run_flexplan("force-unlock", lock_id, str(config), "--force", env=sandbox_env)
    assert broken.exit_code == 0, broken
    assert f"The account lock {lock_id} was deleted" in broken.stdout
    assert lock_documents(sandbox) == []

    again = run_flexplan("force-unlock", lock_id, str(config), "--force", env=sandbox_env)
    assert again.exit_code == 1 and "the account is not locked" in again.stderr
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied


def _holder_at_prompt(sandbox: SandboxServer, config: Path, ttl: int):
    """An apply that took the lock and waits at the confirmation prompt (a terminal)."""
    env = cli_env(sandbox, FLEXPLAN_LOCK_TTL=str(ttl))
    process, terminal = start_on_terminal(["apply", str(config)], env)
    wait_until(lambda: len(lock_documents(sandbox)) == 1, "the first apply to take the lock")
    return process, terminal


def test_a_killed_holders_lease_expires_by_its_ttl(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    process, terminal = _holder_at_prompt(sandbox, config, ttl=2)
    try:
        process.send_signal(signal.SIGKILL)  # kill -9: no chance to give the lock back
        finish(process)
    finally:
        os.close(terminal)
    assert len(lock_documents(sandbox)) == 1  # left behind
    result = run_flexplan(
        "apply", str(config), "--auto-approve", "--lock-timeout", "30s", env=sandbox_env
    )
    assert result.exit_code == 0, result
    assert f"(pid {process.pid})" in result.stderr  # the dead holder was shown while waiting
    assert "Apply complete: 4 added" in result.stdout


def test_a_live_holder_renews_its_lease(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    config = copy_example(tmp_path, "quickstart")
    process, terminal = _holder_at_prompt(sandbox, config, ttl=2)
    try:
        time.sleep(4.5)  # more than two TTLs
        result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
        assert result.exit_code == 1, result
        assert f"(pid {process.pid})" in result.stderr
        process.send_signal(signal.SIGINT)  # at the prompt: stops, gives the lock back
        code, out, err = finish(process)
    finally:
        os.close(terminal)
    assert code == 130, (out, err)
    assert "Interrupt received (SIGINT): stopping before any change was made." in err
    assert "Nothing was changed." in err
    assert lock_documents(sandbox) == []


def test_force_unlock_needs_no_manifest_when_credentials_name_the_account(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan, monkeypatch
) -> None:
    lock = _held(sandbox_client)
    lock._stop.set()
    monkeypatch.chdir(tmp_path)  # no flexplan.yaml here
    result = run_flexplan("force-unlock", lock.holder.lock_id, "--force", env=sandbox_env)
    assert result.exit_code == 0, result
    assert f"The account lock {lock.holder.lock_id} was deleted" in result.stdout
    assert lock_documents(sandbox) == []
    with_var = run_flexplan("force-unlock", "x", "--var", "a=b", "--force", env=sandbox_env)
    assert with_var.exit_code == 1
    assert "--env and --var need a manifest: there is no flexplan.yaml here" in with_var.stderr


def test_a_lock_create_answered_500_while_another_run_holds_it_is_refused_as_held(
    tmp_path: Path, sandbox, sandbox_env, sandbox_client, run_flexplan
) -> None:
    """A 500 may or may not have made the document; the one there is the holder's, so the
    lock is held (as Twilio's 54301 says), not an error of Sync: wait, or show the holder."""
    config = copy_example(tmp_path, "quickstart")
    lock = _held(sandbox_client)
    sandbox.faults.fail_routes.add("POST /sync/v1/Services/{ServiceSid}/Documents")
    try:
        result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    finally:
        sandbox.faults.fail_routes.clear()
        lock.release()
    assert result.exit_code == 1, result
    err = warnings(result.stderr)
    assert err.startswith("error: the account is locked by another flexplan run:"), err
    assert f"flexplan force-unlock {lock.holder.lock_id}" in err
    assert writes(sandbox) == []
    assert_sane(result, sandbox_env)


@pytest.mark.sandbox_knobs(commit_502_rate=1.0, commit_fault_limit=1,
                           commit_fault_routes=frozenset({"POST /sync/v1/Services"}))  # fmt: skip
def test_a_service_create_whose_answer_is_lost_is_found_not_made_again(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The first apply on an account makes the ``flexplan`` Sync service; a 502 after that
    create was carried out makes it look for the service before sending the create again
    (before: a second service, found by the chaos trial in 3 of 6 fresh accounts)."""
    config = copy_example(tmp_path, "quickstart")
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert sandbox.stats()["faults"] == {"commit-502": 1}
    assert len(list(sandbox.store.items("sync_services"))) == 1
    assert_sane(result, sandbox_env)


@pytest.mark.sandbox_knobs(fail_routes={"GET /sync/v1/Services"}, fail_status=503)
def test_a_503_from_sync_is_retried_by_one_layer_until_one_deadline(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The HTTP client retries the lock's read of its Sync service until the request
    deadline and says how often; the lock adds no retries of its own on top (it once
    tried each call 6 times, each with a whole deadline of HTTP retries)."""
    config = copy_example(tmp_path, "quickstart")
    env = {**sandbox_env, "FLEXPLAN_REQUEST_DEADLINE": "1"}
    sandbox.clear_stats()
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert result.exit_code == 1, result
    err = warnings(result.stderr)
    found = re.search(
        r"^error: taking the account lock failed: Twilio error 20503 \(HTTP 503\): "
        r"Service Unavailable \(retried (\d+) times? for \d+\.\d s",
        err,
    )
    assert found, err
    sent = sandbox.stats()["requests"]["GET /sync/v1/Services"]
    assert sent == int(found.group(1)) + 1, (sent, err)  # every try is the HTTP client's
    assert "hint: Twilio had a server error; try again in a moment" in err
    assert writes(sandbox) == []


def test_an_apply_whose_writes_sync_cannot_keep_still_completes_and_says_so(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """The journal beside the lock is written before the lock is given back; when Sync
    refuses it, the apply's outcome stands and a warning says what the next run loses."""
    config = copy_example(tmp_path, "quickstart")
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("Quickstart web chat", "Web chat"))
    sandbox.faults.fail_routes.add("POST /sync/v1/Services/{ServiceSid}/Documents/{Sid}")
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    sandbox.faults.fail_routes.clear()
    assert result.exit_code == 0, result
    assert "Apply complete: 0 added, 1 changed" in result.stdout
    assert "warning: could not keep this apply's writes in the account (" in result.stderr
    assert "an apply from another checkout may take Twilio's lagging reads" in result.stderr
    assert lock_documents(sandbox) == []  # the lock was still given back
    assert_sane(result, sandbox_env)


def test_the_journal_beside_the_lock_costs_one_read_and_one_write(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    """Read before the plan (absent at first: then created, not first updated), written
    once after the writes; an apply without changes only reads it."""
    config = copy_example(tmp_path, "quickstart")
    create, update = "POST /sync/v1/Services/{ServiceSid}/Documents", \
        "POST /sync/v1/Services/{ServiceSid}/Documents/{Sid}"  # fmt: skip
    fetch = "GET /sync/v1/Services/{ServiceSid}/Documents/{Sid}"
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    first = sandbox.stats()["requests"]
    assert (first[create], first.get(update, 0), first[fetch]) == (2, 0, 1)  # lease + journal
    sandbox.clear_stats()
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    second = sandbox.stats()["requests"]
    assert (second[create], second.get(update, 0), second[fetch]) == (1, 0, 1)  # no changes
