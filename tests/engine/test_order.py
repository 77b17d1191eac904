"""Dependency order: references first, referrers before deletes, claims released first."""

from __future__ import annotations

import pytest

from flexplan.engine.model import ResourceChange
from flexplan.engine.order import order_changes
from flexplan.errors import FlexplanError


def change(kind: str, name: str, action: str, rank: int = 50, **kw) -> ResourceChange:
    return ResourceChange(
        section=kind + "s", address_kind=kind, title=kind, name=name, action=action,  # type: ignore[arg-type]
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
