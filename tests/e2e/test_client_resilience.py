"""The one retry layer: adaptive concurrency, deadlines, Retry-After, unusable answers.

Every test drives the real twilio SDK through flexplan's HTTP client against
the sandbox: a concurrency limit far below ``--parallelism``, answers mangled
in transit (truncated, not JSON, empty, a redirect, a list page without its
list, a body trickled out a byte at a time) and 429s that carry Retry-After.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from applykit import CLEAN, assert_sane, duplicates, write_config
from plankit import warnings

from flexplan.sandbox import SandboxServer, running_sandbox
from flexplan.sandbox.faults import AnswerFault, Faults, FaultSettings
from flexplan.twilio_client import build_client, client_stats, credentials_from_env

FLOWS = 4


def _definition(i: int) -> dict[str, Any]:
    return {
        "initial_state": "Trigger",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "hello"},
                             {"event": "incomingConversationMessage", "next": "hello"},
                             {"event": "incomingCall"}, {"event": "incomingRequest"}]},
            {"name": "hello", "type": "send-message", "transitions": [],
             "properties": {"offset": {"x": 0, "y": 200}, "body": f"hello {i}"}},
        ],
    }  # fmt: skip


def _manifest(flows: int = FLOWS) -> str:
    studio = {
        f"flow-{i}": {"friendly_name": f"Resilient Flow {i}", "status": "published",
                      "definition": _definition(i)}
        for i in range(flows)
    }  # fmt: skip
    addresses = {
        f"address-{i}": {"type": "sms", "address": f"+1555100{i:04d}",
                         "auto_creation": {"enabled": True, "type": "studio",
                                           "studio_flow": f"flow-{i}"}}
        for i in range(flows)
    }  # fmt: skip
    return yaml.safe_dump({"version": 1, "studio_flows": studio,
                           "conversations_addresses": addresses}, sort_keys=False)  # fmt: skip


QUICK = {"FLEXPLAN_RETRY_DELAY": "0.01"}


def test_parallelism_10_against_a_limit_of_2_converges_in_one_run(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """20 flows and 20 addresses exist; the account then allows 2 requests at once. A plan
    (20 definition GETs) and an apply of 20 updates at --parallelism 10 both finish."""
    flows = 20
    config = write_config(tmp_path / "cfg", _manifest(flows))
    env = {**sandbox_env, **QUICK, "FLEXPLAN_REQUEST_DEADLINE": "120"}  # the default
    first = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert first.exit_code == 0, first
    (config / "flexplan.yaml").write_text(_manifest(flows).replace("hello ", "hi "))
    sandbox._app.faults = Faults(FaultSettings(concurrency_limit=2, latency_ms=50))
    plan = run_flexplan("plan", str(config), "--parallelism", "10", env=env)
    assert plan.exit_code == 0, plan
    assert f"Plan: 0 to add, {flows} to change, 0 to destroy." in plan.stdout
    applied = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "10", env=env)
    assert_sane(applied, env)
    assert applied.exit_code == 0, applied
    assert f"Apply complete: 0 added, {flows} changed" in applied.stdout
    assert duplicates(sandbox) == {}
    assert sandbox.stats()["by_status"].get("429"), "the limit was reached"
    clean = run_flexplan("plan", str(config), "--detailed-exitcode", env=env)
    assert clean.exit_code == 0, clean
    assert clean.stdout.rstrip().endswith(CLEAN)


def _plan_with(sandbox_env: dict[str, str], run_flexplan: Any, tmp_path: Path) -> Any:
    config = write_config(tmp_path / "cfg", _manifest(2))
    env = {**sandbox_env, **QUICK, "FLEXPLAN_REQUEST_DEADLINE": "1.5"}
    result = run_flexplan("plan", str(config), env=env)
    assert_sane(result, env)
    return result


LIST = "GET /studio/v2/Flows"
MALFORMED = {
    "truncated": r"answered HTTP 200, then the body broke off \(failed: \w+",
    "not_json": r"answered HTTP 200 with a body that is not JSON",
    "empty": r"answered HTTP 200 with an empty body",
    "redirect": r"answered HTTP 302, a redirect to https://proxy.example.com/login",
    "missing_key": r"answered HTTP 200 with a list page that lacks its 'flows' list",
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_each_malformed_read_is_one_message_naming_the_request(
    kind: str, tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str],
    run_flexplan: Any,
) -> None:  # fmt: skip
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault(kind, LIST))
    result = _plan_with(sandbox_env, run_flexplan, tmp_path)
    assert result.exit_code == 1, result
    assert result.stdout == ""
    pattern = (
        r"error: reading the account's Studio flows failed: GET https://studio.twilio.com/v2/Flows "
        + MALFORMED[kind]
        + r".* \(\d+ tries in \d+\.\d s(; the last one ran out of time)?, request deadline 1.5 s\)"
        + r"\n  hint: check the network"
    )
    assert re.match(pattern, warnings(result.stderr)), result.stderr
    assert result.stderr.count("error:") == 1
    assert sandbox.stats()["requests"][LIST] > 1, "a GET is retried as transient"


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_a_malformed_read_once_is_retried_and_the_plan_succeeds(
    kind: str, tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str],
    run_flexplan: Any,
) -> None:  # fmt: skip
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault(kind, LIST, times=1))
    result = _plan_with(sandbox_env, run_flexplan, tmp_path)
    assert result.exit_code == 0, result
    assert "Plan: 4 to add" in result.stdout
    assert sandbox.stats()["requests"][LIST] == 2


VALIDATE = "POST /studio/v2/Flows/Validate"


@pytest.mark.parametrize("kind", ["truncated", "empty", "not_json"])
def test_studios_check_answered_unusably_once_is_sent_again_as_it_changes_nothing(
    kind: str, tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str],
    run_flexplan: Any,
) -> None:  # fmt: skip
    """Validate is a POST that creates nothing (Twilio's Studio docs), so a lost answer is
    tried again as a GET's is, not reported as a write that "may have been carried out"."""
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault(kind, VALIDATE, times=1))
    result = _plan_with(sandbox_env, run_flexplan, tmp_path)
    assert result.exit_code == 0, result
    assert "Plan: 4 to add" in result.stdout
    assert sandbox.stats()["requests"][VALIDATE] == 3  # two flows, one of them twice


