"""The sandbox's lagging reads and post-commit faults, through the real SDK and the CLI.

Reads see each create, update and delete only ``lag_seconds`` after it
(RJPearson94/terraform-provider-twilio#86: a 404 right after a create, stale
data after an update); writes always see the newest state.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

LAG = 0.6
DEFINITION = {"initial_state": "Trigger", "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [],
     "properties": {"offset": {"x": 0, "y": 0}}}]}  # fmt: skip


def _names(client: Any) -> list[str]:
    return [f.friendly_name for f in client.studio.v2.flows.stream()]


@pytest.mark.sandbox_knobs(lag_seconds=LAG)
def test_create_update_delete_become_visible_after_the_lag(sandbox, sandbox_client) -> None:
    flows = sandbox_client.studio.v2.flows
    created = flows.create(friendly_name="Lagging", status="draft", definition=DEFINITION)
    assert created.sid.startswith("FW")  # the write answer is the truth
    with pytest.raises(TwilioRestException) as missing:
        flows(created.sid).fetch()
    assert missing.value.status == 404
    assert "Lagging" not in _names(sandbox_client)
    time.sleep(LAG)
    assert flows(created.sid).fetch().friendly_name == "Lagging"

    flows(created.sid).update(status="published", friendly_name="Renamed")
    assert flows(created.sid).fetch().friendly_name == "Lagging"  # stale after an update
    time.sleep(LAG)
    assert flows(created.sid).fetch().friendly_name == "Renamed"

    flows(created.sid).delete()
    assert "Renamed" in _names(sandbox_client)  # still listed after the delete
    time.sleep(LAG)
    assert "Renamed" not in _names(sandbox_client)


@pytest.mark.sandbox_knobs(lag_seconds=LAG, lag_lists="empty")
def test_lists_come_back_empty_while_a_change_is_pending(sandbox, sandbox_client) -> None:
    before = _names(sandbox_client)
    assert before
    sandbox_client.studio.v2.flows.create(friendly_name="New", status="draft",
                                          definition=DEFINITION)  # fmt: skip
    assert _names(sandbox_client) == []
    time.sleep(LAG)
    assert _names(sandbox_client) == [*before, "New"]


@pytest.mark.sandbox_knobs(commit_502_rate=1.0, commit_fault_limit=1)
def test_a_write_answered_502_was_carried_out(sandbox, sandbox_client) -> None:
    with pytest.raises(TwilioRestException) as failed:
        sandbox_client.studio.v2.flows.create(friendly_name="Committed", status="draft",
                                              definition=DEFINITION)  # fmt: skip
    assert failed.value.status == 502
    assert "Committed" in _names(sandbox_client)
    assert sandbox.stats()["faults"] == {"commit-502": 1}


def test_serve_takes_the_lag_and_commit_fault_flags() -> None:
    command = [sys.executable, "-m", "flexplan", "sandbox", "serve", "--lag-seconds", "30",
               "--lag-lists", "stale", "--commit-502-rate", "1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = lines[0].split()[-1]
        env = dict(line.strip().removeprefix("export ").split("=", 1) for line in lines[3:6])
        auth = (env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
        addresses = url + "/conversations/v1/Configuration/Addresses"
        created = requests.post(addresses, auth=auth, timeout=5,
                                data={"Type": "sms", "Address": "+15550002"})  # fmt: skip
        assert created.status_code == 502  # carried out, answered 502
        listed = requests.get(addresses, auth=auth, timeout=5).json()["address_configurations"]
        assert "+15550002" not in [a["address"] for a in listed]  # and not visible for 30 s
        again = requests.post(addresses, auth=auth, timeout=5,
                              data={"Type": "sms", "Address": "+15550002"})  # fmt: skip
        assert again.status_code == 409  # but it exists
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.sandbox_knobs(lag_seconds=math.inf)
def test_a_held_lag_ends_when_the_test_says(sandbox, sandbox_client) -> None:
    """``lag_seconds=inf``: reads miss every change until ``catch_up``: at once, when a read
    answered stale is asked again, or from the n-th write on."""
    flows = sandbox_client.studio.v2.flows
    flows.create(friendly_name="Held", status="draft", definition=DEFINITION)
    assert "Held" not in _names(sandbox_client)
    sandbox.catch_up()
    assert "Held" in _names(sandbox_client)

    sandbox.catch_up(when_read_again=True)
    flows.create(friendly_name="Again", status="draft", definition=DEFINITION)
    assert flows(_sid(sandbox, "Held")).fetch().friendly_name == "Held"  # not stale: no end
    assert "Again" not in _names(sandbox_client)  # stale: remembered
    assert "Again" in _names(sandbox_client)  # the same read again: the lag has ended

    sandbox.catch_up(after_writes=2)
    flows.create(friendly_name="One", status="draft", definition=DEFINITION)
    assert "One" not in _names(sandbox_client)
    assert "One" not in _names(sandbox_client)  # without when_read_again, a read is no end
    flows.create(friendly_name="Two", status="draft", definition=DEFINITION)
    assert {"One", "Two"} <= set(_names(sandbox_client))


def _sid(sandbox: Any, name: str) -> str:
    return next(f["sid"] for f in sandbox.store.items("studio_flows") if f["friendly_name"] == name)
