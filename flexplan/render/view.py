"""One view of a plan that the renderers for people read (text, markdown).

The view decides once what a reviewer is shown of each resource: its rows
(path, before, after, sensitive or not, the unit of its values, whether it
forces a replacement), its reason and notes, and the kind's rich diffs
(Studio's per-widget diff) passed through as the data objects the kinds made.
Renderers only lay the view out; none of them re-derives rows from states.
JSON is the engine's plan document (engine/document.py), which saved plans are
built from too; its diff rows carry the same paths, masks and units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flexplan.engine.diff import leaves
from flexplan.engine.model import Plan, ResourceChange, Summary, Unmanaged, Unreadable
from flexplan.plantypes import Unknown
from flexplan.render.common import (
    HEADLINE,
    LEGEND,
    is_sensitive,
    no_changes_line,
    show,
    summary_line,
    symbol,
    under_detail,
)
from flexplan.resources.fields import format_size


class _Absent:
    """The side of a row that does not exist: a created field's before."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


class RichDiff(Protocol):
    """A kind's own diff of one field (Studio's definition diff), carried as data."""

    def lines(self) -> list[str]: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FieldRow:
    """One field as the plan shows it. ``before``/``after`` are ``ABSENT`` on the side that
    does not exist (a created or destroyed resource's field)."""

    path: str
    before: Any = ABSENT
    after: Any = ABSENT
    sensitive: bool = False
    forces_replacement: bool = False
    unit: str | None = None

    @property
    def after_unknown(self) -> bool:
        return isinstance(self.after, Unknown)

    @property
    def shown_before(self) -> str:
        return self._shown(self.before)

    @property
    def shown_after(self) -> str:
        return self._shown(self.after)

    def _shown(self, value: Any) -> str:
        if self.unit == "bytes" and isinstance(value, int) and not self.sensitive:
            return shown_size(value)
        return show(value, sensitive=self.sensitive)


def shown_size(size: int) -> str:
    """``2 MiB`` for a whole number of KiB, MiB or GiB; ``1.5 MiB (1572864 bytes)`` else."""
    text = format_size(size)
    whole = text.split(" (", 1)[0]
    return whole if "." not in whole else text


@dataclass(frozen=True)
class RichView:
    """A rich diff of ``path``; ``data`` is the kind's object, untouched."""

    path: str
    data: RichDiff
    mark: str  # "+" on a create, "-" on a destroy, "~" on a change


@dataclass(frozen=True)
class ResourceView:
    change: ResourceChange  # what the view was made from, for identifying fields
    symbol: str
    headline: str  # "will be created"
    rows: tuple[FieldRow, ...]  # every shown field of a create/destroy; changes otherwise
    diff: tuple[FieldRow, ...]  # the field-level changes only (also a create's, if any)
    rich: tuple[RichView, ...]
    notes: tuple[str, ...]  # plan notes about this resource

    @property
    def address(self) -> str:
        return self.change.address

    @property
    def action(self) -> str:
        return self.change.action

    @property
    def reason(self) -> str:
        return self.change.reason

    @property
    def unchanged_fields(self) -> int:
        return self.change.unchanged_fields

    @property
    def destroys(self) -> bool:
        return self.change.action in ("delete", "replace")

    @property
    def heading(self) -> str:
        suffix = "" if self.change.managed else " (not in the manifest; pruned)"
        return f"# {self.address} {self.headline}{suffix}"


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    resources: tuple[ResourceView, ...]  # every managed resource, no-ops included
    closing: str  # "Plan: 1 to add, …" or why there is nothing to do

    @property
    def account_sid(self) -> str:
        return self.plan.account_sid

    @property
    def environment(self) -> str | None:
        return self.plan.environment

    @property
    def summary(self) -> Summary:
        return self.plan.summary()

    @property
    def actionable(self) -> list[ResourceView]:
        return [r for r in self.resources if r.action != "no-op"]

    @property
    def destroyed(self) -> list[ResourceView]:
        return [r for r in self.actionable if r.destroys]

    @property
    def legend(self) -> list[tuple[str, str]]:
        used = {r.symbol for r in self.actionable}
        return [(mark, meaning) for mark, meaning in LEGEND if mark in used]

    @property
    def unmanaged(self) -> list[Unmanaged]:
        return self.plan.unmanaged

    @property
    def unreadable(self) -> list[Unreadable]:
        return self.plan.unreadable

    @property
    def notes(self) -> list[str]:
        return self.plan.notes


def plan_view(plan: Plan) -> PlanView:
    summary = plan.summary()
    closing = (
        summary_line(summary.add, summary.change, summary.destroy)
        if plan.actionable
        else no_changes_line(plan)
    )
    return PlanView(plan, tuple(resource_view(c, plan.notes) for c in plan.changes), closing)


def resource_view(change: ResourceChange, plan_notes: Sequence[str] = ()) -> ResourceView:
    own = f"{change.address}: "
    return ResourceView(
        change=change,
        symbol=symbol(change),
        headline=HEADLINE[change.action],
        rows=tuple(_rows(change)),
        diff=tuple(_diff_rows(change)),
        rich=tuple(_rich(change)),
        notes=tuple(n.removeprefix(own) for n in plan_notes if n.startswith(own)),
    )


def _rows(change: ResourceChange) -> list[FieldRow]:
    if change.action == "create":
        return [
            _row(change, path, ABSENT, value)
            for path, value in leaves(change.after or {})
            if not under_detail(change, path)
        ]
    if change.action == "delete":
        # a destroyed resource's null fields say nothing (as in Terraform)
        return [
            _row(change, path, value, ABSENT)
            for path, value in leaves(change.before or {})
            if not under_detail(change, path) and value is not None
        ]
    return _diff_rows(change)


def _diff_rows(change: ResourceChange) -> list[FieldRow]:
    return [_row(change, item.path, item.before, item.after) for item in change.diff]


def _row(change: ResourceChange, path: str, before: Any, after: Any) -> FieldRow:
    sensitive = is_sensitive(change, path, before) or is_sensitive(change, path, after)
    return FieldRow(
        path=path,
        before=before,
        after=after,
        sensitive=sensitive,
        forces_replacement=path in change.replace_paths,
        unit=change.units.get(path),
    )


_RICH_MARK = {"create": "+", "delete": "-"}


def _rich(change: ResourceChange) -> list[RichView]:
    mark = _RICH_MARK.get(change.action, "~")
    return [RichView(path, detail, mark) for path, detail in change.details.items()]
