"""Execute a plan: dependency order, bounded concurrency, careful retries, exact report.

Independent actions run concurrently up to ``parallelism``; an action starts
when everything it depends on is done, with the SIDs of resources created
earlier filled into its references. On the first failure nothing new starts,
running actions finish, and the result says what was done, what failed and
what was not attempted. Writes are retried on 429/5xx/connection errors, but a
create whose answer was lost is first looked for by its natural key, so no
duplicate is ever made.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flexplan.engine.model import Plan, ResourceChange
from flexplan.engine.read import Reader, limit_requests
from flexplan.redact import redact
from flexplan.resources._sdk import api_failure
from flexplan.resources.base import ResourceKind
from flexplan.resources.live import LiveObject, Unknown

WRITE_ATTEMPTS = 4
WRITE_BACKOFF = 0.5  # seconds, doubled each attempt, with jitter
WRITE_BACKOFF_CAP = 8.0


@dataclass
class ApplyContext:
    commit_message: str


@dataclass
class ActionResult:
    address: str
    action: str
    status: str  # "done" | "failed" | "not attempted"
    seconds: float = 0.0
    sid: str | None = None
    error: str | None = None
    note: str | None = None


@dataclass
class ApplyResult:
    results: list[ActionResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == "done" for r in self.results)

    def of(self, status: str) -> list[ActionResult]:
        return [r for r in self.results if r.status == status]

    def counts(self) -> dict[str, int]:
        done = self.of("done")
        names = {
            "create": "added",
            "update": "changed",
            "replace": "replaced",
            "delete": "destroyed",
        }
        counts = dict.fromkeys(names.values(), 0)
        for r in done:
            counts[names[r.action]] += 1
        return counts


Event = Callable[[str, ResourceChange, ActionResult | None], None]


class _Retryable(Exception):
    """A write failed in a way that may succeed when tried again."""

    def __init__(self, cause: BaseException, ambiguous: bool):
        super().__init__(str(cause))
        self.cause = cause
        self.ambiguous = ambiguous  # the request may have been carried out


def apply_plan(
    client: Any,
    plan: Plan,
    kinds: Sequence[ResourceKind],
    *,
    parallelism: int = 10,
    commit_message: str = "flexplan apply",
    on_event: Event | None = None,
) -> ApplyResult:
    """Carry out ``plan``'s changes; never raises for an API failure (see the result)."""
    limit_requests(client, parallelism)
    runner = _Runner(client, plan, {k.section: k for k in kinds}, parallelism, on_event)
    runner.ctx = ApplyContext(commit_message)
    return runner.run()


class _Runner:
    def __init__(
        self,
        client: Any,
        plan: Plan,
        kinds: Mapping[str, ResourceKind],
        parallelism: int,
        on_event: Event | None,
    ):
        self.client = client
        self.kinds = kinds
        self.parallelism = max(1, parallelism)
        self.on_event = on_event or (lambda *_: None)
        self.changes = plan.actionable
        self.created: dict[str, str] = {}
        self.results: dict[str, ActionResult] = {}
        self.ctx = ApplyContext("flexplan apply")

    def run(self) -> ApplyResult:
        order = {c.address: i for i, c in enumerate(self.changes)}
        waiting = {c.address: set(c.depends_on) & order.keys() for c in self.changes}
        by_address = {c.address: c for c in self.changes}
        failed = False
        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="apply") as pool:
            running: dict[Future[ActionResult], str] = {}
            while True:
                if not failed:
                    for address in sorted(
                        (a for a, deps in waiting.items() if not deps), key=order.get
                    ):
                        del waiting[address]
                        running[pool.submit(self._execute, by_address[address])] = address
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    address = running.pop(future)
                    result = future.result()
                    self.results[address] = result
                    if result.status != "done":
                        failed = True
                    for deps in waiting.values():
                        deps.discard(address)
        for address in sorted(waiting, key=order.get):
            change = by_address[address]
            self.results[address] = ActionResult(address, change.action, "not attempted")
        return ApplyResult([self.results[c.address] for c in self.changes])

    def _execute(self, change: ResourceChange) -> ActionResult:
        self.on_event("start", change, None)
        started = time.monotonic()
        result = ActionResult(change.address, change.action, "done")
        try:
            live, note = self._perform(change)
            result.sid = (live.sid if isinstance(live, LiveObject) else None) or change.sid
            result.note = note
            if change.action in ("create", "replace") and result.sid:
                self.created[change.address] = result.sid
        except Exception as exc:
            result.status = "failed"
            result.error = _describe(exc, change)
        result.seconds = time.monotonic() - started
        self.on_event("end", change, result)
        return result

    def _perform(self, change: ResourceChange) -> tuple[Any, str | None]:
        kind = self.kinds[change.section]
        desired = _fill_unknowns(change.after or {}, self.created)
        if change.action == "update":
            return _retry(lambda: kind.update(self.client, change.live, desired, self.ctx)), None
        if change.action == "delete":
            return None, self._delete(kind, change)
        if change.action == "replace":
            self._delete(kind, change)
        return self._create(kind, change, desired), None

    def _delete(self, kind: ResourceKind, change: ResourceChange) -> str | None:
        try:
            _retry(lambda: kind.delete(self.client, change.live, self.ctx))
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                return "already gone"
            raise
        return None

    def _create(self, kind: ResourceKind, change: ResourceChange, desired: dict[str, Any]) -> Any:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return _classified(lambda: kind.create(self.client, desired, self.ctx))
            except _Retryable as exc:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise exc.cause from None
                _sleep(attempt)
                if exc.ambiguous:
                    found = self._find(kind, change)
                    if found is not None:
                        return found  # the lost create was carried out
        raise AssertionError("unreachable")

    def _find(self, kind: ResourceKind, change: ResourceChange) -> LiveObject | None:
        reader = Reader(self.client, 1)
        try:
            objects = _retry(lambda: kind.read(reader, []))
        finally:
            reader.close()
        return next((o for o in objects if o.key == change.key), None)


def _fill_unknowns(value: Any, created: Mapping[str, str]) -> Any:
    if isinstance(value, Unknown):
        return created[value.source]
    if isinstance(value, dict):
        return {k: _fill_unknowns(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_unknowns(v, created) for v in value]
    return value


def _retry(call: Callable[[], Any]) -> Any:
    """Run an idempotent write (update, delete), retrying what may succeed later."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return _classified(call)
        except _Retryable as exc:
            if attempt == WRITE_ATTEMPTS - 1:
                raise exc.cause from None
            _sleep(attempt)
    raise AssertionError("unreachable")


def _classified(call: Callable[[], Any]) -> Any:
    from twilio.base.exceptions import TwilioRestException

    try:
        return call()
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500:
            raise _Retryable(exc, ambiguous=exc.status >= 500) from exc
        raise
    except Exception as exc:
        if api_failure(exc, "") is not None:  # network error: the request may have landed
            raise _Retryable(exc, ambiguous=True) from exc
        raise


def _sleep(attempt: int) -> None:
    delay = min(WRITE_BACKOFF_CAP, WRITE_BACKOFF * 2**attempt)
    time.sleep(delay * (0.5 + random.random() / 2))


def _describe(exc: BaseException, change: ResourceChange) -> str:
    verb = {
        "create": "creating",
        "update": "updating",
        "delete": "destroying",
        "replace": "replacing",
    }
    failure = api_failure(exc, f"{verb[change.action]} {change.address}")
    if failure is not None:
        return str(failure)
    return redact(f"{verb[change.action]} {change.address} failed: {type(exc).__name__}: {exc}")
