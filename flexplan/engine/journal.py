"""What the last applies wrote, so that a plan can tell a lagging read from a change.

After an apply, Twilio's reads can show the account as it was before the
writes for a while (RJPearson94/terraform-provider-twilio#86). apply records
every write it carried out in ``DIR/.flexplan/recent-writes.json``: the
account, the address, the action, the SID, when, a hash of the values it
wrote (sensitive values masked and redacted before hashing, as in a saved
plan: no secret is kept, not even as a hash), and the fingerprints of the
object before the write and of the object the write answer returned.

A change in a later plan is *explained by lag* when a recent write (younger
than ``Windows.horizon``) wrote exactly what the manifest wants now at that
address (same hash, SIDs of objects that run created filled in), to the same
live object, and that object is either not visible yet (a create), the very
version the write changed (a stale read: same fingerprint as the plan saw
before the write), or exactly what the write answer returned while an object
it points at is not visible yet; or when it deletes what a recent write
already deleted. A plan that fails (two live copies of one key) is read again
too, when a recent apply removed an extra copy. Nothing
else is ever held back: a manifest edited since the apply, or an object
changed in the account after it, shows as a change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flexplan.atomic import write_text_atomically
from flexplan.engine.consistency import poll
from flexplan.engine.model import LAG_REASON, Plan, ResourceChange, is_sensitive
from flexplan.errors import DiagnosticsError
from flexplan.plantypes import Unknown
from flexplan.redact import redact

if TYPE_CHECKING:
    from flexplan.engine.lock import AccountLock

RELATIVE = Path(".flexplan") / "recent-writes.json"
FORMAT = 1
WRITES = ("create", "update", "replace")


@dataclass(frozen=True)
class Write:
    account_sid: str
    address: str
    action: str  # create | update | replace | delete
    sid: str | None  # the object written (the new one for create/replace)
    old_sid: str | None  # the object a replace destroyed / the object updated
    at: float  # epoch seconds, when apply finished the action
    after_hash: str | None
    fingerprint: str | None  # of the object the write answer returned
    before_fingerprint: str | None = None  # of the object the write changed, as planned


def values_hash(change: ResourceChange, created: Mapping[str, str]) -> str | None:
    """A digest of the values ``change`` writes: unknowns filled, sensitive ones masked."""
    if change.after is None:
        return None
    scrubbed = _scrub(change.after, "", change, created)
    text = redact(json.dumps(scrubbed, sort_keys=True, separators=(",", ":"), default=str))
    return hashlib.sha256(text.encode()).hexdigest()


def _scrub(value: Any, path: str, change: ResourceChange, created: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: _scrub(v, f"{path}.{k}" if path else k, change, created) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v, path, change, created) for v in value]
    if isinstance(value, Unknown):
        return created.get(value.source, "(known after apply)")
    return "(sensitive)" if is_sensitive(change, path, value) else value


def record_writes(directory: Path, writes: Sequence[Write], *, horizon: float) -> None:
    """Add ``writes`` (``writes_of`` one apply) to the journal, dropping entries older than
    ``horizon``. Never fails the apply."""
    if not writes:
        return
    now = time.time()
    path = directory / RELATIVE
    kept = {(w.account_sid, w.address): w for w in _load(path) if now - w.at < horizon}
    kept.update({(w.account_sid, w.address): w for w in writes})
    # a read-only checkout: plans then just cannot tell lag from change
    with contextlib.suppress(OSError):
        _write(path, {"format": FORMAT, "writes": [asdict(w) for w in kept.values()]})


def writes_of(
    account_sid: str,
    done: Sequence[tuple[ResourceChange, str | None, str | None]],
    created: Mapping[str, str],
    removed: Sequence[tuple[str, str]] = (),
) -> list[Write]:
    """The journal's entries for what one apply carried out ((change, SID, fingerprint of
    the write answer)) and the extra copies it removed ((address, SID))."""
    now = time.time()
    writes = [
        Write(
            account_sid=account_sid,
            address=change.address,
            action=change.action,
            sid=sid if change.action != "delete" else change.sid,
            old_sid=change.sid,
            at=now,
            after_hash=values_hash(change, created) if change.action in WRITES else None,
            fingerprint=fingerprint,
            before_fingerprint=change.fingerprint,
        )
        for change, sid, fingerprint in done
    ]
    writes += [
        Write(account_sid, f"{address}#removed:{sid}", "delete", sid, sid, now, None, None)
        for address, sid in removed
    ]
    return writes


# -- the shared journal: the same entries, in the account ---------------------------------
# Another checkout (a second CI runner) has no DIR/.flexplan of this one; apply keeps its
# writes in the account too, in a Sync document beside the lock, which the next apply
# (holding the lock, so nobody writes it meanwhile) reads before it plans.
SHARED_NAME = "flexplan-recent-writes"  # the first part; part n (from 2) adds "-n"
SHARED_LIMIT = 15 * 1024  # characters of JSON: Sync keeps at most 16 KiB per document
SHARED_PARTS = 40  # documents at most (some 2,500 writes): a bigger apply keeps its newest
CLOCK_SKEW = 30.0  # seconds another machine's clock may be off from this one's
FIELDS = [f.name for f in dataclasses.fields(Write)]


def part_name(index: int) -> str:
    """The document of the shared journal's part ``index`` (0: the first)."""
    return SHARED_NAME if index == 0 else f"{SHARED_NAME}-{index + 1}"


