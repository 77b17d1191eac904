"""The cycle collector's pause is shared: a plan loads its manifest in one thread while
another reads the account, and each pauses the (process-wide) collector."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from flexplan.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_comes_back_only_when_the_last_overlapping_user_ends() -> None:
    """The order the manifest's load and the plan's read overlap in: the load starts
    first and ends first, the read goes on (the old pair of isenabled/disable pauses
    switched the collector back on here, in the middle of the read)."""
    load_started, load_may_end, load_ended = threading.Event(), threading.Event(), threading.Event()

    def load() -> None:
        with collector_paused():
            load_started.set()
            load_may_end.wait()
        load_ended.set()

    loading = threading.Thread(target=load)
    loading.start()
    load_started.wait()
    with collector_paused():  # the read
        load_may_end.set()
        load_ended.wait()
        assert not gc.isenabled()
    loading.join()
    assert gc.isenabled()


def test_nested_pauses_and_a_collector_already_off_are_left_as_they_were() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()  # off before: not switched on by the pause


def test_a_failing_user_still_ends_its_pause() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
