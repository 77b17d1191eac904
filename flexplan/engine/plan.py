"""``build_plan``: desired (manifest) + live (snapshot) -> ordered changes. Pure.

Matching is by natural key (or by a pinned ``sid:``); references resolve to the
matched live SID, or to ``Unknown`` when their target is created or replaced in
this plan; each kind turns a spec into its desired state and the engine
compares it with the live state on the managed fields only.

Deleting is guarded here, for every kind alike: a live object without an
identity (a list answer that lost its name) stops the plan; one whose identity
differs from an entry's only by case or surrounding whitespace "looks like"
that entry and is matched to it (or, when that is ambiguous, kept), never
pruned; account defaults (by name, and by role: what a default object points
at) and anything a live referrer that stays still points at are never pruned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flexplan.engine.diff import diff_states, get_path, leaves, project
from flexplan.engine.masking import mark_detected_secrets
from flexplan.engine.model import Kept, Plan, ResourceChange, Unmanaged, Unreadable
from flexplan.engine.order import order_changes
from flexplan.errors import Diagnostic, DiagnosticsError
from flexplan.plantypes import LiveObject, Memo, Unknown
from flexplan.redact import CREDENTIAL_HINT
from flexplan.resources.base import AnyKind

T = TypeVar("T")


@dataclass
class LiveSnapshot:
    """Everything read from the account for one plan."""

    account_sid: str
    objects: dict[str, list[LiveObject]] = field(default_factory=dict)  # section -> objects
    lookups: dict[Any, str] = field(default_factory=dict)  # Lookup -> SID
    unreadable: list[Unreadable] = field(default_factory=list)  # unmanaged kinds skipped
    memo: Memo = field(default_factory=Memo)  # what the readers built, for the planner


def build_plan(
    manifest: Any,
    snapshot: LiveSnapshot,
    kinds: Sequence[AnyKind],
    *,
    credentials: Mapping[str, str] | None = None,
) -> Plan:
    """Compute the plan; raises DiagnosticsError naming every resource that cannot be planned.

    ``credentials`` (secret -> its name, ``twilio_client.credentials_in_reach``): no write
    may carry one of them."""
    planner = _Planner(manifest, snapshot, kinds, credentials or {})
    changes = planner.run()
    mark_detected_secrets(changes)
    ordered = order_changes(changes, planner.dependencies)
    planner.notes.extend(_staging_note(c, ordered) for c in ordered if c.staged)
    return Plan(
        account_sid=snapshot.account_sid,
        environment=manifest.environment,
        manifest_digest=manifest.digest,
        changes=ordered,
        unmanaged=planner.unmanaged,
        notes=planner.notes,
        unreadable=list(snapshot.unreadable),
        kept=planner.kept,
    )


class _Planner:
    def __init__(
        self,
        manifest: Any,
        snapshot: LiveSnapshot,
        kinds: Sequence[AnyKind],
        credentials: Mapping[str, str],
    ):
        self.manifest = manifest
        self.credentials = credentials
        self.snapshot = snapshot
        self.kinds = list(kinds)
        self.problems: list[Diagnostic] = []
        self.matches: dict[tuple[str, str], LiveObject | None] = {}
        self.entries: dict[tuple[str, str], Any] = {}
        self.results: dict[tuple[str, str], ResourceChange] = {}
        self.in_progress: set[tuple[str, str]] = set()
        self.dependencies: dict[str, set[str]] = defaultdict(set)
        self.unmanaged: list[Unmanaged] = []
        self.notes: list[str] = []
        self.kept: dict[str, Kept] = {}
        self.by_key: dict[str, dict[tuple[Any, ...], list[LiveObject]]] = {}
        self.claimed: dict[int, Any] = {}  # id(live object) -> the entry matched to it
        self.deposed: list[ResourceChange] = []
        self.default_refs = frozenset(
            sid
            for objects in snapshot.objects.values()
            for obj in objects
            if obj.is_default
            for sid in obj.referenced_sids
        )

    def run(self) -> list[ResourceChange]:
        for kind in self.kinds:
            self._match_kind(kind)
        for kind in self.kinds:
            self._unidentified(kind)
        if self.problems:
            raise DiagnosticsError(self.problems)
        for key in self.entries:
            self._change_for(key)
        changes = list(self.results.values()) + self.deposed
        changes.extend(self._prune(changes))
        self._no_writes_to_deleted(changes)
        self._no_credentials_written(changes)
        if self.problems:
            raise DiagnosticsError(self.problems)
        return changes

    def is_default(self, obj: LiveObject) -> bool:
        """A default by name (the kind says), or by role: a default object points at it."""
        return obj.is_default or (obj.sid is not None and obj.sid in self.default_refs)

    def _unidentified(self, kind: AnyKind) -> None:
        """A live object of a managed kind that has no identity stops the plan: it could be
        any entry's object (creating beside it could duplicate, pruning it could destroy it)."""
        managed = kind.section in self.manifest.prune or self.manifest.entries_of(kind.section)
        if not managed:
            return
        matched = {
            id(m) for (section, _), m in self.matches.items() if m and section == kind.section
        }
        for obj in self.snapshot.objects.get(kind.section, []):
            if id(obj) in matched or identified(obj.key):
                continue
            self.problems.append(
                Diagnostic(
                    f"the live {kind.title} {obj.sid or '(no SID)'} has no identity in the "
                    "account's answer (its name is missing or empty): flexplan cannot tell "
                    "which resource it is, so it plans no change (and never deletes it)",
                    None,
                    "run the plan again; if a proxy between flexplan and Twilio rewrites answers, "
                    f"bypass it; or pin the entry that manages it with `sid: {obj.sid}`",
                )
            )

    def _no_writes_to_deleted(self, changes: list[ResourceChange]) -> None:
        """A value pinned by SID must not name a resource this plan deletes (it would dangle)."""
        deleted = {c.sid: c for c in changes if c.action == "delete" and c.sid}
        for change in changes:
            if change.action not in ("create", "update", "replace"):
                continue
            for path, value in leaves(change.after or {}):
                target = deleted.get(value) if isinstance(value, str) else None
                if target is not None:
                    entry = self.entries[(change.section, change.name)]
                    self._problem(
                        entry,
                        f"{change.address}: {path} is {value}, the SID of {target.address}, "
                        f"which this plan deletes ({target.reason})",
                        "point it at a resource that stays, or keep the target",
                    )

    def _no_credentials_written(self, changes: list[ResourceChange]) -> None:
        """No write may carry a Twilio credential of this run. A manifest -- a pull
        request's, say -- that puts ``${env:TWILIO_AUTH_TOKEN}`` into a webhook URL would
        hand the account to whoever serves that URL, and its plan shows only (sensitive)."""
        if not self.credentials:
            return
        escaped = [json.dumps(s, ensure_ascii=False)[1:-1] for s in self.credentials]
        for change in changes:
            entry = self.entries.get((change.section, change.name))
            if change.action not in ("create", "update", "replace") or entry is None:
                continue
            whole = json.dumps(change.after or {}, ensure_ascii=False, default=str)
            if not any(secret in whole for secret in escaped):
                continue  # the common case, in C; the walk below only names the field
            for path, text in _strings(change.after or {}):
                name = next((n for s, n in self.credentials.items() if s in text), None)
                if name is not None:
                    self._problem(
                        entry,
                        f"{change.address}: {path} holds {name}, a Twilio credential: "
                        "writing it would give whoever reads or serves that value your account",
                        CREDENTIAL_HINT,
                    )
                    break

    # -- matching -------------------------------------------------------------------
    def _match_kind(self, kind: AnyKind) -> None:
        live = self.snapshot.objects.get(kind.section, [])
        by_sid = {o.sid: o for o in live if o.sid}
        by_key: dict[tuple[Any, ...], list[LiveObject]] = defaultdict(list)
        for obj in live:
            by_key[obj.key].append(obj)
        self.by_key[kind.section] = by_key
        entries = list(self.manifest.entries_of(kind.section))
        exact = {kind.natural_key(e.name, e.spec) for e in entries}
        claimed = self.claimed
        for entry in entries:
            key = (kind.section, entry.name)
            self.entries[key] = entry
            match = self._match_entry(kind, entry, by_sid, by_key)
            if match is None and not entry.spec.sid and entry.spec.state == "present":
                match = self._look_alike(kind, entry, live, exact)
            if match is not None and id(match) in claimed:
                other = claimed[id(match)]
                self._problem(
                    entry,
                    f"{kind.type_name}.{entry.name} and {kind.type_name}.{other.name} both match "
                    f"the live {kind.title} {match.sid or match.label}",
                    "each live resource can be managed by one manifest entry only",
                )
            elif match is not None:
                claimed[id(match)] = entry
            self.matches[key] = match

    def _match_entry(
        self,
        kind: AnyKind,
        entry: Any,
        by_sid: Mapping[str, LiveObject],
        by_key: Mapping[tuple[Any, ...], list[LiveObject]],
    ) -> LiveObject | None:
        spec = entry.spec
        key = kind.natural_key(entry.name, spec)
        candidates = by_key.get(key, [])
        if spec.sid:
            found = by_sid.get(spec.sid)
            if found is not None or spec.state == "absent":
                return found
            return self._stale_pin(kind, entry, key, candidates)
        if len(candidates) > 1:
            sids = ", ".join(sorted(str(c.sid) for c in candidates))
            self._problem(
                entry,
                f"{kind.type_name}.{entry.name}: {len(candidates)} live {kind.title}s match "
                f"{_key_text(key)}: {sids}",
                f"pin the one to manage with `sid: {candidates[0].sid}` (and delete or rename "
                "the other in the account)",
            )
            return None
        return candidates[0] if candidates else None

    def _look_alike(
        self, kind: AnyKind, entry: Any, live: Sequence[LiveObject], exact: set[Any]
    ) -> LiveObject | None:
        """A live object whose identity differs from the entry's only by case or surrounding
        whitespace (a name retyped in the Console) is that entry's object, renamed back."""
        key = kind.natural_key(entry.name, entry.spec)
        alike = [
            o
            for o in live
            if o.key not in exact and identified(o.key) and loose(o.key) == loose(key)
        ]
        address = f"{kind.type_name}.{entry.name}"
        if len(alike) > 1:
            sids = ", ".join(sorted(str(o.sid) for o in alike))
            self._problem(
                entry,
                f"{address}: {len(alike)} live {kind.title}s look like {_key_text(key)} "
                f"(differing only in case or surrounding whitespace): {sids}",
                f"pin the one to manage with `sid: {alike[0].sid}`, or rename the others",
            )
            return None
        if alike:
            found = alike[0]
            self.notes.append(
                f"{address}: the live {kind.title} {found.sid} {_key_text(found.key)!r} looks "
                f"like {_key_text(key)!r} (differs only in case or surrounding whitespace): it is "
                "this entry's object, so the plan changes it back rather than create another"
            )
            return found
        return None

    def _stale_pin(
        self, kind: AnyKind, entry: Any, key: tuple[Any, ...], candidates: list[LiveObject]
    ) -> LiveObject | None:
        """A pinned SID that is gone: after a replace, the new resource has the natural key."""
        address = f"{kind.type_name}.{entry.name}"
        if len(candidates) == 1:
            found = candidates[0]
            self.notes.append(
                f"{address}: the pinned sid {entry.spec.sid} no longer exists (replaced?); "
                f"matched {found.sid} by {_key_text(key)}: write `sid: {found.sid}` to pin it again"
            )
            return found
        if not candidates:
            self.notes.append(
                f"{address}: the pinned sid {entry.spec.sid} does not exist in account "
                f"{self.snapshot.account_sid} and no live {kind.title} has {_key_text(key)} "
                "(a replacement that did not finish, or a pin from another account): the plan "
                "creates it; after apply, pin the new SID"
            )
            return None
        self._problem(
            entry,
            f"{address}: sid {entry.spec.sid} does not exist in account "
            f"{self.snapshot.account_sid}"
            + (
                f", and {len(candidates)} live {kind.title}s match {_key_text(key)}"
                if candidates
                else ""
            ),
            "remove `sid:` to match by name, or pin the SID of this account's resource",
            path=("sid",),
        )
        return None

    # -- per-resource change ----------------------------------------------------------
    def _change_for(self, key: tuple[str, str]) -> ResourceChange | None:
        if key in self.results:
            return self.results[key]
        if key in self.in_progress:
            return None  # a reference cycle; validate reports those
        self.in_progress.add(key)
        entry = self.entries[key]
        change = self._compute(entry.kind, entry, self.matches.get(key))
        self.in_progress.discard(key)
        if change is not None:
            self.results[key] = change
        return change

    def _compute(
        self, kind: AnyKind, entry: Any, live: LiveObject | None
    ) -> ResourceChange | None:
        spec = entry.spec
        base = self._blank(kind, entry, live)
        if spec.state == "absent":
            return self._absent(kind, entry, live, base)
        resolver = _Resolver(self, f"{kind.type_name}.{entry.name}", entry)
        try:
            desired = kind.desired_state(entry.name, spec, resolver)
        except _UnresolvedError as exc:
            self._problem(entry, exc.message, exc.hint)
            return None
        base.after = desired
        base.options = kind.write_options(spec)
        base.sensitive_paths = _sensitive(entry)
        if live is None:
            base.action = "create"
            base.unknown_paths = [p for p, v in leaves(desired) if isinstance(v, Unknown)]
            base.reason = "does not exist in the account"
            for path in kind.rich_paths:
                value = get_path(desired, path)
                if value is not None:
                    base.details[path] = kind.rich_diff(path, None, value)
            _mask_details(kind, entry, base)
            return base
        change = self._compare(kind, entry, live, desired, base)
        if change.action == "replace" and spec.sid:
            change = self._finish_replacement(kind, entry, change, desired)
        _mask_details(kind, entry, change)
        return change

    def _finish_replacement(
        self, kind: AnyKind, entry: Any, change: ResourceChange, desired: dict[str, Any]
    ) -> ResourceChange:
        """The pinned object must be replaced, but an object with the new identity exists
        already: a create-before-destroy replacement whose destroy did not happen. Manage
        the new object and destroy the old one (Terraform's "deposed" object)."""
        key = kind.natural_key(entry.name, entry.spec)
        others = [
            o
            for o in self.by_key[kind.section].get(key, [])
            if o is not change.live and id(o) not in self.claimed
        ]
        if len(others) != 1:
            return change
        old, new = change.live, others[0]
        self.matches[(kind.section, entry.name)] = new
        self.claimed[id(new)] = entry
        base = self._blank(kind, entry, new)
        base.after, base.options, base.sensitive_paths = (
            desired,
            change.options,
            change.sensitive_paths,
        )
        replacement = self._compare(kind, entry, new, desired, base)
        deposed = self._prune_change(kind, old)
        deposed.name, deposed.managed = self._deposed_name(kind.section, entry.name), True
        deposed.deposed_of = f"{kind.type_name}.{entry.name}"
        deposed.reason = (
            f"the old object of a replacement that did not finish: {new.sid} has "
            f"{_key_text(key)} now"
        )
        self._refuse_if_protected(entry, deposed)
        self.deposed.append(deposed)
        self.notes.append(
            f"{kind.type_name}.{entry.name}: the pinned sid {entry.spec.sid} still holds "
            f"{_key_text(old.key)} and {new.sid} holds {_key_text(key)} (a replacement that did "
            f"not finish): the plan manages {new.sid} and destroys {old.sid}; write "
            f"`sid: {new.sid}` to pin it again"
        )
        return replacement

    def _deposed_name(self, section: str, name: str) -> str:
        """``<name>-deposed``, numbered past any entry (or other deposed object) of the
        section that has that name: two changes under one address would merge in the plan."""
        taken = {e.name for e in self.manifest.entries_of(section)}
        taken |= {d.name for d in self.deposed if d.section == section}
        candidate, number = f"{name}-deposed", 1
        while candidate in taken:
            number += 1
            candidate = f"{name}-deposed-{number}"
        return candidate

    def _compare(
        self,
        kind: AnyKind,
        entry: Any,
        live: LiveObject,
        desired: dict[str, Any],
        change: ResourceChange,
    ) -> ResourceChange:
        rich = {path: kind.rich_diff for path in kind.rich_paths}
        diff = diff_states(desired, live.state, rich=rich)
        change.before = project(live.state, desired)
        change.diff = diff.changes
        change.details = diff.details
        change.unknown_paths = diff.unknown_paths
        change.unchanged_fields = diff.unchanged
        if not diff.changed:
            change.action = "no-op"
            return change
        forcing = [p for p in diff.changed_paths() if p.split(".")[0] in kind.replace_fields]
        if forcing:
            change.action = "replace"
            change.replace_paths = forcing
            change.create_first = self._cannot_collide(change, live)
            order = (
                "the new one is created before the old one is destroyed"
                if change.create_first
                else "the old one is destroyed first: the new one would collide with it"
            )
            change.reason = f"{', '.join(forcing)} cannot be changed in place; {order}"
            note = kind.replace_note(live.state, desired)
            if note:
                self.notes.append(f"{change.address}: {note}")
            self._refuse_if_protected(entry, change)
        else:
            change.action = "update"
            change.release = kind.release_state(live) if live.claims else None
        return change

    @staticmethod
    def _cannot_collide(change: ResourceChange, live: LiveObject) -> bool:
        """Old and new objects can live side by side: different identities (even loosely)
        and no claim in common (Terraform's create_before_destroy is safe)."""
        return loose(change.key) != loose(live.key) and not (
            change.claims_before & change.claims_after
        )

    def _absent(
        self, kind: AnyKind, entry: Any, live: LiveObject | None, change: ResourceChange
    ) -> ResourceChange:
        if live is None:
            change.action = "no-op"
            change.reason = "already absent"
            return change
        change.action = "delete"
        change.before = live.state
        _destroyed_details(kind, change)
        change.reason = "state: absent"
        if self.is_default(live) and "protect" not in entry.spec.model_fields_set:
            self._problem(
                entry,
                f"{change.address} is one of the account's default resources; refusing to "
                "delete it",
                "write `protect: false` beside `state: absent` to delete it on purpose",
            )
        self._refuse_if_protected(entry, change)
        return change

    def _refuse_if_protected(self, entry: Any, change: ResourceChange) -> None:
        if entry.spec.protect:
            verb = "destroy" if change.action == "delete" else "replace"
            self._problem(
                entry,
                f"{change.address} is protected (protect: true) but the plan would {verb} it"
                + (f" ({change.reason})" if change.reason else ""),
                "remove `protect: true` if this is intended, or change the manifest back",
                path=("protect",),
            )

    def _blank(self, kind: AnyKind, entry: Any, live: LiveObject | None) -> ResourceChange:
        return ResourceChange(
            section=kind.section,
            type_name=kind.type_name,
            title=kind.title,
            name=entry.name,
            action="no-op",
            sid=live.sid if live else None,
            label=live.label if live else kind.display(entry.spec, entry.name),
            fingerprint=live.fingerprint if live else None,
            live=live,
            key=kind.natural_key(entry.name, entry.spec),
            rank=kind.rank,
            units=dict(kind.units),
            live_refs=live.referenced_sids if live else frozenset(),
            claims_before=frozenset(c.key for c in live.claims) if live else frozenset(),
            claims_after=frozenset(
                c.key for c in kind.claims(entry.name, entry.spec) if entry.spec.state == "present"
            ),
        )

    # -- live resources the manifest does not mention -------------------------------
    def _prune(self, changes: list[ResourceChange]) -> list[ResourceChange]:
        """Deletes for the unmatched live objects of pruned kinds that are safe to delete;
        every other unmatched object is listed as not managed (with a note when kept)."""
        candidates: list[tuple[AnyKind, LiveObject]] = []
        for kind in self.kinds:
            for obj in self._unmatched(kind):
                reason = self._never_pruned(kind, obj)
                if reason is None and kind.section in self.manifest.prune and kind.prunable:
                    candidates.append((kind, obj))
                    continue
                if reason is not None and kind.section in self.manifest.prune:
                    self._keep(kind, obj, reason)
                self.unmanaged.append(Unmanaged(kind.section, kind.type_name, obj.sid, obj.label))
        kept = self._still_referred(candidates, changes)
        deletes: list[ResourceChange] = []
        for kind, obj in candidates:
            if id(obj) in kept:
                self._keep(kind, obj, kept[id(obj)])
                self.unmanaged.append(Unmanaged(kind.section, kind.type_name, obj.sid, obj.label))
                continue
            change = self._prune_change(kind, obj)
            if any(c.address == change.address for c in deletes) or (
                (kind.section, change.name) in self.entries
            ):
                change.name = f"{change.name}-{(obj.sid or '')[-6:].lower()}"
            deletes.append(change)
        return deletes

    def _keep(self, kind: AnyKind, obj: LiveObject, reason: str) -> None:
        """``obj`` is not pruned: noted, and recorded under its address (the first one kept
        under an address, as a target of it finds the first)."""
        kept = Kept(kind.title, obj.shown(), reason)
        self.kept.setdefault(f"{kind.type_name}.{_slug(obj.label)}", kept)
        self.notes.append(kept.note)

    def _unmatched(self, kind: AnyKind) -> list[LiveObject]:
        matched = {id(m) for m in self.matches.values() if m is not None}
        matched |= {id(c.live) for c in self.deposed}
        return [o for o in self.snapshot.objects.get(kind.section, []) if id(o) not in matched]

    def _never_pruned(self, kind: AnyKind, obj: LiveObject) -> str | None:
        """Why ``obj`` must not be pruned whatever refers to it, or None."""
        if obj.is_default:
            return (
                "an account default is never pruned; declare it with `state: absent` and "
                "`protect: false` to delete it"
            )
        if self.is_default(obj):
            return (
                "an account default uses it (a default handler or the default chat address), "
                "so it is never pruned"
            )
        like = next(
            (
                e
                for e in self.manifest.entries_of(kind.section)
                if loose(kind.natural_key(e.name, e.spec)) == loose(obj.key)
            ),
            None,
        )
        if like is not None:
            return (
                f"it looks like {kind.type_name}.{like.name} (differs only in case or surrounding "
                "whitespace), so it is never pruned; rename it, or pin the entry with `sid:`"
            )
        return None

    def _still_referred(
        self, candidates: list[tuple[AnyKind, LiveObject]], changes: list[ResourceChange]
    ) -> dict[int, str]:
        """Candidates a live referrer that stays still points at (kept, with why); keeping
        one keeps what it points at in turn."""
        deleted = {id(c.live) for c in changes if c.action == "delete" and c.live is not None}
        after = {id(c.live): c for c in changes if c.live is not None}
        pruning = {id(obj) for _, obj in candidates}
        referrers = [o for objects in self.snapshot.objects.values() for o in objects]
        kept: dict[int, str] = {}
        while True:
            staying = [
                o
                for o in referrers
                if id(o) not in deleted and (id(o) not in pruning or id(o) in kept)
            ]
            found = False
            for _, obj in candidates:
                if id(obj) in kept or obj.sid is None:
                    continue
                user = next((o for o in staying if _points_at(o, obj.sid, after.get(id(o)))), None)
                if user is not None:
                    kept[id(obj)] = (
                        f"{user.label!r} ({user.sid}), which stays, still points at it; "
                        "prune never deletes what is in use"
                    )
                    found = True
            if not found:
                return kept

    def _prune_change(self, kind: AnyKind, obj: LiveObject) -> ResourceChange:
        change = self._live_delete(kind, obj)
        _destroyed_details(kind, change)
        return change

    def _live_delete(self, kind: AnyKind, obj: LiveObject) -> ResourceChange:
        return ResourceChange(
            section=kind.section,
            type_name=kind.type_name,
            title=kind.title,
            name=_slug(obj.label),
            action="delete",
            sid=obj.sid,
            label=obj.label,
            before=obj.state,
            reason=f"not in the manifest and {kind.section} is in `prune`",
            fingerprint=obj.fingerprint,
            live=obj,
            key=obj.key,
            managed=False,
            rank=kind.rank,
            units=dict(kind.units),
            live_refs=obj.referenced_sids,
            claims_before=frozenset(c.key for c in obj.claims),
        )

    def _problem(
        self, entry: Any, message: str, hint: str | None, path: tuple[str | int, ...] = ()
    ) -> None:
        location = entry.location_of(path) if path else entry.location
        self.problems.append(Diagnostic(message, location, hint))


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` (mappings and lists walked), with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


class _UnresolvedError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class _Resolver:
    """Resolves references and look-ups for one resource, recording dependencies."""

    def __init__(self, planner: _Planner, address: str, entry: Any):
        self.planner = planner
        self.address = address
        self.entry = entry

    def ref(self, ref: Any) -> str | Unknown:
        if getattr(ref, "sid", None):
            return str(ref.sid)
        key = (ref.section, ref.name)
        if key not in self.planner.entries:
            raise _UnresolvedError(
                f"{self.address} refers to {ref.section}.{ref.name}, which the manifest does "
                "not define",
                "define it, or refer to an existing resource by its SID",
            )
        target = self.planner._change_for(key)
        target_address = f"{target.type_name}.{target.name}" if target else ref.name
        self.planner.dependencies[self.address].add(target_address)
        live = self.planner.matches.get(key)
        if target is None or target.action in ("create", "replace") or live is None:
            return Unknown(target_address)
        if target.action == "delete":
            raise _UnresolvedError(
                f"{self.address} refers to {target_address}, which this plan deletes "
                "(state: absent)",
                "point the reference at another resource, or keep the target",
            )
        return str(live.sid)

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self.planner.snapshot.memo.get(key, build)

    def lookup(self, lookup: Any) -> str:
        sid = self.planner.snapshot.lookups.get(lookup)
        if sid is None:
            raise _UnresolvedError(f"{self.address}: look-up {lookup} was not resolved")
        return sid


def _destroyed_details(kind: AnyKind, change: ResourceChange) -> None:
    """A destroyed rich field (a Studio definition) shown by its parts, never its values."""
    for path in kind.rich_paths:
        value = get_path(change.before, path)
        if value is not None:
            change.details[path] = kind.rich_diff(path, value, {})


def _points_at(referrer: LiveObject, sid: str, change: ResourceChange | None) -> bool:
    """``referrer`` points at ``sid`` after this plan: its desired state when the plan
    writes it, else its live references."""
    if change is not None and change.action in ("update", "replace", "create"):
        return any(v == sid for _, v in leaves(change.after or {}))
    return sid in referrer.referenced_sids


def identified(key: tuple[Any, ...]) -> bool:
    """A natural key with every part present (a list answer can lose a field)."""
    return bool(key) and all(
        part is not None and (not isinstance(part, str) or part.strip()) for part in key
    )


def loose(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A natural key compared the way a person reads it: case and surrounding space ignored."""
    return tuple(p.strip().casefold() if isinstance(p, str) else p for p in key)


def _staging_note(change: ResourceChange, ordered: Sequence[ResourceChange]) -> str:
    takers = [
        c.address for c in ordered if c is not change and change.release_address in c.depends_on
    ]
    first = ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted((change.release or {}).items()))
    who = ", ".join(takers) or "the others"
    verb = "takes" if len(takers) == 1 else "take"
    return (
        f"{change.address} is applied in two steps to break a cycle (each change takes what "
        f"another holds): first {first}, releasing what {who} {verb}, then the change shown"
    )


def _mask_details(kind: AnyKind, entry: Any, change: ResourceChange) -> None:
    """Secrets inside a rich field (a Studio widget's URL) never reach its diff."""
    paths: frozenset[tuple[Any, ...]] = getattr(entry, "sensitive_paths", frozenset())
    for field_path, detail in list(change.details.items()):
        parts = tuple(field_path.split("."))
        inside = [p[len(parts) :] for p in paths if tuple(str(x) for x in p[: len(parts)]) == parts]
        if not inside:
            continue
        masked = kind.mask_rich(field_path, detail, inside, get_path(change.after, field_path))
        change.details[field_path] = masked if masked is not None else HiddenDetail()


class HiddenDetail:
    """A rich diff hidden whole, because a secret is somewhere inside it."""

    empty = False

    def lines(self) -> list[str]:
        return ["(sensitive: changes hidden)"]

    def to_json(self) -> dict[str, Any]:
        return {"type": "hidden", "sensitive": True}


def _sensitive(entry: Any) -> list[str]:
    paths: frozenset[tuple[Any, ...]] = getattr(entry, "sensitive_paths", frozenset())
    return sorted(".".join(str(p) for p in path) for path in paths)


def _key_text(key: tuple[Any, ...]) -> str:
    return " / ".join(str(k) for k in key)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out or "unnamed"
