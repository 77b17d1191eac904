"""The plan as a Terraform user reads it in a terminal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import click

from flexplan.engine.diff import leaves
from flexplan.engine.model import Plan, ResourceChange
from flexplan.redact import redact
from flexplan.render.common import (
    LEGEND,
    heading,
    is_sensitive,
    no_changes_line,
    show,
    summary_line,
    symbol,
    under_detail,
)
from flexplan.render.escape import visible

_COLOURS = {"+": "green", "~": "yellow", "-": "red", "-/+": "red", "+/-": "red"}
Style = Callable[[str, str], str]


def render_text(plan: Plan, *, color: bool = False) -> str:
    style: Style = (
        (lambda text, sym: click.style(text, fg=_COLOURS.get(sym)))
        if color
        else (lambda text, sym: text)
    )
    out: list[str] = [f"Account: {plan.account_sid}" + _env(plan), ""]
    actionable = plan.actionable
    if actionable:
        used = {symbol(c) for c in actionable}
        out.append("Resource actions are indicated with the following symbols:")
        for mark, meaning in LEGEND:
            if mark in used:
                out.append(f"  {style(mark.rjust(3), mark)} {meaning}")
        out += ["", "flexplan will perform the following actions:", ""]
        for change in actionable:
            out.extend(_resource_block(change, style))
            out.append("")
    out.extend(_information(plan))
    s = plan.summary()
    closing = summary_line(s.add, s.change, s.destroy) if actionable else no_changes_line(plan)
    out.append(closing)
    # last guards: every known secret masked, every invisible character shown
    return visible(redact("\n".join(out) + "\n"), keep="\n", colours=color)


def _env(plan: Plan) -> str:
    return f" (environment: {plan.environment})" if plan.environment else ""


def _resource_block(change: ResourceChange, style: Style) -> list[str]:
    sym = symbol(change)
    lines = [f"  {heading(change)}"]
    if change.reason and change.action in ("replace", "delete"):
        lines.append(f"  # ({change.reason})")
    lines.append(f"{style(sym.rjust(3), sym)} {change.address_kind} {_quote(change.name)} {{")
    if change.sid:
        lines.append(f"        sid = {_quote(change.sid)}")
    if change.action == "create":
        lines.extend(_all_fields(change, change.after or {}, "+", style))
    elif change.action == "delete":
        lines.extend(_all_fields(change, change.before or {}, "-", style))
    else:
        lines.extend(_changed_fields(change, style))
    lines.append("    }")
    return lines


def _all_fields(change: ResourceChange, state: dict[str, Any], sym: str, style: Style) -> list[str]:
    lines: list[str] = []
    for path, value in leaves(state):
        if under_detail(change, path) or (sym == "-" and value is None):
            continue  # a destroyed resource's null fields say nothing (as in Terraform)
        shown = show(value, sensitive=is_sensitive(change, path, value))
        lines.append(f"      {style(sym, sym)} {path} = {shown}")
    for path, detail in change.details.items():
        lines.extend(_detail_block(path, detail, sym, style))
    return lines


def _changed_fields(change: ResourceChange, style: Style) -> list[str]:
    lines: list[str] = []
    for item in change.diff:
        sensitive = is_sensitive(change, item.path, item.after) or is_sensitive(
            change, item.path, item.before
        )
        before = show(item.before, sensitive=sensitive)
        after = show(item.after, sensitive=sensitive)
        forces = "  # forces replacement" if item.path in change.replace_paths else ""
        lines.append(f"      {style('~', '~')} {item.path} = {before} -> {after}{forces}")
    for path, detail in change.details.items():
        lines.extend(_detail_block(path, detail, "~", style))
    if change.unchanged_fields:
        n = change.unchanged_fields
        lines.append(f"        # ({n} unchanged field{'s' if n != 1 else ''} hidden)")
    return lines


def _detail_block(path: str, detail: Any, sym: str, style: Style) -> list[str]:
    lines = [f"      {style(sym, sym)} {path} = {{"]
    for line in detail.lines():
        lead = line[:1]
        coloured = style(line, lead) if lead in _COLOURS else line
        lines.append(f"          {coloured}")
    lines.append("        }")
    return lines


def _information(plan: Plan) -> list[str]:
    out: list[str] = []
    if plan.unmanaged:
        counts = Counter(u.address_kind for u in plan.unmanaged)
        out.append(
            f"Not managed (information only): {len(plan.unmanaged)} live resource"
            f"{'s' if len(plan.unmanaged) != 1 else ''} the manifest does not mention:"
        )
        for kind, count in sorted(counts.items()):
            names = sorted(u.label for u in plan.unmanaged if u.address_kind == kind)
            shown = ", ".join(_quote(n) for n in names[:10])
            more = f", and {len(names) - 10} more" if len(names) > 10 else ""
            out.append(f"  {kind}: {count} ({shown}{more})")
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
