"""The account lock: a lease that lives in the account, so every machine sees it.

flexplan keeps no state file, so there is no file to lock; the lock is a Twilio
Sync Document with a fixed unique name (``flexplan-lock``) and a TTL, in a Sync
Service named ``flexplan`` (found by friendly name, created when missing).
Creating the document takes the lock: Twilio refuses a second document with
the same unique name (error 54301), which means someone else holds it. The
document records who holds it (``Holder``). While the lock is held a thread
renews the TTL; a holder that crashed stops renewing, and its lease expires
``ttl`` seconds later. Releasing deletes the document by its SID, so a lease
that expired and was taken by someone else is never deleted by mistake.

Two runs that both create the service at the same moment each make one (a
service has no unique name to refuse the second). So every run, after taking
the lock in the oldest ``flexplan`` service, checks that no other ``flexplan``
service holds a live lease, and gives its own back when one does: of two
leases the later one always sees the earlier (both back off on a tie).
Services are never deleted, so that check cannot miss one.

A document past its ``date_expires`` (plus ``EXPIRY_MARGIN`` for clock skew
between this machine and Twilio) is no lease even if Twilio has not deleted it
yet ("might not be deleted immediately after it expires", the Sync API).
"""

from __future__ import annotations

import getpass
import itertools
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

from flexplan import __version__
from flexplan.errors import FlexplanError
from flexplan.resources._sdk import api_failure, http_status, to_dict
from flexplan.twilio_client import TransportError, retry_policy

