"""A saved plan back as a ``Plan`` the renderers read: ``flexplan show`` without the account.

``change_view`` writes, for each change, what the renderings need beyond the
plan document (engine/document.py); ``restored_plan`` reads the document and
those views back into a ``Plan`` whose text, markdown and JSON renderings are
the ones ``plan`` printed. The restored plan is for showing only: it holds no
live objects, and masked values are the mask, never the value (a saved plan
holds none).

Values the document folds into ``null`` are restored from the view: a masked
leaf as the mask (so a destroyed resource's masked field still shows as
masked), a look-up's SID with its name (``chat (TC…)``), a value known only
after apply from the document's ``after_unknown`` mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flexplan.engine.diff import leaves
from flexplan.engine.model import (
    ACTION_LIST,
    CREATE_BEFORE_DESTROY,
    Action,
    Plan,
    ResourceChange,
    Unmanaged,
    Unreadable,
    is_sensitive,
)
from flexplan.flowdiff import (
    SAVED_TYPE,
    DefinitionDiff,
    SavedFormError,
    definition_from_saved,
    definition_to_saved,
)
from flexplan.flowdiff import saved_list as _list
from flexplan.flowdiff import saved_text as _text
from flexplan.plantypes import FieldChange, Named, Unknown
from flexplan.redact import MASK

_ACTIONS: dict[tuple[str, ...], Action] = {
    **{tuple(actions): action for action, actions in ACTION_LIST.items()},
    tuple(CREATE_BEFORE_DESTROY): "replace",
}


class SavedLines:
    """A kind's rich diff other than Studio's, as its lines (all the renderings use of it)."""

    empty = False

    def __init__(self, lines: list[str], document: dict[str, Any]) -> None:
        self._lines, self._document = lines, document

    def lines(self) -> list[str]:
        return list(self._lines)

    def to_json(self) -> dict[str, Any]:
        return self._document


# -- writing -----------------------------------------------------------------------------


def change_view(change: ResourceChange) -> dict[str, Any]:
    """What the renderings read of ``change`` that its document entry does not hold."""
    return {
        "title": change.title,
        "unchanged_fields": change.unchanged_fields,
        "sensitive_paths": sorted(change.sensitive_paths),
        "units": dict(change.units),
        "claims_before": sorted(change.claims_before),
        "claims_after": sorted(change.claims_after),
        "leaves": {
            "before": _leaf_markers(change, change.before),
            "after": _leaf_markers(change, change.after),
        },
        "diff_names": [[_name(item.before), _name(item.after)] for item in change.diff],
        "details": {path: _saved_detail(detail) for path, detail in change.details.items()},
    }


def _leaf_markers(change: ResourceChange, state: dict[str, Any] | None) -> dict[str, Any]:
    """``{path: "masked"}`` for masked leaves that hold a value (a masked ``null`` stays
    ``null``: a destroyed resource's null fields are not shown), ``{path: {"name": …}}`` for
    look-ups."""
    out: dict[str, Any] = {}
    for path, value in leaves(state or {}):
        if is_sensitive(change, path, value):
            if value is not None:
                out[path] = "masked"
        elif isinstance(value, Named):
            out[path] = {"name": value.name}
    return out


def _name(value: Any) -> str | None:
    return value.name if isinstance(value, Named) else None


def _saved_detail(detail: Any) -> dict[str, Any]:
    if isinstance(detail, DefinitionDiff):
        return definition_to_saved(detail)
    return {"type": detail.to_json().get("type"), "lines": list(detail.lines())}


# -- reading -----------------------------------------------------------------------------


def restored_plan(body: Mapping[str, Any]) -> Plan:
    """The plan a saved body describes; ``SavedFormError`` when it is not one."""
    try:
        return Plan(
            account_sid=_text(body["account_sid"]),
            environment=_optional_text(body["environment"]),
            manifest_digest=_text(body["manifest_digest"]),
            changes=[_restored_change(item) for item in _list(body["resource_changes"])],
            unmanaged=[_restored_unmanaged(u) for u in _list(body["unmanaged"])],
            notes=[_text(n) for n in _list(body["notes"])],
            unreadable=[
                Unreadable(_text(u["section"]), _text(u["title"]), _text(u["answer"]))
                for u in _list(body["unreadable"])
            ],
            targets=[_text(t) for t in _list(body["targets"])],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SavedFormError(f"{type(exc).__name__}: {exc}") from None


def _restored_unmanaged(item: Mapping[str, Any]) -> Unmanaged:
    return Unmanaged(
        _text(item["section"]), _text(item["kind"]), _optional_text(item["sid"]),
        _text(item["label"]),
    )  # fmt: skip


def _restored_change(item: Mapping[str, Any]) -> ResourceChange:
    change, view = item["change"], item["view"]
    actions = tuple(_list(change["actions"]))
    if actions not in _ACTIONS:
        raise SavedFormError(f"unknown actions {list(actions)!r:.60}")
    markers = view["leaves"]
    rows = [row for row in _list(change["diff"]) if "detail" not in row]
    names = _list(view["diff_names"])
    if len(names) != len(rows):
        raise SavedFormError("the view's look-up names do not match the diff")
    return ResourceChange(
        section=_text(item["section"]),
        type_name=_text(item["kind"]),
        title=_text(view["title"]),
        name=_text(item["name"]),
        action=_ACTIONS[actions],
        create_first=list(actions) == CREATE_BEFORE_DESTROY,
        sid=_optional_text(item["sid"]),
        label=_text(item["label"]),
        before=_restored_state(change["before"], markers["before"], {}),
        after=_restored_state(change["after"], markers["after"], change["after_unknown"]),
        diff=[_restored_row(row, pair) for row, pair in zip(rows, names, strict=True)],
        details=_restored_details(change["diff"], view["details"]),
        replace_paths=[_text(p) for p in _list(change["replace_paths"])],
        sensitive_paths=[_text(p) for p in _list(view["sensitive_paths"])],
        units={_text(k): _text(v) for k, v in view["units"].items()},
        unchanged_fields=_count(view["unchanged_fields"]),
        reason=_text(item["reason"]),
        depends_on=[_text(d) for d in _list(item["depends_on"])],
        managed=item["managed"] is True,
        claims_before=frozenset(_text(c) for c in _list(view["claims_before"])),
        claims_after=frozenset(_text(c) for c in _list(view["claims_after"])),
    )


def _restored_state(
    state: Any, markers: Mapping[str, Any], unknown: Mapping[str, Any]
) -> dict[str, Any] | None:
    if state is None:
        return None
    if not isinstance(state, dict):
        raise SavedFormError("a state is not an object")
    unknown_paths = {path for path, flag in leaves(unknown) if flag is True}

    def leaf(path: str, value: Any) -> Any:
        marker = markers.get(path)
        if marker == "masked":
            return MASK
        if path in unknown_paths:
            return Unknown("")
        if isinstance(marker, dict) and isinstance(value, str):
            return Named(value, _text(marker["name"]))
        return value

    return _mapped_leaves(state, leaf)


def _mapped_leaves(
    state: dict[str, Any], fn: Callable[[str, Any], Any], prefix: str = ""
) -> dict[str, Any]:
    """``state`` with ``fn(path, value)`` in place of each leaf (as ``leaves`` walks it)."""
    out: dict[str, Any] = {}
    for key, value in state.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out[key] = _mapped_leaves(value, fn, path)
        else:
            out[key] = fn(path, value)
    return out


def _restored_row(row: Mapping[str, Any], names: Any) -> FieldChange:
    before_name, after_name = _list(names)
    before, after = row["before"], row["after"]
    if row["sensitive"] is True:
        before = after = MASK
    if isinstance(before, str) and before_name is not None:
        before = Named(before, _text(before_name))
    if row["after_unknown"] is True:
        after = Unknown("")
    elif isinstance(after, str) and after_name is not None:
        after = Named(after, _text(after_name))
    return FieldChange(_text(row["path"]), before, after)


def _restored_details(rows: list[Any], saved: Mapping[str, Any]) -> dict[str, Any]:
    documents = {row["path"]: row["detail"] for row in rows if "detail" in row}
    if set(documents) != set(saved):
        raise SavedFormError("the view's rich diffs do not match the diff")
    out: dict[str, Any] = {}
    for path, data in saved.items():
        if data.get("type") == SAVED_TYPE and "widgets" in data:
            out[path] = definition_from_saved(data)
        else:
            out[path] = SavedLines([_text(line) for line in _list(data["lines"])], documents[path])
    return out


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SavedFormError(f"expected a count, found {value!r:.20}")
    return value
