"""The renderer-neutral plan view: rows, units, rich diffs passed through, and the three
renderings read from it alone."""

from __future__ import annotations

import json
from typing import Any

from flexplan.engine.model import Plan, ResourceChange
from flexplan.plantypes import FieldChange
from flexplan.render.json_plan import render_json
from flexplan.render.markdown import render_markdown
from flexplan.render.text import render_text
from flexplan.render.view import ABSENT, plan_view

MiB = 1024**2


class _Rich:
    """A kind's rich diff: the view carries it untouched."""

    def lines(self) -> list[str]:
        return ['+ widget "greet" (send-message)']

    def to_json(self) -> dict[str, Any]:
        return {"type": "test"}


def _plan(*changes: ResourceChange) -> Plan:
    return Plan("AC" + "0" * 32, None, "digest", list(changes))


def _sized_update() -> ResourceChange:
    return ResourceChange(
        section="channel_configs", type_name="channel_config", title="channel config",
        name="sms", action="update",
        before={"attachments": {"max_file_size": MiB}},
        after={"attachments": {"max_file_size": 2 * MiB}},
        diff=[FieldChange("attachments.max_file_size", MiB, 2 * MiB)],
        units={"attachments.max_file_size": "bytes"},
    )  # fmt: skip


def _created_flow(rich: Any) -> ResourceChange:
    return ResourceChange(
        section="studio_flows", type_name="studio_flow", title="Studio flow", name="web",
        action="create", after={"friendly_name": "Web", "token": "s3cret", "definition": {}},
        details={"definition": rich}, sensitive_paths=["token"],
    )  # fmt: skip


def test_rows_carry_units_sensitivity_and_absent_sides() -> None:
    view = plan_view(_plan(_sized_update(), _created_flow(_Rich())))
    [sized, created] = view.actionable
    [row] = sized.rows
    assert (row.shown_before, row.shown_after, row.unit) == ("1 MiB", "2 MiB", "bytes")
    by_path = {r.path: r for r in created.rows}
    assert set(by_path) == {"friendly_name", "token"}  # the definition is the rich diff's
    assert by_path["token"].sensitive and by_path["token"].shown_after == "(sensitive)"
    assert by_path["friendly_name"].before is ABSENT


def test_rich_diff_is_passed_through_with_the_resource_action_as_its_mark() -> None:
    rich = _Rich()
    [created] = plan_view(_plan(_created_flow(rich))).actionable
    [view] = created.rich
    assert view.data is rich and view.mark == "+" and view.path == "definition"


def test_sizes_show_with_units_in_text_and_markdown_and_bytes_in_json() -> None:
    plan = _plan(_sized_update())
    assert "~ attachments.max_file_size = 1 MiB -> 2 MiB" in render_text(plan)
    markdown = render_markdown(plan)
    assert "- attachments.max_file_size = 1 MiB\n+ attachments.max_file_size = 2 MiB" in markdown
    [row] = json.loads(render_json(plan))["resource_changes"][0]["change"]["diff"]
    assert row == {
        "path": "attachments.max_file_size", "before": MiB, "after": 2 * MiB,
        "after_unknown": False, "sensitive": False, "unit": "bytes",
    }  # fmt: skip


def test_an_odd_size_keeps_its_exact_bytes() -> None:
    change = _sized_update()
    change.diff = [FieldChange("attachments.max_file_size", 1536 * 1024 + 1, 512)]
    text = render_text(_plan(change))
    assert "1.5 MiB (1572865 bytes) -> 512 bytes" in text


def test_a_created_rich_field_is_marked_added_not_changed() -> None:
    markdown = render_markdown(_plan(_created_flow(_Rich())))
    assert "\n+ definition:\n+   widget" in markdown
    assert "! definition" not in markdown
