"""Execute a plan: dependency order, bounded concurrency, careful retries, exact report.

Independent actions run concurrently, as many as the client has request slots
(``--parallelism``; its gate adapts the requests in flight to the account's
429s); an action starts when everything it depends on is done, with the SIDs
of resources created earlier filled into its references. On the first failure
nothing new starts, running actions finish, and the result says what was done,
what failed and what was not attempted. A ``stop`` callable (an interrupt, a
lost account lock) is asked before each start: once it gives a reason, nothing
new starts and the result carries that reason. Right before each create the
natural key is looked up again (another writer may have made it since the
plan): when found, it is updated instead, never created twice.

Retrying is the HTTP client's job (one layer: 429s and unsent requests, until
the request's deadline). What it hands back here is a write whose outcome is
unknown: a 5xx, a lost answer, an unusable answer (``TransportError`` with
``may_have_happened``). ``_Resolver`` settles those within the same deadline and
backoff: a create is first looked for by its natural key, over a bounded
window because lists can lag behind writes, and sent again only when it is not
there; an update or delete (idempotent) is sent again. 4xx answers and 429s
past the deadline are final. At the end every created natural key is read back
and the extra copies this run made are removed (engine/duplicates.py).

A replace runs in the order its plan says: create then destroy where old and new
cannot collide (``create_first``), else destroy then create; either way an
interrupted replace converges on the next run (the plan finds what is left). A
staged change (a cycle of claims) runs as two steps: its ``release`` write, then
its desired state with the released fields restored when the manifest leaves
them out.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flexplan.engine.consistency import Windows
from flexplan.engine.duplicates import CreateLedger, Verification, find_by_key, verify_creates
from flexplan.engine.model import RELEASE_STEP, Plan, ResourceChange
from flexplan.errors import FlexplanError
from flexplan.plantypes import LiveObject, Unknown
from flexplan.redact import redact
from flexplan.resources._sdk import api_failure, http_status
from flexplan.resources.base import AnyKind
from flexplan.twilio_client import RetryPolicy, TransportError, request_slots, retry_policy


@dataclass(frozen=True)
class ApplyContext:
    """What executors get besides the desired state."""

    commit_message: str
    message_given: bool = False  # --message was given: it wins over a resource's own


@dataclass
class ActionResult:
    address: str
    action: str
    status: str  # "done" | "failed" | "not attempted"
    seconds: float = 0.0
    sid: str | None = None
    error: str | None = None
    note: str | None = None
    retries: int = 0  # writes sent again after an unknown outcome (not the HTTP client's)
    answer: Any = field(default=None, repr=False)  # the LiveObject the write answer returned


@dataclass
class ApplyResult:
    results: list[ActionResult] = field(default_factory=list)
    stopped: str | None = None  # why nothing new was started (an interrupt, a lost lock)
    verification: Verification = field(default_factory=Verification)

    @property
    def ok(self) -> bool:
        return self.stopped is None and all(r.status == "done" for r in self.results)

    @property
    def retries(self) -> int:
        return sum(r.retries for r in self.results)

    def of(self, status: str) -> list[ActionResult]:
        return [r for r in self.results if r.status == status]

    def counts(self) -> dict[str, int]:
        """Done actions counted as the plan's summary counts them (Terraform's way): a
        replace is one added and one destroyed, and also counted under ``replaced``. A
        create that found its object made by another writer since the plan updated it:
        changed, not added (``EXISTED_NOTE``)."""
        counts = {"added": 0, "changed": 0, "destroyed": 0, "replaced": 0}
        for r in self.of("done"):
            made = r.action in ("create", "replace") and r.note != EXISTED_NOTE
            counts["added"] += made
            counts["changed"] += r.action == "update" or (r.note == EXISTED_NOTE)
            counts["destroyed"] += r.action in ("delete", "replace")
            counts["replaced"] += made and r.action == "replace"
        return counts


Event = Callable[[str, ResourceChange, ActionResult | None], None]
Stop = Callable[[], str | None]
EXISTED_NOTE = "found already (made by another writer since the plan): updated, not created again"


def apply_plan(
    client: Any,
    plan: Plan,
    kinds: Sequence[AnyKind],
    *,
    commit_message: str = "flexplan apply",
    message_given: bool = False,
    on_event: Event | None = None,
    stop: Stop | None = None,
    windows: Windows | None = None,
) -> ApplyResult:
    """Carry out ``plan``'s changes; never raises for an API failure (see the result)."""
    runner = _Runner(
        client,
        plan,
        {k.section: k for k in kinds},
        parallelism=request_slots(client),
        on_event=on_event,
        ctx=ApplyContext(commit_message, message_given),
        retry=_Resolver(retry_policy(client)),
        stop=stop or (lambda: None),
    )
    runner.windows = windows or Windows()
    result = runner.run()
    result.verification = runner.verify(plan)
    return result