def _with_faults(sandbox: SandboxServer, *faults: AnswerFault, **more: Any) -> Any:
    import dataclasses

    return dataclasses.replace(sandbox._app.faults.settings, answer_faults=faults, **more)


@pytest.mark.parametrize("kind", ["empty", "not_json", "truncated", "redirect"])
def test_a_create_answered_unusably_is_found_by_look_up_not_repeated(
    kind: str, tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str],
    run_flexplan: Any,
) -> None:  # fmt: skip
    create = "POST /studio/v2/Flows"
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault(kind, create, times=1))
    config = write_config(tmp_path / "cfg", _manifest(2))
    env = {**sandbox_env, **QUICK}
    result = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "1", env=env)
    assert_sane(result, env)
    assert result.exit_code == 0, result
    completes = re.findall(r"^studio_flow\.\S+: Creation complete after .*$", result.stdout, re.M)
    assert len(completes) == 2 and all("[sid=FW" in line for line in completes), result.stdout
    assert sandbox.stats()["requests"][create] == 2, "each flow POSTed once"
    assert duplicates(sandbox) == {}


def test_an_update_whose_answer_stays_unusable_may_have_been_carried_out(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "cfg", _manifest(1))
    env = {**sandbox_env, **QUICK, "FLEXPLAN_REQUEST_DEADLINE": "0.5"}
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    (config / "flexplan.yaml").write_text(_manifest(1).replace("hello 0", "hello again"))
    update = "POST /studio/v2/Flows/{Sid}"
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault("empty", update))
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert_sane(result, env)
    assert result.exit_code == 1, result
    failed = re.search(r"^  - update studio_flow\.flow-0: (.*)$", result.stdout, re.M)
    assert failed, result.stdout
    assert failed.group(1).startswith(
        "updating studio_flow.flow-0 failed: POST https://studio.twilio.com/v2/Flows/FW"
    )
    assert "answered HTTP 200 with an empty body" in failed.group(1)
    assert failed.group(1).endswith("the request may have been carried out")
    assert re.search(r"^studio_flow\.flow-0: FAILED after ", result.stdout, re.M)
    assert "complete after" not in result.stdout


