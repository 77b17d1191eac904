"""Read the live account: every kind's reader and every look-up, concurrently.

Plan cost is round trips, so independent request chains run in parallel:
one thread per kind (each kind fans out further through ``ReadContext.map``)
and one for the look-ups. The HTTP client's gate bounds the requests in flight
(``--parallelism``, adapted to the account's 429s); the pools here only need
enough threads to keep it full. A request that gets no answer within its
deadline stops the reads not yet sent (the plan fails on it anyway), so a
hanging account costs one request deadline, not one per wave of queued reads.

The manifest may still be loading (``engine.pending``): each kind gets its
entries as a sequence that waits for the load when first touched (most kinds
list before they look at their entries), and the look-ups wait for it too. When the
load fails, or an interrupt (SIGINT, apply's SIGTERM) arrives while the account is
read, the read stops at once: nothing queued or later is sent (a page chain stops at
the page in flight), nothing in flight is waited for, and the error is raised. A read
changes nothing, so Ctrl-C during a plan's reads ends it without their answers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar, overload

from flexplan.engine.defcache import DigestCache, remember_read
from flexplan.engine.model import Unreadable
from flexplan.engine.pending import loaded
from flexplan.engine.plan import LiveSnapshot
from flexplan.engine.readpool import ReadPool
from flexplan.errors import Diagnostic, DiagnosticsError, FlexplanError
from flexplan.lookups import LookupError_, resolve_lookups
from flexplan.plantypes import Memo
from flexplan.resources._sdk import api_failure, http_status
from flexplan.resources.base import AnyKind
from flexplan.throttle import RequestsStopped, join_request_group
from flexplan.twilio_client import TransportError, request_gate, request_slots

T = TypeVar("T")
R = TypeVar("R")


class Reader:
    """The ``ReadContext`` kinds read through."""

    complete = False  # True: read every live object completely (see ``_Complete``)

    def __init__(
        self,
        client: Any,
        workers: int | None = None,
        *,
        cache: DigestCache | None = None,
        account_sid: str = "",
    ):
        self.client = client
        self.cache, self.account_sid = cache, account_sid
        self.lookups: Future[dict[Any, str]] | None = None  # set while a plan reads
        self.memo_store = Memo()  # handed on to the planner with the snapshot
        # twice the client's request slots: a worker busy parsing an answer does not hold
        # a request slot idle (the client's gate still bounds the requests in flight)
        self.workers = max(1, workers if workers is not None else 2 * request_slots(client))
        self._pool = self.pool(self.workers, "read")
        self._abandoned = False

    def pool(self, workers: int, name: str) -> ReadPool:
        """Threads whose requests belong to this read: once one of them gets no answer
        within its deadline, the client sends no more of them (``RequestGate.stop``)."""
        return ReadPool(workers, name, initializer=join_request_group, initargs=(self,))

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if len(items) <= 1:
            return [fn(item) for item in items]
        futures = [self._pool.submit(fn, item) for item in items]
        results: list[R] = []
        stopped: RequestsStopped | None = None
        for future in futures:
            try:
                results.append(future.result())
            except RequestsStopped as exc:  # the request that stopped it may come later
                stopped = stopped or exc
            except BaseException:
                for rest in futures:
                    rest.cancel()
                raise
        if stopped is not None:
            raise stopped
        return results

    def lookup(self, lookup: Any) -> str | None:
        if self.lookups is None:
            return None
        try:
            return self.lookups.result().get(lookup)
        except RequestsStopped:
            raise  # this read is over: its cause is reported
        except Exception:  # reported by the plan itself
            return None

    def cached(self, sid: str, version: str, candidate: Callable[[], Any]) -> bool:
        if self.cache is None:
            return False
        return self.cache.matches_lazily(self.account_sid, sid, version, candidate)

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self.memo_store.get(key, build)

    def close(self) -> None:
        if self._abandoned:
            return
        self._pool.shutdown(wait=True)
        request_gate(self.client).resume(self)  # the client goes on serving (apply, the lock)

    @contextlib.contextmanager
    def abandoned_on_error(self, *pools: ReadPool) -> Iterator[None]:
        """The block that waits on the read's futures: an exception out of it (a failed
        load or read, an interrupt) abandons the read (``abandon``); without one, ``pools``
        end normally (every future of theirs is done by then)."""
        try:
            yield
        except BaseException:
            self.abandon(*pools)
            raise
        for pool in pools:
            pool.shutdown(wait=True)

    def abandon(self, *pools: ReadPool) -> None:
        """End the read before its threads end (the manifest failed to load, an interrupt):
        no queued or later request of it is sent, and those in flight are not waited for.
        Its request group stays stopped: a thread still in flight must not send its next
        request."""
        self._abandoned = True
        request_gate(self.client).stop(self)
        for pool in (*pools, self._pool):
            pool.shutdown(wait=False, cancel_futures=True)


class _Complete:
    """The ``ReadContext`` of a pruned kind: every live object read completely (a Studio
    flow's definition too), so that what an unmanaged object points at is known."""

    complete = True

    def __init__(self, reader: Reader):
        self.client = reader.client
        self.map = reader.map
        self.lookup = reader.lookup
        self.cached = reader.cached
        self.memo = reader.memo


def read_live(
    client: Any,
    manifest: Any,
    kinds: Sequence[AnyKind],
    *,
    account_sid: str,
    cache: DigestCache | None = None,
) -> LiveSnapshot:
    """Everything the plan needs from the account, read concurrently; with ``cache``,
    content it knows is not fetched again, and what was read is remembered."""
    reader = Reader(client, cache=cache, account_sid=account_sid)
    try:
        return _read_all(reader, manifest, kinds, account_sid)
    finally:
        reader.close()


def _read_all(
    reader: Reader, pending: Any, kinds: Sequence[AnyKind], account_sid: str
) -> LiveSnapshot:
    def manifest() -> Any:
        return loaded(pending)

    pool = reader.pool(len(kinds) + 1, "kind")
    reader.lookups = pool.submit(
        lambda: resolve_lookups(reader, list(_wanted_lookups(manifest(), kinds)))
    )
    futures = {
        kind.section: pool.submit(
            kind.read,
            _Complete(reader) if kind.section in pending.prune else reader,
            _Entries(manifest, kind),
        )
        for kind in kinds
    }
    with reader.abandoned_on_error(pool):  # the load failed, or Ctrl-C while the reads run
        whole = manifest()
        snapshot = LiveSnapshot(account_sid=account_sid, memo=reader.memo_store)
        errors, stopped = _collect(reader, whole, kinds, futures, snapshot)
    if stopped and not errors:  # never plan from a read cut short (a kind kept the cause)
        raise FlexplanError(
            "reading the account stopped: a request got no answer within its deadline",
            hint="check the network and Twilio's status, then run the command again",
        )
    _raise_first(errors)
    return snapshot


def _collect(
    reader: Reader,
    manifest: Any,
    kinds: Sequence[AnyKind],
    futures: dict[str, Future[list[Any]]],
    snapshot: LiveSnapshot,
) -> tuple[list[BaseException], bool]:
    """Each kind's objects and the look-ups into ``snapshot``; the failures, and whether
    a read was stopped."""
    errors: list[BaseException] = []
    stopped = False
    by_section = {kind.section: kind for kind in kinds}
    for section, future in futures.items():
        kind = by_section[section]
        try:
            snapshot.objects[section] = future.result()
            if reader.cache is not None:
                remember_read(reader.cache, snapshot.account_sid, kind, snapshot.objects[section])
        except RequestsStopped:
            stopped = True  # not sent: the request that stopped it is reported
        except Exception as exc:
            failure = _translate(exc, f"reading the account's {plural(kind.title)}")
            if _needed(manifest, section) and _refused(exc):
                errors.append(_with_hint(failure, kind.unreadable_hint))
            elif _needed(manifest, section) or not skippable(exc):
                errors.append(failure)
            else:
                snapshot.unreadable.append(
                    Unreadable(section, plural(kind.title), answer_text(failure))
                )
    assert reader.lookups is not None
    try:
        snapshot.lookups = reader.lookups.result()
    except RequestsStopped:
        stopped = True
    except LookupError_ as exc:
        errors.append(_locate(exc, _wanted_lookups(manifest, kinds)))
    except Exception as exc:
        errors.append(_translate(exc, "resolving look-ups (services, workspaces, workflows)"))
    return errors, stopped


def _refused(exc: BaseException) -> bool:
    """The account refused the read (4xx other than 401): the API may be gone for it."""
    status = http_status(exc)
    if status is None:
        status = _page_status(exc)
    return status is not None and 400 <= status < 500 and status != 401


def _with_hint(failure: BaseException, hint: str | None) -> BaseException:
    """A managed kind's read refused by the account, with the kind's word on why."""
    if hint is None or not isinstance(failure, FlexplanError):
        return failure
    return FlexplanError(failure.message, hint=hint, location=failure.location)


def _needed(manifest: Any, section: str) -> bool:
    """A kind the manifest manages (any entry, even ``state: absent``) or prunes."""
    return bool(manifest.entries_of(section)) or section in manifest.prune


def skippable(exc: BaseException) -> bool:
    """A read Twilio answered with an error other than bad credentials (those fail every
    read alike, and must stop the plan). A lost connection is not skipped either."""
    status = http_status(exc)
    if status is None:
        status = _page_status(exc)
    return status is not None and status != 401


def _page_status(exc: BaseException) -> int | None:
    """The status inside the SDK's ``TwilioException("Unable to fetch page", response)``."""
    response = exc.args[1] if len(exc.args) == 2 else None
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def answer_text(failure: BaseException) -> str:
    """Twilio's answer as the plan shows it: ``Twilio error 20404 (HTTP 404): …``."""
    message = getattr(failure, "message", str(failure))
    _, sep, answer = message.partition(" failed: ")
    return answer if sep else message


def plural(title: str) -> str:
    return title + ("es" if title.endswith("s") else "s")  # "Conversations addresses"


def _managed(manifest: Any, kind: AnyKind) -> list[tuple[str, Any]]:
    return [
        (e.name, e.spec) for e in manifest.entries_of(kind.section) if e.spec.state == "present"
    ]


class _Entries(Sequence[tuple[str, Any]]):
    """A kind's managed entries (name, spec), from the manifest once it is loaded: the
    kind's reader waits for it when it first looks at them, after its list requests."""

    def __init__(self, manifest: Callable[[], Any], kind: AnyKind) -> None:
        self._manifest, self._kind = manifest, kind
        self._items: list[tuple[str, Any]] | None = None

    def _entries(self) -> list[tuple[str, Any]]:
        if self._items is None:
            self._items = _managed(self._manifest(), self._kind)
        return self._items

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, Any] | Sequence[tuple[str, Any]]:
        return self._entries()[index]

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._entries())