class _Runner:
    def __init__(
        self,
        client: Any,
        plan: Plan,
        kinds: Mapping[str, AnyKind],
        *,
        parallelism: int,
        on_event: Event | None,
        ctx: ApplyContext,
        retry: _Resolver,
        stop: Stop,
    ):
        self.client = client
        self.stop = stop
        self.stopped: str | None = None
        self.kinds = kinds
        self.parallelism = max(1, parallelism)
        self.on_event = on_event or (lambda *_: None)
        self.changes = plan.actionable
        self.steps = _steps(self.changes)
        self.by_address = {c.address: c for c in self.steps}
        self.created: dict[str, str] = {}
        self.results: dict[str, ActionResult] = {}
        self.ctx = ctx
        self.retry = retry
        self.windows = Windows()
        self.ledger = CreateLedger()

    def run(self) -> ApplyResult:
        order = {c.address: i for i, c in enumerate(self.steps)}
        waiting = {c.address: set(c.depends_on) & order.keys() for c in self.steps}
        failed = False
        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="apply") as pool:
            running: dict[Future[ActionResult], str] = {}
            while True:
                self.stopped = self.stopped or self.stop()
                if not failed and self.stopped is None:
                    self._start_ready(pool, waiting, running, order)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    address = running.pop(future)
                    result = future.result()
                    self.results[address] = result
                    failed = failed or result.status != "done"
                    for deps in waiting.values():
                        deps.discard(address)
        for step in self.steps:
            if step.address in waiting:
                self.results[step.address] = ActionResult(
                    step.address, step.action, "not attempted"
                )
        return ApplyResult([self._result_of(c) for c in self.changes], self.stopped)

    def _result_of(self, change: ResourceChange) -> ActionResult:
        """A staged change's result: its release step's when that did not succeed."""
        result = self.results[change.address]
        first = self.results.get(change.release_address) if change.staged else None
        if first is not None and first.status != "done":
            return dataclasses.replace(first, address=change.address, action=change.action)
        return result

    def _start_ready(
        self,
        pool: ThreadPoolExecutor,
        waiting: dict[str, set[str]],
        running: dict[Future[ActionResult], str],
        order: Mapping[str, int],
    ) -> None:
        """Start ready actions in plan order, only as many as there are free workers:
        an action queued in the pool could not be held back after a failure."""
        ready = sorted((a for a, deps in waiting.items() if not deps), key=order.__getitem__)
        for address in ready[: self.parallelism - len(running)]:
            del waiting[address]
            running[pool.submit(self._execute, self.by_address[address])] = address

    def _execute(self, change: ResourceChange) -> ActionResult:
        self.on_event("start", change, None)
        started = time.monotonic()
        result = ActionResult(change.address, change.action, "done")
        self.retry.count_from_zero()
        try:
            live, note = self._perform(change)
            result.sid = (live.sid if isinstance(live, LiveObject) else None) or change.sid
            result.answer = live if isinstance(live, LiveObject) else None
            result.note = note
            if change.action in ("create", "replace") and result.sid:
                self.created[change.address] = result.sid
        except Exception as exc:
            result.status = "failed"
            result.error = _describe(exc, change)
        result.seconds = time.monotonic() - started
        result.retries = self.retry.count
        self.on_event("end", change, result)
        return result

    def verify(self, plan: Plan) -> Verification:
        """Read back every created natural key; remove the extra copies this run made."""

        def delete(kind: AnyKind, live: LiveObject) -> None:
            try:
                self.retry.run(lambda: kind.delete(self.client, live, self.ctx))
            except Exception as exc:
                if http_status(exc) != 404:  # already gone is what we wanted
                    raise

        return verify_creates(
            self.client, plan, self.kinds, self.ledger, window=self.windows.verify, delete=delete
        )

    def _context(self, change: ResourceChange) -> ApplyContext:
        """The shared context, with the resource's own write options (unless --message)."""
        options = {
            k: v for k, v in change.options.items() if k in ApplyContext.__dataclass_fields__
        }
        if not options or self.ctx.message_given:
            return self.ctx
        return dataclasses.replace(self.ctx, **options)

    def _perform(self, change: ResourceChange) -> tuple[Any, str | None]:
        kind = self.kinds[change.section]
        desired = _fill_unknowns(change.after or {}, self.created)
        ctx = self._context(change)
        if change.action == "update":
            return self.retry.run(lambda: kind.update(self.client, change.live, desired, ctx)), None
        if change.action == "delete":
            return None, self._delete(kind, change, ctx)
        if change.action == "replace" and change.create_first:
            created, note = self._create(kind, change, desired, ctx)
            new_sid = created.sid if isinstance(created, LiveObject) else None
            if new_sid:
                self.created[change.address] = new_sid
            try:
                self._delete(kind, change, ctx)
            except Exception as exc:
                raise _HalfReplaced(exc, created_first=True, new_sid=new_sid) from exc
            return created, note
        if change.action == "replace":
            self._delete(kind, change, ctx)
            try:
                return self._create(kind, change, desired, ctx)
            except Exception as exc:
                raise _HalfReplaced(exc) from exc
        return self._create(kind, change, desired, ctx)

    def _delete(self, kind: AnyKind, change: ResourceChange, ctx: ApplyContext) -> str | None:
        try:
            self.retry.run(lambda: kind.delete(self.client, change.live, ctx))
        except Exception as exc:
            if http_status(exc) == 404:
                return "already gone"
            raise
        return None

    def _create(
        self, kind: AnyKind, change: ResourceChange, desired: dict[str, Any], ctx: ApplyContext
    ) -> tuple[Any, str | None]:
        """Create (and a note); after an answer that may hide a success, look for it first
        (over ``Windows.lookup``: a list can lag behind the write it should show)."""

        def find_then_create() -> Any:
            found = self._find_again(kind, change)
            return found if found is not None else create()

        def create() -> Any:
            self.ledger.sent(change)
            return _with_sid(kind, kind.create(self.client, desired, ctx))

        if kind.has_sid:  # a keyed kind: another writer may have made it since the plan
            existing = self._recheck(kind, change)
            if existing is not None:
                updated = self.retry.run(lambda: kind.update(self.client, existing, desired, ctx))
                return (updated if updated is not None else existing), EXISTED_NOTE
        live = self.retry.run(create, after_ambiguous=find_then_create)
        if kind.has_sid:
            self.ledger.kept(change, live.sid if isinstance(live, LiveObject) else None)
        return live, None

    def _recheck(self, kind: AnyKind, change: ResourceChange) -> LiveObject | None:
        """The natural key looked up right before a create: directly where the kind can."""
        if not kind.finds_by_key:
            return self._find(kind, change)
        return kind.find(self.client, change.key)

    def _find(self, kind: AnyKind, change: ResourceChange) -> LiveObject | None:
        """The live object with the change's natural key, in one read of the kind."""
        return find_by_key(self.client, kind, change, 0.0)

    def _find_again(self, kind: AnyKind, change: ResourceChange) -> LiveObject | None:
        """After a create whose outcome is unknown: look over ``Windows.lookup``, as a
        list can lag behind the write it should show (engine/duplicates.py)."""
        return find_by_key(self.client, kind, change, self.windows.lookup)


