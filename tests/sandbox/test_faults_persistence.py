"""Fault knobs (reproducible by seed), persistence across restarts, the seed."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from flexplan.errors import FlexplanError
from flexplan.sandbox import SandboxServer, embedded_sandbox, running_sandbox
from flexplan.sandbox.seed import fresh_account
from flexplan.sandbox.store import Store
from flexplan.twilio_client import RetryPolicy, build_client, client_stats, credentials_from_env

from .helpers import raw

FAST_RETRY = RetryPolicy(deadline=5.0, base_delay=0.001, max_delay=0.01)


def _outcomes(server: SandboxServer, count: int) -> list[str]:
    outcomes = []
    for _ in range(count):
        try:
            with requests.Session() as session:
                response = session.get(
                    server.base_url + "/studio/v2/Flows",
                    timeout=5,
                    auth=(server.account_sid, server.auth_token),
                )
            outcomes.append(str(response.status_code))
        except requests.ConnectionError:
            outcomes.append("dropped")
    return outcomes


def test_faults_are_reproducible_by_seed() -> None:
    runs = []
    for _ in range(2):
        with running_sandbox(fail_rate=0.5, seed=7) as server:
            runs.append(_outcomes(server, 40))
    assert runs[0] == runs[1]
    assert {"200", "500", "503", "dropped"} <= set(runs[0])
    with running_sandbox(fail_rate=0.5, seed=8) as server:
        assert _outcomes(server, 40) != runs[0]


def test_latency_is_added() -> None:
    with running_sandbox(latency_ms=100) as server:
        started = time.monotonic()
        raw(server, "GET", "/studio/v2/Flows")
        assert time.monotonic() - started >= 0.1


def test_concurrency_limit_answers_429() -> None:
    with running_sandbox(latency_ms=200, concurrency_limit=2) as server:
        statuses: list[Any] = []
        threads = [
            threading.Thread(
                target=lambda: statuses.append(raw(server, "GET", "/chat/v2/Services"))
            )
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        limited = [r for r in statuses if r.status_code == 429]
        assert limited and len(statuses) - len(limited) >= 2
        assert limited[0].json()["code"] == 20429


def test_client_retries_gets_but_not_posts() -> None:
    with running_sandbox(fail_rate=0.6, drop_rate=0.0, seed=3) as server:
        client = build_client(
            credentials_from_env(server.credentials), api_base=server.base_url, retry=FAST_RETRY
        )
        for _ in range(5):
            assert len(client.studio.v2.flows.list()) == 3
        assert client_stats(client).retries > 0
    with running_sandbox(fail_rate=1.0, drop_rate=0.0) as server:
        client = build_client(
            credentials_from_env(server.credentials), api_base=server.base_url, retry=FAST_RETRY
        )
        with pytest.raises(TwilioRestException) as caught:
            client.conversations.v1.address_configurations.create(type="sms", address="+1555")
        assert caught.value.status in (500, 503)
        assert server.stats()["total"] == 1


def test_state_persists_across_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running_sandbox(state_file=state) as server:
        server.store.add_address(type="sms", address="+15551112222")
        client = build_client(credentials_from_env(server.credentials), api_base=server.base_url)
        client.conversations.v1.address_configurations.create(type="sms", address="+15553334444")
    assert json.loads(state.read_text())["format"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary files left
    with running_sandbox(state_file=state) as server:
        client = build_client(credentials_from_env(server.credentials), api_base=server.base_url)
        addresses = {
            a.address for a in client.conversations.v1.address_configurations.list(type="sms")
        }
        assert addresses == {"+15551112222", "+15553334444"}
        assert raw(server, "POST", "/__sandbox/reset").status_code == 200
        assert client.conversations.v1.address_configurations.list(type="sms") == []
    assert (
        json.loads(state.read_text())["addresses"].keys()
        == fresh_account(server.account_sid)["addresses"].keys()
    )


def test_state_file_of_another_account_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    Store(account_sid="AC" + "1" * 32, state_file=state)
    with pytest.raises(FlexplanError, match="holds account"):
        Store(account_sid="AC" + "2" * 32, state_file=state)
    state.write_text("{not json")
    with pytest.raises(FlexplanError, match="cannot read sandbox state"):
        Store(account_sid="AC" + "1" * 32, state_file=state)


def test_embedded_sandbox_keeps_state_in_the_project(tmp_path: Path) -> None:
    with embedded_sandbox(tmp_path) as server:
        server.store.add_address(type="email", address="help@example.com")
    with embedded_sandbox(tmp_path) as server:
        assert any(a["address"] == "help@example.com" for a in server.store.items("addresses"))
    assert (tmp_path / ".flexplan" / "sandbox.json").is_file()


def test_seed_and_sids_are_deterministic() -> None:
    one, two = (
        Store(account_sid="AC" + "1" * 32, seed=5),
        Store(account_sid="AC" + "1" * 32, seed=5),
    )
    assert one.state == two.state
    assert [one.new_sid("IG") for _ in range(3)] == [two.new_sid("IG") for _ in range(3)]
    assert Store(account_sid="AC" + "1" * 32, seed=6).new_sid("IG") != Store(
        account_sid="AC" + "1" * 32, seed=5
    ).new_sid("IG")


def test_stats_count_by_route_template(sandbox: SandboxServer, sandbox_client: Any) -> None:
    flow = sandbox_client.studio.v2.flows.list()[0].sid
    sandbox_client.studio.v2.flows(flow).fetch()
    stats = raw(sandbox, "GET", "/__sandbox/stats").json()
    assert stats["requests"] == {"GET /studio/v2/Flows": 1, "GET /studio/v2/Flows/{Sid}": 1}
    assert stats["total"] == 2 and stats["by_status"] == {"200": 2}
    assert stats["arrived"] == stats["requests"]


@pytest.mark.sandbox_knobs(latency_ms=1500)
def test_arrivals_are_counted_before_the_latency(sandbox: SandboxServer) -> None:
    """``arrived`` counts a request when it is received, ``requests`` once answered."""
    answered = threading.Thread(target=raw, args=(sandbox, "GET", "/chat/v2/Services"))
    answered.start()
    deadline = time.monotonic() + 30
    while not sandbox.stats()["arrived"] and time.monotonic() < deadline:
        time.sleep(0.01)
    in_flight = sandbox.stats()
    answered.join()
    assert in_flight["arrived"] == {"GET /chat/v2/Services": 1}
    assert in_flight["requests"] == {}  # still within its latency
    assert sandbox.stats()["requests"] == {"GET /chat/v2/Services": 1}


@pytest.mark.sandbox_knobs(latency_ms=50)
def test_fixture_takes_knobs(sandbox: SandboxServer) -> None:
    started = time.monotonic()
    raw(sandbox, "GET", "/chat/v2/Services")
    assert time.monotonic() - started >= 0.05


def test_bad_account_sid_is_refused() -> None:
    with pytest.raises(FlexplanError, match="AC \\+ 32 hex"):
        SandboxServer(account_sid="ACnope")


@pytest.mark.sandbox_knobs(drop_fields={"friendly_name"}, fail_routes={"POST /studio/v2/Flows"})
def test_proxy_knobs_drop_fields_and_fail_named_routes(sandbox, sandbox_client) -> None:
    """``drop_fields`` strips GET answers (lists and fetches) only; ``fail_routes`` answers 500."""
    flows = list(sandbox_client.studio.v2.flows.stream())
    assert len(flows) == 3 and all(f.friendly_name is None and f.sid for f in flows)
    assert sandbox_client.studio.v2.flows(flows[0].sid).fetch().friendly_name is None
    assert {f["friendly_name"] for f in sandbox.store.items("studio_flows")} >= {"Voice IVR"}
    with pytest.raises(TwilioRestException) as failed:
        sandbox_client.studio.v2.flows.create(
            friendly_name="X", status="draft", definition={"states": []}
        )
    assert failed.value.status == 500
    assert len(sandbox.store.items("studio_flows")) == 3
    sandbox.faults.drop_fields.clear()
    assert {f.friendly_name for f in sandbox_client.studio.v2.flows.stream()} >= {"Voice IVR"}