SERVICE_NAME = "flexplan"
DOCUMENT_NAME = "flexplan-lock"
DEFAULT_TTL = 120  # seconds a crashed holder keeps the lock
EXPIRY_MARGIN = 15.0  # seconds
DUPLICATE_UNIQUE_NAME = 54301  # https://www.twilio.com/docs/api/errors/54301
_ISO = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as recorded in the lock document."""

    lock_id: str
    operation: str
    who: str
    host: str
    pid: int
    started_at: str
    flexplan_version: str
    ci_run: str | None = None
    expires: str | None = None  # the document's date_expires (not stored in data)

    def describe(self) -> str:
        lines = [
            f"  Lock ID:   {self.lock_id}",
            f"  Holder:    {self.who}@{self.host} (pid {self.pid})",
            f"  Operation: {self.operation}",
            f"  Started:   {self.started_at}{_ago(self.started_at)}",
            f"  Version:   flexplan {self.flexplan_version}",
        ]
        if self.ci_run:
            lines.insert(3, f"  CI run:    {self.ci_run}")
        if self.expires:
            lines.append(f"  Expires:   {self.expires} unless its holder renews it")
        return "\n".join(lines)

    def data(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "expires"}


class LockHeld(FlexplanError):
    """The account lock is held by someone else."""

    def __init__(self, holder: Holder | None, waited: float) -> None:
        waited_text = f" (waited {waited:.0f} s)" if waited >= 1 else ""
        shown = holder.describe() if holder else "  (the holder did not say who it is)"
        lock_id = holder.lock_id if holder else "LOCK_ID"
        super().__init__(
            f"the account is locked by another flexplan run{waited_text}:\n{shown}",
            hint=(
                "wait for it (--lock-timeout 5m waits up to 5 minutes); if that run is gone, "
                f"its lease expires by itself, or break it with `flexplan force-unlock {lock_id}`"
            ),
        )
        self.holder = holder


def ci_run_url(env: Mapping[str, str]) -> str | None:
    """The URL of the CI run this process belongs to, when the CI says."""
    server, repo, run = (env.get(n) for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                              "GITHUB_RUN_ID"))  # fmt: skip
    if server and repo and run:
        return f"{server}/{repo}/actions/runs/{run}"
    for name in ("CI_JOB_URL", "BUILD_URL", "CIRCLE_BUILD_URL"):
        if env.get(name):
            return env[name]
    return None


def new_holder(operation: str, env: Mapping[str, str] | None = None) -> Holder:
    env = os.environ if env is None else env
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return Holder(
        lock_id=str(uuid.uuid4()),
        operation=operation,
        who=who,
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=datetime.now(timezone.utc).strftime(_ISO),
        flexplan_version=__version__,
        ci_run=ci_run_url(env),
    )


def _ago(started: str) -> str:
    try:
        at = datetime.strptime(started, _ISO).replace(tzinfo=timezone.utc)
    except ValueError:
        return ""
    seconds = max(0, int(time.time() - at.timestamp()))
    return f" ({seconds} s ago)" if seconds < 120 else f" ({seconds // 60} min ago)"


def _holder_of(doc: dict[str, Any]) -> Holder | None:
    data = doc.get("data")
    if not isinstance(data, dict):
        return None
    try:
        return Holder(
            lock_id=str(data["lock_id"]),
            operation=str(data.get("operation", "?")),
            who=str(data.get("who", "?")),
            host=str(data.get("host", "?")),
            pid=int(data.get("pid", 0)),
            started_at=str(data.get("started_at", "?")),
            flexplan_version=str(data.get("flexplan_version", "?")),
            ci_run=data.get("ci_run") if isinstance(data.get("ci_run"), str) else None,
            expires=_text_date(doc.get("date_expires")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _text_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.strftime(_ISO)
    return str(value) if value else None


def _expired(doc: dict[str, Any]) -> bool:
    """Past its ``date_expires``: Twilio may not have deleted it yet, but it is no lease."""
    value = doc.get("date_expires")
    if not value:
        return False
    if isinstance(value, str):
        try:
            value = datetime.strptime(value, _ISO).replace(tzinfo=timezone.utc)
        except ValueError:
            return False
    return bool(value.timestamp() + EXPIRY_MARGIN <= time.time())


def _failure(exc: Exception, doing: str) -> Exception:
    failure = api_failure(exc, doing)
    if failure is None:
        return exc
    status = _status(exc)
    if status is not None and status >= 500:  # Twilio's trouble, not the credentials'
        return failure
    return FlexplanError(
        f"{getattr(failure, 'message', failure)}",
        hint="the account lock is a Twilio Sync document: the credentials need access to Sync "
        "(an auth token or a Standard API key has it), or run with --lock=false (not safe "
        "when two runs may overlap)",
    )


def _status(exc: BaseException) -> int | None:
    """The HTTP status of a failed call, also of a list page ("Unable to fetch page", response)."""
    status = http_status(exc)
    if status is None and len(getattr(exc, "args", ())) == 2:
        found = getattr(exc.args[1], "status_code", None)
        status = found if isinstance(found, int) else None
    return status


def _unknown_outcome(exc: BaseException) -> bool:
    """A write answered 5xx or whose answer was lost: it may or may not have been carried
    out. The HTTP client sends a write again only when it provably was not (429, never
    sent), until its deadline: after that the failure is final."""
    status = _status(exc)
    if status is not None:
        return status >= 500
    return isinstance(exc, TransportError) and exc.may_have_happened


T = TypeVar("T")


class TakenMeanwhile(Exception):
    """The lock document's create failed without a clear answer, and the document that
    exists is someone else's: as good as Twilio's refusal of a second one (54301)."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("the lock document exists")
        self.current = current


