"""The engine: read live state, plan (pure), and later apply."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flexplan.engine.model import Plan
from flexplan.engine.plan import LiveSnapshot, build_plan
from flexplan.engine.read import Reader, read_live
from flexplan.engine.remote_check import check_remotely
from flexplan.resources import KINDS


def compute_plan(
    client: Any,
    manifest: Any,
    *,
    account_sid: str,
    remote_validate: bool = False,
) -> Plan:
    """Read the account and diff it against ``manifest`` (concurrency: the client's).

    With ``remote_validate``, every resource the plan would write is also checked
    by the account (Studio's Validate, one read-only request per changed flow, all
    concurrently); its problems fail the plan at the place they point to.
    """
    with _no_cycle_collection():
        snapshot = read_live(client, manifest, KINDS, account_sid=account_sid)
        plan = build_plan(manifest, snapshot, KINDS)
    if remote_validate:
        reader = Reader(client)
        try:
            warnings = check_remotely(client, plan, manifest, KINDS, reader)
        finally:
            reader.close()
        plan.notes.extend(d.message for d in warnings)
    return plan


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Defer CPython's cycle collector while a plan is computed.

    A plan builds many long-lived objects (live state, Studio definitions) and
    few reference cycles, so the collector's full passes rescan the same large
    heap again and again: measured at a fifth of plan time on 200 flows of 60
    widgets (benchmarks/README.md). Reference counting still frees everything
    acyclic; cycles are collected as usual afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = ["LiveSnapshot", "Plan", "build_plan", "compute_plan", "read_live"]
