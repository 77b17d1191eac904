"""Dependency order: references first, referrers before deletes, claims released first."""

from __future__ import annotations

import pytest

from flexplan.engine.model import ResourceChange
from flexplan.engine.order import order_changes
from flexplan.errors import FlexplanError


def change(kind: str, name: str, action: str, rank: int = 50, **kw) -> ResourceChange:
    return ResourceChange(
        section=kind + "s", type_name=kind, title=kind, name=name, action=action,  # type: ignore[arg-type]
        rank=rank, **kw,
    )  # fmt: skip


def addresses(changes: list[ResourceChange]) -> list[str]:
    return [c.address for c in changes]


def test_referenced_resource_is_created_first() -> None:
    flow = change("studio_flow", "z", "create", rank=10)
    address = change("conversations_address", "a", "create", rank=5)
    ordered = order_changes([address, flow], {address.address: {flow.address}})
    assert addresses(ordered) == ["studio_flow.z", "conversations_address.a"]
    assert address.depends_on == ["studio_flow.z"]


def test_referrer_changes_before_its_target_is_deleted() -> None:
    flow = change("studio_flow", "old", "delete", rank=10, sid="FW1")
    handler = change("flex_flow", "h", "update", rank=20, live_refs=frozenset({"FW1"}))
    ordered = order_changes([flow, handler], {})
    assert addresses(ordered) == ["flex_flow.h", "studio_flow.old"]


def test_legacy_flow_deleted_before_address_takes_the_number() -> None:
    legacy = change(
        "flex_flow", "legacy", "delete", rank=20, claims_before=frozenset({"number:+1"})
    )
    address = change(
        "conversations_address", "sms", "create", rank=1, claims_after=frozenset({"number:+1"})
    )
    ordered = order_changes([address, legacy], {})
    assert addresses(ordered) == ["flex_flow.legacy", "conversations_address.sms"]


def test_cycle_is_an_error() -> None:
    a = change("x", "a", "create")
    b = change("x", "b", "create")
    with pytest.raises(FlexplanError, match="cycle"):
        order_changes([a, b], {a.address: {b.address}, b.address: {a.address}})


def test_ties_follow_rank_then_name() -> None:
    items = [
        change("k", "b", "create", 2),
        change("k", "a", "create", 2),
        change("j", "z", "create", 1),
    ]
    assert addresses(order_changes(items, {})) == ["j.z", "k.a", "k.b"]


def _swap(name: str, held: str, taken: str, release: dict | None = None) -> ResourceChange:
    return change(
        "flex_flow", name, "update", rank=20,
        claims_before=frozenset({held}), claims_after=frozenset({taken}), release=release,
    )  # fmt: skip


def test_claims_cycle_is_broken_by_staging_an_update_that_can_release() -> None:
    a = _swap("a", "inbound:x", "inbound:y", {"enabled": False})
    b = _swap("b", "inbound:y", "inbound:x", {"enabled": False})
    ordered = order_changes([b, a], {})
    assert addresses(ordered) == ["flex_flow.b", "flex_flow.a"]
    assert (a.staged, b.staged) == (True, False)  # one step is enough: the first by name
    assert b.depends_on == ["flex_flow.a (release)"]
    assert a.depends_on == ["flex_flow.a (release)", "flex_flow.b"]
    assert a.release_depends_on == []


def test_a_rotation_of_three_stages_one() -> None:
    flows = [
        _swap("a", "c:1", "c:2", {"enabled": False}),
        _swap("b", "c:2", "c:3", {"enabled": False}),
        _swap("c", "c:3", "c:1", {"enabled": False}),
    ]
    ordered = order_changes(flows, {})
    assert [f.staged for f in flows] == [True, False, False]
    assert addresses(ordered) == ["flex_flow.c", "flex_flow.b", "flex_flow.a"]


def test_claims_cycle_without_a_release_is_still_an_error() -> None:
    a = _swap("a", "inbound:x", "inbound:y")
    b = _swap("b", "inbound:y", "inbound:x")
    with pytest.raises(FlexplanError, match=r"cycle: flex_flow\.a, flex_flow\.b"):
        order_changes([a, b], {})
