"""Resource targeting (``--target ADDRESS``): a plan limited to some resources and what
they depend on, as Terraform's ``-target`` is.

A target is a plan address, ``KIND.NAME`` (``flex_flow.support``; the manifest's
section spelling, ``flex_flows.support``, is accepted too). As in Terraform, an
address names one resource: a bare kind is refused. A target may name a live
resource the plan would prune (its address as an untargeted plan shows it): that
targets its delete. A targeted plan never deletes anything that is not a target.

The plan is computed in two steps:

* the scope: the targeted entries and, transitively, every entry they refer to
  by local name; only the kinds those entries are of are read (and every kind
  that can hold a claim, when a scoped entry claims something), with the
  manifest narrowed to the scope, so that fewer requests are sent;
* the targeted plan: the changes of the targets (with the old object an unfinished
  replacement of a target left behind, ``<name>-deposed``) and, through the plan's
  dependency graph (``depends_on``: references, claims released before they
  are taken, referrers changed before a delete), every change they need.

A narrowed read cannot see what lies outside the scope, so the plan is made
again from the whole manifest and every kind whenever that could matter: a
target that destroys (``state: absent``, a prune), a change in the targeted plan
that destroys (a replacement, whose old object something may still point at),
or one that takes a claim a live object outside the targeted plan holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flexplan.engine.model import RELEASE_STEP, Plan, ResourceChange
from flexplan.engine.plan import LiveSnapshot
from flexplan.engine.plan import _slug as slug
from flexplan.errors import FlexplanError
from flexplan.resources.base import AnyKind, ResourceKind
from flexplan.suggest import close_matches

DESTROYING = ("delete", "replace")


@dataclass(frozen=True)
class Target:
    """One ``--target``, resolved: its plan address and the manifest entry, if any."""

    address: str
    entry: Any | None  # None: a live resource the plan would prune


def resolve_targets(manifest: Any, kinds: Sequence[AnyKind], given: Iterable[str]) -> list[Target]:
    """Each ``--target`` as a plan address; an address nothing can have is refused here,
    before any request is sent."""
    resolved: dict[str, Target] = {}
    for text in given:
        target = _resolve(manifest, kinds, text.strip())
        resolved.setdefault(target.address, target)
    return list(resolved.values())


def _resolve(manifest: Any, kinds: Sequence[AnyKind], text: str) -> Target:
    kind_text, dot, name = text.partition(".")
    kind = next((k for k in kinds if kind_text in (k.type_name, k.section)), None)
    if kind is None:
        names = sorted({k.type_name for k in kinds})
        close = close_matches(kind_text, names, cutoff=0.5)
        raise FlexplanError(
            f"--target {text}: {kind_text!r} is not a kind of resource",
            hint=f"did you mean {close[0]}{dot}{name}?"
            if close
            else _closest(
                text, _known_addresses(manifest), fallback=f"the kinds are {', '.join(names)}"
            ),
        )
    if not dot or not name:
        raise FlexplanError(
            f"--target {text}: a target names one resource, as the plan prints it: "
            f"{kind.type_name}.NAME (a whole kind cannot be targeted, as in Terraform)",
            hint=_every(kind, manifest),
        )
    address = f"{kind.type_name}.{name}"
    entry = next((e for e in manifest.entries_of(kind.section) if e.name == name), None)
    if entry is not None:
        return Target(address, entry)
    if kind.section in manifest.prune and kind.prunable and slug(name) == name:
        return Target(address, None)  # perhaps a live resource the plan prunes: seen later
    raise FlexplanError(
        f"--target {text}: the manifest has no {address}"
        + ("" if kind.section in manifest.prune else f" (and {kind.section} is not in `prune`)"),
        hint=_closest(address, _known_addresses(manifest), fallback=_every(kind, manifest)),
    )


def _known_addresses(manifest: Any) -> list[str]:
    return sorted(e.address for e in manifest.entries)


def _closest(text: str, known: Sequence[str], *, fallback: str) -> str:
    close = close_matches(text, known, cutoff=0.5)
    return f"did you mean {close[0]}?" if close else fallback


def _every(kind: AnyKind, manifest: Any) -> str:
    addresses = [e.address for e in manifest.entries_of(kind.section)]
    if not addresses:
        return f"the manifest has no {kind.section}"
    shown = " ".join(f"--target {a}" for a in addresses[:5])
    return f"target each one: {shown}" + (" …" if len(addresses) > 5 else "")


# -- the scope: what to read ----------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The manifest narrowed to the targets and what they refer to, and the kinds to read."""

    manifest: Any  # a ``ScopedManifest`` (or the whole manifest: a full read)
    kinds: list[AnyKind]
    narrowed: bool


