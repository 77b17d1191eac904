"""One shared pause of CPython's cycle collector, for the phases that build large heaps.

Loading a manifest and computing a plan make many long-lived objects and few
reference cycles, so the collector's full passes rescan the same large heap
again and again (benchmarks/README.md: a fifth of plan time; validation grew
faster than linearly). ``gc.disable`` is process-wide, and a plan loads its
manifest in one thread while another reads the account, so the pause is
counted: it starts with the first user, and the collector is enabled again
only when the last one ends (and only if it was enabled when the first began).
Reference counting still frees everything acyclic; cycles are collected as
usual afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_users = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection while any ``with collector_paused()`` block runs (any thread)."""
    global _users, _was_enabled
    with _lock:
        if _users == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _was_enabled:
                gc.enable()
