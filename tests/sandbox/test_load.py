"""Bounded load on loopback: 20 clients x 500 requests with faults on.

The server must keep answering, its state file must stay valid JSON, and no
request may hang past its timeout.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import requests

from flexplan.sandbox import running_sandbox

CLIENTS, REQUESTS, TIMEOUT = 20, 500, 5.0
READS = (
    "/flex-api/v1/FlexFlows",
    "/studio/v2/Flows",
    "/conversations/v1/Configuration/Addresses?Type=sms",
    "/taskrouter/v1/Workspaces",
    "/flex-api/v1/Configuration",
)


def _client(
    base: str, auth: tuple[str, str], number: int, tally: Counter[str], lock: threading.Lock
) -> None:
    seen: Counter[str] = Counter()
    session = requests.Session()
    for i in range(REQUESTS):
        try:
            if i % 10 == 0:
                data = {"Type": "sms", "Address": f"+1555{number:03d}{i:04d}"}
                response = session.post(
                    base + "/conversations/v1/Configuration/Addresses",
                    data=data,
                    auth=auth,
                    timeout=TIMEOUT,
                )
            else:
                response = session.get(base + READS[i % len(READS)], auth=auth, timeout=TIMEOUT)
            seen[str(response.status_code)] += 1
        except requests.Timeout:
            seen["timeout"] += 1  # hung past its timeout: the test fails on any
            session = requests.Session()
        except requests.RequestException:
            # a connection dropped by the fault knob: refused, reset, or cut mid-answer
            seen["dropped"] += 1
            session = requests.Session()
    with lock:
        tally.update(seen)


def _still_answers(url: str, auth: tuple[str, str]) -> requests.Response:
    """An HTTP answer after the load; faults are still on, so a try may be dropped."""
    for _ in range(10):
        try:
            return requests.get(url, auth=auth, timeout=TIMEOUT)
        except requests.ConnectionError:
            continue
    raise AssertionError("the server stopped answering after the load")


def test_twenty_clients_ten_thousand_requests_with_faults(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    tally: Counter[str] = Counter()
    lock = threading.Lock()
    with running_sandbox(state_file=state, fail_rate=0.03, concurrency_limit=16, seed=11) as server:
        auth = (server.account_sid, server.auth_token)
        threads = [
            threading.Thread(target=_client, args=(server.base_url, auth, n, tally, lock))
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a client hung"
        assert server.stats()["total"] >= CLIENTS * REQUESTS * 0.98
        after = _still_answers(server.base_url + "/studio/v2/Flows", auth)
    assert sum(tally.values()) == CLIENTS * REQUESTS
    assert tally["timeout"] == 0, "a request hung past its timeout"
    assert tally["200"] + tally["201"] > CLIENTS * REQUESTS * 0.3
    answers = {k for k, n in tally.items() if n}
    assert {"500", "503", "dropped"} <= answers <= {"200", "201", "429", "500", "503", "dropped"}
    assert after.status_code in (200, 500, 503)
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert len(saved["addresses"]) == 1 + tally["201"]