def scope_for(manifest: Any, kinds: Sequence[AnyKind], targets: Sequence[Target]) -> Scope:
    """The narrowed read for ``targets``, or the whole one when a target destroys."""
    if any(t.entry is None or t.entry.spec.state != "present" for t in targets):
        return Scope(manifest, list(kinds), narrowed=False)
    entries = _referred_closure(manifest, [t.entry for t in targets])
    sections = {e.section for e in entries}
    if any(e.kind.claims(e.name, e.spec) for e in entries):
        sections |= {k.section for k in kinds if _can_claim(k)}
    read = [k for k in kinds if k.section in sections]
    return Scope(ScopedManifest(manifest, entries), read, narrowed=True)


def _referred_closure(manifest: Any, start: Sequence[Any]) -> list[Any]:
    """``start`` and every entry they refer to by local name, transitively."""
    seen: dict[tuple[str, str], Any] = {}
    todo = list(start)
    while todo:
        entry = todo.pop()
        key = (entry.section, entry.name)
        if key in seen:
            continue
        seen[key] = entry
        for ref in entry.kind.references(entry.spec):
            target = next((e for e in manifest.entries_of(ref.section) if e.name == ref.name), None)
            if target is not None:
                todo.append(target)
    return [e for e in manifest.entries if (e.section, e.name) in seen]


def _can_claim(kind: AnyKind) -> bool:
    """A kind whose resources can hold a claim (its class says what they claim)."""
    return type(kind).claims is not ResourceKind.claims


class ScopedManifest:
    """The manifest as a narrowed read and plan see it: only the scoped entries."""

    prune: tuple[str, ...] = ()  # a narrowed plan prunes nothing: it deletes no target

    def __init__(self, manifest: Any, entries: Sequence[Any]):
        self._manifest = manifest
        self.entries = list(entries)

    def entries_of(self, section: str) -> list[Any]:
        return [e for e in self.entries if e.section == section]

    def entry(self, section: str, name: str) -> Any:
        return next(e for e in self.entries if (e.section, e.name) == (section, name))

    def __getattr__(self, name: str) -> Any:  # root, environment, prune, digest, …
        return getattr(self._manifest, name)


# -- the targeted plan ----------------------------------------------------------------
PlanOf = Callable[[Any, Sequence[AnyKind]], tuple[Plan, LiveSnapshot]]


def plan_targets(
    manifest: Any, kinds: Sequence[AnyKind], given: Sequence[str], plan_of: PlanOf
) -> Plan:
    """The plan limited to ``given`` and what they depend on; ``plan_of(manifest, kinds)``
    reads those kinds and plans that manifest."""
    targets = resolve_targets(manifest, kinds, given)
    scope = scope_for(manifest, kinds, targets)
    plan, snapshot = plan_of(scope.manifest, scope.kinds)
    needed = _needed(plan, targets)
    if scope.narrowed and _needs_whole_read(needed, snapshot):
        plan, snapshot = plan_of(manifest, list(kinds))
        needed = _needed(plan, targets)
    return _restricted(plan, needed, [t.address for t in targets])


