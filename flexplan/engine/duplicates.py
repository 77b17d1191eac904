"""No duplicates from writes whose outcome is unknown: look again, then verify at the end.

A create answered 502 after Twilio carried it out, or answered after the
client timed out, leaves a resource flexplan does not know the SID of; a list
that lags (or comes back empty) then hides it, and creating again makes a
second copy. Two defences:

1. after such an answer, the natural key is looked up again over a bounded
   window (``Windows.lookup``) before the create is sent again;
2. at the end of apply every natural key this run created is read back (one
   read of the kind's list; where the run sent more than one create for a key,
   re-read until the copy it kept is visible, within ``Windows.verify``).
   Copies of a key that the plan's read did not show and that no write answer
   named are copies this run may have made: when there
   are no more of them than creates this run sent for that key beyond the one
   it kept, they are removed; otherwise (someone else may have made one) none
   is removed and the report says so. A copy the plan's read showed is never
   removed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flexplan.engine.consistency import poll
from flexplan.engine.model import Plan, ResourceChange
from flexplan.engine.read import Reader
from flexplan.plantypes import LiveObject
from flexplan.resources.base import AnyKind


@dataclass
class _Creates:
    change: ResourceChange
    sent: int = 0  # create requests sent for this key
    kept: str | None = None  # the SID the run settled on (a write answer or a look-up)


@dataclass
class Verification:
    """What the end-of-apply read found: copies removed, and what it left alone."""

    removed: list[tuple[str, str, str]] = field(default_factory=list)  # address, removed, kept
    notes: list[str] = field(default_factory=list)


class CreateLedger:
    """Per address: how many creates were sent and which SID was kept (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_address: dict[str, _Creates] = {}

    def sent(self, change: ResourceChange) -> None:
        with self._lock:
            self._by_address.setdefault(change.address, _Creates(change)).sent += 1

    def kept(self, change: ResourceChange, sid: str | None) -> None:
        with self._lock:
            self._by_address.setdefault(change.address, _Creates(change)).kept = sid

    def entries(self) -> list[_Creates]:
        with self._lock:
            return list(self._by_address.values())


def find_by_key(
    client: Any, kind: AnyKind, change: ResourceChange, window: float
) -> LiveObject | None:
    """The live object with ``change``'s natural key, looked for over ``window`` seconds."""
    found, _ = poll(lambda: _find(client, kind, change), lambda o: o is not None, window)
    return found


def _find(client: Any, kind: AnyKind, change: ResourceChange) -> LiveObject | None:
    return next((o for o in _read(client, kind) if o.key == change.key), None)


def _read(client: Any, kind: AnyKind) -> list[LiveObject]:
    reader = Reader(client, 4)  # a kind may read in several requests (addresses: per type)
    try:
        return list(kind.read(reader, []))
    finally:
        reader.close()


def verify_creates(
    client: Any,
    plan: Plan,
    kinds: Mapping[str, AnyKind],
    ledger: CreateLedger,
    *,
    window: float,
    delete: Callable[[AnyKind, LiveObject], None],
) -> Verification:
    """Read back every created natural key; remove the extra copies this run made."""
    result = Verification()
    seen_at_plan = _planned_sids(plan)
    # what this run deleted (a replace's old object) may still be listed while reads lag
    deleted = {c.sid for c in plan.changes if c.sid and c.action in ("delete", "replace")}
    by_section: dict[str, list[_Creates]] = {}
    for entry in ledger.entries():
        if entry.change.section in kinds and kinds[entry.change.section].has_sid:
            by_section.setdefault(entry.change.section, []).append(entry)
    for section, entries in by_section.items():
        kind = kinds[section]
        # Only a key this run sent more than one create for can have a copy of ours: wait
        # (within the window) until the list shows the copy it kept; read the rest once.
        wanted = {e.kept for e in entries if e.kept and e.sent > 1}
        objects, complete = poll(
            lambda kind=kind: _read(client, kind),  # type: ignore[misc]
            lambda objs, wanted=wanted: wanted <= {o.sid for o in objs},  # type: ignore[misc]
            window if wanted else 0.0,
        )
        if not complete:
            result.notes.append(
                f"Could not verify the {kind.title}s this apply created: after {window:g}s the "
                "account's list still does not show all of them (reads lag); run "
                "`flexplan plan` in a minute to check for duplicates"
            )
            continue
        for entry in entries:
            copies = [o for o in objects if o.key == entry.change.key and o.sid not in deleted]
            _settle(entry, copies, seen_at_plan, result,
                    lambda live, kind=kind: delete(kind, live))  # type: ignore[misc]  # fmt: skip
    return result


def _settle(
    entry: _Creates,
    copies: list[LiveObject],
    seen_at_plan: set[str],
    result: Verification,
    delete: Callable[[LiveObject], None],
) -> None:
    address = entry.change.address
    foreign = [c for c in copies if c.sid in seen_at_plan and c.sid != entry.kept]
    unknown = [c for c in copies if c.sid not in seen_at_plan and c.sid != entry.kept]
    for copy in foreign:
        result.notes.append(
            f"{address}: {copy.sid} holds the same natural key ({copy.label}); this apply did "
            "not make it, so it was left alone: remove one of them by hand"
        )
    if not unknown or entry.kept is None:
        if unknown:
            result.notes.append(
                f"{address}: {len(unknown)} cop{'y' if len(unknown) == 1 else 'ies'} of "
                f"{unknown[0].label} may have been made by this apply, whose create failed; "
                "none was removed: `flexplan plan` shows them"
            )
        return
    ours = entry.sent - 1  # every create sent beyond the kept one may have made a copy
    if len(unknown) > ours:
        result.notes.append(
            f"{address}: {len(unknown)} other copies of {unknown[0].label} appeared during "
            f"apply, more than this apply can have made ({ours}); none was removed: remove "
            "the extra ones by hand"
        )
        return
    for copy in unknown:
        try:
            delete(copy)
        except Exception as exc:  # reported, never raised: the apply itself is done
            result.notes.append(
                f"{address}: could not remove the extra copy {copy.sid}: {exc}; remove it by hand"
            )
            continue
        result.removed.append((address, str(copy.sid), entry.kept))


def _planned_sids(plan: Plan) -> set[str]:
    """Every SID the plan's read of the account showed (matched or not managed)."""
    sids = {c.sid for c in plan.changes if c.sid}
    sids |= {u.sid for u in plan.unmanaged if u.sid}
    return sids
