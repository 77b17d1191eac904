"""Which fields a plan shows with a unit comes from the kind's field table (role
``size``), not from the spec model's types: the engine asks the kind, naming none."""

from __future__ import annotations

from typing import ClassVar

from flexplan.resources.base import ResourceSpec
from flexplan.resources.channel_configs import KIND as CHANNEL_CONFIGS
from flexplan.resources.table import Attr, Block, Table, TableKind


class _Quota(ResourceSpec):
    limit: int | None = None  # a plain int: only the table says it is a size
    note: str | None = None


class _QuotaKind(TableKind[_Quota]):
    section: ClassVar[str] = "quotas"
    type_name: ClassVar[str] = "quota"
    title: ClassVar[str] = "quota"
    spec_model = _Quota
    fields: ClassVar[Table] = (
        Attr("limit", role="size"),
        Attr("note"),
        Block("files", "files", fields=(Attr("largest", role="size"), Attr("count"))),
    )


def test_a_table_kinds_units_are_its_size_fields_by_state_path() -> None:
    assert _QuotaKind.units == {"limit": "bytes", "files.largest": "bytes"}


def test_channel_configs_show_both_attachment_sizes_in_bytes() -> None:
    assert dict(CHANNEL_CONFIGS.units) == {
        "attachments.max_file_size": "bytes",
        "attachments.max_total_file_size": "bytes",
    }

