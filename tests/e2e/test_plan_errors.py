"""Bad input and failures in ``flexplan plan``: one clear message, exit 1, no traceback, no secret.

Credentials missing or wrong, another account than the environment's, a look-up
that finds nothing or several, a network error, a Twilio error answer.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from plankit import assert_clean_failure, write_config

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.faults import AnswerFault

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FLEX_FLOW = """
flex_flows:
  web:
    friendly_name: Support Web
    channel_type: web
    chat_service: {chat_service}
    integration: {{type: external, url: "https://hooks.example.com/web"}}
"""


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries as the CLI does them, with short waits and deadline (the tests stay fast)."""
    monkeypatch.setenv("FLEXPLAN_REQUEST_DEADLINE", "1")
    monkeypatch.setenv("FLEXPLAN_RETRY_DELAY", "0.01")


def _config(tmp_path: Path, chat_service: str = "Flex Chat Service") -> Path:
    return write_config(tmp_path / "c", FLEX_FLOW.format(chat_service=chat_service))


def test_missing_credentials(tmp_path: Path, run_flexplan: Any) -> None:
    result = run_flexplan("plan", str(_config(tmp_path)), env={})
    message = assert_clean_failure(result)
    assert message.startswith(
        "error: Twilio credentials are missing: TWILIO_ACCOUNT_SID, TWILIO_API_KEY and "
        "TWILIO_API_SECRET, or TWILIO_AUTH_TOKEN not set, and the twilio CLI has no profile ("
    ), message
    assert "`twilio login`" in message


