"""Rules across resources: dangling references, claims held twice, identity clashes.

Kinds describe what they point at (``references``) and what they occupy in
the account (``claims``); the rules here are generic over both, so a new kind
gets them by declaring its references and claims.
"""

from __future__ import annotations

from collections.abc import Iterable

from flexplan.errors import Diagnostic, Location
from flexplan.manifest.model import Entry
from flexplan.plantypes import Claim, Requirement
from flexplan.resources import BY_SECTION
from flexplan.suggest import close_matches

_CLAIM_HINTS = {
    "number:": (
        "Flex routes a number through one handler only, and a legacy Flex Flow takes its "
        "messages before the Conversations address sees them: to migrate, set state: absent "
        "on the Flex Flow (flexplan deletes it before creating the address); to stay on "
        "legacy messaging, remove the address"
    ),
    "messenger:": (
        "a Facebook page is routed by one handler only: to migrate, set state: absent on the "
        "Flex Flow (flexplan deletes it before creating the messenger address); to stay on "
        "legacy messaging, remove the address"
    ),
    "inbound:": (
        "Twilio allows one enabled inbound Flex Flow per channel type and contact identity: "
        "disable one (enabled: false) or remove it"
    ),
}


def cross_check(
    entries: list[Entry], broken: frozenset[tuple[str, str]] = frozenset()
) -> list[Diagnostic]:
    """Every cross-resource problem among ``entries``.

    ``broken`` names entries that exist but failed validation: references to
    them are not reported as dangling (their own problems are).
    """
    present = [e for e in entries if e.spec.state == "present"]
    return [
        *_references(entries, present, broken),
        *_claims(present),
        *_identities(present),
    ]


def _title(section: str) -> str:
    kind = BY_SECTION.get(section)
    return kind.title if kind else section


def _references(
    entries: list[Entry], present: list[Entry], broken: frozenset[tuple[str, str]]
) -> Iterable[Diagnostic]:
    index = {(e.section, e.name): e for e in entries}
    for entry in present:
        for ref in entry.kind.references(entry.spec):
            if (ref.section, ref.name) in broken:
                continue
            target = index.get((ref.section, ref.name))
            where = entry.location_of(ref.path)
            title = _title(ref.section)
            if target is None:
                names = [n for s, n in (*index, *broken) if s == ref.section]
                close = close_matches(ref.name, names)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else (f"define it under {ref.section}:, or write the SID of an existing one")
                )
                yield Diagnostic(f"{title} '{ref.name}' is not defined", where, hint)
            elif target.spec.state == "absent":
                yield Diagnostic(
                    f"refers to {title} '{ref.name}', which is marked state: absent",
                    where,
                    f"point it at another {title}, or keep '{ref.name}' (state: present)",
                )
            elif ref.needs is not None:
                yield from _unmet(ref.needs, target, title, where)


def _unmet(needs: Requirement, target: Entry, title: str, where: Location) -> Iterable[Diagnostic]:
    """The target does not provide what the reference needs (when the target's kind knows)."""
    provided = target.kind.provides(target.spec)
    if provided is not None and needs.key not in provided:
        yield Diagnostic(
            f"{title} '{target.name}' ({target.location}) {needs.message}",
            where,
            needs.hint,
            fixed_by=needs.fixed_by,
        )


def _claims(present: list[Entry]) -> Iterable[Diagnostic]:
    holders: dict[str, tuple[Entry, Claim]] = {}
    reported: set[tuple[str, str]] = set()
    for entry in present:
        for claim in entry.kind.claims(entry.name, entry.spec):
            if not claim.exclusive:
                continue
            first = holders.setdefault(claim.key, (entry, claim))
            other, other_claim = first
            pair = (other.address, entry.address)
            if other is entry or pair in reported:
                continue
            reported.add(pair)
            hint = next((h for p, h in _CLAIM_HINTS.items() if claim.key.startswith(p)), None)
            yield Diagnostic(
                f"{entry.kind.title} '{entry.name}' {claim.description}, but "
                f"{other.kind.title} '{other.name}' ({other.location_of(other_claim.path)}) "
                f"{other_claim.description}",
                entry.location_of(claim.path),
                hint,
            )


def _identities(present: list[Entry]) -> Iterable[Diagnostic]:
    seen: dict[tuple[str, tuple[object, ...]], Entry] = {}
    for entry in present:
        key = (entry.section, entry.kind.natural_key(entry.name, entry.spec))
        first = seen.setdefault(key, entry)
        if first is not entry:
            shown = ", ".join(str(k) for k in key[1])
            yield Diagnostic(
                f"{entry.kind.title} '{entry.name}' and '{first.name}' ({first.location}) "
                f"are the same resource ({shown})",
                entry.location,
                "each resource may be managed by one entry only: remove or rename one",
            )
