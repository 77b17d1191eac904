"""A plan's list requests go out while the manifest still loads (issue 15, item 3).

The account (``account_sid``, the environment) and ``prune:`` are known once the
root file's settings are read; the included files (the expensive part of a big
manifest) load while the kinds list the account. Each test holds the loader at
the last included file until the sandbox has received a request (or the account
was checked): on code that loads the whole manifest first nothing ever arrives,
the hold gives up after ``GIVE_UP`` seconds, and the test fails on what it saw.
Whatever was found meanwhile (an account mismatch, a refused read), a broken
manifest is reported alone, exactly as it would be without the head start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from plankit import assert_clean_failure, write_config

import flexplan.connect
from flexplan.manifest import files
from flexplan.sandbox import SandboxServer

GIVE_UP = 20.0  # seconds the hold waits on code without a head start (a liveness guard)
LAST = "z-last.yaml"
ROOT = f"""
version: 1
include: [a.yaml, {LAST}]
"""
FIRST = """
conversations_addresses:
  support:
    type: sms
    address: "+15550001111"
    friendly_name: Support line
    auto_creation: {enabled: true, type: default}
"""
VALID_LAST = """
flex_flows:
  support-web:
    friendly_name: Support Web
    channel_type: web
    chat_service: Flex Chat Service
    enabled: true
    integration: {type: external, url: "https://example.com/hook"}
"""
BROKEN_LAST = """
flex_flows:
  support-web:
    friendly_name: Support Web
    channel_type: web
    chat_servce: Flex Chat Service
"""
OVER_LIMITS = """
channel_configs:
  sms:
    attachments:
      number_of_attachments: 10
      max_file_size: 150MiB
      max_total_file_size: 150MiB
      accepted_extensions: [jpg, gif]
"""


class Hold:
    """Holds the manifest loader at ``LAST`` until ``ready()`` (or ``GIVE_UP``), and keeps
    what the sandbox had received by then."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, ready: Callable[[], bool], give_up: float = GIVE_UP
    ) -> None:
        self.ready, self.give_up = ready, give_up
        self.released_by_ready = False
        self.held = threading.Event()
        original = files.FileAccess.read

        def read(access: files.FileAccess, path: Path, what: str, written: str = "") -> str:
            if Path(path).name == LAST:
                self.held.set()
                self.released_by_ready = self._wait()
            return original(access, path, what, written)

        monkeypatch.setattr(files.FileAccess, "read", read)

    def _wait(self) -> bool:
        give_up = time.monotonic() + self.give_up
        while time.monotonic() < give_up:
            if self.ready():
                return True
            time.sleep(0.005)
        return False


def requests_seen(server: Callable[[], SandboxServer | None]) -> Callable[[], bool]:
    def seen() -> bool:
        sandbox = server()
        return sandbox is not None and sandbox.stats()["total"] > 0

    return seen


def list_requests(sandbox: SandboxServer) -> set[str]:
    return {key for key in sandbox.stats()["requests"] if key.startswith("GET ")}


def embedded_sandboxes(monkeypatch: pytest.MonkeyPatch) -> list[SandboxServer]:
    """The sandboxes ``--sandbox`` starts in this process, as they start."""
    started: list[SandboxServer] = []
    original = SandboxServer.start

    def start(server: SandboxServer) -> SandboxServer:
        started.append(server)
        return original(server)

    monkeypatch.setattr(SandboxServer, "start", start)
    return started


def test_the_lists_are_requested_before_the_last_included_file_is_read(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path / "config", ROOT, {"a.yaml": FIRST, LAST: VALID_LAST})
    seen_at_hold: set[str] = set()

    def ready() -> bool:
        if sandbox.stats()["total"] == 0:
            return False
        seen_at_hold.update(list_requests(sandbox))
        return True

    hold = Hold(monkeypatch, ready)
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert hold.held.is_set()
    assert hold.released_by_ready, "no request reached the sandbox while the manifest loaded"
    assert seen_at_hold & {
        "GET /conversations/v1/Configuration/Addresses",
        "GET /flex-api/v1/FlexFlows",
        "GET /studio/v2/Flows",
    }, seen_at_hold
    assert result.exit_code == 2, result  # and the plan is the whole manifest's
    assert "# conversations_address.support will be created" in result.stdout
    assert "# flex_flow.support-web will be created" in result.stdout


