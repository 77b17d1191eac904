"""The plan as a Terraform user reads it in a terminal."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable

import click

from flexplan.engine.model import Plan
from flexplan.redact import redact
from flexplan.render.common import show, targeting_warning
from flexplan.render.escape import visible
from flexplan.render.migration import migration_text
from flexplan.render.studio import rich_text_lines
from flexplan.render.view import ABSENT, FieldRow, ResourceView, RichView, plan_view

_COLOURS = {"+": "green", "~": "yellow", "-": "red", "-/+": "red", "+/-": "red"}
Style = Callable[[str, str], str]


def render_text(plan: Plan, *, color: bool = False) -> str:
    style: Style = (
        (lambda text, sym: click.style(text, fg=_COLOURS.get(sym)))
        if color
        else (lambda text, sym: text)
    )
    view = plan_view(plan)
    out: list[str] = [f"Account: {plan.account_sid}" + _env(plan), ""]
    out.extend(warning_lines(targeting_warning(plan)))
    if view.actionable:
        out.append("Resource actions are indicated with the following symbols:")
        for mark, meaning in view.legend:
            out.append(f"  {style(mark.rjust(3), mark)} {meaning}")
        out += ["", *migration_text(plan), "flexplan will perform the following actions:", ""]
        for resource in view.actionable:
            out.extend(_resource_block(resource, style))
            out.append("")
    out.extend(_information(plan))
    out.append(view.closing)
    # last guards: every known secret masked, every invisible character shown
    return visible(redact("\n".join(out) + "\n"), keep="\n", colours=color)


def warning_lines(paragraphs: list[str], width: int = 78) -> list[str]:
    """A warning as Terraform frames one in a terminal: a bar beside wrapped paragraphs."""
    if not paragraphs:
        return []
    lines = ["╷"]
    for i, paragraph in enumerate(paragraphs):
        if i:
            lines.append("│")
        wrapped = textwrap.wrap(paragraph, width - 2, break_on_hyphens=False)
        lines += [f"│ {line}" for line in wrapped]
    return [*lines, "╵", ""]


def _env(plan: Plan) -> str:
    return f" (environment: {plan.environment})" if plan.environment else ""


def _resource_block(resource: ResourceView, style: Style) -> list[str]:
    change, sym = resource.change, resource.symbol
    lines = [f"  {resource.heading}"]
    if resource.reason and resource.action in ("replace", "delete"):
        lines.append(f"  # ({resource.reason})")
    lines.append(f"{style(sym.rjust(3), sym)} {change.type_name} {_quote(change.name)} {{")
    if change.sid:
        lines.append(f"        sid = {_quote(change.sid)}")
    if resource.action in ("create", "delete"):
        mark = "+" if resource.action == "create" else "-"
        lines += [f"      {style(mark, mark)} {r.path} = {_side(r)}" for r in resource.rows]
    else:
        lines += [_changed_row(row, style) for row in resource.rows]
    for rich in resource.rich:
        lines.extend(_detail_block(rich, style))
    if resource.action in ("update", "replace") and resource.unchanged_fields:
        n = resource.unchanged_fields
        lines.append(f"        # ({n} unchanged field{'s' if n != 1 else ''} hidden)")
    lines.append("    }")
    return lines


def _side(row: FieldRow) -> str:
    """The side of a created or destroyed field that exists."""
    return row.shown_after if row.before is ABSENT else row.shown_before


def _changed_row(row: FieldRow, style: Style) -> str:
    forces = "  # forces replacement" if row.forces_replacement else ""
    return f"      {style('~', '~')} {row.path} = {row.shown_before} -> {row.shown_after}{forces}"


def _detail_block(rich: RichView, style: Style) -> list[str]:
    lines = [f"      {style(rich.mark, rich.mark)} {rich.path} = {{"]
    for line in rich_text_lines(rich.data):
        lead = line[:1]
        coloured = style(line, lead) if lead in _COLOURS else line
        lines.append(f"          {coloured}")
    lines.append("        }")
    return lines


def _information(plan: Plan) -> list[str]:
    out: list[str] = []
    if plan.unmanaged:
        counts = Counter(u.type_name for u in plan.unmanaged)
        out.append(
            f"Not managed (information only): {len(plan.unmanaged)} live resource"
            f"{'s' if len(plan.unmanaged) != 1 else ''} the manifest does not mention:"
        )
        for type_name, count in sorted(counts.items()):
            names = sorted(u.label for u in plan.unmanaged if u.type_name == type_name)
            shown = ", ".join(_quote(n) for n in names[:10])
            more = f", and {len(names) - 10} more" if len(names) > 10 else ""
            out.append(f"  {type_name}: {count} ({shown}{more})")
    elif plan.unreadable:
        out.append("Not managed (information only):")
    out.extend(f"  {u.text}" for u in plan.unreadable)
    if plan.unmanaged or plan.unreadable:
        out.append("")
    for note in plan.notes:
        out.append(f"Note: {note}")
    if plan.notes:
        out.append("")
    return out


def _quote(text: str) -> str:
    return show(text)