class SyncStore:
    """The lock's few Sync calls, through the twilio client.

    One retry layer: reads are the HTTP client's to retry (until its request deadline),
    and so are writes that provably were not carried out. What it hands back is a
    write of unknown outcome, which every write here may be sent again after (a second
    ``flexplan`` service is harmless, renewing and deleting are idempotent; the lock
    document's create looks first), within the same deadline and backoff.
    """

    def __init__(self, client: Any) -> None:
        self.sync = client.sync.v1
        self.policy = retry_policy(client)
        self._rng = random.Random()

    def _write(self, call: Callable[[], T], *, within: float | None = None) -> T:
        """``call``, sent again after an unknown outcome until ``within`` seconds (the
        request deadline) would pass."""
        limit = self.policy.deadline if within is None else min(within, self.policy.deadline)
        started = time.monotonic()
        for attempt in itertools.count():
            try:
                return call()
            except Exception as exc:
                delay = self.policy.backoff(attempt, self._rng)
                if not _unknown_outcome(exc) or time.monotonic() - started + delay >= limit:
                    raise
                time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def services(self) -> list[dict[str, Any]]:
        found = [to_dict(s) for s in self.sync.services.list(page_size=100)]
        mine = [s for s in found if s.get("friendly_name") == SERVICE_NAME]
        return sorted(mine, key=lambda s: (str(s.get("date_created")), str(s.get("sid"))))

    def create_service(self) -> str:
        """A new service; after a lost answer, the oldest one listed then (the create was
        most likely carried out), sent again only when none is (a duplicate is harmless,
        see above: a lagging list can still miss the first)."""

        def create() -> str:
            return str(self.sync.services.create(friendly_name=SERVICE_NAME).sid)

        try:
            return create()
        except Exception as exc:
            if not _unknown_outcome(exc):
                raise
        found = self.services()
        return str(found[0]["sid"]) if found else self._write(create)

    def create(self, service: str, data: dict[str, Any], ttl: int) -> dict[str, Any]:
        """Create the lock document; after a lost answer, it is ours if it carries our ID."""

        def create() -> Any:
            return self.sync.services(service).documents.create(
                unique_name=DOCUMENT_NAME, data=data, ttl=ttl
            )

        try:
            return to_dict(create())
        except Exception as exc:
            if not _unknown_outcome(exc):
                raise
            first = exc
        current = self.fetch(service)
        if current is not None and (current.get("data") or {}).get("lock_id") == data["lock_id"]:
            return current
        if current is not None:  # not made: the unique name is taken (a lease, or one expired)
            raise TakenMeanwhile(current) from first
        return to_dict(self._write(create))

    def fetch(self, service: str, name: str = DOCUMENT_NAME) -> dict[str, Any] | None:
        try:
            return to_dict(self.sync.services(service).documents(name).fetch())
        except Exception as exc:
            if http_status(exc) == 404:
                return None
            raise

    def put(
        self, service: str, name: str, data: dict[str, Any], ttl: int, *, exists: bool = True
    ) -> None:
        """The document ``name`` holds ``data`` for ``ttl`` seconds: updated, or created
        (tried first when it did not ``exist`` a moment ago)."""
        document = self.sync.services(service).documents
        for _ in range(2):  # an update that finds none creates; a create that finds one updates
            if exists:
                try:
                    self._write(lambda: document(name).update(data=data, ttl=ttl))
                    return
                except Exception as exc:
                    if http_status(exc) != 404:
                        raise
            try:
                self._write(lambda: document.create(unique_name=name, data=data, ttl=ttl))
                return
            except Exception as exc:
                if not _is_duplicate(exc):
                    raise
            exists = True
        raise FlexplanError(f"the Sync document {name} was created and deleted meanwhile")

    def renew(self, service: str, sid: str, ttl: int) -> None:
        """Within a quarter of the lease (the renewer tries again at its next tick)."""
        self._write(lambda: self.sync.services(service).documents(sid).update(ttl=ttl),
                    within=ttl / 4)  # fmt: skip

    def delete(self, service: str, sid: str) -> bool:
        try:
            self._write(lambda: self.sync.services(service).documents(sid).delete())
        except Exception as exc:
            if http_status(exc) == 404:  # gone already (or a retry after a lost answer)
                return False
            raise
        return True


TIE_RETRIES = 10  # tries after a tie before the lock counts as held (3 to 7 s)
Waiting = Callable[[Holder | None, float], None]
UNKNOWN_HOLDER = Holder("?", "?", "?", "?", 0, "?", "?")


