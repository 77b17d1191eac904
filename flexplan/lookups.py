"""Look-ups: read-only account objects a manifest names instead of hard-coding SIDs.

Chat and Conversations services, TaskRouter workspaces, workflows and task
channels are found by friendly name (task channels by unique name) or
confirmed by SID. Only the lists a manifest needs are read. Zero or several
matches are errors that name the candidates. A resolved SID is a ``Named``: it
compares equal to the object's name too (Twilio may echo either form) and the
plan shows both, ``chat (TC…)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flexplan.plantypes import Named
from flexplan.resources.fields import LOOKUP_TITLE, Lookup
from flexplan.resources.lookup_types import LOOKUP_TYPES, SCOPED, Candidate


class LookupError_(Exception):
    """One or more look-ups failed: ``failures`` is [(lookup, message, hint)]."""

    def __init__(self, failures: list[tuple[Lookup, str, str | None]]):
        # one failure per look-up: a workspace is settled once for every look-up inside it
        unique = list(dict.fromkeys(failures))
        super().__init__("; ".join(m for _, m, _ in unique))
        self.failures = unique


_ACCOUNT_TYPES = [name for name, t in LOOKUP_TYPES.items() if t.scope is None]


def _list(client: Any, target_type: str, scope: str) -> list[Candidate]:
    return LOOKUP_TYPES[target_type].lister(client, scope)


def resolve_lookups(ctx: Any, lookups: Sequence[Lookup]) -> dict[Lookup, str]:
    """SID of every look-up; raises ``LookupError_`` naming each one that fails."""
    resolver = _Resolution(ctx)
    return resolver.run(lookups)


class _Resolution:
    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.lists: dict[tuple[str, str], list[Candidate]] = {}
        self.failures: list[tuple[Lookup, str, str | None]] = []

    def run(self, lookups: Sequence[Lookup]) -> dict[Lookup, str]:
        needed_types = [k for k in _ACCOUNT_TYPES if any(_needs(item, k) for item in lookups)]
        self._fetch([(target_type, "") for target_type in needed_types])
        resolved: dict[Lookup, str] = {}
        scoped: list[tuple[Lookup, str]] = []
        for lookup in lookups:
            if lookup.target_type not in SCOPED:
                self._settle(lookup, "", resolved)
            else:
                workspace = self._workspace_of(lookup)
                if workspace is not None:
                    scoped.append((lookup, workspace))
        self._fetch(sorted({(item.target_type, ws) for item, ws in scoped}))
        for lookup, workspace in scoped:
            self._settle(lookup, workspace, resolved)
        if self.failures:
            raise LookupError_(self.failures)
        return resolved

    def _fetch(self, keys: list[tuple[str, str]]) -> None:
        def one(key: tuple[str, str]) -> tuple[tuple[str, str], list[Candidate]]:
            target_type, scope = key
            return key, _list(self.ctx.client, target_type, scope)

        for key, found in self.ctx.map(one, [k for k in keys if k not in self.lists]):
            self.lists[key] = found

    def _workspace_of(self, lookup: Lookup) -> str | None:
        if lookup.workspace is not None:
            sid = self._match(lookup.workspace, self.lists.get(("workspace", ""), []))
            return sid
        spaces = self.lists.get(("workspace", ""), [])
        if len(spaces) == 1:
            return spaces[0][0]
        names = ", ".join(repr(n) for _, n in spaces) or "none"
        self.failures.append(
            (
                lookup,
                f"{LOOKUP_TITLE[lookup.target_type]} {lookup.value!r}: the account has "
                f"{len(spaces)} TaskRouter workspaces ({names}), so which one is meant is unclear",
                "name the workspace beside it (integration.workspace, or `workspace:` in the "
                "look-up)",
            )
        )
        return None

    def _settle(self, lookup: Lookup, scope: str, resolved: dict[Lookup, str]) -> None:
        candidates = self.lists.get((lookup.target_type, scope), [])
        sid = self._match(lookup, candidates)
        if sid is not None:
            name = next((n for s, n in candidates if s == sid), "") or ""
            resolved[lookup] = Named(sid, name, candidates)

    def _match(self, lookup: Lookup, candidates: list[Candidate]) -> str | None:
        title = LOOKUP_TITLE[lookup.target_type]
        if lookup.by == "sid":
            hits = [c for c in candidates if c[0] == lookup.value]
        else:
            hits = [c for c in candidates if c[1] == lookup.value]
        if len(hits) == 1:
            return hits[0][0]
        listing = ", ".join(f"{n!r} ({s})" if n else f"(no name) ({s})"
                            for s, n in candidates[:20]) or "none"  # fmt: skip
        nameless = sum(1 for _, n in candidates if not n)
        if not hits and lookup.by != "sid" and nameless:
            message = (
                f"{title} {lookup.value!r} was not found: the account's answer lists "
                f"{nameless} of {len(candidates)} without a name (its friendly_name is missing "
                f"or empty); the account has: {listing}"
            )
            hint = (
                "write the SID instead of the name, or check what sits between flexplan and "
                "Twilio (a proxy that drops fields)"
            )
        elif not hits:
            message = f"{title} {lookup.value!r} was not found; the account has: {listing}"
            hint = "use one of the names above, or its SID"
        else:
            sids = ", ".join(s for s, _ in hits)
            message = f"{title} {lookup.value!r} matches {len(hits)} objects: {sids}"
            hint = "write the SID instead of the name to pick one"
        self.failures.append((lookup, message, hint))
        return None


def _needs(lookup: Lookup, target_type: str) -> bool:
    if lookup.target_type == target_type:
        return True
    return target_type == "workspace" and lookup.target_type in SCOPED


def read_candidates(ctx: Any) -> dict[tuple[str, str], list[Candidate]]:
    """Every look-up list of the account, by (look-up type, workspace SID or ""): for export."""
    types = _ACCOUNT_TYPES
    found = ctx.map(lambda target_type: _list(ctx.client, target_type, ""), types)
    lists = {(target_type, ""): items for target_type, items in zip(types, found, strict=True)}
    keys = [(target_type, sid) for sid, _ in lists[("workspace", "")] for target_type in SCOPED]
    scoped = ctx.map(lambda key: _list(ctx.client, *key), keys)
    lists.update(zip(keys, scoped, strict=True))
    return lists