def test_wrong_credentials_name_twilio_code_and_hide_the_secret(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    env = {**sandbox_env, "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef"}
    result = run_flexplan("plan", str(_config(tmp_path)), env=env)
    message = assert_clean_failure(result, env)
    # every read fails the same way: one message, naming the first thing read
    assert message == (
        "error: reading the account's Studio flows failed: Twilio error 20003 (HTTP 401): "
        "Authenticate\n"
        "  hint: check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and "
        "TWILIO_API_SECRET)\n"
    )


def test_account_other_than_the_environments(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    other = "AC" + "0" * 32
    config = write_config(
        tmp_path / "c",
        f"environments:\n  production: {{account_sid: {other}}}\n"
        + FLEX_FLOW.format(chat_service="Flex Chat Service"),
    )
    before = sandbox.stats()["total"]
    result = run_flexplan("plan", str(config), "--env", "production", env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    assert message.startswith(
        f"error: the credentials reach account {sandbox_env['TWILIO_ACCOUNT_SID']}, but "
        f"environment 'production' is for account {other}\n"
    ), message
    assert sandbox.stats()["total"] == before  # refused before reading anything


def test_lookup_that_finds_nothing_names_the_candidates(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    result = run_flexplan("plan", str(_config(tmp_path, "Flex Chat Servce")), env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    assert "flex_flow.web: " in message
    assert "'Flex Chat Servce'" in message
    assert "Flex Chat Service" in message  # the candidate
    assert "flexplan.yaml:" in message


def test_lookup_that_finds_several_names_their_sids(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    store = sandbox.store
    original = next(
        s for s in store.items("chat_services") if s["friendly_name"] == "Flex Chat Service"
    )
    sid = store.new_sid("IS")
    twin = json.loads(json.dumps(original).replace(original["sid"], sid))  # same name, new SID
    with store.lock:
        store.put("chat_services", twin)
    result = run_flexplan("plan", str(_config(tmp_path)), env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    assert "flex_flow.web: " in message
    assert original["sid"] in message and twin["sid"] in message


def test_network_error(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any, quick_retries: None
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**sandbox_env, "FLEXPLAN_API_BASE": f"http://127.0.0.1:{port}",
           "FLEXPLAN_REQUEST_DEADLINE": "1"}  # fmt: skip
    result = run_flexplan("plan", str(_config(tmp_path)), env=env)
    message = assert_clean_failure(result, env)
    assert re.fullmatch(
        # whichever read was sent first: it stops the rest (all would fail alike)
        r"error: (reading the account's [\w ]+|resolving look-ups \([\w, ]+\)) failed: "
        rf"GET https://\S+ could not connect to 127.0.0.1:{port} \(ConnectionError\) "
        r"\(\d+ tries in \d\.\d s, request deadline 1 s\)\n  hint: check the network, .*\n",
        message,
    ), message


_RETRIED_5XX = (
    r"error: reading the account's Flex Flows failed: Twilio error 2050[03] \(HTTP 50[03]\): "
    r"(Internal Server Error|Service Unavailable) \(retried \d+ times? for \d+\.\d s"
)


@pytest.mark.sandbox_knobs(fail_rate=1.0, drop_rate=0.0, seed=3)
def test_twilio_error_answer(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any, quick_retries: None
) -> None:
    result = run_flexplan("plan", str(_config(tmp_path)), env=sandbox_env)
    message = assert_clean_failure(result, sandbox_env)
    first, hint = message.splitlines()
    assert re.match(_RETRIED_5XX, first), first  # Twilio's code and message, not the body
    assert hint == "  hint: Twilio had a server error; try again in a moment"


@pytest.mark.sandbox_knobs(fail_rate=1.0, drop_rate=0.0, seed=3, latency_ms=400)
def test_twilio_error_answer_when_the_deadline_cuts_the_last_retry(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Answers take 0.4 s and retries do not wait, so a retry is always sent while time
    is left, and the last one is always cut short by the deadline (however slow the
    machine): the plan reports the 5xx answered before it, not the cut try's timeout."""
    env = {**sandbox_env, "FLEXPLAN_REQUEST_DEADLINE": "2", "FLEXPLAN_RETRY_DELAY": "0"}
    result = run_flexplan("plan", str(_config(tmp_path)), env=env)
    message = assert_clean_failure(result, env)
    first, hint = message.splitlines()
    assert re.match(_RETRIED_5XX, first), first
    assert first.endswith("; the request deadline (2 s) cut the last try short)"), first
    assert hint == "  hint: Twilio had a server error; try again in a moment"


def test_unwritable_out_and_blocked_sandbox_dir_are_one_message(
    tmp_path: Path, sandbox_env, run_flexplan
) -> None:
    config = write_config(tmp_path / "cfg", "version: 1\n")
    result = run_flexplan("plan", str(config), "--out", str(config / "flexplan.yaml" / "p.json"),
                          env=sandbox_env)  # fmt: skip
    assert result.exit_code == 1
    assert "error: cannot write the plan to " in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.output
    (config / ".flexplan").write_text("not a directory")
    blocked = run_flexplan("plan", str(config), "--sandbox")
    assert blocked.exit_code == 1
    assert "error: cannot keep the sandbox account in " in blocked.stderr
    assert "internal error" not in blocked.output


@pytest.mark.sandbox_knobs(answer_faults=[AnswerFault("throttled")], retry_after=10)
def test_a_retry_after_past_the_deadline_is_named_not_reported_as_a_429_storm(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Twilio asks to wait 10 s and 2 s are left: flexplan gives up at once, and says why
    (its hint on 429 speaks of 429s until the deadline, which did not happen)."""
    env = {**sandbox_env, "FLEXPLAN_REQUEST_DEADLINE": "2"}
    result = run_flexplan("plan", str(_config(tmp_path)), env=env)
    first = assert_clean_failure(result, env).splitlines()[0]
    assert re.search(
        r"Twilio error 20429 \(HTTP 429\): Too Many Requests \(not retried: Twilio asked to wait "
        r"10 s \(Retry-After\), past the request deadline \(2 s\)\)$",
        first,
    ), first


@pytest.mark.sandbox_knobs(latency_ms=2000)
def test_a_hanging_account_fails_the_plan_after_one_deadline_not_one_per_queued_read(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """One request at a time, each outlasting its deadline: the first read that fails
    the plan stops the rest, which are never sent (each would have waited out a deadline
    of its own, so a CI job hung for a multiple of FLEXPLAN_REQUEST_DEADLINE)."""
    env = {**sandbox_env, "FLEXPLAN_REQUEST_DEADLINE": "1",
           "FLEXPLAN_ADAPTIVE_CONCURRENCY": "false"}  # fmt: skip
    config = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / "quickstart", config)
    before = sandbox.stats()["total"]
    result = run_flexplan("plan", str(config), "--parallelism", "1", env=env)
    first = assert_clean_failure(result, env).splitlines()[0]
    assert "1 s" in first, first  # the deadline that ran out is named
    time.sleep(4)  # the sandbox counts a request once its latency is over; more is stricter
    assert sandbox.stats()["total"] - before == 1

