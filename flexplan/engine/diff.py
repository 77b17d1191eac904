"""Field-level comparison of a desired state with a live one, managed fields only.

States are nested dicts in manifest terms. Only the leaves the manifest sets
are compared (an omitted field is not managed, so it never diffs); lists are
compared whole. A kind may supply a richer diff for one field (Studio
definitions diff per widget).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flexplan.plantypes import FieldChange, Named, Unknown

ABSENT: Any = None
RichDiff = Callable[[str, Any, Any], Any]


@dataclass
class StateDiff:
    changes: list[FieldChange] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    unknown_paths: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.details)

    def changed_paths(self) -> list[str]:
        return [c.path for c in self.changes] + list(self.details)


def leaves(state: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths and values of every leaf (dicts are walked, lists are leaves)."""
    for key, value in state.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            yield from leaves(value, path)
        else:
            yield path, value


def get_path(state: Mapping[str, Any] | None, path: str) -> Any:
    node: Any = state
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return ABSENT
        node = node[part]
    return node


def project(live: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``live`` that ``desired`` manages, shaped like ``desired``."""
    out: dict[str, Any] = {}
    for key, value in desired.items():
        have = live.get(key, ABSENT)
        if isinstance(value, Mapping) and value and isinstance(have, Mapping):
            out[key] = project(have, value)
        else:
            out[key] = have
    return out


def diff_states(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    rich: Mapping[str, RichDiff] | None = None,
) -> StateDiff:
    """Compare the managed leaves of ``desired`` with ``live``."""
    rich = rich or {}
    result = StateDiff()
    for path, after in _managed_leaves(desired, rich):
        before = get_path(live, path)
        if isinstance(after, Unknown):
            result.unknown_paths.append(path)
            result.changes.append(FieldChange(path, before, after))
        elif path in rich:
            detail = rich[path](path, before, after)
            if detail is None or getattr(detail, "empty", False):
                result.unchanged += 1
            else:
                result.details[path] = detail
        elif before != after:  # a Named look-up equals its SID and its name
            named = after.sibling(before) if isinstance(after, Named) else before
            result.changes.append(FieldChange(path, named, after))
        else:
            result.unchanged += 1
    return result


def _managed_leaves(
    desired: Mapping[str, Any], rich: Mapping[str, RichDiff], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    for key, value in desired.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in rich:
            yield path, value
        elif isinstance(value, Mapping):
            # an empty block (``attachments: {}``) manages nothing under it
            yield from _managed_leaves(value, rich, path)
        else:
            yield path, value
