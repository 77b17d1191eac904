"""The plan as JSON, close to ``terraform show -json`` (schemas/plan.schema.json).

Differences from Terraform, on purpose: sensitive values are never written
(they are ``null`` with ``true`` in the ``*_sensitive`` mask), and each change
carries a field-level ``diff`` so that tools need not compute one.
"""

from __future__ import annotations

import json
from typing import Any

from flexplan import __version__
from flexplan.engine.diff import leaves
from flexplan.engine.model import Plan, ResourceChange
from flexplan.redact import redact
from flexplan.render.common import is_sensitive
from flexplan.resources.live import Unknown

FORMAT_VERSION = "1.0"


def plan_to_json(plan: Plan) -> dict[str, Any]:
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


def _change(change: ResourceChange) -> dict[str, Any]:
    before, before_mask = _masked(change, change.before)
    after, after_mask = _masked(change, change.after)
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
    out: list[dict[str, Any]] = []
    for item in change.diff:
        sensitive = is_sensitive(change, item.path, item.before) or is_sensitive(
            change, item.path, item.after
        )
        out.append(
            {
                "path": item.path,
                "before": None if sensitive else _plain(item.before),
                "after": None if sensitive or isinstance(item.after, Unknown) else item.after,
                "after_unknown": isinstance(item.after, Unknown),
                "sensitive": sensitive,
            }
        )
    for path, detail in change.details.items():
        out.append({"path": path, "detail": detail.to_json()})
    return out


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


def _mask_tree(state: dict[str, Any] | None, test: Any) -> dict[str, Any]:
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
