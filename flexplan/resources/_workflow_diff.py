"""TaskRouter workflow configurations diffed per filter, the way a reviewer reads routing.

Both sides are parsed documents, so whitespace and key order are no change at
all. Filters are matched by ``filter_friendly_name`` (a repeated name by
ordinal, ``Sales #2``; filters without one as ``(unnamed)``, ``(unnamed) #2``
in their order among themselves): added and
removed filters are listed by name, a changed filter lists its changed fields
as ``expression: old -> new`` and ``targets[0].queue: old -> new``. Routing
takes the first filter that matches, so a new order of the same filters is a
change of its own (``filter order: A, B -> B, A``); the default filter and any
other key of the document are listed as plain fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flexplan.flowdiff import dotted_path
from flexplan.plantypes import FieldChange, Named, Unknown

ABSENT: Any = None


@dataclass(frozen=True)
class FilterChange:
    action: str  # "add" | "remove" | "change"
    name: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class WorkflowDiff:
    filters: tuple[FilterChange, ...] = ()
    order: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (before, after) when moved
    routing: tuple[FieldChange, ...] = ()  # default_filter and other keys

    @property
    def empty(self) -> bool:
        return not (self.filters or self.order or self.routing)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "workflow_configuration",
            "filters": [
                {"action": f.action, "name": f.name, "changes": _fields_json(f.fields)}
                for f in self.filters
            ],
            "order": None
            if self.order is None
            else {"before": list(self.order[0]), "after": list(self.order[1])},
            "routing": _fields_json(self.routing),
        }

    def lines(self) -> list[str]:
        """Plain lines, for text and markdown renderings."""
        out: list[str] = []
        for change in self.filters:
            symbol = {"add": "+", "remove": "-", "change": "~"}[change.action]
            out.append(f"{symbol} filter {json.dumps(change.name, ensure_ascii=False)}")
            for item in change.fields:
                if change.action == "add":
                    out.append(f"    {_one_line(item.path)} = {_show(item.after)}")
                else:
                    out.append(_change_line(item, indent="    "))
        if self.order is not None:
            before, after = (", ".join(_one_line(n) for n in side) for side in self.order)
            out.append(f"filter order: {before} -> {after}")
        out.extend(_change_line(item) for item in self.routing)
        return out


def parsed_configuration(value: Any) -> Any:
    """A configuration as data: JSON text parsed (whitespace and key order dropped)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # not JSON: compared as text, Twilio refuses it on write
    return value


def diff_configurations(before: Any, after: Any) -> WorkflowDiff:
    """Per-filter difference between two workflow configurations (text or parsed)."""
    old, new = parsed_configuration(before), parsed_configuration(after)
    old = {} if old is None else old  # a new workflow: every filter is added
    if old == new:
        return WorkflowDiff()
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return WorkflowDiff(routing=(FieldChange("configuration", old, new),))
    old_routing, new_routing = _routing(old), _routing(new)
    old_filters = _filters_by_name(old_routing.get("filters"))
    new_filters = _filters_by_name(new_routing.get("filters"))
    changes: list[FilterChange] = []
    for name, item in new_filters.items():
        if name not in old_filters:
            changes.append(FilterChange("add", name, tuple(_leaves(item))))
        elif old_filters[name] != item:
            fields = _nested_changes("", old_filters[name], item)
            changes.append(FilterChange("change", name, tuple(fields)))
    changes.extend(FilterChange("remove", n) for n in old_filters if n not in new_filters)
    kept_before = tuple(n for n in old_filters if n in new_filters)
    kept_after = tuple(n for n in new_filters if n in old_filters)
    order = (kept_before, kept_after) if kept_before != kept_after else None
    rest = _nested_changes(
        "task_routing", _without_filters(old_routing), _without_filters(new_routing)
    )
    others = _nested_changes("", _without_routing(old), _without_routing(new))
    return WorkflowDiff(tuple(changes), order, tuple(rest + others))


def _routing(document: Mapping[str, Any]) -> Mapping[str, Any]:
    routing = document.get("task_routing")
    return routing if isinstance(routing, Mapping) else {}


def _without_filters(routing: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in routing.items() if k != "filters"}


def _without_routing(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "task_routing"}


def _filters_by_name(filters: Any) -> dict[str, Any]:
    keyed: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for item in filters if isinstance(filters, list) else []:
        name = item.get("filter_friendly_name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not name:
            name = "(unnamed)"  # numbered among the unnamed ones: stable when others move
        seen[name] = seen.get(name, 0) + 1
        keyed[name if seen[name] == 1 else f"{name} #{seen[name]}"] = item
    return keyed


def _leaves(value: Any, path: str = "") -> Iterable[FieldChange]:
    """Every value of an added filter, as ``path = value`` lines."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            if key != "filter_friendly_name":
                yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield FieldChange(path, ABSENT, value)


def _nested_changes(prefix: str, old: Any, new: Any) -> list[FieldChange]:
    """Leaf-level changes between two JSON values, as dotted paths (deepdiff underneath)."""
    if old == new:
        return []
    from deepdiff import DeepDiff  # only when two differ: validate never loads it

    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    changes: list[FieldChange] = []
    for bucket in diff.values():
        for item in bucket:
            path = dotted_path([prefix, *item.path(output_format="list")])
            before = ABSENT if _missing(item.t1) else item.t1
            after = ABSENT if _missing(item.t2) else item.t2
            if isinstance(after, Named):
                if before == after:
                    continue  # the SID and the name of one look-up
                before = after.sibling(before)
            changes.append(FieldChange(path, before, after))
    changes.sort(key=lambda c: c.path)
    return changes


def _missing(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def _fields_json(items: Iterable[FieldChange]) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:
        return None if isinstance(value, Unknown) else value

    return [
        {"path": c.path, "before": plain(c.before), "after": plain(c.after), "sensitive": False}
        for c in items
    ]


def _change_line(item: FieldChange, indent: str = "") -> str:
    path = _one_line(item.path)
    if item.before is ABSENT:
        return f"{indent}+ {path} = {_show(item.after)}"
    if item.after is ABSENT:
        return f"{indent}- {path} = {_show(item.before)}"
    return f"{indent}{path}: {_show(item.before)} -> {_show(item.after)}"


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(none)"
    if isinstance(value, Unknown):
        return str(value)  # (known after apply)
    if isinstance(value, Named):
        return value.show()  # Sales (WQ…)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _one_line(text: str) -> str:
    """Names read from a configuration never start a line of their own."""
    return json.dumps(text, ensure_ascii=False)[1:-1]
