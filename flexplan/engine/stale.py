"""Refuse a saved plan that no longer describes the account it will change.

A saved plan is applied only when: the credentials reach the plan's account;
the manifest in the working tree is the one the plan was made from (digest);
and a fresh read of the account gives the same actions on live objects with
the same fingerprints. Nothing is written before these checks pass.

Lag alone never makes a plan stale: when the live object now read is exactly
the one a recent apply's write answer returned (``journal.Write.fingerprint``),
the difference is that apply's own write becoming visible, not someone else's
change; the values the plan writes must still be the reviewed ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flexplan.engine.diff import leaves
from flexplan.engine.document import redacted_plan_document
from flexplan.engine.journal import Write
from flexplan.engine.model import Plan
from flexplan.engine.saved import live_version
from flexplan.errors import Diagnostic, DiagnosticsError, FlexplanError

RERUN = "run `flexplan plan --out FILE` again, review it, and apply the new plan"


def check_account(saved: dict[str, Any], account_sid: str) -> None:
    if saved.get("account_sid") != account_sid:
        raise FlexplanError(
            f"the plan was made for account {saved.get('account_sid')}, but the credentials "
            f"reach account {account_sid}; refusing to apply it here",
            hint="set the credentials of the plan's account, or make a plan for this one",
        )


def check_digest(saved: dict[str, Any], digest: str) -> None:
    if saved.get("manifest_digest") != digest:
        raise FlexplanError(
            "the manifest changed since the plan was made (its digest differs)",
            hint=RERUN,
        )


def check_fresh(
    saved: dict[str, Any], fresh: Plan, writes: Mapping[str, Write] | None = None
) -> None:
    """Compare the saved plan's changes with a fresh plan; refuse on any difference
    that lag behind one of the recent ``writes`` does not explain."""
    writes = writes or {}
    problems: list[Diagnostic] = []
    fresh_by = {c.address: c for c in fresh.changes}
    fresh_after = _written_values(fresh)
    saved_by = {c["address"]: c for c in saved.get("resource_changes", [])}
    for address, item in saved_by.items():
        change = fresh_by.get(address)
        actions = item["change"]["actions"]
        if change is None:
            if actions != ["no-op"]:
                problems.append(_stale(address, "it is no longer in the account or the manifest"))
            continue
        if change.actions != actions and not _own_create_visible(actions, change, writes):
            problems.append(
                _stale(
                    address, f"it would now be {'/'.join(change.actions)}, not {'/'.join(actions)}"
                )
            )
        elif (
            actions != ["no-op"]
            and change.fingerprint != item.get("fingerprint")
            and not _own_write_visible(change, writes)
        ):
            problems.append(_stale(address, _what_changed(item, change)))
        elif actions != ["no-op"] and fresh_after[address] != item["change"]["after"]:
            problems.append(
                _stale(address, _values_changed(item["change"]["after"], fresh_after[address]))
            )
    for address, change in fresh_by.items():
        if address not in saved_by and change.action != "no-op":
            problems.append(_stale(address, f"a new change appeared: {change.action}"))
    if problems:
        raise DiagnosticsError(problems)


def _own_create_visible(actions: list[str], change: Any, writes: Mapping[str, Write]) -> bool:
    """The plan would create what a recent apply created, which reads now show."""
    write = writes.get(change.address)
    return (
        actions == ["create"]
        and change.action == "update"
        and write is not None
        and write.action in ("create", "replace")
        and change.sid == write.sid
    )


def _own_write_visible(change: Any, writes: Mapping[str, Write]) -> bool:
    """The live object read now is the one a recent flexplan write answer returned."""
    write = writes.get(change.address)
    return (
        write is not None
        and write.fingerprint is not None
        and change.fingerprint == write.fingerprint
        and change.sid == write.sid
    )


def _written_values(plan: Plan) -> dict[str, Any]:
    """Each change's ``after`` exactly as a saved plan holds it (masked, redacted)."""
    body = redacted_plan_document(plan)
    return {item["address"]: item["change"]["after"] for item in body["resource_changes"]}


def _values_changed(saved: Any, fresh: Any) -> str:
    """What the reviewed plan would write differently now (a look-up resolving elsewhere)."""
    old, new = dict(leaves(saved or {})), dict(leaves(fresh or {}))
    changed = [p for p in sorted(old.keys() | new.keys()) if old.get(p) != new.get(p)]
    shown = ", ".join(f"{p}: {old.get(p)!r} → {new.get(p)!r}" for p in changed[:3])
    return f"the values it would write changed since the plan ({shown})"


def _what_changed(item: dict[str, Any], change: Any) -> str:
    before, now = item.get("live_version") or {}, live_version(change)
    if before.get("revision") != now.get("revision") and "revision" in now:
        old, new = before.get("revision"), now["revision"]
        return f"it changed in the account since the plan (revision {old} → {new})"
    if before.get("date_updated") != now.get("date_updated") and "date_updated" in now:
        return (
            f"it changed in the account since the plan (updated {now['date_updated']}, "
            f"the plan saw {before.get('date_updated')})"
        )
    return "it changed in the account since the plan was made"


def _stale(address: str, why: str) -> Diagnostic:
    return Diagnostic(f"plan is stale: {address}: {why}", None, RERUN)