def shared_documents(
    writes: Sequence[Write], *, now: float, horizon: float
) -> list[dict[str, Any]]:
    """The shared journal's documents: the entries younger than ``horizon``, newest first,
    each a row of ``FIELDS`` (names once, not in every entry: more entries fit), in parts
    of at most ``SHARED_LIMIT``; the first part says how many there are (``parts``). Past
    ``SHARED_PARTS`` the oldest are left out (lag cannot be told from change there)."""
    young = sorted((w for w in writes if now - w.at < horizon), key=lambda w: w.at, reverse=True)
    empty = len(json.dumps({"format": FORMAT, "fields": FIELDS, "parts": SHARED_PARTS,
                            "writes": []}))  # fmt: skip
    parts: list[list[list[Any]]] = [[]]
    size = empty
    for write in young:
        row = [getattr(write, name) for name in FIELDS]
        size += len(json.dumps(row)) + 2
        if size > SHARED_LIMIT:
            if len(parts) == SHARED_PARTS:
                break
            parts.append([])
            size = empty + len(json.dumps(row)) + 2
        parts[-1].append(row)
    documents = [{"format": FORMAT, "fields": FIELDS, "writes": rows} for rows in parts]
    documents[0]["parts"] = len(parts)
    return documents


def parts_of(data: Any) -> int:
    """How many documents the journal whose first part is ``data`` has (a journal written
    before parts, or anything malformed: one)."""
    parts = data.get("parts") if isinstance(data, dict) else None
    if isinstance(parts, int) and not isinstance(parts, bool):
        return max(1, min(parts, SHARED_PARTS))
    return 1


def shared_writes(
    data: Any, account_sid: str, *, horizon: float, now: float | None = None
) -> dict[str, Write]:
    """The shared document's entries for ``account_sid`` younger than ``horizon`` (give or
    take ``CLOCK_SKEW``: they were stamped by another machine's clock), by address."""
    now = time.time() if now is None else now
    return {
        w.address: w
        for w in _parse(_as_entries(data))
        if w.account_sid == account_sid and -CLOCK_SKEW <= now - w.at < horizon + CLOCK_SKEW
    }


