"""Flex UI settings in the Flex Configuration (``flex_configuration``), one entry.

Only what the manifest writes is managed. ``ui_attributes`` is deep-merged
into the live ``ui_attributes``: objects merge key by key, any other value (a
list included) replaces the live one whole, keys the manifest leaves out are
kept. ``taskrouter_skills`` is written by skill name and merged by name: the
fields of a skill the manifest names are merged into the live skill of that
name (the others, and the skills it does not name, are kept). A write sends
``account_sid`` and the keys it changes, nothing else (read-only keys such as
``flex_instance_sid`` break an update), through the same read-modify-write and
lock as ``channel_configs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from flexplan.plantypes import LiveObject
from flexplan.resources._flex_document import read_configuration, write_configuration
from flexplan.resources._singleton import SettingsKind
from flexplan.resources.base import ResourceSpec, State
from flexplan.resources.table import Attr, Table

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)


class Skill(BaseModel):
    """One TaskRouter skill as the Flex UI offers it to supervisors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    multivalue: bool = Field(default=False, description="a worker may have several levels")
    minimum: int | None = Field(default=None, description="lowest level (with maximum)")
    maximum: int | None = Field(default=None, description="highest level (with minimum)")


class FlexConfigurationSpec(ResourceSpec):
    """UI settings of the account's Flex Configuration."""

    ui_attributes: dict[str, Any] | None = Field(
        default=None, description="merged into the live ui_attributes: only these keys are managed"
    )
    taskrouter_skills: dict[str, Skill] | None = Field(
        default=None, description="skills by name; skills not named here are kept"
    )


class FlexConfigurationKind(SettingsKind[FlexConfigurationSpec]):
    section: ClassVar[str] = "flex_configuration"
    type_name: ClassVar[str] = "flex_configuration"
    title: ClassVar[str] = "Flex UI configuration"
    spec_model = FlexConfigurationSpec
    rank: ClassVar[int] = 41
    fields: ClassVar[Table] = (
        Attr("ui_attributes", role="merged", default={}),
        Attr("taskrouter_skills", role="keyed", target="name", default=[]),
    )

    def read_settings(self, client: Client) -> LiveObject:
        return self.to_live(read_configuration(client))

    def write(self, client: Client, desired: State) -> LiveObject:
        """Re-read, merge, send only the merged keys, read back; again if another writer
        changed them in between (Flex Configuration has no conditional update)."""
        sent: dict[str, Any] = {}

        def change(live: dict[str, Any]) -> dict[str, Any]:
            sent.clear()
            sent.update(merged_keys(live, desired))
            return dict(sent)

        def settled(_before: dict[str, Any], after: dict[str, Any]) -> bool:
            # the read-back holds every desired value
            return merged_keys(after, desired) == {key: after.get(key) for key in sent}

        return self.to_live(write_configuration(client, "its UI settings", change, settled))

    def to_live(self, raw: dict[str, Any]) -> LiveObject:
        return super().to_live({k: raw.get(k) for k in ("ui_attributes", "taskrouter_skills")})


def merged_keys(live: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The keys a write sends: the live values with the desired ones merged in."""
    body: dict[str, Any] = {}
    if "ui_attributes" in desired:
        body["ui_attributes"] = deep_merge(
            live.get("ui_attributes") or {}, desired["ui_attributes"]
        )
    if "taskrouter_skills" in desired:
        body["taskrouter_skills"] = merged_skills(
            live.get("taskrouter_skills") or [], desired["taskrouter_skills"]
        )
    return body


def merged_skills(live: list[Any], wanted: Mapping[str, Any]) -> list[Any]:
    """Each named skill merged into the live skill of its name, in its place (a field the
    manifest leaves out, a skill's minimum, is kept: the plan never shows it changing);
    new skills after them; skills the manifest does not name as they are."""
    merged = [
        {**s, **wanted[s["name"]]} if isinstance(s, dict) and s.get("name") in wanted else s
        for s in live
    ]
    present = {s.get("name") for s in live if isinstance(s, dict)}
    return merged + [skill for name, skill in wanted.items() if name not in present]


def deep_merge(live: Any, desired: Any) -> Any:
    """``desired`` over ``live``: objects merge key by key; anything else replaces. An
    empty object manages nothing under it (as the plan compares it): it changes nothing."""
    if not isinstance(desired, Mapping):
        return desired
    merged = dict(live) if isinstance(live, Mapping) else {}
    for key, value in desired.items():
        if isinstance(value, Mapping) and not _leafy(value):
            continue
        merged[key] = deep_merge(merged.get(key), value)
    return merged if isinstance(live, Mapping) or merged else live


def _leafy(value: Mapping[str, Any]) -> bool:
    """Whether an object holds any value that is not an empty object."""
    return any(not isinstance(v, Mapping) or _leafy(v) for v in value.values())


KIND = FlexConfigurationKind()