class _HalfReplaced(Exception):
    """A replace did one of its two writes: destroyed the old resource but could not create
    the new one, or (``created_first``) created the new one but could not destroy the old."""

    def __init__(
        self, cause: BaseException, *, created_first: bool = False, new_sid: str | None = None
    ):
        super().__init__(str(cause))
        self.cause = cause
        self.created_first = created_first
        self.new_sid = new_sid

    def suffix(self) -> str:
        if self.created_first:
            return (
                f" (the new one was created{f' ({self.new_sid})' if self.new_sid else ''}; the "
                "old one was not destroyed: `flexplan apply` again destroys it)"
            )
        return (
            " (the old one was destroyed; the new one was not created: `flexplan apply` "
            "again creates it)"
        )


def _steps(changes: Sequence[ResourceChange]) -> list[ResourceChange]:
    """The writes apply makes: one per change, two for a staged change (release, then the
    desired state, with the released fields restored to their live values when the
    manifest does not set them)."""
    steps: list[ResourceChange] = []
    for change in changes:
        if not change.staged or change.release is None:
            steps.append(change)
            continue
        live_state = change.live.state if change.live is not None else {}
        restored = {k: live_state.get(k) for k in change.release if k not in (change.after or {})}
        steps.append(
            dataclasses.replace(
                change,
                name=change.name + RELEASE_STEP,
                after=dict(change.release),
                depends_on=list(change.release_depends_on),
                staged=False,
            )
        )
        steps.append(
            dataclasses.replace(change, after={**restored, **(change.after or {})}, staged=False)
        )
    return steps


