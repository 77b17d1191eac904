"""Dependency order of a plan's changes.

Three rules, all generic:

* references: a resource is created or changed after what it refers to;
* deletes last: a resource that live objects still point at is deleted after
  those referrers change;
* claims: whatever releases a claim (a phone number's inbound route) runs
  before whatever takes it, so a number is never routed twice.

Ties keep a stable reading order (kind rank, then name).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence

from flexplan.engine.model import ResourceChange
from flexplan.errors import FlexplanError

_WRITES = ("create", "update", "replace")
_CHANGING = ("create", "update", "replace", "delete")


def order_changes(
    changes: Sequence[ResourceChange], references: Mapping[str, set[str]]
) -> list[ResourceChange]:
    """Changes sorted so that every change follows the ones it depends on."""
    by_address = {c.address: c for c in changes}
    edges = _edges(changes, by_address, references)
    for change in changes:
        change.depends_on = sorted(edges.get(change.address, set()))
    return _toposort(changes, edges)


def _edges(
    changes: Sequence[ResourceChange],
    by_address: Mapping[str, ResourceChange],
    references: Mapping[str, set[str]],
) -> dict[str, set[str]]:
    """address -> addresses that must run before it."""
    before: dict[str, set[str]] = defaultdict(set)
    for address, targets in references.items():
        for target in targets:
            dep = by_address.get(target)
            if dep is not None and dep.action in _WRITES and address in by_address:
                before[address].add(target)
    deleted_sids = {c.sid: c for c in changes if c.action in ("delete", "replace") and c.sid}
    for change in changes:
        if change.action not in _CHANGING:
            continue
        for sid in change.live_refs:
            deleted = deleted_sids.get(sid)
            if deleted is not None and deleted is not change:
                before[deleted.address].add(change.address)
    _claim_edges(changes, before)
    return before


def _claim_edges(changes: Sequence[ResourceChange], before: dict[str, set[str]]) -> None:
    releasers: dict[str, list[ResourceChange]] = defaultdict(list)
    for change in changes:
        if change.action in ("delete", "replace"):
            released = change.claims_before
        elif change.action == "update":
            released = change.claims_before - change.claims_after
        else:
            continue
        for claim in released:
            releasers[claim].append(change)
    for change in changes:
        if change.action not in _WRITES:
            continue
        taken = change.claims_after - (
            frozenset() if change.action == "replace" else change.claims_before
        )
        for claim in taken:
            for releaser in releasers.get(claim, []):
                if releaser is not change:
                    before[change.address].add(releaser.address)


def _toposort(
    changes: Sequence[ResourceChange], before: Mapping[str, set[str]]
) -> list[ResourceChange]:
    by_address = {c.address: c for c in changes}
    pending = {c.address: len(before.get(c.address, set()) & by_address.keys()) for c in changes}
    after: dict[str, list[str]] = defaultdict(list)
    for address, deps in before.items():
        for dep in deps:
            if dep in by_address and address in by_address:
                after[dep].append(address)
    ready = [(c.rank, c.name, c.address) for c in changes if pending[c.address] == 0]
    heapq.heapify(ready)
    ordered: list[ResourceChange] = []
    while ready:
        _, _, address = heapq.heappop(ready)
        ordered.append(by_address[address])
        for nxt in after[address]:
            pending[nxt] -= 1
            if pending[nxt] == 0:
                c = by_address[nxt]
                heapq.heappush(ready, (c.rank, c.name, c.address))
    if len(ordered) != len(changes):
        stuck = sorted(a for a, n in pending.items() if n > 0)
        raise FlexplanError(
            "the changes depend on each other in a cycle: " + ", ".join(stuck),
            hint="break the cycle by applying part of the change first",
        )
    return ordered
