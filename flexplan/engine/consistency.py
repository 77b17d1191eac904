"""Reads that lag behind writes: the bounded windows flexplan waits in, and a poll helper.

Twilio's reads can lag behind its writes: Studio answered 404 right after a
create and stale data after an update (RJPearson94/terraform-provider-twilio#86).
flexplan never trusts a single read where only lag could explain what it sees:

- ``lookup``: after a create whose outcome is unknown (a 5xx, a timeout, a lost
  answer), the natural key is looked up again for up to this long before the
  create is sent again (engine/duplicates.py);
- ``verify``: at the end of apply, the lists of the kinds it created are re-read
  until every SID the write answers gave is visible, for up to this long, to find
  copies this run made (engine/duplicates.py);
- ``catch_up``: a plan whose changes only a lagging read explains (journal.py)
  re-reads the account for up to this long before saying it has not caught up.

- ``horizon``: only writes younger than this are ever taken for lag; after it, what
  the account shows is what the plan shows, whatever the journal says.

``FLEXPLAN_LOOKUP_WINDOW``, ``FLEXPLAN_VERIFY_WINDOW``, ``FLEXPLAN_CATCH_UP_WINDOW``
and ``FLEXPLAN_LAG_HORIZON`` (seconds) change them (tests use short ones).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from flexplan.throttle import number_setting

T = TypeVar("T")


@dataclass(frozen=True)
class Windows:
    lookup: float = 10.0
    verify: float = 20.0
    catch_up: float = 15.0
    # writes older than this are never taken for lag: Twilio's reads lag by seconds, and a
    # longer horizon would hide a resource deleted in the Console right after an apply
    horizon: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Windows:
        default = cls()
        return cls(
            lookup=number_setting(env, "FLEXPLAN_LOOKUP_WINDOW", default.lookup, 0, 300),
            verify=number_setting(env, "FLEXPLAN_VERIFY_WINDOW", default.verify, 0, 300),
            catch_up=number_setting(env, "FLEXPLAN_CATCH_UP_WINDOW", default.catch_up, 0, 300),
            horizon=number_setting(env, "FLEXPLAN_LAG_HORIZON", default.horizon, 0, 300),
        )


def poll(read: Callable[[], T], done: Callable[[T], bool], window: float) -> tuple[T, bool]:
    """``read()`` until ``done`` holds or ``window`` seconds have passed: (last value, done).

    Waits grow from a tenth of the window (at least 50 ms) and double, at most 2 s:
    a few reads, not a busy loop. The first read is at once.
    """
    deadline = time.monotonic() + window
    wait = max(0.05, min(2.0, window / 10))
    value = read()
    while not done(value):
        left = deadline - time.monotonic()
        if left <= 0:
            return value, False
        time.sleep(min(wait, left))
        wait = min(2.0, wait * 2)
        value = read()
    return value, True
