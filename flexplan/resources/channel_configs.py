"""Attachment settings (``channel_configs``): one entry of Flex Configuration's
``channel_configs`` array per address type, identified by ``address_type``.

The local name is the address type unless ``address_type`` says otherwise.
``attachments`` maps to the API's ``cbm_attachments``. Limits are Twilio's
platform limits per address type ("File Attachments and API Limits").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from flexplan.plantypes import LiveObject, Problem
from flexplan.resources._flex_document import read_configuration, write_configuration
from flexplan.resources.base import (
    Exported,
    ExportNames,
    ReadContext,
    ResourceSpec,
    State,
    WriteContext,
)
from flexplan.resources.fields import Size, format_size
from flexplan.resources.table import Attr, Block, Table, TableKind

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

AddressType = Literal["web", "sms", "whatsapp", "email", "messenger", "gbm"]
ADDRESS_TYPES: tuple[str, ...] = get_args(AddressType)
_COMMON = ("jpg", "jpeg", "png", "amr", "mp3", "mp4", "pdf", "heic")


@dataclass(frozen=True)
class Limits:
    number_of_attachments: int
    max_file_size: int
    max_total_file_size: int
    accepted_extensions: tuple[str, ...]


LIMITS: dict[str, Limits] = {
    "web": Limits(1, 16777216, 67108864, (*_COMMON, "txt", "gif")),
    "sms": Limits(1, 2097152, 5242880, _COMMON),
    "whatsapp": Limits(1, 16777216, 67108864, (*_COMMON, "oga")),
    "email": Limits(10, 157286400, 157286400, (*_COMMON, "txt", "gif")),
    "messenger": Limits(1, 26214400, 26214400, ("jpg", "jpeg", "png", "mp3", "mp4", "pdf")),
    "gbm": Limits(1, 5242880, 5242880, ("jpg", "jpeg", "png")),
}


class Attachments(BaseModel):
    """``cbm_attachments`` of one address type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = Field(
        default=None, description="whether customers and agents may send attachments"
    )
    number_of_attachments: int | None = Field(
        default=None, ge=0, description="attachments per message (Twilio's limit: 1; email: 10)"
    )
    max_file_size: Size | None = Field(
        default=None, description="largest attachment: bytes, or a size such as 16MiB"
    )
    max_total_file_size: Size | None = Field(
        default=None,
        description="largest total of a message's attachments: bytes, or a size such as 64MiB",
    )
    accepted_extensions: list[str] | None = Field(
        default=None, description="file extensions allowed, without the dot: jpg, png, pdf…"
    )


class ChannelConfigSpec(ResourceSpec):
    """Attachment settings for one address type (by default, the local name)."""

    address_type: AddressType | None = Field(
        default=None,
        description="the address type these settings are for (Flex Configuration "
        "channel_configs); defaults to the entry's local name",
    )
    attachments: Attachments | None = Field(
        default=None, description="attachment settings of the address type (cbm_attachments)"
    )


def address_type_of(name: str, spec: ChannelConfigSpec) -> str:
    """The address type an entry configures: ``address_type`` or its local name."""
    return spec.address_type or name


FIELDS: Table = (
    Attr("address_type", always=True, from_name=True, key=True),
    Block("attachments", "cbm_attachments", fields=(
        Attr("enabled"),
        Attr("number_of_attachments"),
        Attr("max_file_size", role="size"),
        Attr("max_total_file_size", role="size"),
        Attr("accepted_extensions", role="sorted"),
    )),
)  # fmt: skip


class ChannelConfigKind(TableKind[ChannelConfigSpec]):
    section: ClassVar[str] = "channel_configs"
    type_name: ClassVar[str] = "channel_config"
    title: ClassVar[str] = "channel config"
    spec_model = ChannelConfigSpec
    rank: ClassVar[int] = 40
    has_sid: ClassVar[bool] = False
    fields: ClassVar[Table] = FIELDS

    def check(self, name: str, spec: ChannelConfigSpec) -> Iterable[Problem]:
        address_type = address_type_of(name, spec)
        if address_type not in LIMITS:
            return [
                Problem(
                    f"'{name}' is not an address type",
                    (),
                    f"name the entry after one of {', '.join(ADDRESS_TYPES)}, or add address_type:",
                )
            ]
        if spec.attachments is None or spec.state == "absent":
            return []
        return list(_check_attachments(address_type, spec.attachments))

    def read(
        self, ctx: ReadContext, specs: Sequence[tuple[str, ChannelConfigSpec]]
    ) -> list[LiveObject]:
        config = read_configuration(ctx.client)
        return [to_live(entry) for entry in config.get("channel_configs") or []]

    def create(self, client: Client, desired: State, ctx: WriteContext) -> LiveObject | None:
        return _write(client, desired["address_type"], desired)

    def update(
        self, client: Client, live: LiveObject, desired: State, ctx: WriteContext
    ) -> LiveObject | None:
        return _write(client, desired["address_type"], desired)

    def delete(self, client: Client, live: LiveObject, ctx: WriteContext) -> None:
        _write(client, str(live.key[0]), None)

    def export_name(self, live: LiveObject) -> str:
        return str(live.key[0])

    def export(self, name: str, live: LiveObject, names: ExportNames) -> Exported | None:
        address_type = live.key[0]
        if address_type not in LIMITS:
            return None  # not an address type the manifest knows
        return super().export(name, live, names)


