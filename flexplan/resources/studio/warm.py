"""Warm plans for Studio: definitions the cache knows are unchanged are not fetched.

The Flows list carries each flow's ``revision`` (Studio makes a new revision on
every create and update). For a managed flow whose listed revision the cache
knows, the definition the manifest asks for is the candidate: when its digest
is the cached digest of that revision, it *is* the live definition, and the
flow's GET is skipped. Any doubt (a look-up not resolved, a reference to a
flow not in the account, another digest) means a fetch, as without a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from flexplan.plantypes import Unknown
from flexplan.resources.base import ReadContext
from flexplan.resources.fields import Lookup, ResourceRef

Desired = Callable[[str, Any, Any], dict[str, Any]]
T = TypeVar("T")


class _Unresolved(Exception):
    """No candidate: the definition needs what this read does not know."""


class _ReadResolver:
    """Look-ups from the plan's concurrent look-up read; flow references by friendly name."""

    def __init__(
        self, ctx: ReadContext, specs: Mapping[str, Any], sids_by_name: Mapping[str, list[str]]
    ):
        self.ctx, self.specs, self.sids_by_name = ctx, specs, sids_by_name

    def lookup(self, lookup: Lookup) -> str:
        sid = self.ctx.lookup(lookup)
        if sid is None:
            raise _Unresolved
        return sid

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self.ctx.memo(key, build)

    def ref(self, ref: ResourceRef) -> str | Unknown:
        if ref.sid:
            return str(ref.sid)
        target = self.specs.get(ref.name or "")
        found = self.sids_by_name.get(target.friendly_name, []) if target is not None else []
        if len(found) != 1:
            raise _Unresolved
        return found[0]


def known_definitions(
    ctx: ReadContext,
    flows: Sequence[Mapping[str, Any]],
    managed: Sequence[str],
    specs: Sequence[tuple[str, Any]],
    desired: Desired,
) -> dict[str, Any]:
    """``sid -> definition`` of the managed flows whose definition need not be fetched."""
    sids_by_name: dict[str, list[str]] = {}
    for flow in flows:
        sids_by_name.setdefault(str(flow.get("friendly_name")), []).append(flow["sid"])
    by_name = dict(specs)
    resolver = _ReadResolver(ctx, by_name, sids_by_name)
    listed = {flow["sid"]: flow for flow in flows}
    known: dict[str, Any] = {}
    for name, spec in specs:
        if spec.definition is None:
            continue
        sids = [spec.sid] if spec.sid else sids_by_name.get(spec.friendly_name, [])
        for sid in (s for s in sids if s in listed and s in managed):
            revision = listed[sid].get("revision")
            candidate = _candidate(desired, name, spec, resolver)
            if revision is not None and ctx.cached(sid, str(revision), candidate):
                known[sid] = candidate()
    return known


def _candidate(
    desired: Desired, name: str, spec: Any, resolver: _ReadResolver
) -> Callable[[], Any]:
    made: list[Any] = []

    def candidate() -> Any:
        if not made:
            try:
                made.append(desired(name, spec, resolver).get("definition"))
            except _Unresolved:
                made.append(None)
        return made[0]

    return candidate