def _as_entries(data: Any) -> Any:
    """A shared document's rows as the file's entries (anything malformed: no entry)."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        return None
    fields, rows = data["fields"], data.get("writes")
    if not all(isinstance(f, str) for f in fields) or not isinstance(rows, list):
        return None
    entries = [dict(zip(fields, row, strict=True)) for row in rows
               if isinstance(row, list) and len(row) == len(fields)]  # fmt: skip
    return {"format": data.get("format"), "writes": entries}


def merged(*journals: Mapping[str, Write]) -> dict[str, Write]:
    """One entry per address: the newest of the journals'."""
    out: dict[str, Write] = {}
    for journal in journals:
        for address, write in journal.items():
            if address not in out or write.at > out[address].at:
                out[address] = write
    return out


def read_shared(lock: AccountLock | None, account_sid: str, *, horizon: float) -> dict[str, Write]:
    """The shared journal's entries, read under ``lock`` (none without the lock: another
    run may be writing it). A failed read only loses what it would tell."""
    if lock is None or horizon <= 0:
        return {}
    try:
        documents = lock.read_notes(SHARED_NAME)
        more = max((parts_of(d) for d in documents), default=1)
        for index in range(1, more):
            documents += lock.read_notes(part_name(index))
    except Exception:
        return {}
    return merged(*(shared_writes(d, account_sid, horizon=horizon) for d in documents))


def keep_shared(
    lock: AccountLock | None,
    plan: Plan,
    shared: Mapping[str, Write],
    writes: Sequence[Write],
    *,
    horizon: float,
) -> None:
    """Put this apply's ``writes`` into the shared journal beside the entries it read
    (``shared``) that its plan did not see carried out; raises when Sync refuses."""
    if lock is None or horizon <= 0 or not writes:
        return
    seen = {c.address for c in plan.changes if c.action == "no-op" and c.reason != LAG_REASON}
    earlier = {a: w for a, w in shared.items() if a not in seen}
    entries = merged(earlier, {w.address: w for w in writes})
    documents = shared_documents(list(entries.values()), now=time.time(), horizon=horizon)
    for index, data in reversed(list(enumerate(documents))):  # the first, naming them, last
        lock.write_note(part_name(index), data, ttl=math.ceil(horizon + CLOCK_SKEW))


def recent_writes(directory: Path, account_sid: str, *, horizon: float) -> dict[str, Write]:
    """The journal's writes to ``account_sid`` younger than ``horizon``, by address."""
    now = time.time()
    return {
        w.address: w
        for w in _load(directory / RELATIVE)
        if w.account_sid == account_sid and 0 <= now - w.at < horizon
    }


def forget_confirmed(directory: Path, account_sid: str, plan: Plan) -> None:
    """Drop the writes a plan saw carried out (its change there is a plain no-op): once a
    read has shown a write, lag can no longer explain a difference there (reads are taken
    as monotonic), so a later difference is a change (someone deleted or reset it)."""
    seen = {c.address for c in plan.changes if c.action == "no-op" and c.reason != LAG_REASON}
    path = directory / RELATIVE
    writes = _load(path)
    kept = [w for w in writes if not (w.account_sid == account_sid and w.address in seen)]
    if len(kept) != len(writes):
        with contextlib.suppress(OSError):
            _write(path, {"format": FORMAT, "writes": [asdict(w) for w in kept]})


def created_sids(writes: Mapping[str, Write]) -> dict[str, str]:
    return {a: w.sid for a, w in writes.items() if w.sid and w.action in ("create", "replace")}


def explained_by_lag(change: ResourceChange, writes: Mapping[str, Write]) -> bool:
    """True when only a read lagging behind a recorded write can show this change."""
    write = writes.get(change.address)
    if write is None or write.sid is None or change.action == "no-op":
        return False  # a write without a SID (an entry of a singleton) cannot be told apart
    if write.action == "delete" or change.action == "delete":
        return write.action == change.action and change.sid == write.sid
    if values_hash(change, created_sids(writes)) != write.after_hash:
        return False  # the manifest asks for something else than that apply wrote
    if change.sid is None:
        return True  # the object that apply created is not visible yet
    if change.sid == write.old_sid and change.fingerprint == write.before_fingerprint:
        return True  # the very version that apply changed: a stale read
    # exactly what that apply wrote, shown as a change only because an object it
    # points at is not visible yet ("known after apply")
    return (
        change.sid == write.sid
        and change.fingerprint == write.fingerprint
        and _has_unknown(change.after)
    )


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _load(path: Path) -> list[Write]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # no journal, or a broken one: no write is known
    return _parse(body)


