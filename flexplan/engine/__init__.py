"""The engine: read live state, plan (pure), and later apply.

Reading the account (``engine.read``) needs the twilio SDK; it is imported
when a plan is computed, so that what only reads plans as data (``flexplan
show``, the renderers) loads no SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flexplan.collector import collector_paused
from flexplan.engine.consistency import Windows
from flexplan.engine.defcache import DigestCache
from flexplan.engine.model import Plan
from flexplan.engine.pending import PendingManifest, is_pending, loaded
from flexplan.engine.plan import LiveSnapshot, build_plan
from flexplan.engine.targeting import plan_targets
from flexplan.resources import KINDS
from flexplan.resources.base import AnyKind

if TYPE_CHECKING:
    from flexplan.engine.journal import Write


def compute_plan(
    client: Any,
    manifest: Any,
    *,
    account_sid: str,
    remote_validate: bool = False,
    cache: DigestCache | None = None,
    targets: Sequence[str] = (),
) -> Plan:
    """Read the account and diff it against ``manifest`` (concurrency: the client's).

    ``manifest`` may still be loading (a ``PendingManifest``): the list requests go out
    at once, the rest of the plan waits for it, and its load's error is the plan's.

    With ``targets`` (``--target`` addresses), the plan is limited to them and what they
    depend on, and only what that needs is read (engine/targeting.py).

    With ``cache`` (engine/defcache.py), content the cache knows is unchanged is not
    fetched again, and what was fetched is remembered (the caller saves the cache).

    With ``remote_validate``, every resource the plan would write is also checked
    by the account (Studio's Validate, one read-only request per changed flow, all
    concurrently); its problems fail the plan at the place they point to.
    """
    from flexplan.engine.read import read_live
    from flexplan.twilio_client import credentials_in_reach

    credentials = credentials_in_reach(client)

    def plan_of(scoped: Any, kinds: Sequence[AnyKind]) -> tuple[Plan, LiveSnapshot]:
        # a plan builds many long-lived objects (live state, Studio definitions) and few
        # cycles: measured at a fifth of plan time on 200 flows of 60 widgets
        with collector_paused():
            snapshot = read_live(client, scoped, kinds, account_sid=account_sid, cache=cache)
            plan = build_plan(loaded(scoped), snapshot, kinds, credentials=credentials)
            return plan, snapshot

    if targets:
        plan = plan_targets(loaded(manifest), KINDS, targets, plan_of)
    else:
        plan, _ = plan_of(manifest, KINDS)
    if remote_validate:
        _validate_remotely(client, plan, loaded(manifest))
    return plan


def _validate_remotely(client: Any, plan: Plan, manifest: Any) -> None:
    from flexplan.engine.read import Reader
    from flexplan.engine.remote_check import check_remotely

    reader = Reader(client)
    with reader.abandoned_on_error():  # a failed check, or Ctrl-C: nothing of it is waited for
        warnings = check_remotely(client, plan, manifest, KINDS, reader)
    reader.close()
    plan.notes.extend(d.message for d in warnings)


def compute_settled_plan(
    client: Any,
    manifest: Any,
    *,
    account_sid: str,
    directory: Path,
    windows: Windows,
    remote_validate: bool = False,
    cache: DigestCache | None = None,
    targets: Sequence[str] = (),
    shared: Mapping[str, Write] | None = None,
) -> Plan:
    """``compute_plan``, read again (within ``windows.catch_up``) while only a read lagging
    behind a recent apply from ``directory`` (or one ``shared`` names: another checkout's,
    from the account) explains some changes; those are then held back with a note
    (engine/journal.py). The remote check runs once, on the final plan."""
    from flexplan.engine.journal import forget_confirmed, merged, recent_writes, settle

    def attempt() -> Plan:
        try:
            return compute_plan(
                client, manifest, account_sid=account_sid, cache=cache, targets=targets
            )
        except Exception:
            _raise_load_failure(manifest)
            raise

    writes = merged(recent_writes(directory, account_sid, horizon=windows.horizon), shared or {})
    try:
        plan = settle(attempt, writes, windows.catch_up)
    except _LoadFailed as failed:
        raise failed.error from None
    if writes:
        forget_confirmed(directory, account_sid, plan)
    if remote_validate:
        _validate_remotely(client, plan, loaded(manifest))
    return plan


class _LoadFailed(Exception):
    """The manifest did not load: final, never a read to try again (``settle`` retries
    some ``DiagnosticsError``s while a recent delete may not be visible yet)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _raise_load_failure(manifest: Any) -> None:
    """A plan that failed while its manifest loaded fails with the load's error, if any:
    the user fixes the manifest first (what was read meanwhile may follow from it)."""
    if not is_pending(manifest):
        return
    try:
        manifest.result()
    except Exception as exc:
        raise _LoadFailed(exc) from None


__all__ = [
    "LiveSnapshot",
    "PendingManifest",
    "Plan",
    "build_plan",
    "compute_plan",
    "compute_settled_plan",
]
