"""The plan as a pull-request comment: summary table, warnings, one <details> per resource.

GitHub refuses comments over 65,536 characters; a longer rendering keeps the
summary table whole and leaves out the details of the last resources, with a
notice outside every block saying so (render.fit).
"""

from __future__ import annotations

import html

from flexplan.engine.model import Plan
from flexplan.flowdiff import DefinitionDiff
from flexplan.redact import redact
from flexplan.render.common import TARGETING_TITLE, targeting_warning
from flexplan.render.escape import md_code, md_prose, visible
from flexplan.render.fit import GITHUB_LIMIT, MARKER, Document
from flexplan.render.mermaid import flow_picture, picture_scope
from flexplan.render.migration import migration_markdown
from flexplan.render.studio import code_block, markdown_lines
from flexplan.render.view import ABSENT, ResourceView, RichView, plan_view

PICTURE_BUDGET = 24_000  # characters of flow pictures in one comment; later ones say so


def markdown_document(plan: Plan) -> Document:
    """The plan as blocks: title, head (summary line and table), one per resource (its
    details and its flow pictures), tail."""
    view = plan_view(plan)
    env = f" · environment {md_code(plan.environment)}" if plan.environment else ""
    head = [f"Account {md_code(plan.account_sid)} · **{view.closing}**", ""]
    head += _targeting(plan)
    resources: list[str] = []
    if view.actionable:
        head += migration_markdown(plan) + _table(view.actionable) + _warning(view.destroyed)
        budget = [PICTURE_BUDGET]
        resources = [_block(_details(r) + _pictures(r, budget)) for r in view.actionable]
    return Document(
        title=_block([f"### flexplan plan{env}", ""]),
        head=_block(head),
        resources=tuple(resources),
        tail=_block(_information(plan)),
    )


def render_markdown(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    """The plan within ``limit`` characters, cut only between resources (see render.fit)."""
    return MARKER + "\n" + markdown_document(plan).fit(limit)


def _block(lines: list[str]) -> str:
    # a last guard on every block, as in text: no known secret
    return redact("\n".join(lines) + "\n") if lines else ""


def _table(resources: list[ResourceView]) -> list[str]:
    rows = ["| | Resource | Action | Live SID |", "|---|---|---|---|"]
    for r in resources:
        sid = md_code(r.change.sid, in_table=True) if r.change.sid else ""
        address = md_code(r.address, in_table=True)
        rows.append(f"| `{r.symbol}` | {address} | {r.headline} | {sid} |")
    return [*rows, ""]


def _targeting(plan: Plan) -> list[str]:
    paragraphs = targeting_warning(plan)
    if not paragraphs:
        return []
    _, *rest = paragraphs
    targets = ", ".join(md_code(t) for t in plan.targets)
    lines = ["> [!WARNING]", f"> **{TARGETING_TITLE}** ({targets})"]
    for paragraph in rest:
        lines += [">", f"> {md_prose(paragraph.replace('--target', '`--target`'))}"]
    return [*lines, ""]


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
        for u in sorted(plan.unmanaged, key=lambda u: (u.type_name, u.label)):
            sid = f" ({md_code(u.sid)})" if u.sid else ""
            lines.append(f"- `{u.type_name}` {md_code(u.label)}{sid}")
        lines += ["", "</details>", ""]
    if plan.unreadable:
        lines += ["**Not managed** (information only):", ""]
        lines += [f"- {md_prose(u.text)}" for u in plan.unreadable]
        lines.append("")
    if plan.notes:
        lines += ["**Notes**", ""]
        lines += [f"- {md_prose(note)}" for note in plan.notes]
        lines.append("")
    return lines