def test_posts_refused_with_429_are_sent_only_as_the_deadline_allows(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """One retry layer: every 429 waits Retry-After (1 s); at a 2.5 s deadline that is
    3 POSTs, and apply sends none of its own (today's two layers sent up to 16)."""
    create = "POST /studio/v2/Flows"
    sandbox._app.faults.settings = _with_faults(sandbox, AnswerFault("throttled", create))
    config = write_config(tmp_path / "cfg", _manifest(1))
    env = {**sandbox_env, **QUICK, "FLEXPLAN_REQUEST_DEADLINE": "2.5"}
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert_sane(result, env)
    assert result.exit_code == 1, result
    assert re.search(r"failed: Twilio error 20429 \(HTTP 429\): .*Too Many Requests", result.stdout)
    assert "may have been carried out" not in result.stdout, "a 429 was not processed"
    assert sandbox.stats()["requests"][create] == 3
    assert sandbox.store.items("studio_flows") and not [
        f for f in sandbox.store.items("studio_flows") if f["friendly_name"].startswith("Resil")
    ]


def test_retry_after_is_honoured_and_429_comes_after_the_latency() -> None:
    with running_sandbox(concurrency_limit=1, latency_ms=400, retry_after=1) as server:
        holder = build_client(credentials_from_env(server.credentials), api_base=server.base_url)
        waiter = build_client(credentials_from_env(server.credentials), api_base=server.base_url)
        busy = threading.Thread(target=lambda: holder.studio.v2.flows.list())
        busy.start()
        threading.Event().wait(0.1)  # the holder's request is in the server
        assert len(waiter.studio.v2.flows.list()) == 3
        busy.join(timeout=10)
        stats = client_stats(waiter)
        assert stats.retry_after_waits == [1.0], "one 429, then a wait of its Retry-After"
        assert stats.as_dict()["requests"] == 2
        assert server.stats()["by_status"] == {"200": 2, "429": 1}


def test_one_slow_answer_is_cut_off_and_tried_again(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """A try is cut at FLEXPLAN_ATTEMPT_TIMEOUT, well inside the request's deadline, so
    one stalled answer costs one more try instead of the plan (today: one try, then fail)."""
    trickle = AnswerFault("trickle", LIST, times=1)
    sandbox._app.faults.settings = _with_faults(sandbox, trickle, trickle_ms=200)
    config = write_config(tmp_path / "cfg", _manifest(1))
    env = {**sandbox_env, **QUICK, "FLEXPLAN_ATTEMPT_TIMEOUT": "0.5"}
    result = run_flexplan("plan", str(config), env=env)
    assert result.exit_code == 0, result
    assert sandbox.stats()["requests"][LIST] == 2
    assert sandbox.stats()["faults"] == {"trickle": 1}


def test_a_trickled_answer_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    """The list answer arrives a byte every 50 ms (minutes for the whole body): the
    plan ends at its 1.5 s deadline with a clear message, bounded by the timeout here."""
    config = write_config(tmp_path / "cfg", _manifest(1))
    trickle = AnswerFault("trickle", LIST)
    with running_sandbox(answer_faults=[trickle], trickle_ms=50) as server:
        env = {**os.environ, **server.credentials, "FLEXPLAN_REQUEST_DEADLINE": "1.5"}
        done = subprocess.run(
            [sys.executable, "-m", "flexplan", "plan", str(config)],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    assert re.match(
        r"error: reading the account's Studio flows failed: GET https://studio.twilio.com/v2/Flows"
        r" sent no complete answer within \d+\.\d s \(HTTP 200, the body was still arriving\)",
        warnings(done.stderr),
    ), done.stderr


def test_the_sandbox_answers_429_after_its_latency_with_retry_after() -> None:
    """As a real server: a refused request still takes its round trip (issue 15 item 6)."""
    import time

    import requests

    with running_sandbox(concurrency_limit=1, latency_ms=300) as server:
        auth = (server.account_sid, server.auth_token)
        url = server.base_url + "/studio/v2/Flows"
        busy = threading.Thread(target=lambda: requests.get(url, auth=auth, timeout=10))
        busy.start()
        threading.Event().wait(0.1)
        started = time.monotonic()
        refused = requests.get(url, auth=auth, timeout=10)
        elapsed = time.monotonic() - started
        busy.join(timeout=10)
    assert refused.status_code == 429 and refused.json()["code"] == 20429
    assert refused.headers["Retry-After"] == "1"
    assert elapsed >= 0.3, "answered only after the latency"
