"""How hard and how long the HTTP client tries: deadlines, backoff and adaptive concurrency.

One retry layer (``flexplan.twilio_client``) uses what is here:

- ``RetryPolicy``: retries are bounded by a *deadline*, not a count (as
  google-api-core's ``Retry(deadline=…)``): a request is tried again, after
  exponential backoff with full jitter or the server's ``Retry-After``, until
  ``deadline`` seconds have passed since its first try; every single try is
  cut off after ``attempt_timeout`` seconds (connect, answer and the whole body,
  so a trickled body cannot hold a run), and never runs past the deadline.
- ``RequestGate``: the number of requests in flight, shared by every thread of
  one client. ``--parallelism`` is its ceiling (``PARALLELISM``). With
  ``adaptive`` on (the default) the window starts at ``FIRST_WINDOW`` and
  finds the account's limit by itself, as TCP does: while requests wait for it
  (slow start) it grows to ``SLOW_START_GROWTH`` times the most requests in flight
  that the account has answered (a request refused above the limit costs its
  server's ``Retry-After``, so at most a third of the window is ever untried:
  TCP doubles, which refuses as many requests as the limit at once), until the
  first 429 or the ceiling, and from the
  first 429 on it is additive-increase / multiplicative-decrease, as the AWS
  SDKs' adaptive retry mode: a 429 cuts the window to 0.7 of itself (at most
  once per window: requests sent before the last cut do not cut again), every
  success grows it by 1 / window (so by one request per window of successes),
  back up to the ceiling; but below the number of requests in flight that a
  refused one was sent with (the account's limit, as its 429s tell it), where
  it stays for ``PATIENCE`` windows of successes before it tries one more; each
  such try the account refuses doubles that patience (a limit confirmed again is
  the account's: probing it every few windows cost one refused request each).
  Twilio answers 429 (error 20429) when an account exceeds its concurrency
  limit and asks clients to throttle the number of concurrent requests
  (https://www.twilio.com/docs/api/errors/20429). A
  waiting request of a list (a chain of pages, where each page waits for the
  one before) is let in before waiting single requests, so that the longest
  chain is never stuck behind requests that could go at any time.
  A run may start at the limit an earlier one learned (``learned``:
  ``flexplan.learned_limit``), with no slow start and ``MAX_PATIENCE``.

Settings from the environment (``policy_from_env``): ``FLEXPLAN_REQUEST_DEADLINE``,
``FLEXPLAN_ATTEMPT_TIMEOUT``, ``FLEXPLAN_RETRY_DELAY`` (seconds) and
``FLEXPLAN_ADAPTIVE_CONCURRENCY`` (``false`` keeps the window at ``--parallelism``
from the first request on).
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flexplan.errors import FlexplanError

DECREASE = 0.7  # the AWS SDKs' adaptive mode (CUBIC's beta) cuts to 0.7, TCP Reno to 0.5


@dataclass(frozen=True)
class Parallelism:
    """``--parallelism``: the most requests one client keeps in flight (the gate's ceiling).

    The default is high because the adaptive window finds the account's limit from
    below. Twilio's error 20429 page names no number; a per-account limit of 100
    concurrent requests is what third parties report as the default."""

    default: int = 64
    low: int = 1
    high: int = 100


PARALLELISM = Parallelism()
FIRST_WINDOW = 10  # where slow start begins: what most accounts allow at once, safely
PATIENCE = 3  # windows of successes at the account's limit before trying one request more
MAX_PATIENCE = 96  # the most windows between tries, after refused tries doubled it
SLOW_START_GROWTH = 1.5  # slow start's window: this times the most requests answered at once
LIST_PAGE = 0  # the priority of a list page: before any waiting single request
SINGLE = 1


@dataclass(frozen=True)
class RetryPolicy:
    """Retry until ``deadline`` s after the first try; each try at most ``attempt_timeout`` s."""

    deadline: float = 120.0
    attempt_timeout: float = 30.0
    base_delay: float = 0.25
    max_delay: float = 8.0
    adaptive: bool = True

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**retry)]."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**retry))


class RequestsStopped(Exception):
    """A request not sent because its group was stopped (another request of the group
    already failed in a way that ends the command): the caller reports that failure."""


_group = threading.local()


def join_request_group(group: object) -> None:
    """Requests this thread makes from now on belong to ``group`` (see ``RequestGate.stop``)."""
    _group.name = group


class _Turn:
    """A waiting request's place in line: set when a slot is handed to it."""

    def __init__(self, group: object) -> None:
        self.given = threading.Event()
        self.in_flight = 0  # requests in flight once it was let in, itself included
        self.generation = 0
        self.group = group
        self.stopped = False


class RequestGate:
    """Requests in flight for one client: at most ``window`` (slow start, then AIMD), never
    above ``ceiling``; waiting requests go in priority order (``LIST_PAGE`` first), then
    in the order they came."""

    def __init__(
        self,
        ceiling: int,
        *,
        adaptive: bool = True,
        first_window: int = FIRST_WINDOW,
        learned: int | None = None,
    ) -> None:
        self.ceiling = max(1, ceiling)
        self.adaptive = adaptive
        self.window = float(min(self.ceiling, max(1, first_window)) if adaptive else self.ceiling)
        self.slow_start = adaptive and self.window < self.ceiling
        self.limit = self.ceiling  # what the account allows, as far as its 429s have told
        self._at_limit = 0  # successes since the window reached ``limit``
        self.patience = PATIENCE  # windows at ``limit`` before one more is tried
        self.refusals = 0  # 429s answered to requests through this gate
        self.refused_limit: int | None = None  # the limit as the last refusal set it
        if adaptive and learned is not None:
            self._start_at(learned)
        self._probing = False  # ``limit`` was raised by a try the account has not refused
        self.answered_at_once = 0  # the most requests in flight with which one succeeded
        self.in_flight = 0
        self._sent = threading.local()  # per request thread: in flight when it was sent
        self.cuts = 0
        self.lowest = self.window
        self.highest = self.window
        self._generation = 0
        self._waiting: list[tuple[int, int, _Turn]] = []  # a heap: (priority, arrival, turn)
        self._arrivals = itertools.count()
        self._stopped: set[object] = set()
        self._lock = threading.Lock()

    def _start_at(self, learned: int) -> None:
        """Start at the limit an earlier run learned (flexplan.learned_limit): no slow
        start, and a try above it only every ``MAX_PATIENCE`` windows, as for a limit
        the account has confirmed."""
        self.limit = max(1, min(self.ceiling, learned))
        self.window = float(self.limit)
        self.slow_start = False
        self.patience = MAX_PATIENCE

    def _allowed(self) -> int:
        return max(1, math.floor(self.window))

    def acquire(self, priority: int = SINGLE) -> int:
        """Wait for a free slot and for every waiter before this one; returns the window
        generation the request was sent in. Raises ``RequestsStopped`` when the thread's
        request group is stopped."""
        group = getattr(_group, "name", None)
        with self._lock:
            if group is not None and group in self._stopped:
                raise RequestsStopped()
            if not self._waiting and self.in_flight < self._allowed():
                self.in_flight += 1
                self._sent.with_in_flight = self.in_flight
                return self._generation
            turn = _Turn(group)
            heapq.heappush(self._waiting, (priority, next(self._arrivals), turn))
        turn.given.wait()  # a release hands the slot over: only the first in line wakes
        if turn.stopped:
            raise RequestsStopped()
        self._sent.with_in_flight = turn.in_flight
        return turn.generation

    def stop(self, group: object) -> None:
        """Send no more requests of ``group``: the waiting ones and later ones raise
        ``RequestsStopped`` at once instead of each waiting out its own deadline."""
        with self._lock:
            self._stopped.add(group)
            for _, _, turn in self._waiting:
                if turn.group == group:
                    turn.stopped = True
                    turn.given.set()
            self._waiting = [entry for entry in self._waiting if entry[2].group != group]
            heapq.heapify(self._waiting)

    def stop_own_group(self) -> None:
        """``stop`` the request group of the calling thread, if it has one."""
        group = getattr(_group, "name", None)
        if group is not None:
            self.stop(group)

    def resume(self, group: object) -> None:
        with self._lock:
            self._stopped.discard(group)

    def _admit(self) -> None:
        """Hand free slots to the first waiters in line (the lock is held)."""
        while self._waiting and self.in_flight < self._allowed():
            _, _, turn = heapq.heappop(self._waiting)
            self.in_flight += 1
            turn.in_flight, turn.generation = self.in_flight, self._generation
            turn.given.set()

    def release(self, generation: int, *, throttled: bool, succeeded: bool) -> None:
        """Free the slot; a 429 shrinks the window, a success grows it."""
        with self._lock:
            self.in_flight -= 1
            if self.adaptive and throttled and generation == self._generation:
                self.window = max(1.0, self.window * DECREASE)
                self.slow_start = False
                self._generation += 1
                self.cuts += 1
            sent_with = getattr(self._sent, "with_in_flight", self.ceiling)
            self.refusals += throttled
            if self.adaptive and throttled:
                self._learn_limit(sent_with)
                self.lowest = min(self.lowest, self.window)
            elif self.adaptive and succeeded:
                self.answered_at_once = max(self.answered_at_once, sent_with)
                if self.window < self.ceiling:
                    self._grow()
            self._admit()

    def _learn_limit(self, sent_with: int) -> None:
        """A request refused while ``sent_with`` were in flight (itself included): the
        account allows fewer, so the window never grows that far again in this run."""
        if self._probing and sent_with > self.limit - 1:
            self.patience = min(MAX_PATIENCE, 2 * self.patience)  # the try was refused
        self._probing = False
        self.limit = max(1, min(self.limit, sent_with - 1))
        self.refused_limit = self.limit  # what tries above it that went through do not raise
        self.window = min(self.window, float(self.limit))
        self._at_limit = 0

    def _grow(self) -> None:
        if self.slow_start:
            if self._waiting:  # a window no request waits for says nothing of the limit
                self._slow_start_step()
            return
        if self.window >= self.limit:
            self._at_limit += 1
            if self._at_limit < self.patience * self.limit:
                return
            self.limit, self._at_limit = min(self.ceiling, self.limit + 1), 0
            self._probing = True
        self.window = min(float(self.limit), self.window + 1.0 / self.window)
        self.highest = max(self.highest, self.window)

    def _slow_start_step(self) -> None:
        """A third of the window past what the account has answered at once, at least one."""
        target = max(self.answered_at_once * SLOW_START_GROWTH, self.answered_at_once + 1.0)
        if target > self.window:
            self.window = min(float(self.limit), math.floor(target))
            self.highest = max(self.highest, self.window)


class Deadline:
    """The time left for one request, counted from its first try."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining(self) -> float:
        return self.seconds - self.elapsed


def number_setting(
    env: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    """The number in environment variable ``name`` (``default`` when unset), within bounds."""
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise FlexplanError(f"{name} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise FlexplanError(f"{name} must be between {low:g} and {high:g}, not {value}")
    return number


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise FlexplanError(f"{name} must be true or false, not {value!r}")


def policy_from_env(env: Mapping[str, str] | None = None) -> RetryPolicy:
    """``RetryPolicy`` with the ``FLEXPLAN_*`` settings of the environment applied."""
    env = os.environ if env is None else env
    default = RetryPolicy()
    delay = number_setting(env, "FLEXPLAN_RETRY_DELAY", default.base_delay, 0, 60)
    return RetryPolicy(
        deadline=number_setting(env, "FLEXPLAN_REQUEST_DEADLINE", default.deadline, 0.01, 3600),
        attempt_timeout=number_setting(
            env, "FLEXPLAN_ATTEMPT_TIMEOUT", default.attempt_timeout, 0.01, 600
        ),
        base_delay=delay,
        max_delay=default.max_delay * delay / default.base_delay,
        adaptive=_flag(env, "FLEXPLAN_ADAPTIVE_CONCURRENCY", default.adaptive),
    )
