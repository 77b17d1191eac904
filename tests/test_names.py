"""Each meaning has its own name (issue 12): ``address`` is only the plan address
("flex_flows.support"), a kind's singular name is ``type_name``, a look-up's type is
``target_type``, a typed block's type is ``block_type`` and a phone number or other
channel identifier is a ``channel_address``. The old names must not come back."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from flexplan.engine.model import ResourceChange, Unmanaged
from flexplan.resources import KINDS
from flexplan.resources.base import ExportNames, ResourceKind, problems_by_type
from flexplan.resources.fields import Lookup, LookupOf, LookupOrRef, make_lookup, number_claim_key


def _fields(cls: type) -> set[str]:
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    return set(cls.__slots__)  # a pydantic marker (flexplan.resources.fields._Field)


def _parameters(fn: object) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p != "self"]  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.section)
def test_a_kind_names_its_type_in_type_name_not_address(kind: ResourceKind) -> None:
    assert kind.type_name and kind.type_name.isidentifier()
    assert not hasattr(kind, "address")
    assert "address" not in ResourceKind.__annotations__


@pytest.mark.parametrize("cls", [ResourceChange, Unmanaged])
def test_plan_records_carry_type_name_not_address_kind(cls: type) -> None:
    assert "type_name" in _fields(cls)
    assert "address_kind" not in _fields(cls)


def test_plan_address_is_type_name_dot_local_name() -> None:
    change = ResourceChange(section="flex_flows", type_name="flex_flow", title="Flex Flow",
                            name="support", action="create")  # fmt: skip
    assert change.address == "flex_flow.support"


@pytest.mark.parametrize("cls", [Lookup, LookupOf, LookupOrRef])
def test_a_lookup_names_what_it_finds_target_type_not_kind(cls: type) -> None:
    assert "target_type" in _fields(cls)
    assert "kind" not in _fields(cls)


def test_lookup_target_type_is_the_lookup_type_name() -> None:
    found = make_lookup("workflow", "Assign to Anyone")
    assert (found.target_type, found.by, found.value) == ("workflow", "friendly_name",
                                                          "Assign to Anyone")  # fmt: skip
    assert found.as_manifest() == {"workflow": "Assign to Anyone"}


def test_helpers_take_the_new_names() -> None:
    assert _parameters(make_lookup)[0] == "target_type"
    assert _parameters(ExportNames.lookup)[0] == "target_type"
    assert _parameters(problems_by_type)[1] == "block_type"
    assert _parameters(number_claim_key)[0] == "channel_address"
