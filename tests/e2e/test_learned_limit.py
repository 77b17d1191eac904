"""The account's concurrency limit one plan learned is where the next plan starts.

A plan that the account answered 429 keeps the limit it learned (per account SID,
with the time; no credential) in ``DIR/.flexplan/concurrency-limits.json``, beside
the digest cache; the next plan of that directory starts there and is refused no
more. ``--no-cache`` and an explicit ``--parallelism`` start as before; a stale,
corrupt or unreadable file is ignored (flexplan.learned_limit).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from applykit import write_config

from flexplan.sandbox import SandboxServer
from flexplan.throttle import FIRST_WINDOW

FLOWS = 40
LIMIT = 2
MEMORY = Path(".flexplan") / "concurrency-limits.json"
PATIENT = {"FLEXPLAN_REQUEST_DEADLINE": "120", "FLEXPLAN_RETRY_DELAY": "0.01"}


def _manifest(greeting: str) -> str:
    trigger = {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
               "transitions": [{"event": "incomingMessage", "next": "hello"},
                               {"event": "incomingCall"}, {"event": "incomingRequest"},
                               {"event": "incomingConversationMessage"}]}  # fmt: skip
    flows = {
        f"flow-{i}": {"friendly_name": f"Limited Flow {i}", "status": "published",
                      "definition": {"initial_state": "Trigger", "states": [trigger, {
                          "name": "hello", "type": "send-message", "transitions": [],
                          "properties": {"offset": {"x": 0, "y": 200},
                                         "body": f"{greeting} {i}"}}]}}
        for i in range(FLOWS)
    }  # fmt: skip
    return yaml.safe_dump({"version": 1, "studio_flows": flows}, sort_keys=False)


_ACCOUNT = """
import json, sys, time
from flexplan.sandbox import SandboxServer
server = SandboxServer(latency_ms=float(sys.argv[2]), concurrency_limit=int(sys.argv[3]))
with open(sys.argv[1], encoding="utf-8") as handle:
    server.store.state = json.load(handle)
server.start()
print(server.base_url, flush=True)
while True:
    time.sleep(3600)
"""


@pytest.fixture
def limited(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> Iterator[tuple[Path, dict[str, str]]]:
    """20 flows exist; the manifest changes each (so every plan fetches every definition);
    the account then allows 2 requests at once, 200 ms each. It runs in a process of its
    own, so the client counts in flight what the account does (in one process the two
    share the interpreter, and the client's count of requests in flight lags behind)."""
    config = write_config(tmp_path / "cfg", _manifest("hello"))
    assert run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env).exit_code == 0
    (config / "flexplan.yaml").write_text(_manifest("hi"))
    (config / MEMORY).unlink(missing_ok=True)
    state = tmp_path / "account.json"
    state.write_text(json.dumps(sandbox.store.snapshot()))
    argv = [sys.executable, "-c", _ACCOUNT, str(state), "200", str(LIMIT)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            base = child.stdout.readline().strip()
            assert base, "the sandbox process did not start"
            yield config, {**sandbox_env, **PATIENT, "FLEXPLAN_API_BASE": base}
        finally:
            child.terminate()


def _status_429(base: str) -> int:
    with urllib.request.urlopen(f"{base}/__sandbox/stats", timeout=30) as answer:
        count: int = json.load(answer)["by_status"].get("429", 0)
        return count


def _refused(run_flexplan: Any, config: Path, env: dict[str, str], *options: str) -> int:
    """The 429s the account answered to one plan (which must succeed, traceback-free)."""
    before = _status_429(env["FLEXPLAN_API_BASE"])
    result = run_flexplan("plan", str(config), *options, env=env)
    assert result.exit_code == 0, result
    assert f"Plan: 0 to add, {FLOWS} to change, 0 to destroy." in result.stdout
    assert "Traceback" not in result.output
    return _status_429(env["FLEXPLAN_API_BASE"]) - before


def test_the_second_plan_starts_at_the_limit_the_first_learned(
    limited: tuple[Path, dict[str, str]], sandbox: SandboxServer, run_flexplan: Any
) -> None:
    config, env = limited
    assert _refused(run_flexplan, config, env) > 0, "the first plan overshoots"
    kept = json.loads((config / MEMORY).read_text())
    entry = kept["accounts"][sandbox.account_sid]
    assert set(entry) == {"limit", "learned_at"} and 1 <= entry["limit"] < FIRST_WINDOW
    assert sandbox.auth_token not in (config / MEMORY).read_text()
    assert _refused(run_flexplan, config, env) == 0, "the second starts at the limit"
    # explicit --parallelism wins; --no-cache neither reads nor writes the file
    assert _refused(run_flexplan, config, env, "--parallelism", "10") > 0
    before = (config / MEMORY).read_text()
    assert _refused(run_flexplan, config, env, "--no-cache") > 0
    assert (config / MEMORY).read_text() == before


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b'{"format": 1, "accounts": {"%s": {"limit": "2", "learned_at": 1}}}',
        b'{"format": 1, "accounts": {"%s": {"limit": 2, "learned_at": %d}}} ',  # 2 days old
        b'{"format": 1, "accounts": {"%s": {"limit": 2, "learned_at": 1e999}}}',
    ],
    ids=["not-json", "not-utf8", "limit-text", "expired", "inf"],
)
def test_a_bad_or_stale_file_is_ignored_and_replaced(
    content: bytes, limited: tuple[Path, dict[str, str]], sandbox: SandboxServer,
    run_flexplan: Any,
) -> None:  # fmt: skip
    config, env = limited
    if b"%s" in content:
        values: tuple[Any, ...] = (sandbox.account_sid.encode(),)
        if b"%d" in content:
            old = content.endswith(b" ")  # the expired one
            values += (int(time.time() - (2 * 86400 if old else 0)),)
        content = content % values
    (config / MEMORY).write_bytes(content)
    assert _refused(run_flexplan, config, env) > 0, "started as without memory"
    entry = json.loads((config / MEMORY).read_text())["accounts"][sandbox.account_sid]
    assert 1 <= entry["limit"] < FIRST_WINDOW and abs(time.time() - entry["learned_at"]) < 600
