"""The sandbox account's state: resources by kind, persisted atomically.

This is storage only: what Twilio accepts and how it builds an answer live in
the record modules (``addresses``, ``flex_flows``, ``studio_flows``) above it,
the HTTP handlers (``api_*``) above those, and the fresh Flex account in
``seed``; ``store.Store`` puts them together.

State is plain JSON: collections keyed by SID (insertion order is list order,
as Twilio lists oldest first), three singletons, Studio revisions, and the SID
counter. With a state file, every change is written to a temporary file in
the same directory and renamed over the old one, so a killed server leaves
either the old state or the new one, never a torn file.

Lists: ``listing(kind)`` is the collection in list order with each object's
position, kept until the collection changes, so a page of a long list costs
its own items (``paging``).

Lagging reads (``lag_seconds`` > 0, docs/sandbox.md "Reads that lag"): every
write of a collection object records, per object, the time it becomes
visible and the version readers saw before it (``None`` for a create).
Reads made through ``reading()`` (the HTTP layer wraps every GET in it) see
that previous version until then; writes always see the newest state. With
``lag_lists="empty"`` a read of a collection that has a change still pending
sees no objects at all (a list answer that comes back empty). A lag of
``math.inf`` ends only when told (``catch_up``): tests whose point is what a
plan sees *during* the lag then do not depend on how fast the machine is.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flexplan.atomic import write_text_atomically
from flexplan.errors import FlexplanError
from flexplan.sandbox.ids import counter_sid
from flexplan.sandbox.paging import Listing

FORMAT = 1
COLLECTIONS = (
    "flex_flows",
    "addresses",
    "studio_flows",
    "conversations_services",
    "chat_services",
    "workspaces",
    "workflows",
    "task_channels",
    "task_queues",
    "activities",
    "sync_services",
    "sync_documents",
)
SINGLETONS = ("flex_configuration", "conversations_configuration", "conversations_webhooks")
LAG_LISTS = ("stale", "empty")
# Not lagged (docs/sandbox.md "Reads that lag"): the singletons, and Sync (the account
# lock's store), whose read-after-write behaviour no source describes.
NOT_LAGGED = (*SINGLETONS, "sync_services", "sync_documents")

Body = dict[str, Any]


class AccountState:
    """All resources of one sandbox account. Callers hold ``lock`` around a change.

    A new state without a state file holds an empty account (``fresh_state``);
    ``store.Store`` starts from a fresh Flex account instead."""

    echo_sids = False  # knob: answer SIDs for values given by name (docs/sandbox.md)

    def __init__(
        self, *, account_sid: str, seed: int | None = None, state_file: Path | None = None
    ):
        self.account_sid = account_sid
        self.seed = seed or 0
        self.state_file = state_file
        self.lock = threading.RLock()
        self.lag_seconds = 0.0
        self.lag_lists = "stale"
        self._view = threading.local()
        # catch_up: the lag ends when a read answered stale is asked again, or with a write
        self._catch_up_on_reread = self._watching_rereads = False
        self._stale_reads: set[str] = set()
        self._writes_before_catch_up: int | None = None
        self._listings: dict[str, tuple[dict[str, Body], int, Listing]] = {}
        self._writes: dict[str, int] = {}  # writes per collection, to know a listing is old
        self.state: dict[str, Any] = {}
        if state_file is not None and state_file.exists():
            self.state = _load(state_file, account_sid)
            for kind in COLLECTIONS:  # a state file from before a collection existed
                self.state.setdefault(kind, {})
        else:
            self.reset()

    # -- lifecycle -----------------------------------------------------------
    def reset(self) -> None:
        """Back to the fresh account (and save it)."""
        with self.lock:
            self.state = self.fresh_state()
            self.save()

    def fresh_state(self) -> dict[str, Any]:
        """What a new account holds: here nothing at all."""
        return {
            "format": FORMAT,
            "account_sid": self.account_sid,
            "counter": 0,
            "revisions": {},
            **{kind: {} for kind in COLLECTIONS},
            **{name: {"account_sid": self.account_sid} for name in SINGLETONS},
        }

    def save(self) -> None:
        if self.state_file is not None:
            with self.lock:
                _atomic_write(self.state_file, self.state)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.state)

    # -- access ----------------------------------------------------------------
    def new_sid(self, prefix: str) -> str:
        with self.lock:
            self.state["counter"] += 1
            return counter_sid(prefix, self.seed, self.state["counter"])

    def items(self, kind: str) -> list[Body]:
        if self._lagging():
            return self._visible_items(kind, time.time())
        return list(self.state[kind].values())

    def get(self, kind: str, sid: str) -> Body | None:
        if self._lagging():
            return self._visible(kind, sid, time.time())
        found: Body | None = self.state[kind].get(sid)
        return found

    def listing(self, kind: str) -> Listing:
        """The collection in list order, each object found by SID in constant time."""
        if self._lagging():
            return Listing(self._visible_items(kind, time.time()))
        collection: dict[str, Body] = self.state[kind]
        writes = self._writes.get(kind, 0)
        cached = self._listings.get(kind)
        if cached is None or not _current(cached, collection, writes):
            cached = (collection, writes, Listing(list(collection.values())))
            self._listings[kind] = cached
        return cached[2]

    def put(self, kind: str, body: Body) -> Body:
        self._note_write(kind, body["sid"])
        self.state[kind][body["sid"]] = body
        self._writes[kind] = self._writes.get(kind, 0) + 1
        return body

    def delete(self, kind: str, sid: str) -> None:
        if sid in self.state[kind]:
            self._note_write(kind, sid)
        self.state[kind].pop(sid, None)
        self._writes[kind] = self._writes.get(kind, 0) + 1

    # -- lagging reads ---------------------------------------------------------
    @contextmanager
    def reading(self, request: str = "") -> Iterator[None]:
        """Serve ``items``/``get`` as a lagging reader sees them (within the block);
        ``request`` (method, path and query) names the read for ``catch_up``."""
        if self._watching_rereads and request in self._stale_reads:
            self.catch_up()  # the reader asks again for what it saw stale: the lag ends
        self._view.active, self._view.stale = True, False
        try:
            yield
        finally:
            self._view.active = False
            if self._view.stale and self._watching_rereads:
                self._stale_reads.add(request)

    def catch_up(self, *, when_read_again: bool = False, after_writes: int = 0) -> None:
        """Show every pending change to reads: now; or once a reader asks again for
        something it was answered stale (``when_read_again``: a plan reading the account
        again); with ``after_writes``, from that many writes of lagging collections on
        (the lag ends with the last of them, or as it says)."""
        with self.lock:
            self._stale_reads.clear()
            self._catch_up_on_reread = when_read_again
            self._watching_rereads = when_read_again and after_writes <= 0
            self._writes_before_catch_up = after_writes if after_writes > 0 else None
            if not when_read_again and after_writes <= 0:
                self.state.pop("pending", None)

    def _count_write_before_catch_up(self) -> bool:
        """True when this write ends the lag (``catch_up(after_writes=…)``)."""
        if self._writes_before_catch_up is None:
            return False
        self._writes_before_catch_up -= 1
        if self._writes_before_catch_up > 0:
            return False
        if self._catch_up_on_reread:
            self._writes_before_catch_up, self._watching_rereads = None, True
            return False
        self.catch_up()  # this write is seen at once, and every one before it
        return True

    def _lagging(self) -> bool:
        return bool(getattr(self._view, "active", False)) and bool(self.state.get("pending"))

    def _pending(self, kind: str) -> dict[str, Any]:
        pending: dict[str, Any] = self.state.setdefault("pending", {}).setdefault(kind, {})
        return pending

    def _note_write(self, kind: str, sid: str) -> None:
        """Before a write of ``sid``: keep what readers see now until the lag has passed."""
        if self.lag_seconds <= 0 or kind in NOT_LAGGED:
            return
        if self._count_write_before_catch_up():
            return
        now = time.time()
        self._expire(now)
        previous = self._visible(kind, sid, now)
        self._pending(kind)[sid] = {"visible_at": now + self.lag_seconds, "previous": previous}

    def _expire(self, now: float) -> None:
        for kind, entries in list(self.state.get("pending", {}).items()):
            for sid in [s for s, e in entries.items() if e["visible_at"] <= now]:
                del entries[sid]
            if not entries:
                del self.state["pending"][kind]

    def _visible(self, kind: str, sid: str, now: float) -> Body | None:
        entry = self.state.get("pending", {}).get(kind, {}).get(sid)
        if entry is not None and now < entry["visible_at"]:
            self._view.stale = True
            previous: Body | None = entry["previous"]
            return previous
        found: Body | None = self.state[kind].get(sid)
        return found

    def _visible_items(self, kind: str, now: float) -> list[Body]:
        pending = self.state.get("pending", {}).get(kind, {})
        waiting = [sid for sid, e in pending.items() if now < e["visible_at"]]
        if waiting and self.lag_lists == "empty":
            self._view.stale = True
            return []
        sids = list(self.state[kind]) + [s for s in waiting if s not in self.state[kind]]
        shown = (self._visible(kind, sid, now) for sid in sids)
        return [body for body in shown if body is not None]

    def singleton(self, name: str) -> Body:
        body: Body = self.state[name]
        return body

    def set_singleton(self, name: str, body: Body) -> None:
        self.state[name] = body

    def revisions(self, flow_sid: str) -> list[Body]:
        revs: list[Body] = self.state["revisions"].setdefault(flow_sid, [])
        return revs


def _current(cached: tuple[dict[str, Body], int, Listing], collection: dict[str, Body],
             writes: int) -> bool:  # fmt: skip
    """A listing is as old as the writes it saw; a test that edits ``state`` directly
    replaces a collection or changes its length."""
    seen, seen_writes, listing = cached
    return seen is collection and seen_writes == writes and len(listing) == len(collection)


def _load(path: Path, account_sid: str) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FlexplanError(
            f"cannot read sandbox state {path}: {exc}",
            hint="delete the file to start again from a fresh account",
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise FlexplanError(
            f"{path} is not a flexplan sandbox state file (format {FORMAT})",
            hint="delete the file to start again from a fresh account",
        )
    if state.get("account_sid") != account_sid:
        raise FlexplanError(
            f"{path} holds account {state.get('account_sid')}, not {account_sid}",
            hint="use the same --account-sid, or another --state file",
        )
    return state


def _atomic_write(path: Path, state: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(state))  # no indent: keeps the fast C encoder
