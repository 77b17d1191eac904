"""``FLEXPLAN_RECORD=DIR`` and ``flexplan sandbox replay DIR`` (issue 11, item 10).

Recorded against the sandbox itself, a plan and an apply replay with no difference;
a tampered recording lists exactly what was changed; and nothing secret is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.sandbox import SandboxServer

HOOK_PASSWORD = "hunter2-Very-Secret"
MANIFEST = """
version: 1
studio_flows:
  greet:
    friendly_name: Recorded Flow
    status: published
    definition_file: flow.json
conversations_addresses:
  hook:
    type: sms
    address: "+15550001111"
    auto_creation:
      enabled: true
      type: webhook
      webhook_url: https://bot:${env:HOOK_PASSWORD}@hooks.example.com/in
      webhook_method: POST
"""


@pytest.fixture
def recorded(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> Path:
    from plankit import studio_flow, write_config

    config = write_config(tmp_path / "c", MANIFEST, {"flow.json": json.dumps(studio_flow("Hi"))})
    recording = tmp_path / "recording"
    env = {**sandbox_env, "FLEXPLAN_RECORD": str(recording), "HOOK_PASSWORD": HOOK_PASSWORD}
    assert run_flexplan("plan", str(config), env=env).exit_code == 0
    applied = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert applied.exit_code == 0, applied
    return recording


def _lines(recording: Path) -> list[tuple[Path, int, dict[str, Any]]]:
    return [
        (path, number, json.loads(line))
        for path in sorted(recording.glob("*.jsonl"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
    ]


def test_a_recorded_plan_and_apply_replay_with_no_difference(
    recorded: Path, run_flexplan: Any
) -> None:
    files = sorted(recorded.glob("*.jsonl"))
    assert len(files) == 2  # one per command
    methods = {exchange["method"] for _, _, exchange in _lines(recorded)}
    assert methods == {"GET", "POST", "DELETE"}  # DELETE: apply gives the account lock back
    result = run_flexplan("sandbox", "replay", str(recorded))
    assert result.exit_code == 0, result
    count = len(_lines(recorded))
    assert result.stdout == (f"Replayed {count} exchange(s): the sandbox answers as recorded.\n")


def test_a_tampered_recording_lists_each_difference(recorded: Path, run_flexplan: Any) -> None:
    lines = _lines(recorded)
    path, number, create = next(
        (p, n, e) for p, n, e in lines if e["method"] == "POST" and e["url"].endswith("/v2/Flows")
    )  # the create (plan also POSTs /v2/Flows/Validate)
    create["status"] = 200  # Twilio answered 201 Created; pretend it said 200
    path2, number2, listing = next(
        (p, n, e) for p, n, e in lines if e["method"] == "GET" and e["url"].endswith("/v2/Flows")
    )
    listing["body"]["meta"]["next_token"] = "x"  # a field the sandbox does not send
    for target, line, exchange in ((path, number, create), (path2, number2, listing)):
        text = target.read_text().splitlines()
        text[line - 1] = json.dumps(exchange)
        target.write_text("\n".join(text) + "\n")
    result = run_flexplan("sandbox", "replay", str(recorded))
    assert result.exit_code == 1, result
    assert result.stdout.splitlines()[:-1] == sorted(
        [
            f"{path.name}:{number} POST studio.twilio.com/v2/Flows: status 200 recorded, "
            "201 from the sandbox",
            f"{path2.name}:{number2} GET studio.twilio.com/v2/Flows: field meta.next_token "
            "(string) is missing from the sandbox's answer",
        ],
        key=lambda line: (line.split(":")[0], int(line.split(":")[1].split()[0])),
    )
    assert result.stdout.splitlines()[-1].endswith(": 2 difference(s).")


def test_no_secret_is_recorded(recorded: Path, sandbox: SandboxServer) -> None:
    text = "\n".join(p.read_text() for p in recorded.glob("*.jsonl"))
    for secret in (sandbox.auth_token, HOOK_PASSWORD, sandbox.account_sid):
        assert secret not in text
    assert "authorization" not in text.lower()
    hooks = [
        e["data"]["AutoCreation.WebhookUrl"]
        for _, _, e in _lines(recorded)
        if isinstance(e.get("data"), dict) and "AutoCreation.WebhookUrl" in e["data"]
    ]
    assert hooks == ["https://(redacted)@hooks.example.com/in"]


def test_scrub_removes_secret_fields_and_url_credentials() -> None:
    from flexplan.recording import REDACTED, scrub, scrub_url

    account = "AC" + "1" * 32
    data = {"AuthToken": "abc", "api_key": "k", "auth_sid": "XX" + "0" * 32,
            "nested": {"password": "p", "url": "https://u:p@h.example/x"},
            "account_sid": account, "enabled": True}  # fmt: skip
    assert scrub(data, account) == {
        "AuthToken": REDACTED, "api_key": REDACTED, "auth_sid": "XX" + "0" * 32,
        "nested": {"password": REDACTED, "url": f"https://{REDACTED}@h.example/x"},
        "account_sid": "AC" + "0" * 32, "enabled": True,
    }  # fmt: skip
    assert scrub_url("https://me:pw@api.example/v1/X?Token=t&PageSize=50") == (
        "https://api.example/v1/X?Token=%28redacted%29&PageSize=50"
    )


SECRET = "Zq8-secret-value-77"
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from([SECRET, f"https://u:{SECRET}@h.example/p", f"x{SECRET}y"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6) | st.sampled_from(["Token", "auth"]), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@given(_json)
@settings(max_examples=200, deadline=None)
def test_scrub_leaves_no_registered_secret_anywhere(value: Any) -> None:
    from flexplan.recording import scrub
    from flexplan.redact import register_secret

    register_secret(SECRET)
    assert SECRET not in json.dumps(scrub(value))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not a JSON line"),
        ("[1]", "not an exchange of a flexplan recording (not a JSON object)"),
        ('{"method": "GET", "status": 200}', "(no method and url)"),
        ('{"method": "GET", "url": "https://studio.twilio.com/v2/Flows", "status": "x"}',
         "(status is not a number)"),
    ],
)  # fmt: skip
def test_a_broken_recording_is_one_message(
    tmp_path: Path, run_flexplan: Any, line: str, problem: str
) -> None:
    (tmp_path / "a.jsonl").write_text(line + "\n")
    result = run_flexplan("sandbox", "replay", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output, result
    assert result.stderr.startswith(f"error: {tmp_path / 'a.jsonl'}:1: ")
    assert problem in result.stderr.splitlines()[0]
    assert run_flexplan("sandbox", "replay", str(tmp_path / "none")).stderr.startswith(
        "error: no recording in "
    )
