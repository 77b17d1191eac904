"""The plan as a pull-request comment: summary table, warnings, one <details> per resource.

GitHub refuses comments over 65,536 characters; a longer rendering keeps its
head and its tail and says what was cut in between.
"""

from __future__ import annotations

import html
import re
from typing import Any

from flexplan.engine.model import Plan, ResourceChange
from flexplan.redact import redact
from flexplan.render.common import (
    HEADLINE,
    is_sensitive,
    no_changes_line,
    show,
    summary_line,
    symbol,
    under_detail,
)
from flexplan.render.escape import md_code, md_prose, visible

GITHUB_LIMIT = 65_536
MARKER = "<!-- flexplan plan -->"


def render_markdown(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    s = plan.summary()
    env = f" · environment {md_code(plan.environment)}" if plan.environment else ""
    parts = [MARKER, f"### flexplan plan · account {md_code(plan.account_sid)}{env}", ""]
    actionable = plan.actionable
    closing = summary_line(s.add, s.change, s.destroy) if actionable else no_changes_line(plan)
    parts.append(f"**{closing}**")
    parts.append("")
    if actionable:
        parts.extend(_table(actionable))
        parts.extend(_warning(actionable))
        for change in actionable:
            parts.extend(_details(change))
    parts.extend(_information(plan))
    return truncate(redact("\n".join(parts) + "\n"), limit)  # a last guard, as in text


def _table(changes: list[ResourceChange]) -> list[str]:
    rows = ["| | Resource | Action | Live SID |", "|---|---|---|---|"]
    for c in changes:
        sid = md_code(c.sid, in_table=True) if c.sid else ""
        address = md_code(c.address, in_table=True)
        rows.append(f"| `{symbol(c)}` | {address} | {HEADLINE[c.action]} | {sid} |")
    return [*rows, ""]


def _warning(changes: list[ResourceChange]) -> list[str]:
    destroyed = [c for c in changes if c.action in ("delete", "replace")]
    if not destroyed:
        return []
    lines = ["> [!WARNING]", f"> This plan destroys {len(destroyed)} live resource(s):"]
    for c in destroyed:
        why = f" — {md_prose(c.reason)}" if c.reason else ""
        lines.append(f"> - {md_code(c.address)} ({c.title} {md_code(c.label)}{why})")
    return [*lines, ""]


def _details(change: ResourceChange) -> list[str]:
    address = html.escape(visible(change.address))
    summary = f"<code>{symbol(change)} {address}</code> {HEADLINE[change.action]}"
    body = [visible(line) for line in _body(change)]  # one line each: no value opens a line
    fence = "`" * max(3, 1 + max((len(r) for r in _runs(body)), default=0))
    lines = ["<details>", f"<summary>{summary}</summary>", "", f"{fence}diff"]
    lines.extend(body)
    lines += [fence, "", "</details>", ""]
    return lines


def _runs(lines: list[str]) -> list[str]:
    """Runs of backticks in ``lines`` (the code fence must be longer than any of them)."""
    return [run for line in lines for run in re.findall(r"`+", line)]


def _body(change: ResourceChange) -> list[str]:
    from flexplan.engine.diff import leaves

    out: list[str] = []
    if change.action in ("create", "delete"):
        sym = "+" if change.action == "create" else "-"
        state = (change.after if change.action == "create" else change.before) or {}
        for path, value in leaves(state):
            if not under_detail(change, path) and not (sym == "-" and value is None):
                out.append(
                    f"{sym} {path} = {show(value, sensitive=is_sensitive(change, path, value))}"
                )
    for item in change.diff:
        sens = is_sensitive(change, item.path, item.before) or is_sensitive(
            change, item.path, item.after
        )
        mark = "  # forces replacement" if item.path in change.replace_paths else ""
        out.append(f"- {item.path} = {show(item.before, sensitive=sens)}")
        out.append(f"+ {item.path} = {show(item.after, sensitive=sens)}{mark}")
    for path, detail in change.details.items():
        out.extend(_detail(path, detail))
    if change.unchanged_fields and change.action in ("update", "replace"):
        out.append(f"# ({change.unchanged_fields} unchanged fields hidden)")
    return out


def _detail(path: str, detail: Any) -> list[str]:
    """A rich diff's lines under diff markers: ``+``/``-`` added and removed, ``!`` changed
    (a changed widget and each of its changed properties), ``#`` layout information."""
    out = [f"! {path}:"]
    for line in detail.lines():
        if line.startswith(("+", "-")):
            out.append(f"{line[0]}   {line[1:].lstrip()}")
        elif line.startswith("~"):
            out.append(f"!   {line[1:].lstrip()}")
        elif line.startswith("layout changed"):
            out.append(f"#   {line.strip()}")
        else:
            out.append(f"!   {line.rstrip()}")
    return out


def _information(plan: Plan) -> list[str]:
    lines: list[str] = []
    if plan.unmanaged:
        lines += [
            "<details>",
            f"<summary>{len(plan.unmanaged)} live resource(s) not managed by this manifest "
            "(information only)</summary>",
            "",
        ]
        for u in sorted(plan.unmanaged, key=lambda u: (u.address_kind, u.label)):
            sid = f" ({md_code(u.sid)})" if u.sid else ""
            lines.append(f"- `{u.address_kind}` {md_code(u.label)}{sid}")
        lines += ["", "</details>", ""]
    if plan.unreadable:
        lines += ["**Not managed** (information only):", ""]
        lines += [f"- {md_prose(u.text)}" for u in plan.unreadable]
        lines.append("")
    for note in plan.notes:
        lines.append(f"> {md_prose(note)}")
    return lines


def truncate(text: str, limit: int = GITHUB_LIMIT) -> str:
    """Keep the head and the tail of ``text`` within ``limit`` characters, saying what was cut."""
    if len(text) <= limit:
        return text
    notice_room = 300
    keep = limit - notice_room
    head_len, tail_len = keep * 2 // 3, keep // 3
    head, tail = text[:head_len], text[-tail_len:]
    head = head[: head.rfind("\n") + 1] or head
    tail = tail[tail.find("\n") + 1 :] if "\n" in tail else tail
    cut = len(text) - len(head) - len(tail)
    lines_cut = text.count("\n") - head.count("\n") - tail.count("\n")
    notice = (
        f"\n\n> [!NOTE]\n> {cut} characters ({lines_cut} lines) of this plan were cut to fit "
        f"GitHub's {limit}-character limit; run `flexplan plan` to see it whole.\n\n"
    )
    open_at_cut = _open_fence(head)
    if open_at_cut:
        notice = f"\n{open_at_cut}" + notice
    open_at_tail = _open_fence(text[: len(text) - len(tail)])
    if open_at_tail:
        notice = notice + f"{open_at_tail}diff\n"
    return head + notice + tail


_FENCE_LINE = re.compile(r"^(`{3,})(.*)$", re.MULTILINE)


def _open_fence(text: str) -> str | None:
    """The fence of the code block still open at the end of ``text`` (fences vary in length:
    a block whose values hold backticks gets a longer one)."""
    opened: str | None = None
    for m in _FENCE_LINE.finditer(text):
        fence, rest = m.group(1), m.group(2).strip()
        if opened is None:
            opened = fence
        elif len(fence) >= len(opened) and not rest:
            opened = None
    return opened