def test_a_broken_manifest_with_sandbox_reports_only_its_errors(
    tmp_path: Path, run_flexplan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path / "config", ROOT, {"a.yaml": FIRST, LAST: BROKEN_LAST})
    expected = run_flexplan("validate", str(config))
    assert expected.exit_code == 1, expected
    started = embedded_sandboxes(monkeypatch)
    hold = Hold(monkeypatch, requests_seen(lambda: started[0] if started else None))
    result = run_flexplan("plan", str(config), "--sandbox")
    assert hold.released_by_ready, "no request reached the sandbox while the manifest loaded"
    message = assert_clean_failure(result)
    errors = [line for line in expected.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 1 and f"{LAST}:6:5: error: " in errors[0], expected
    assert message.splitlines()[0] == errors[0]
    assert message.count("error:") == 1, message


def test_a_manifest_error_outranks_an_account_mismatch_found_meanwhile(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "AC" + "1" * 32
    config = write_config(
        tmp_path / "config",
        f"version: 1\naccount_sid: {other}\ninclude: [a.yaml, {LAST}]\n",
        {"a.yaml": FIRST, LAST: BROKEN_LAST},
    )
    checked = threading.Event()
    original = flexplan.connect.check_account

    def check_account(connection: Any, expected: str | None, environment: str | None) -> None:
        checked.set()
        original(connection, expected, environment)

    monkeypatch.setattr(flexplan.connect, "check_account", check_account)
    hold = Hold(monkeypatch, checked.is_set)
    result = run_flexplan("plan", str(config), env=sandbox_env)
    assert hold.released_by_ready, "the account was not checked while the manifest loaded"
    message = assert_clean_failure(result)
    assert f"{LAST}:6:5: error: " in message, message
    assert "credentials reach account" not in message, message

    fixed = write_config(config, f"version: 1\naccount_sid: {other}\ninclude: [a.yaml]\n")
    mismatch = run_flexplan("plan", str(fixed), env=sandbox_env)
    assert "credentials reach account" in assert_clean_failure(mismatch)  # it was there


def test_a_manifest_error_outranks_a_refused_read_found_meanwhile(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path / "config", ROOT, {"a.yaml": FIRST, LAST: BROKEN_LAST})
    wrong_token = {**sandbox_env, "TWILIO_AUTH_TOKEN": "f" * 32}
    hold = Hold(monkeypatch, requests_seen(lambda: sandbox))
    result = run_flexplan("plan", str(config), env=wrong_token)
    assert hold.released_by_ready, "no request reached the sandbox while the manifest loaded"
    assert 401 in {int(k) for k in sandbox.stats()["by_status"]}  # refused meanwhile
    message = assert_clean_failure(result, wrong_token)
    assert f"{LAST}:6:5: error: " in message, message
    assert message.count("error:") == 1, message


def test_the_warnings_come_first_even_when_the_read_then_fails(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path / "config", ROOT, {"a.yaml": OVER_LIMITS, LAST: VALID_LAST})
    wrong_token = {**sandbox_env, "TWILIO_AUTH_TOKEN": "f" * 32}
    hold = Hold(monkeypatch, requests_seen(lambda: sandbox))
    result = run_flexplan("plan", str(config), env=wrong_token)
    assert hold.released_by_ready, "no request reached the sandbox while the manifest loaded"
    assert result.exit_code == 1 and result.stdout == "", result
    lines = str(result.stderr).splitlines()
    warnings = [i for i, line in enumerate(lines) if ": warning: " in line]
    using = [i for i, line in enumerate(lines) if line.startswith("Using ")]
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert len(warnings) == 4 and len(using) == 1 and len(errors) == 1, result.stderr
    assert max(warnings) < using[0] < errors[0], result.stderr  # the order without a head start
    assert "a.yaml:" in lines[warnings[0]]


SECRET_PATH = "q7ZtW3xL9pVmR2sK8dFnYb"
HOOKED_LAST = """
conversations_addresses:
  hook:
    type: sms
    address: "+15550002222"
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://hooks.example.com/in/${env:HOOK_KEY}
      webhook_method: POST
"""


def test_a_recorded_or_logged_plan_loads_first_so_the_answers_are_scrubbed(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FLEXPLAN_RECORD and FLEXPLAN_LOG write each answer as it arrives, scrubbed of the
    secrets known by then; an ``${env:}`` value is known once its file is loaded, so such
    a plan sends nothing before that (the list answers hold the webhook URL)."""
    config = write_config(tmp_path / "config", ROOT, {"a.yaml": FIRST, LAST: HOOKED_LAST})
    env = {**sandbox_env, "HOOK_KEY": SECRET_PATH}
    assert run_flexplan("apply", str(config), "--auto-approve", env=env).exit_code == 0
    log = tmp_path / "requests.log"
    recording = tmp_path / "recording"
    # held for a while (not a timing assert: a plan that reads first sends at once)
    hold = Hold(monkeypatch, requests_seen(lambda: sandbox), give_up=1.0)
    for written in ({"FLEXPLAN_RECORD": str(recording)},
                    {"FLEXPLAN_LOG": "debug", "FLEXPLAN_LOG_PATH": str(log)}):  # fmt: skip
        sandbox.clear_stats()
        result = run_flexplan("plan", str(config), "--detailed-exitcode", env={**env, **written})
        assert result.exit_code == 0, result
        assert not hold.released_by_ready, "a request went out before the secrets were loaded"
    texts = [log.read_text(), *(p.read_text() for p in recording.glob("*.jsonl"))]
    assert len(texts) == 2 and all("hooks.example.com/in/" in text for text in texts)
    assert not any(SECRET_PATH in text for text in texts)
