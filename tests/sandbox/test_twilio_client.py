"""flexplan.twilio_client: credentials, URL rewrite, retries, secrecy."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from flexplan.errors import FlexplanError
from flexplan.redact import redact
from flexplan.twilio_client import (
    RetryPolicy,
    TransportError,
    _retry_after,
    build_client,
    client_stats,
    credentials_from_env,
    rewrite_url,
)

SID = "AC" + "a" * 32
KEY = "SK" + "b" * 32
TOKEN = "tok" + "c" * 29
SECRET = "sec" + "d" * 29


def test_api_key_wins_over_auth_token() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_KEY": KEY,
        "TWILIO_API_SECRET": SECRET,
    }
    creds = credentials_from_env(env)
    assert (creds.username, creds.secret, creds.account_sid) == (KEY, SECRET, SID)
    token_only = credentials_from_env(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_EDGE": "dublin"}
    )
    assert (token_only.username, token_only.edge) == (SID, "dublin")


def test_secrets_never_shown() -> None:
    creds = credentials_from_env(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET}
    )
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    assert redact(f"oops {SECRET}") == "oops (sensitive)"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": SID}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY}, "TWILIO_API_SECRET"),
        (
            {"TWILIO_ACCOUNT_SID": "ACnope", "TWILIO_AUTH_TOKEN": TOKEN},
            "TWILIO_ACCOUNT_SID is malformed",
        ),
        (
            {
                "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_API_KEY": "x" + SECRET,
                "TWILIO_API_SECRET": SECRET,
            },
            "TWILIO_API_KEY is malformed",
        ),
    ],
)
def test_missing_or_malformed_credentials_name_the_variables(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(FlexplanError) as caught:
        credentials_from_env(env)
    text = caught.value.message + (caught.value.hint or "")
    assert named in text and SECRET not in text
    assert "TWILIO_API_KEY" in text and "TWILIO_AUTH_TOKEN" in text


def test_rewrite_keeps_path_and_query() -> None:
    url = "https://flex-api.twilio.com/v1/FlexFlows?PageSize=50&Page=1&PageToken=PAx"
    assert (
        rewrite_url(url, "http://127.0.0.1:9/")
        == "http://127.0.0.1:9/flex-api/v1/FlexFlows?PageSize=50&Page=1&PageToken=PAx"
    )
    assert (
        rewrite_url("https://studio.dublin.ie1.twilio.com/v2/Flows", "http://h")
        == "http://h/studio/v2/Flows"
    )
    assert rewrite_url(url, None) == url


def test_api_base_with_credentials_is_refused() -> None:
    creds = credentials_from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})
    with pytest.raises(FlexplanError, match="must not contain credentials"):
        build_client(creds, api_base="http://user:pw@127.0.0.1:1")
    with pytest.raises(FlexplanError, match="not an http"):
        build_client(creds, api_base="ftp://x")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_host_retries_even_posts_and_reports_cleanly() -> None:
    creds = credentials_from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})
    retry = RetryPolicy(deadline=0.3, base_delay=0.001, max_delay=0.002)
    client = build_client(creds, api_base=f"http://127.0.0.1:{_closed_port()}", retry=retry)
    with pytest.raises(TransportError) as caught:
        client.conversations.v1.address_configurations.create(type="sms", address="+1")
    message = caught.value.message
    assert "could not connect" in message and "request deadline 0.3 s" in message
    assert TOKEN not in message and not caught.value.may_have_happened
    assert client_stats(client).as_dict()["retries"] >= 2


def test_retry_after_is_honoured() -> None:
    creds = credentials_from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})
    http_client = build_client(creds, api_base="http://127.0.0.1:1").http_client
    assert http_client._delay(0, _retry_after({"Retry-After": "2"})) == 2.0
    assert 0 <= http_client._delay(3, _retry_after({})) <= RetryPolicy().max_delay


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "-inf"])
def test_an_unusable_retry_after_means_backoff_not_a_retry_at_once(value: str) -> None:
    """RFC 9110 section 10.2.3: delay-seconds (digits) or an HTTP-date. A negative or NaN
    number was read as 0 s (retried at once, no backoff), an infinite one as a wait."""
    assert _retry_after({"Retry-After": value}) is None


@pytest.mark.parametrize("form", ["%a, %d %b %Y %H:%M:%S -0000", "%a %b %d %H:%M:%S %Y"])
def test_an_http_date_retry_after_is_gmt_whatever_the_local_zone(
    form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTP-date is always GMT (RFC 9110 section 5.6.7), its asctime form and a "-0000"
    zone included; they were read as local time (hours off away from UTC)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        value = time.strftime(form, time.gmtime(time.time() + 30))
        asked = _retry_after({"Retry-After": value})
    finally:
        monkeypatch.undo()
        time.tzset()
    assert asked is not None and 20 <= asked <= 31


def test_the_request_gate_cuts_once_per_window_on_429_and_grows_back() -> None:
    from flexplan.throttle import RequestGate

    gate = RequestGate(10)
    sent = [gate.acquire() for _ in range(10)]  # ten in flight, all in the first window
    for generation in sent:  # every one of them refused: one cut, not ten
        gate.release(generation, throttled=True, succeeded=False)
    assert (gate.window, gate.cuts) == (7.0, 1)
    second = [gate.acquire() for _ in range(7)]
    gate.release(second[0], throttled=True, succeeded=False)  # sent after the cut: cuts again
    assert gate.cuts == 2 and round(gate.window, 2) == 4.9
    for generation in second[1:]:
        gate.release(generation, throttled=False, succeeded=True)
    assert 4.9 < gate.window < 6.2, "additive increase: about one per window of successes"
    for _ in range(200):
        gate.release(gate.acquire(), throttled=False, succeeded=True)
    assert gate.window == 10.0, "back to the ceiling, never above it"


def test_a_fixed_gate_never_moves() -> None:
    from flexplan.throttle import RequestGate

    gate = RequestGate(4, adaptive=False)
    gate.release(gate.acquire(), throttled=True, succeeded=False)
    assert (gate.window, gate.cuts) == (4.0, 0)


def _with_waiters(gate: Any, count: int) -> list[threading.Thread]:
    """``count`` threads blocked in ``gate.acquire`` (each releases its slot at once)."""

    def one_request() -> None:
        gate.release(gate.acquire(), throttled=False, succeeded=True)

    threads = [threading.Thread(target=one_request) for _ in range(count)]
    for thread in threads:
        thread.start()
    while len(gate._waiting) < count:
        time.sleep(0.001)
    return threads


def test_the_gate_starts_low_and_doubles_each_window_until_the_first_429() -> None:
    """Slow start: a high ceiling is reached in a few windows, not tried at once."""
    from flexplan.throttle import FIRST_WINDOW, RequestGate

    gate = RequestGate(64)
    assert gate.window == FIRST_WINDOW
    first = [gate.acquire() for _ in range(FIRST_WINDOW)]
    waiting = _with_waiters(gate, 200)  # more requests than the window lets in
    for generation in first:
        gate.release(generation, throttled=False, succeeded=True)
    for thread in waiting:
        thread.join(timeout=5)
    assert gate.window == 64.0, "doubling while requests wait: up to the ceiling, not above"
    full = [gate.acquire() for _ in range(64)]
    gate.release(full.pop(), throttled=True, succeeded=False)
    assert gate.window == 64 * 0.7 and not gate.slow_start
    for generation in full:
        gate.release(generation, throttled=False, succeeded=True)
    for _ in range(44):
        gate.release(gate.acquire(), throttled=False, succeeded=True)
    # 107 successes since the cut: about 2.4 windows of 45, not 107 more requests
    assert 47 < gate.window < 48, "after a 429, growth is one per window again"


def test_slow_start_never_grows_a_window_no_request_waits_for() -> None:
    """A chain of single requests says nothing about how many the account allows."""
    from flexplan.throttle import FIRST_WINDOW, RequestGate

    gate = RequestGate(64)
    for _ in range(100):
        gate.release(gate.acquire(), throttled=False, succeeded=True)
    assert gate.window == FIRST_WINDOW


def test_the_gate_learns_the_accounts_limit_from_a_refusal_and_probes_it_rarely() -> None:
    from flexplan.throttle import PATIENCE, RequestGate

    gate = RequestGate(64, first_window=20)
    held = [gate.acquire() for _ in range(10)]  # ten in flight and answered
    gate.release(gate.acquire(), throttled=True, succeeded=False)  # the eleventh refused
    assert gate.limit == 10 and gate.window == 10.0, "the account allows ten"
    for generation in held:
        gate.release(generation, throttled=False, succeeded=True)
    for _ in range(PATIENCE * 10 - 1 - len(held)):
        gate.release(gate.acquire(), throttled=False, succeeded=True)
    assert gate.window == 10.0, "at the limit for PATIENCE windows"
    gate.release(gate.acquire(), throttled=False, succeeded=True)
    assert gate.limit == 11 and gate.window > 10.0, "then one more is tried"


def _holding_waiters(gate: Any, count: int) -> tuple[list[threading.Thread], threading.Event]:
    """``count`` threads blocked in ``gate.acquire``; once let in, each holds its slot
    until the event is set, then releases it as a success."""
    done = threading.Event()

    def one_request() -> None:
        generation = gate.acquire()
        done.wait(timeout=10)
        gate.release(generation, throttled=False, succeeded=True)

    threads = [threading.Thread(target=one_request) for _ in range(count)]
    for thread in threads:
        thread.start()
    while len(gate._waiting) < count:
        time.sleep(0.001)
    return threads, done


def test_slow_start_tries_at_most_half_again_what_the_account_answered_at_once() -> None:
    """Each request refused above the account's limit waits the server's Retry-After:
    slow start lets in half again the most requests answered at once, not twice."""
    from flexplan.throttle import FIRST_WINDOW, RequestGate

    gate = RequestGate(64)
    first = [gate.acquire() for _ in range(FIRST_WINDOW)]
    threads, done = _holding_waiters(gate, 100)
    for generation in first:  # the first window answered: ten at once are fine
        gate.release(generation, throttled=False, succeeded=True)
    assert (gate.window, gate.in_flight) == (15, 15), "half again the ten answered, not 20"
    done.set()
    for thread in threads:
        thread.join(timeout=10)


def test_a_refused_try_above_the_learned_limit_doubles_the_patience() -> None:
    """Each try of one request more than the account's limit costs a refusal (and its
    Retry-After): after a refused try, the gate waits twice as many windows to try again."""
    from flexplan.throttle import PATIENCE, RequestGate

    gate = RequestGate(64, first_window=20)
    held = [gate.acquire() for _ in range(10)]
    gate.release(gate.acquire(), throttled=True, succeeded=False)  # the eleventh: refused
    for generation in held:
        gate.release(generation, throttled=False, succeeded=True)
    waits = []
    for _ in range(2):
        successes = 0
        while gate.limit == 10 and successes < 1000:  # at the limit, then one more is tried
            gate.release(gate.acquire(), throttled=False, succeeded=True)
            successes += 1
        waits.append(successes)
        while gate.window < 11:
            gate.release(gate.acquire(), throttled=False, succeeded=True)
        eleven = [gate.acquire() for _ in range(11)]
        gate.release(eleven.pop(), throttled=True, succeeded=False)  # the try: refused
        for generation in eleven:
            gate.release(generation, throttled=False, succeeded=True)
        assert gate.limit == 10
    assert waits[1] >= 2 * PATIENCE * 10, "the second try waits twice as many windows"


def test_a_waiting_list_page_goes_before_waiting_single_requests() -> None:
    from flexplan.throttle import LIST_PAGE, SINGLE, RequestGate

    gate = RequestGate(1, adaptive=False)
    holder = gate.acquire()
    order: list[str] = []

    def request(name: str, priority: int) -> None:
        generation = gate.acquire(priority)
        order.append(name)
        gate.release(generation, throttled=False, succeeded=True)

    threads = []
    for name, priority in (("single 1", SINGLE), ("single 2", SINGLE), ("page", LIST_PAGE)):
        threads.append(threading.Thread(target=request, args=(name, priority)))
        threads[-1].start()
        while len(gate._waiting) < len(threads):  # queued, in this order
            time.sleep(0.001)
    gate.release(holder, throttled=False, succeeded=True)
    for thread in threads:
        thread.join(timeout=5)
    assert order == ["page", "single 1", "single 2"]


@pytest.mark.parametrize(
    ("url", "params", "is_page"),
    [
        ("https://studio.twilio.com/v2/Flows", {"PageSize": 1000}, True),
        ("https://studio.twilio.com/v2/Flows?PageSize=50&Page=1&PageToken=PAFW1", None, True),
        ("https://studio.twilio.com/v2/Flows/FW" + "1" * 32, None, False),
        ("https://studio.twilio.com/v2/Flows/FW" + "1" * 32, {}, False),
    ],
)
def test_list_pages_are_told_from_single_requests(
    url: str, params: dict[str, object] | None, is_page: bool
) -> None:
    from flexplan.twilio_client import _is_list_page

    assert _is_list_page("GET", url, params) is is_page
    assert _is_list_page("POST", url, params) is False


def test_one_parallelism_setting_is_the_gates_ceiling() -> None:
    from flexplan.throttle import PARALLELISM
    from flexplan.twilio_client import request_gate, request_slots

    creds = credentials_from_env({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})
    client = build_client(creds, api_base="http://127.0.0.1:1")
    assert request_slots(client) == request_gate(client).ceiling == PARALLELISM.default
    assert not hasattr(client.http_client, "parallelism")


def test_retry_settings_come_from_the_environment() -> None:
    from flexplan.throttle import policy_from_env

    policy = policy_from_env(
        {"FLEXPLAN_REQUEST_DEADLINE": "7", "FLEXPLAN_ATTEMPT_TIMEOUT": "2",
         "FLEXPLAN_RETRY_DELAY": "0.5", "FLEXPLAN_ADAPTIVE_CONCURRENCY": "false"}
    )  # fmt: skip
    assert (policy.deadline, policy.attempt_timeout, policy.base_delay, policy.max_delay,
            policy.adaptive) == (7.0, 2.0, 0.5, 16.0, False)  # fmt: skip
    with pytest.raises(FlexplanError, match="FLEXPLAN_ADAPTIVE_CONCURRENCY must be true or false"):
        policy_from_env({"FLEXPLAN_ADAPTIVE_CONCURRENCY": "maybe"})


def test_only_studios_validate_is_a_post_retried_as_a_read() -> None:
    from flexplan.twilio_client import _retried_as

    assert _retried_as("POST", "https://studio.twilio.com/v2/Flows/Validate") == "GET"
    assert _retried_as("POST", "https://studio.dublin.ie1.twilio.com/v2/Flows/Validate") == "GET"
    assert _retried_as("POST", "https://studio.twilio.com/v2/Flows") == "POST"  # a create
    assert _retried_as("POST", "https://flex-api.twilio.com/v2/Flows/Validate") == "POST"
    assert _retried_as("DELETE", "https://studio.twilio.com/v2/Flows/Validate") == "DELETE"
    assert _retried_as("GET", "https://studio.twilio.com/v2/Flows") == "GET"