def _write(client: Client, address_type: str, desired: State | None) -> LiveObject | None:
    """This entry merged into (or removed from) Flex Configuration's ``channel_configs``."""
    written: list[dict[str, Any] | None] = [None]

    def change(config: dict[str, Any]) -> dict[str, Any]:
        entries, written[0] = _with_entry(config, address_type, desired)
        return {"channel_configs": entries}

    def settled(before: dict[str, Any], after: dict[str, Any]) -> bool:
        return _settled(before, after, address_type, desired)

    write_configuration(client, f"channel_config {address_type}", change, settled)
    return to_live(written[0]) if written[0] is not None else None


# Twilio documents these limits, but not that its API refuses values beyond them (its own
# example Flex Configuration has sms at 10 files of 150 MB): a value beyond one is a
# warning, and Twilio decides.
LIMITS_PAGE = "https://www.twilio.com/docs/flex/developer/conversations/limits"



def _with_entry(
    config: dict[str, Any], address_type: str, desired: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``channel_configs`` with this entry merged in (or removed), and the new entry."""
    entries = list(config.get("channel_configs") or [])
    index = next((i for i, e in enumerate(entries) if e.get("address_type") == address_type), None)
    if desired is None:
        if index is not None:
            entries.pop(index)
        return entries, None
    current = entries[index] if index is not None else {"address_type": address_type}
    new_entry = _merged(current, desired)
    if index is None:
        entries.append(new_entry)
    else:
        entries[index] = new_entry
    return entries, new_entry


def _settled(
    before: dict[str, Any], after: dict[str, Any], address_type: str, desired: dict[str, Any] | None
) -> bool:
    """The read-back has this entry as written, and every other entry as it was when read."""

    def others(config: dict[str, Any]) -> dict[Any, Any]:
        entries = config.get("channel_configs") or []
        return {e.get("address_type"): e for e in entries if isinstance(e, dict)}

    mine = others(after).pop(address_type, None)
    untouched_before, untouched_after = others(before), others(after)
    untouched_before.pop(address_type, None)
    untouched_after.pop(address_type, None)
    if untouched_before != untouched_after:
        return False
    if desired is None:
        return mine is None
    wanted = desired.get("attachments") or {}
    given = (mine or {}).get("cbm_attachments") or {}
    return mine is not None and all(given.get(k) == v for k, v in wanted.items())


def _check_attachments(address_type: str, att: Attachments) -> Iterable[Problem]:
    limits = LIMITS[address_type]
    for field in ("number_of_attachments", "max_file_size", "max_total_file_size"):
        value, limit = getattr(att, field), getattr(limits, field)
        if value is not None and value > limit:
            shown = (str, str) if field == "number_of_attachments" else (format_size,) * 2
            yield Problem(
                f"{field} {shown[0](value)} is over the documented {address_type} limit of "
                f"{shown[1](limit)} ({LIMITS_PAGE}); Twilio decides whether it applies",
                ("attachments", field),
                f"Twilio documents at most {shown[1](limit)} for {address_type}",
                severity="warning",
            )
    size, total = att.max_file_size, att.max_total_file_size
    if size is not None and total is not None and size > total:
        yield Problem(
            f"max_file_size {format_size(size)} is larger than "
            f"max_total_file_size {format_size(total)}",
            ("attachments", "max_file_size"),
            "a single file cannot be larger than the total allowed",
        )
    for i, ext in enumerate(att.accepted_extensions or ()):
        if ext not in limits.accepted_extensions:
            yield Problem(
                f"extension '{ext}' is not among the documented {address_type} attachment "
                f"extensions ({LIMITS_PAGE}); Twilio decides whether it applies",
                ("attachments", "accepted_extensions", i),
                f"Twilio documents {' '.join(limits.accepted_extensions)} for {address_type}",
                severity="warning",
            )


def _merged(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    entry = dict(current)
    attachments = desired.get("attachments")
    if attachments:
        merged = dict(entry.get("cbm_attachments") or {})
        merged.update(attachments)
        entry["cbm_attachments"] = merged
    return entry


def to_live(entry: dict[str, Any]) -> LiveObject:
    return KIND.live(entry, is_default=True)


KIND = ChannelConfigKind()