def _parse(body: Any) -> list[Write]:
    """The entries of a journal's JSON; anything malformed is no entry (never an error)."""
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return []
    writes = []
    items = body.get("writes")
    for item in items if isinstance(items, list) else []:
        try:
            write = Write(**item)
        except TypeError:
            continue
        if _well_typed(write):
            writes.append(write)
    return writes


def _well_typed(write: Write) -> bool:
    texts = (write.sid, write.old_sid, write.after_hash, write.fingerprint)
    return (
        isinstance(write.account_sid, str)
        and isinstance(write.address, str)
        and write.action in (*WRITES, "delete")
        and all(t is None or isinstance(t, str) for t in (*texts, write.before_fingerprint))
        and type(write.at) in (int, float)
        and math.isfinite(write.at)
    )


def settle(compute: Callable[[], Plan], writes: Mapping[str, Write], window: float) -> Plan:
    """``compute()`` a plan; while recent writes explain some of its changes (or the
    read fails in a way lag can cause), read again within ``window``; then hold back
    what lag still explains, with a note saying the account has not caught up."""
    if not writes:
        return compute()

    removals = any(w.action == "delete" for w in writes.values())

    def attempt() -> tuple[Plan | None, DiagnosticsError | None]:
        try:
            return compute(), None
        except DiagnosticsError as exc:
            if not removals:
                raise
            return None, exc  # e.g. two live copies while a recent delete is not visible

    def caught_up(outcome: tuple[Plan | None, DiagnosticsError | None]) -> bool:
        plan = outcome[0]
        return plan is not None and not any(explained_by_lag(c, writes) for c in plan.changes)

    (plan, error), _ = poll(attempt, caught_up, window)
    if plan is None:
        assert error is not None
        raise error
    return hold_back(plan, writes)


def hold_back(plan: Plan, writes: Mapping[str, Write]) -> Plan:
    """``plan`` with the changes only lag explains turned into no-ops, and a note."""
    held = [c for c in plan.changes if explained_by_lag(c, writes)]
    if not held:
        return plan
    sids = {c.address: writes[c.address].sid for c in held if writes[c.address].sid}
    names = {c.address for c in held}
    changes = []
    for change in plan.changes:
        if change.address in names:
            change = dataclasses.replace(
                change, action="no-op", diff=[], details={}, reason=LAG_REASON
            )
        elif sids:
            change = dataclasses.replace(
                change,
                after=_fill(change.after, sids),
                depends_on=[d for d in change.depends_on if d not in names],
            )
        changes.append(change)
    when = max(writes[a].at for a in names)
    stamp = time.strftime("%H:%M:%S UTC", time.gmtime(when))
    shown = ", ".join(sorted(names)[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    note = (
        f"The account has not caught up with the apply at {stamp} yet: its reads still show "
        f"{len(names)} change{'s' if len(names) != 1 else ''} that apply already made ({shown}). "
        "They are not shown as changes; run `flexplan plan` again in a minute to confirm."
    )
    return dataclasses.replace(plan, changes=changes, notes=[*plan.notes, note])


def _fill(value: Any, sids: Mapping[str, str | None]) -> Any:
    if isinstance(value, Unknown) and sids.get(value.source):
        return sids[value.source]
    if isinstance(value, dict):
        return {k: _fill(v, sids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, sids) for v in value]
    return value


def _write(path: Path, body: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(body, indent=1))