def _wanted_lookups(manifest: Any, kinds: Sequence[AnyKind]) -> dict[Any, list[Any]]:
    """Look-up -> the manifest entries that need it (for error locations)."""
    wanted: dict[Any, list[Any]] = {}
    for kind in kinds:
        for entry in manifest.entries_of(kind.section):
            if entry.spec.state != "present":
                continue
            for lookup in kind.lookups(entry.spec):
                wanted.setdefault(lookup, []).append(entry)
                if lookup.workspace is not None:
                    wanted.setdefault(lookup.workspace, []).append(entry)
    return wanted


def _locate(exc: LookupError_, wanted: dict[Any, list[Any]]) -> DiagnosticsError:
    diagnostics = []
    seen: set[tuple[str, str]] = set()
    for lookup, message, hint in exc.failures:
        for entry in wanted.get(lookup, []):
            where = f"{entry.kind.type_name}.{entry.name}: "
            if (where, message) in seen:  # an entry using one look-up in several places
                continue
            seen.add((where, message))
            diagnostics.append(Diagnostic(where + message, entry.location, hint))
    return DiagnosticsError(diagnostics)


def _translate(exc: Exception, doing: str) -> BaseException:
    if isinstance(exc, TransportError):  # say what was being read, not only the URL
        return FlexplanError(f"{doing} failed: {exc.message}", hint=exc.hint)
    if isinstance(exc, (FlexplanError, DiagnosticsError)):
        return exc
    translated = api_failure(exc, doing)
    if translated is None:
        raise exc
    return translated


def _raise_first(errors: list[BaseException]) -> None:
    """The first failed API read alone (wrong credentials or a network outage fail every
    read the same way: one message, not one per kind); else every look-up problem."""
    for exc in errors:
        if isinstance(exc, FlexplanError):
            raise exc
    diagnostics: list[Diagnostic] = []
    for exc in errors:
        if isinstance(exc, DiagnosticsError):
            diagnostics.extend(exc.diagnostics)
    if diagnostics:
        raise DiagnosticsError(diagnostics)