def _needed(plan: Plan, targets: Sequence[Target]) -> list[ResourceChange]:
    """The targets' changes and, through ``depends_on``, every change they need."""
    by_address = {c.address: c for c in plan.changes}
    _refuse_unknown(plan, [t for t in targets if t.address not in by_address])
    targeted = _with_deposed(plan, {t.address for t in targets})
    seen: set[str] = set()
    todo = list(targeted)
    while todo:
        address = todo.pop()
        change = by_address.get(address.removesuffix(RELEASE_STEP))
        if change is None or change.address in seen:
            continue
        seen.add(change.address)
        todo += change.depends_on + change.release_depends_on
    needed = [c for c in plan.changes if c.address in seen]
    _refuse_untargeted_deletes(needed, targeted)
    return needed


def _with_deposed(plan: Plan, addresses: set[str]) -> set[str]:
    """The targets and the old objects their unfinished replacements left behind (a
    replacement created its new object, its destroy of the old one failed): targeting the
    entry finishes its replacement, as Terraform destroys a targeted resource's deposed
    objects."""
    return addresses | {c.address for c in plan.changes if c.deposed_of in addresses}


def _refuse_unknown(plan: Plan, missing: Sequence[Target]) -> None:
    if not missing:
        return
    known = sorted(c.address for c in plan.changes)
    first = missing[0].address
    _refuse_kept(plan, first)
    raise FlexplanError(
        f"--target {first}: neither the manifest nor the account has a resource with this "
        "address (a target that is not in the manifest must be a live resource the plan "
        "would prune)",
        hint=_closest(
            first, known, fallback="run `flexplan plan` without --target to see every address"
        ),
    )


def _refuse_kept(plan: Plan, address: str) -> None:
    """A target that is a live resource the plan keeps rather than prunes (in use, an
    account default): it is in the account, so the refusal says why it stays."""
    kept = plan.kept.get(address)
    if kept is not None:
        raise FlexplanError(
            f"--target {address}: the account's {kept.title} {kept.shown} is not pruned, so a "
            f"plan has nothing to do with it: {kept.reason}",
            hint="run `flexplan plan` without --target to see every address",
        )


def _refuse_untargeted_deletes(needed: Sequence[ResourceChange], targeted: set[str]) -> None:
    """A targeted plan deletes targets only: a delete that a target needs is named."""
    for change in needed:
        if change.action == "delete" and change.address not in targeted:
            users = [c.address for c in needed if change.address in c.depends_on]
            raise FlexplanError(
                f"--target: {', '.join(users) or 'a target'} needs {change.address} deleted "
                f"first ({change.reason}), which is not a target; a targeted plan deletes "
                "only its targets",
                hint=f"add --target {change.address} to delete it too, or plan without --target",
            )


def _needs_whole_read(needed: Sequence[ResourceChange], snapshot: LiveSnapshot) -> bool:
    """What a narrowed read cannot judge: a destroy (something outside the scope may point
    at the destroyed object), or a claim taken that a live object outside the plan holds
    (in the whole plan, that object's change may release it first)."""
    if any(c.action in DESTROYING for c in needed):
        return True
    taken = {claim for c in needed for claim in c.claims_after - c.claims_before}
    inside = {id(c.live) for c in needed if c.live is not None}
    return any(
        claim.key in taken
        for objects in snapshot.objects.values()
        for obj in objects
        if id(obj) not in inside
        for claim in obj.claims
    )


def _restricted(plan: Plan, needed: Sequence[ResourceChange], targets: list[str]) -> Plan:
    """The plan of the needed changes only: what lies outside is neither changed nor listed
    (a note is kept when it names a needed change)."""
    addresses = {c.address for c in needed}
    notes = [n for n in plan.notes if any(_mentions(n, a) for a in addresses)]
    return replace(plan, changes=list(needed), unmanaged=[], kept={}, notes=notes, targets=targets)


def _mentions(note: str, address: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(address)}(?![\w-])", note) is not None
