"""Fault knobs: latency, a concurrency limit answered with 429, injected failures, and
what a rewriting proxy between flexplan and Twilio can do (drop fields from answers).

Twilio limits concurrent requests per account and answers 429 (code 20429)
past the limit (https://www.twilio.com/docs/errors/20429); its edge sometimes
answers 500/503 or drops a connection. ``Faults`` reproduces these, drawing
from a ``random.Random(seed)`` under a lock so that one sequence of requests
meets one sequence of faults for a given seed.

``AnswerFault`` models what a proxy between flexplan and Twilio can do to an
answer after Twilio carried the request out: cut it short, replace it by a
page that is not JSON, empty it, redirect, drop a list page's list, or trickle
it out a byte at a time.

Faults after a commit (docs/sandbox.md "Writes whose outcome is unknown"):
``commit_502_rate`` of the writes that succeeded are answered 502 Bad Gateway
instead (the change stays made), and ``commit_stall_rate`` of them are
answered only after ``stall_seconds`` (past a client's read timeout), as a
proxy or Twilio's edge can do after the backend committed the write. These
draw from their own generator, so they do not shift the pre-commit faults.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

FAULT_500 = "500"
FAULT_503 = "503"
FAULT_DROP = "drop"
FAULT_COMMIT_502 = "commit-502"
FAULT_COMMIT_STALL = "commit-stall"

ANSWER_FAULTS = ("truncated", "not_json", "empty", "redirect", "missing_key", "trickle")
THROTTLED = "throttled"  # answered 429 (with Retry-After) instead of being carried out


@dataclass(frozen=True)
class AnswerFault:
    """Mangle the answers of ``route`` (a route key such as ``GET /studio/v2/Flows``;
    None: every API route), the first ``times`` of them (None: all)."""

    kind: str
    route: str | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in (*ANSWER_FAULTS, THROTTLED):
            raise ValueError(f"answer fault must be one of {', '.join(ANSWER_FAULTS)}, {THROTTLED}")


@dataclass(frozen=True)
class FaultSettings:
    """``fail_rate``: share of requests answered 500/503 (and dropped, when
    ``drop_rate`` is None: then a third of the faults are dropped connections);
    ``drop_rate``: share of requests whose connection is closed unanswered;
    ``drop_fields``: fields removed from every object of every GET answer (list items and
    fetches), as a proxy that rewrites answers would; ``fail_routes``: route keys
    (``POST /conversations/v1/Configuration/Addresses``) answered ``fail_status`` (500 or
    503) every time."""

    latency_ms: float = 0.0
    fail_rate: float = 0.0
    drop_rate: float | None = None
    concurrency_limit: int | None = None
    seed: int | None = None
    drop_fields: frozenset[str] = frozenset()
    fail_routes: frozenset[str] = frozenset()
    fail_status: int = 500
    retry_after: int | None = 1
    """Seconds sent as ``Retry-After`` with each 429 (None: no header)."""
    answer_faults: tuple[AnswerFault, ...] = ()
    trickle_ms: float = 50.0
    """Pause between the bytes of a trickled answer."""
    commit_502_rate: float = 0.0
    commit_stall_rate: float = 0.0
    stall_seconds: float = 5.0
    commit_fault_limit: int | None = None  # at most this many post-commit faults
    commit_fault_routes: frozenset[str] = frozenset()  # only these routes (empty: every write)


class Faults:
    def __init__(self, settings: FaultSettings) -> None:
        if settings.fail_status not in (500, 503):
            raise ValueError(f"fail_status must be 500 or 503, got {settings.fail_status}")
        for name in ("fail_rate", "drop_rate", "commit_502_rate", "commit_stall_rate"):
            rate = getattr(settings, name)
            if rate is not None and not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        self.settings = settings
        self._rng = random.Random(settings.seed)
        self._commit_rng = random.Random(settings.seed)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._mangled: dict[int, int] = {}
        self._commit_faults = 0
        # mutable, so that a test can change them between two commands
        self.drop_fields: set[str] = set(settings.drop_fields)
        self.fail_routes: set[str] = set(settings.fail_routes)

    def stripped(self, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """``body`` without ``drop_fields`` in its object, or in each item of a list answer."""
        if not self.drop_fields or body is None:
            return body
        meta = body.get("meta")
        key = meta.get("key") if isinstance(meta, dict) else None
        if isinstance(key, str) and isinstance(body.get(key), list):
            return {**body, key: [self._strip(item) for item in body[key]]}
        return self._strip(body)

    def _strip(self, item: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(item, dict):
            return item
        return {k: v for k, v in item.items() if k not in self.drop_fields}

    def _rates(self) -> tuple[float, float]:
        fail, drop = self.settings.fail_rate, self.settings.drop_rate
        if drop is None:
            return fail * 2 / 3, fail / 3
        return fail, drop

    def draw(self) -> str | None:
        """The fault for the next request, if any (deterministic per seed and order)."""
        error_rate, drop_rate = self._rates()
        if error_rate <= 0 and drop_rate <= 0:
            return None
        with self._lock:
            roll = self._rng.random()
            kind = self._rng.random()
        if roll < drop_rate:
            return FAULT_DROP
        if roll < drop_rate + error_rate:
            return FAULT_500 if kind < 0.5 else FAULT_503
        return None

    def draw_after_commit(self, route: str | None = None) -> str | None:
        """The fault for a write (of ``route``) that was just carried out, if any."""
        s = self.settings
        if s.commit_502_rate <= 0 and s.commit_stall_rate <= 0:
            return None
        if s.commit_fault_routes and route not in s.commit_fault_routes:
            return None
        with self._lock:
            if s.commit_fault_limit is not None and self._commit_faults >= s.commit_fault_limit:
                return None
            roll = self._commit_rng.random()
            if roll >= s.commit_502_rate + s.commit_stall_rate:
                return None
            self._commit_faults += 1
        return FAULT_COMMIT_502 if roll < s.commit_502_rate else FAULT_COMMIT_STALL

    def enter(self) -> bool:
        """Take a concurrency slot; False when the limit is reached (answer 429)."""
        with self._lock:
            limit = self.settings.concurrency_limit
            if limit is not None and self._in_flight >= limit:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def answer_fault(self, route: str | None, *, throttled: bool = False) -> str | None:
        """The answer fault for this answer of ``route``, if any (counted); with
        ``throttled``, only a ``throttled`` fault (asked before the request is handled)."""
        for index, fault in enumerate(self.settings.answer_faults):
            if fault.route is not None and fault.route != route:
                continue
            if (fault.kind == THROTTLED) != throttled:
                continue
            if route is None and fault.route is None:
                continue
            with self._lock:
                used = self._mangled.get(index, 0)
                if fault.times is not None and used >= fault.times:
                    continue
                self._mangled[index] = used + 1
            return fault.kind
        return None

    def delay(self) -> None:
        if self.settings.latency_ms > 0:
            time.sleep(self.settings.latency_ms / 1000.0)
