"""The plan as a pull-request comment: summary table, warnings, one <details> per resource.

GitHub refuses comments over 65,536 characters; a longer rendering keeps its
head and its tail and says what was cut in between.
"""

from __future__ import annotations

import html
import re

from flexplan.engine.model import Plan
from flexplan.flowdiff import DefinitionDiff
from flexplan.redact import redact
from flexplan.render.escape import md_code, md_prose, visible
from flexplan.render.mermaid import flow_picture, picture_scope
from flexplan.render.migration import migration_markdown
from flexplan.render.studio import code_block, markdown_lines
from flexplan.render.view import ABSENT, ResourceView, RichView, plan_view

GITHUB_LIMIT = 65_536
MARKER = "<!-- flexplan plan -->"
PICTURE_BUDGET = 24_000  # characters of flow pictures in one comment; later ones say so


def render_markdown(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    view = plan_view(plan)
    env = f" · environment {md_code(plan.environment)}" if plan.environment else ""
    parts = [MARKER, f"### flexplan plan · account {md_code(plan.account_sid)}{env}", ""]
    parts += [f"**{view.closing}**", ""]
    if view.actionable:
        parts.extend(migration_markdown(plan))
        parts.extend(_table(view.actionable))
        parts.extend(_warning(view.destroyed))
        budget = [PICTURE_BUDGET]
        for resource in view.actionable:
            parts.extend(_details(resource))
            parts.extend(_pictures(resource, budget))
    parts.extend(_information(plan))
    return truncate(redact("\n".join(parts) + "\n"), limit)  # a last guard, as in text


def _table(resources: list[ResourceView]) -> list[str]:
    rows = ["| | Resource | Action | Live SID |", "|---|---|---|---|"]
    for r in resources:
        sid = md_code(r.change.sid, in_table=True) if r.change.sid else ""
        address = md_code(r.address, in_table=True)
        rows.append(f"| `{r.symbol}` | {address} | {r.headline} | {sid} |")
    return [*rows, ""]


def _warning(destroyed: list[ResourceView]) -> list[str]:
    if not destroyed:
        return []
    lines = ["> [!WARNING]", f"> This plan destroys {len(destroyed)} live resource(s):"]
    for r in destroyed:
        why = f" — {md_prose(r.reason)}" if r.reason else ""
        lines.append(f"> - {md_code(r.address)} ({r.change.title} {md_code(r.change.label)}{why})")
    return [*lines, ""]


def _details(resource: ResourceView) -> list[str]:
    address = html.escape(visible(resource.address))
    summary = f"<code>{resource.symbol} {address}</code> {resource.headline}"
    body = [visible(line) for line in _body(resource)]  # one line each: no value opens a line
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    if body:
        lines += code_block("diff", body)
    for rich in resource.rich:
        if isinstance(rich.data, DefinitionDiff):
            lines += markdown_lines(rich.path, rich.data, rich.mark)
    lines += ["</details>", ""]
    return lines


def _pictures(resource: ResourceView, budget: list[int]) -> list[str]:
    """A folded Mermaid picture of each flow the change touches, within ``budget``."""
    out: list[str] = []
    for rich in resource.rich:
        if not isinstance(rich.data, DefinitionDiff) or not rich.data.graph.nodes:
            continue
        picture = flow_picture(rich.data.graph)
        address = html.escape(visible(resource.address))
        lines = ["<details>", f"<summary>Picture of <code>{address}</code></summary>", ""]
        if picture.summarised:
            command = md_code(f"flexplan graph {resource.change.name} --all")
            lines += [
                f"{picture.shown} of {picture.total} widgets: {picture_scope(rich.data.graph)} "
                f"({command} draws every one).",
                "",
            ]
        lines += code_block("mermaid", picture.source.splitlines())
        lines += ["</details>", ""]
        size = sum(len(line) + 1 for line in lines)
        if size > budget[0]:
            out += [
                f"> The picture of {md_code(resource.address)} is left out to keep this "
                "comment short; `flexplan graph` draws it.",
                "",
            ]
            continue
        budget[0] -= size
        out += lines
    return out


def _body(resource: ResourceView) -> list[str]:
    out: list[str] = []
    changed = resource.rows
    if resource.action in ("create", "delete"):
        out += [
            f"+ {row.path} = {row.shown_after}"
            if row.before is ABSENT
            else f"- {row.path} = {row.shown_before}"
            for row in resource.rows
        ]
        changed = resource.diff
    for row in changed:
        mark = "  # forces replacement" if row.forces_replacement else ""
        out.append(f"- {row.path} = {row.shown_before}")
        out.append(f"+ {row.path} = {row.shown_after}{mark}")
    for rich in resource.rich:
        if not isinstance(rich.data, DefinitionDiff):
            out.extend(_rich_lines(rich))
    if resource.unchanged_fields and resource.action in ("update", "replace"):
        out.append(f"# ({resource.unchanged_fields} unchanged fields hidden)")
    return out


_DIFF_MARK = {"+": "+", "-": "-", "~": "!"}


def _rich_lines(rich: RichView) -> list[str]:
    """A rich diff's lines under diff markers: ``+``/``-`` added and removed, ``!`` changed
    (a changed widget and each of its changed properties), ``#`` layout information."""
    out = [f"{_DIFF_MARK[rich.mark]} {rich.path}:"]
    for line in rich.data.lines():
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
