"""The plan as JSON, close to ``terraform show -json`` (schemas/plan.schema.json).

Differences from Terraform, on purpose: sensitive values are never written
(they are ``null`` with ``true`` in the ``*_sensitive`` mask), and each change
carries a field-level ``diff`` so that tools need not compute one.
"""

from __future__ import annotations

import json
from typing import Any

from flexplan import __version__
from flexplan.engine.model import Plan
from flexplan.plantypes import Unknown
from flexplan.redact import redact
from flexplan.render.view import ABSENT, FieldRow, ResourceView, plan_view

FORMAT_VERSION = "1.0"


def plan_to_json(plan: Plan) -> dict[str, Any]:
    s = plan.summary()
    return {
        "format_version": FORMAT_VERSION,
        "flexplan_version": __version__,
        "account_sid": plan.account_sid,
        "environment": plan.environment,
        "manifest_digest": plan.manifest_digest,
        "resource_changes": [_change(r) for r in plan_view(plan).resources],
        "summary": {"add": s.add, "change": s.change, "destroy": s.destroy, "no_op": s.unchanged},
        "unmanaged": [
            {"kind": u.address_kind, "section": u.section, "sid": u.sid, "label": u.label}
            for u in plan.unmanaged
        ],
        "notes": list(plan.notes),
        "unreadable": [
            {"section": u.section, "title": u.title, "answer": u.answer, "text": u.text}
            for u in plan.unreadable
        ],
    }


def render_json(plan: Plan) -> str:
    return redact(json.dumps(plan_to_json(plan), indent=2, sort_keys=False, default=str)) + "\n"


def _change(resource: ResourceView) -> dict[str, Any]:
    change = resource.change
    before, after = resource.before(), resource.after()
    return {
        "address": change.address,
        "kind": change.address_kind,
        "section": change.section,
        "name": change.name,
        "sid": change.sid,
        "label": change.label,
        "managed": change.managed,
        "change": {
            "actions": change.actions,
            "before": before.value,
            "after": after.value,
            "after_unknown": after.unknown,
            "before_sensitive": before.sensitive,
            "after_sensitive": after.sensitive,
            "replace_paths": list(change.replace_paths),
            "diff": _field_diff(resource),
        },
        "reason": change.reason,
        "depends_on": list(change.depends_on),
    }


def _field_diff(resource: ResourceView) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [_row(row) for row in resource.diff]
    out += [{"path": rich.path, "detail": rich.data.to_json()} for rich in resource.rich]
    return out


def _row(row: FieldRow) -> dict[str, Any]:
    item: dict[str, Any] = {
        "path": row.path,
        "before": None if row.sensitive else _plain(row.before),
        "after": None if row.sensitive else _plain(row.after),
        "after_unknown": row.after_unknown,
        "sensitive": row.sensitive,
    }
    if row.unit:
        item["unit"] = row.unit
    return item


def _plain(value: Any) -> Any:
    return None if isinstance(value, Unknown) or value is ABSENT else value
