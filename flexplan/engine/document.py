"""The plan as a document of plain JSON data (schemas/plan.schema.json).

One builder for every consumer that needs the plan as data: the JSON renderer
prints it, a saved plan stores it (with fingerprints added), and the staleness
check compares against it. Its shape is close to ``terraform show -json``, with
two differences on purpose: sensitive values are never written (they are
``null`` with ``true`` in the ``*_sensitive`` mask), and each change carries a
field-level ``diff`` so that tools need not compute one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flexplan import __version__
from flexplan.engine.diff import leaves
from flexplan.engine.model import Plan, ResourceChange, is_sensitive
from flexplan.plantypes import Unknown
from flexplan.redact import redact

FORMAT_VERSION = "1.0"


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as plain JSON data: what ``show -json`` prints and a saved plan holds."""
    s = plan.summary()
    return {
        "format_version": FORMAT_VERSION,
        "flexplan_version": __version__,
        "account_sid": plan.account_sid,
        "environment": plan.environment,
        "manifest_digest": plan.manifest_digest,
        "resource_changes": [_change(c) for c in plan.changes],
        "summary": {"add": s.add, "change": s.change, "destroy": s.destroy, "no_op": s.unchanged},
        "unmanaged": [
            {"kind": u.type_name, "section": u.section, "sid": u.sid, "label": u.label}
            for u in plan.unmanaged
        ],
        "notes": list(plan.notes),
        "unreadable": [
            {"section": u.section, "title": u.title, "answer": u.answer, "text": u.text}
            for u in plan.unreadable
        ],
        "targets": list(plan.targets),
        "migration": [  # what the text and markdown plans' migration section lists
            {"deleted": r.deleted.address, "created": r.created.address}
            for r in plan.replacements()
        ],
    }


def _change(change: ResourceChange) -> dict[str, Any]:
    before, before_mask = _masked(change, change.before)
    after, after_mask = _masked(change, change.after)
    return {
        "address": change.address,
        "kind": change.type_name,
        "section": change.section,
        "name": change.name,
        "sid": change.sid,
        "label": change.label,
        "managed": change.managed,
        "change": {
            "actions": change.actions,
            "before": before,
            "after": after,
            "after_unknown": _mask_tree(change.after, lambda p, v: isinstance(v, Unknown)),
            "before_sensitive": before_mask,
            "after_sensitive": after_mask,
            "replace_paths": list(change.replace_paths),
            "diff": _field_diff(change),
        },
        "reason": change.reason,
        "depends_on": list(change.depends_on),
    }


def _field_diff(change: ResourceChange) -> list[dict[str, Any]]:
    out = [_diff_row(change, item.path, item.before, item.after) for item in change.diff]
    out += [{"path": path, "detail": detail.to_json()} for path, detail in change.details.items()]
    return out


def _diff_row(change: ResourceChange, path: str, before: Any, after: Any) -> dict[str, Any]:
    sensitive = is_sensitive(change, path, before) or is_sensitive(change, path, after)
    row: dict[str, Any] = {
        "path": path,
        "before": None if sensitive else _plain(before),
        "after": None if sensitive else _plain(after),
        "after_unknown": isinstance(after, Unknown),
        "sensitive": sensitive,
    }
    unit = change.units.get(path)
    if unit:
        row["unit"] = unit  # the values are plain numbers in this unit ("bytes")
    return row


def _masked(
    change: ResourceChange, state: dict[str, Any] | None
) -> tuple[Any, dict[str, Any] | bool]:
    if state is None:
        return None, False
    mask = _mask_tree(state, lambda p, v: is_sensitive(change, p, v))
    return _scrub(state, "", change), mask


def _scrub(value: Any, path: str, change: ResourceChange) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, f"{path}.{k}" if path else k, change) for k, v in value.items()}
    if isinstance(value, Unknown) or is_sensitive(change, path, value):
        return None
    return value


def _plain(value: Any) -> Any:
    return None if isinstance(value, Unknown) else value


def _mask_tree(state: dict[str, Any] | None, test: Callable[[str, Any], bool]) -> dict[str, Any]:
    """A Terraform-style mask: the same shape as ``state`` with ``true`` where ``test`` holds."""
    mask: dict[str, Any] = {}
    for path, value in leaves(state or {}):
        if test(path, value):
            node = mask
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = True
    return mask


def redacted_plan_document(plan: Plan) -> dict[str, Any]:
    """``plan_document`` exactly as a file holds it: every value passed through ``redact``."""
    redacted: dict[str, Any] = json.loads(redact(json.dumps(plan_document(plan), default=str)))
    return redacted
