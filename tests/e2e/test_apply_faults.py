"""Apply against an unreliable API: retries, no duplicates, exact reports, convergence.

With 20% of requests answered 500/503 or dropped (seeded) and a concurrency
limit answering 429, an apply either completes or stops with a report whose
every line is true of the account; re-running converges within three re-runs
to a clean plan, and no resource exists twice. A create whose answer is lost
after Twilio carried it out is found again by its natural key, not repeated.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from applykit import CLEAN, assert_sane, duplicates, resource_count, write_config
from plankit import warnings

from flexplan.sandbox.faults import Faults, FaultSettings

FLOWS, ADDRESSES, HANDLERS = 4, 8, 3


def _definition(i: int) -> dict[str, Any]:
    trigger = [
        {"event": "incomingMessage", "next": "to_agent"},
        {"event": "incomingConversationMessage", "next": "to_agent"},
        {"event": "incomingCall"},
        {"event": "incomingRequest"},
    ]
    agent = {
        "offset": {"x": 0, "y": 200},
        "workflow": "WW" + "0" * 32,
        "channel": "TC" + "0" * 32,
        "attributes": f'{{"n": {i}}}',
    }
    return {
        "initial_state": "Trigger",
        "states": [
            {"name": "Trigger", "type": "trigger", "transitions": trigger,
             "properties": {"offset": {"x": 0, "y": 0}}},
            {"name": "to_agent", "type": "send-to-flex", "properties": agent,
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}]},
        ],
    }  # fmt: skip


def _manifest() -> str:
    flows = {
        f"flow-{i}": {"friendly_name": f"Faulty Flow {i}", "status": "published",
                      "definition": _definition(i)}
        for i in range(FLOWS)
    }  # fmt: skip
    addresses = {
        f"address-{i}": {
            "type": "sms",
            "address": f"+1555000{i:04d}",
            "friendly_name": f"Faulty {i}",
            "auto_creation": {
                "enabled": True,
                "type": "studio",
                "studio_flow": f"flow-{i % FLOWS}",
            },
        }
        for i in range(ADDRESSES)
    }
    handlers = {
        f"handler-{i}": {
            "friendly_name": f"Faulty Handler {i}",
            "channel_type": "custom",
            "contact_identity": f"faulty-{i}",
            "chat_service": "Flex Chat Service",
            "enabled": True,
            "integration": {"type": "external", "url": f"https://hooks.example.com/{i}"},
        }
        for i in range(HANDLERS)
    }
    configs = {"sms": {"attachments": {"max_file_size": "1MiB"}},
               "web": {"attachments": {"enabled": False}}}  # fmt: skip
    return yaml.safe_dump(
        {"version": 1, "studio_flows": flows, "conversations_addresses": addresses,
         "flex_flows": handlers, "channel_configs": configs}, sort_keys=False
    )  # fmt: skip


ACTIONS = FLOWS + ADDRESSES + HANDLERS + 2
# no lag in these runs: a short look-up window after an unknown outcome is enough
FAST_RETRIES = {"FLEXPLAN_RETRY_DELAY": "0.01", "FLEXPLAN_LOOKUP_WINDOW": "0.2"}


def _check_report(stdout: str, sandbox: Any) -> None:
    """Every line of a failure report is true of the account, and every action is named."""
    report = stdout[stdout.index("Apply failed:") :]
    sections: dict[str, list[str]] = {}
    current = ""
    for line in report.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            current = line[:-1]
        elif line.startswith("  - "):
            sections.setdefault(current, []).append(line[4:])
    named = [item.split(":")[0].split(" ")[1] for items in sections.values() for item in items]
    shown = set(re.findall(r"^  # (\S+) will be", stdout, re.M))
    assert sorted(named) == sorted(shown), "each planned action is done, failed or not attempted"
    for item in sections.get("Failed", []):
        pattern = r"failed: (Twilio error \d+ \(HTTP \d+\): .+|.+ \(\d+ tr(y|ies) in )"
        assert re.search(pattern, item), item
    names = _live_names(sandbox)
    for section, exists in (("Done", True), ("Not attempted", False)):
        for item in sections.get(section, []):
            action, address = item.split(" ")[:2]
            if action == "create" and not address.startswith("channel_config"):
                assert (_label(address) in names) is exists, (section, address)


def _live_names(sandbox: Any) -> set[str]:
    store = sandbox.store
    names = {f["friendly_name"] for f in store.items("studio_flows")}
    names |= {f["friendly_name"] for f in store.items("flex_flows")}
    return names | {a["friendly_name"] for a in store.items("addresses")}


def _label(address: str) -> str:
    kind, name = address.split(".")
    number = name.rsplit("-", 1)[1]
    prefix = {"studio_flow": "Faulty Flow", "flex_flow": "Faulty Handler",
              "conversations_address": "Faulty"}[kind]  # fmt: skip
    return f"{prefix} {number}"


@pytest.mark.parametrize(
    "deadline",
    [
        # the default deadline, 20% 500/503/dropped plus 429s from a concurrency limit
        pytest.param(
            "120",
            marks=pytest.mark.sandbox_knobs(
                fail_rate=0.2, seed=7, concurrency_limit=3, latency_ms=20
            ),
            id="default-retries",
        ),
        # a deadline of a few tries, so that runs stop part-way and report
        pytest.param(
            "1", marks=pytest.mark.sandbox_knobs(fail_rate=0.2, seed=13), id="short-deadline"
        ),
    ],
)
def test_faults_converge_without_duplicates(
    deadline: str, tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = write_config(tmp_path / "cfg", _manifest())
    env = {**sandbox_env, **FAST_RETRIES, "FLEXPLAN_REQUEST_DEADLINE": deadline}
    before = resource_count(sandbox)
    runs = []
    for _ in range(4):  # the first apply and at most three re-runs
        result = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "8",
                              env=env)  # fmt: skip
        assert_sane(result, env)
        runs.append(result)
        assert duplicates(sandbox) == {}
        if result.exit_code == 0:
            break
        assert result.exit_code == 1, result
        if "Apply failed:" in result.stdout:
            _check_report(result.stdout, sandbox)
        else:  # stopped while reading the account: one clear message, nothing written
            message = warnings(result.stderr)
            assert message.startswith("error: ") or ": error: " in message, result
    assert runs[-1].exit_code == 0, runs
    stats = sandbox.stats()
    assert stats["faults"], "faults were injected"
    if deadline == "120":
        assert stats["by_status"].get("429"), "the concurrency limit answered 429"

    sandbox._app.faults = Faults(FaultSettings())  # check the result on a quiet API
    assert duplicates(sandbox) == {}
    assert resource_count(sandbox) == before + FLOWS + ADDRESSES + HANDLERS
    clean = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert clean.exit_code == 0, clean
    assert clean.stdout.rstrip().endswith(CLEAN)
    outcomes = ["report" if "Apply failed:" in r.stdout else r.stderr[:80] or "ok" for r in runs]
    print(f"deadline {deadline}: runs {outcomes}; faults {stats['faults']}")


LOST = {
    "address": ("/conversations/v1/Configuration/Addresses", "conversations_address"),
    "studio": ("/studio/v2/Flows", "studio_flow"),
    "flex_flow": ("/flex-api/v1/FlexFlows", "flex_flow"),
}


@pytest.mark.parametrize("kind", sorted(LOST))
def test_create_whose_answer_is_lost_is_not_repeated(
    kind: str, tmp_path: Path, sandbox, sandbox_env, run_flexplan, monkeypatch
) -> None:
    """The POST reaches Twilio and is carried out; the answer never comes back."""
    path, type_name = LOST[kind]
    config = write_config(tmp_path / "cfg", _manifest())
    real = requests.Session.request
    lost: list[str] = []

    def request(self: requests.Session, method: str, url: str, *args: Any, **kw: Any) -> Any:
        response = real(self, method, url, *args, **kw)
        if method == "POST" and url.endswith(path) and not lost:
            lost.append(url)
            raise requests.ConnectionError("Connection aborted: RemoteDisconnected")
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    env = {**sandbox_env, **FAST_RETRIES}
    result = run_flexplan("apply", str(config), "--auto-approve", env=env)
    assert lost, "the test lost one answer"
    assert result.exit_code == 0, result
    assert f"Apply complete: {ACTIONS - 2} added, 2 changed" in result.stdout
    found_again = rf"^{type_name}\.\S+: Creation complete after .* \[sid=\w+\] \(1 retry\)$"
    assert len(re.findall(found_again, result.stdout, re.M)) == 1, result.stdout
    assert duplicates(sandbox) == {}
    posts = [r for r, n in sandbox.stats()["requests"].items() if r.startswith("POST")]
    created = sum(sandbox.stats()["requests"][r] for r in posts if r.endswith(path))
    assert created == {"address": ADDRESSES, "studio": FLOWS, "flex_flow": HANDLERS}[kind]
    clean = run_flexplan("plan", str(config), env=sandbox_env)
    assert clean.stdout.rstrip().endswith(CLEAN), clean
