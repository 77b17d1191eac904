"""``Memo.get`` is single-flight: while one thread builds a key, the others asking for it
wait for that value (or that failure) instead of building it again.

The threads meet deterministically: the key tells when a thread has looked it up (its
hash is taken under the memo's lock, where a waiter also joins the build in flight), and
the build holds until every other thread has; no sleep decides anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from flexplan.plantypes import Memo

WAIT = 10.0  # seconds before a thread that never comes is a failure, not a hang
WAITERS = 3


class Probe:
    """A key that tells which threads have looked it up."""

    def __init__(self) -> None:
        self.looked_up: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def seen_by(self, name: str) -> threading.Event:
        with self._lock:
            return self.looked_up.setdefault(name, threading.Event())

    def __hash__(self) -> int:
        self.seen_by(threading.current_thread().name).set()
        return 7


class Build:
    """A build that counts its calls and holds until released."""

    def __init__(self, outcome: Callable[[], Any]) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self._outcome = outcome
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the build"
        return self._outcome()


def _race(memo: Memo, key: Probe, build: Build) -> list[tuple[str, Any]]:
    """One thread builds ``key``; WAITERS more ask for it while it builds; every outcome."""
    outcomes: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def ask() -> None:
        try:
            result: tuple[str, Any] = ("value", memo.get(key, build))
        except Exception as exc:  # the outcome is what the test checks
            result = ("error", exc)
        with lock:
            outcomes.append(result)

    builder = threading.Thread(target=ask, name="builder")
    builder.start()
    assert build.started.wait(WAIT)
    waiters = [threading.Thread(target=ask, name=f"waiter-{i}") for i in range(WAITERS)]
    for thread in waiters:
        thread.start()
    for thread in waiters:  # each has looked the key up while the build is in flight
        assert key.seen_by(thread.name).wait(WAIT)
    build.release.set()
    for thread in [builder, *waiters]:
        thread.join(WAIT)
        assert not thread.is_alive()
    return outcomes


def test_threads_asking_for_a_key_in_flight_get_the_one_build() -> None:
    memo, key = Memo(), Probe()
    build = Build(object)
    outcomes = _race(memo, key, build)
    assert build.calls == 1
    assert len(outcomes) == 1 + WAITERS
    values = {id(value) for kind, value in outcomes if kind == "value"}
    assert len(values) == 1 and all(kind == "value" for kind, _ in outcomes), outcomes
    assert id(memo.get(key, lambda: pytest.fail("built again"))) in values


def test_a_failed_build_reaches_every_waiter_and_is_not_kept() -> None:
    memo, key = Memo(), Probe()

    def fail() -> Any:
        raise LookupError("the listing failed")

    build = Build(fail)
    outcomes = _race(memo, key, build)
    assert build.calls == 1
    assert [kind for kind, _ in outcomes] == ["error"] * (1 + WAITERS)
    assert {str(error) for _, error in outcomes} == {"the listing failed"}
    assert memo.get(key, lambda: "built again") == "built again"  # a later ask builds anew


def test_a_build_that_asks_for_its_own_key_fails_instead_of_waiting_for_itself() -> None:
    memo = Memo()
    outcome: list[BaseException] = []

    def build() -> int:
        return memo.get("key", build) + 1

    def ask() -> None:
        try:
            memo.get("key", build)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the build waited for itself"
    assert len(outcome) == 1 and type(outcome[0]) is RuntimeError
    assert "asks for its own value" in str(outcome[0])
    assert memo.get("key", lambda: 5) == 5  # the failed build was not kept