class _Retryable(Exception):
    """A write failed in a way that may succeed when tried again."""

    def __init__(self, cause: BaseException, ambiguous: bool):
        super().__init__(str(cause))
        self.cause = cause
        self.ambiguous = ambiguous  # the request may have been carried out


class _UnusableAnswer(FlexplanError):
    """A create was answered without the new resource's SID: it may have been carried out."""


def _with_sid(kind: AnyKind, created: Any) -> Any:
    if kind.has_sid and isinstance(created, LiveObject) and not created.sid:
        raise _UnusableAnswer("Twilio's answer carried no SID (the request may have been "
                              "carried out)")  # fmt: skip
    return created


class _Resolver:
    """Settles writes whose outcome is unknown, within the HTTP client's deadline and
    backoff (not a retry policy of its own); counts the writes sent again, per thread
    (an apply thread carries out one action at a time)."""

    def __init__(self, policy: RetryPolicy):
        self.policy = policy
        self._rng = random.Random()
        self._local = threading.local()

    def count_from_zero(self) -> None:
        self._local.count = 0

    @property
    def count(self) -> int:
        return int(getattr(self._local, "count", 0))

    def run(
        self, call: Callable[[], Any], *, after_ambiguous: Callable[[], Any] | None = None
    ) -> Any:
        """``call``; after an unknown outcome, ``after_ambiguous`` (or ``call``) again,
        until it settles or the deadline would pass."""
        started = time.monotonic()
        attempt_call = call
        for attempt in itertools.count():
            try:
                return _classified(attempt_call)
            except _Retryable as exc:
                if not self._wait(attempt, started):
                    raise exc.cause from None
                self._local.count = self.count + 1
                if exc.ambiguous and after_ambiguous is not None:
                    attempt_call = after_ambiguous
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, started: float) -> bool:
        """Back off before the next try; False when that would pass the deadline."""
        delay = self.policy.backoff(attempt, self._rng)
        if time.monotonic() - started + delay >= self.policy.deadline:
            return False
        time.sleep(delay)
        return True


def _fill_unknowns(value: Any, created: Mapping[str, str]) -> Any:
    if isinstance(value, Unknown):
        return created[value.source]
    if isinstance(value, dict):
        return {k: _fill_unknowns(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_unknowns(v, created) for v in value]
    return value


def _classified(call: Callable[[], Any]) -> Any:
    """Run ``call``; failures that may pass on a later try become ``_Retryable``."""
    try:
        return call()
    except Exception as exc:
        retryable, ambiguous = _nature(exc)
        if retryable:
            raise _Retryable(exc, ambiguous=ambiguous) from exc
        raise


def _nature(exc: BaseException) -> tuple[bool, bool]:
    """(worth sending again, may have been carried out) for a failed write.

    429s were already retried by the HTTP client until the deadline: final here."""
    status = http_status(exc)
    if status is not None:
        return status >= 500, status >= 500
    if isinstance(exc, TransportError):
        return exc.may_have_happened, exc.may_have_happened
    if isinstance(exc, _UnusableAnswer):
        return True, True
    if isinstance(exc, FlexplanError):
        return False, False
    network = api_failure(exc, "") is not None
    return network, network


def _describe(exc: BaseException, change: ResourceChange) -> str:
    verb = {
        "create": "creating",
        "update": "updating",
        "delete": "destroying",
        "replace": "replacing",
    }
    doing = f"{verb[change.action]} {change.address}"
    suffix = ""
    if isinstance(exc, _HalfReplaced):
        suffix = exc.suffix()
        exc = exc.cause
    if _nature(exc)[1] and not suffix and "may have been carried out" not in str(exc):
        suffix = " (the request may have been carried out; `flexplan plan` shows the account)"
    if isinstance(exc, FlexplanError):
        return redact(f"{doing} failed: {exc.message}{suffix}")
    failure = api_failure(exc, doing)
    if failure is not None:
        return f"{failure}{suffix}"
    return redact(f"{doing} failed: {type(exc).__name__}: {exc}{suffix}")