class AccountLock:
    """Acquire, renew in the background, release. ``lost`` is set if renewing fails."""

    def __init__(self, client: Any, holder: Holder, *, ttl: int = DEFAULT_TTL) -> None:
        self.store = SyncStore(client)
        self.holder = holder
        self.ttl = max(1, ttl)
        self.lost = threading.Event()
        self._service: str | None = None
        self._sid: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._rng = random.Random()
        self._tied = False
        self._notes: dict[str, bool] = {}  # note documents read: whether each existed
        self._others: list[str] = []  # duplicate flexplan services seen when the lease was taken

    @property
    def held(self) -> bool:
        return self._sid is not None

    def acquire(self, *, timeout: float = 0.0, on_wait: Waiting | None = None,
                stop: Callable[[], bool] | None = None, poll: float = 0.5,
                notify_every: float = 5.0) -> None:  # fmt: skip
        """Take the lock, waiting up to ``timeout`` seconds; ``LockHeld`` when it stays held.

        ``stop`` (an interrupt) ends the wait without the lock and without an error.
        """
        started = time.monotonic()
        last_notice = -notify_every
        ties = 0
        while stop is None or not stop():
            try:
                holder = self._try_once()
            except FlexplanError:
                raise
            except Exception as exc:
                raise _failure(exc, "taking the account lock") from None
            if self.held:
                self._start_renewing()
                return
            if self._tied and ties < TIE_RETRIES:
                # two runs that made the service at once both gave their leases back: try
                # again soon in the oldest service, whatever --lock-timeout says, so a tie
                # costs a moment, not both pipelines
                ties += 1
                time.sleep(self._rng.uniform(0.3, 0.7))
                continue
            waited = time.monotonic() - started
            if waited >= timeout:
                raise LockHeld(holder, waited)
            if on_wait is not None and waited - last_notice >= notify_every:
                on_wait(holder, waited)
                last_notice = waited
            time.sleep(min(poll * self._rng.uniform(0.5, 1.5), max(0.05, timeout - waited)))

    def _try_once(self) -> Holder | None:
        """One attempt: the lock taken (``held``), or the holder seen (``_tied`` when our
        lease was given back to one in a duplicate service)."""
        self._tied = False
        for _ in range(3):
            service = self._service_sid()
            doc, holder = self._create_or_see(service)
            if holder is not None:
                return holder
            if doc is None:
                continue
            self._sid = str(doc["sid"])
            other = self._held_elsewhere(service)
            if other is not None:  # a duplicate service holds a lease taken before ours
                self.store.delete(service, self._sid)
                self._sid = None
                self._service = None  # the next try goes to the oldest service again
                self._tied = True
            return other
        return None

    def _create_or_see(self, service: str) -> tuple[dict[str, Any] | None, Holder | None]:
        """(our new lease, None), (None, its holder), or (None, None): try again."""
        try:
            return self.store.create(service, self.holder.data(), self.ttl), None
        except TakenMeanwhile as taken:
            current: dict[str, Any] | None = taken.current
        except Exception as exc:
            if http_status(exc) == 404:  # the service was deleted by hand: find it again
                self._service = None
                return None, None
            if not _is_duplicate(exc):
                raise
            current = self.store.fetch(service)
        if current is None:  # released in the meantime
            return None, None
        if (current.get("data") or {}).get("lock_id") == self.holder.lock_id:
            return current, None  # our own create, answered late
        if _expired(current):
            self.store.delete(service, str(current["sid"]))
            return None, None
        return None, _holder_of(current) or UNKNOWN_HOLDER

    def _service_sid(self) -> str:
        """The oldest ``flexplan`` Sync service, created when there is none."""
        if self._service is None:
            services = self.store.services()
            self._service = str(services[0]["sid"]) if services else self.store.create_service()
        return self._service

    def _held_elsewhere(self, mine: str) -> Holder | None:
        services = self.store.services()
        self._others = [str(s["sid"]) for s in services if s["sid"] != mine]
        for service in services:
            if service["sid"] == mine:
                continue
            doc = self.store.fetch(str(service["sid"]))
            if doc is not None and not _expired(doc):
                return _holder_of(doc) or self.holder
        return None

    # -- renewing -------------------------------------------------------------------
    def _start_renewing(self) -> None:
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew_loop, name="lock-renew", daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        interval = max(0.2, self.ttl / 4)
        deadline = time.monotonic() + self.ttl
        while not self._stop.wait(interval):
            if self._service is None or self._sid is None:
                return
            try:
                self.store.renew(self._service, self._sid, self.ttl)
                deadline = time.monotonic() + self.ttl
            except Exception as exc:
                if http_status(exc) == 404 or time.monotonic() + interval >= deadline:
                    self.lost.set()  # expired, or broken: someone else may take it now
                    return

    # -- notes beside the lease ----------------------------------------------------------
    def read_notes(self, name: str) -> list[dict[str, Any]]:
        """The data of the documents ``name``: in the lock's service, and in any duplicate
        ``flexplan`` service the lease was checked against (a run that made one wrote its
        notes there); only while the lock is held, so that no other run writes them."""
        if self._service is None or self._sid is None:
            return []
        found = [self.store.fetch(service, name) for service in [self._service, *self._others]]
        self._notes[name] = found[0] is not None
        data = [doc.get("data") for doc in found if doc is not None]
        return [d for d in data if isinstance(d, dict)]

    def write_note(self, name: str, data: dict[str, Any], ttl: int) -> None:
        """Keep ``data`` in the document ``name`` for ``ttl`` seconds, while the lock is held."""
        if self._service is None or self._sid is None:
            return
        try:
            # one not read is created first: the journal's parts past those read are new
            exists = self._notes.get(name, False)
            self.store.put(self._service, name, data, ttl, exists=exists)
        except Exception as exc:
            raise _failure(exc, f"writing the Sync document {name}") from None
        self._notes[name] = True

    # -- releasing ------------------------------------------------------------------
    def release(self) -> bool:
        """Delete the lease (by SID: never someone else's). False when it was already gone."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)
            self._renewer = None
        if self._service is None or self._sid is None:
            return False
        sid, self._sid = self._sid, None
        try:
            return self.store.delete(self._service, sid)
        except Exception as exc:
            raise _failure(exc, "releasing the account lock") from None

    def __enter__(self) -> AccountLock:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            self.release()


def _is_duplicate(exc: BaseException) -> bool:
    return getattr(exc, "code", None) == DUPLICATE_UNIQUE_NAME or http_status(exc) == 409


def current_holder(client: Any) -> tuple[Holder | None, dict[str, Any] | None, str | None]:
    """(holder, document, service SID) of the current lease, or Nones when none is held."""
    store = SyncStore(client)
    for service in store.services():
        doc = store.fetch(str(service["sid"]))
        if doc is not None and not _expired(doc):
            return _holder_of(doc), doc, str(service["sid"])
    return None, None, None


def force_unlock(client: Any, lock_id: str) -> Holder | None:
    """Delete the lease with ``lock_id``; ``FlexplanError`` when no lease has that ID."""
    try:
        holder, doc, service = current_holder(client)
    except Exception as exc:
        raise _failure(exc, "reading the account lock") from None
    if doc is None or service is None:
        raise FlexplanError(
            "the account is not locked: there is nothing to unlock",
            hint="a lease also ends by itself when its holder stops renewing it",
        )
    if holder is None or holder.lock_id != lock_id:
        shown = holder.describe() if holder else "  (a lock document flexplan cannot read)"
        raise FlexplanError(
            f"the account lock has another ID than {lock_id}:\n{shown}",
            hint="copy the Lock ID from the message of the run that was refused",
        )
    try:
        SyncStore(client).delete(service, str(doc["sid"]))
    except Exception as exc:
        raise _failure(exc, "deleting the account lock") from None
    return holder
