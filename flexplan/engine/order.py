"""Dependency order of a plan's changes.

Three rules, all generic:

* references: a resource is created or changed after what it refers to;
* deletes last: a resource that live objects still point at is deleted after
  those referrers change;
* claims: whatever releases a claim (a phone number's inbound route) runs
  before whatever takes it, so a number is never routed twice.

Claims can form a cycle (two Flex Flows that swap contact identities: each
takes what the other holds). Such a cycle is broken, still without knowing any
kind, by staging one update whose kind offers a ``release`` write (a state that
holds no claims, e.g. ``enabled = false``): its first step releases every claim
it holds, the others run, and its second step writes the desired state. The
first step has its own address (``<address> (release)``) in ``depends_on``.

Ties keep a stable reading order (kind rank, then name).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence

from flexplan.engine.model import ResourceChange
from flexplan.errors import FlexplanError


class _CycleError(Exception):
    def __init__(self, stuck: list[str]):
        super().__init__(", ".join(stuck))
        self.stuck = stuck


_WRITES = ("create", "update", "replace")
_CHANGING = ("create", "update", "replace", "delete")


def order_changes(
    changes: Sequence[ResourceChange], references: Mapping[str, set[str]]
) -> list[ResourceChange]:
    """Changes sorted so that every change follows the ones it depends on; a cycle of
    claims is broken by staging updates that can release their claims first."""
    by_address = {c.address: c for c in changes}
    for _ in range(len(changes) + 1):
        edges = _edges(changes, by_address, references)
        try:
            ordered = _toposort(changes, edges)
        except _CycleError as cycle:
            staged = _stage_one(cycle.stuck, by_address, edges)
            if staged is None:
                raise FlexplanError(
                    "the changes depend on each other in a cycle: " + ", ".join(cycle.stuck),
                    hint="break the cycle by applying part of the change first",
                ) from None
            continue
        for change in changes:
            change.depends_on = sorted(edges.get(change.address, set()))
            if change.staged:
                change.release_depends_on = sorted(edges.get(change.release_address, set()))
        return ordered
    raise AssertionError("unreachable: each round stages one more change")


def _stage_one(
    stuck: Sequence[str], by_address: Mapping[str, ResourceChange], edges: Mapping[str, set[str]]
) -> ResourceChange | None:
    """Stage the first (reading order) update on a cycle that can release its claims."""
    candidates = sorted(
        (by_address[a] for a in stuck if a in by_address),
        key=lambda c: (c.rank, c.name),
    )
    for change in candidates:
        if (
            change.action == "update"
            and not change.staged
            and change.release is not None
            and change.claims_before
            and _on_cycle(change.address, edges)
        ):
            change.staged = True
            return change
    return None


def _on_cycle(start: str, edges: Mapping[str, set[str]]) -> bool:
    """True when ``start`` (transitively) must run before itself."""
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


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
    for change in changes:
        if change.staged:
            before[change.address].add(change.release_address)
            before.setdefault(change.release_address, set())
    _claim_edges(changes, before)
    return before


def _claim_edges(changes: Sequence[ResourceChange], before: dict[str, set[str]]) -> None:
    """A staged change releases through its first step and takes through its second."""
    releasers: dict[str, list[str]] = defaultdict(list)
    for change in changes:
        if change.staged:
            released, releaser = change.claims_before, change.release_address
        elif change.action in ("delete", "replace"):
            released, releaser = change.claims_before, change.address
        elif change.action == "update":
            released, releaser = change.claims_before - change.claims_after, change.address
        else:
            continue
        for claim in released:
            releasers[claim].append(releaser)
    for change in changes:
        if change.action not in _WRITES:
            continue
        held = frozenset() if change.action == "replace" or change.staged else change.claims_before
        for claim in change.claims_after - held:
            for releaser in releasers.get(claim, []):
                if releaser not in (change.address, change.release_address):
                    before[change.address].add(releaser)


def _toposort(
    changes: Sequence[ResourceChange], before: Mapping[str, set[str]]
) -> list[ResourceChange]:
    """Reading order among what is ready; release steps are nodes but not listed."""
    nodes: dict[str, tuple[int, str]] = {}
    for c in changes:
        nodes[c.address] = (c.rank, c.name)
        if c.staged:
            nodes[c.release_address] = (c.rank, c.name)
    by_address = {c.address: c for c in changes}
    pending = {a: len(before.get(a, set()) & nodes.keys()) for a in nodes}
    after: dict[str, list[str]] = defaultdict(list)
    for address, deps in before.items():
        for dep in deps:
            if dep in nodes and address in nodes:
                after[dep].append(address)
    ready = [(*nodes[a], a) for a, n in pending.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[ResourceChange] = []
    while ready:
        _, _, address = heapq.heappop(ready)
        if address in by_address:
            ordered.append(by_address[address])
        for nxt in after[address]:
            pending[nxt] -= 1
            if pending[nxt] == 0:
                heapq.heappush(ready, (*nodes[nxt], nxt))
    if len(ordered) != len(changes):
        raise _CycleError(sorted(a for a, n in pending.items() if n > 0 and a in by_address))
    return ordered
