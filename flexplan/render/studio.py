"""A Studio definition diff (``DefinitionDiff``) as a reviewer reads it, in text and markdown.

Text: one line per widget (``+``, ``-``, ``~``), its properties indented under
it; a long string shows only the words that changed, in context, the old
words in ``[-…-]`` and the new in ``{+…+}``. Markdown: changed widgets in a
``diff`` block (a long string as its two versions, a sentence a line, so the
changed one stands out), each added or removed widget folded in a
``<details>`` of its own with every property. Values are shown as the plan
shows them (look-ups as ``name (SID)``, masks as ``(sensitive)``); the
renderers' last guards (redaction, escaping) still run over all of it.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Sequence
from typing import Any

from flexplan.flowdiff import (
    ABSENT,
    NO_NEXT,
    NO_TRANSITION,
    SENSITIVE,
    DefinitionDiff,
    PropertyChange,
    WidgetChange,
)
from flexplan.plantypes import Named, Unknown
from flexplan.render.escape import visible

LONG_TEXT = 60  # characters: a longer string is shown by its changed words
CONTEXT_WORDS = 4  # unchanged words kept on either side of a changed span
MAX_SHOWN_LAYOUT = 10  # widget names listed on the layout line
_SYMBOL = {"add": "+", "remove": "-", "change": "~"}
Opcode = tuple[str, int, int, int, int]
_TOKENS = re.compile(r"\s+|[^\s]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def show_value(value: Any) -> str:
    """A value on one line: JSON, ``name (SID)`` for a look-up, markers for the rest."""
    if value is ABSENT:
        return "(none)"
    if value is SENSITIVE:
        return "(sensitive)"
    if isinstance(value, Unknown):
        return str(value)  # (known after apply)
    if isinstance(value, Named):
        return value.show()  # chat (TC…)
    if value in (NO_TRANSITION, NO_NEXT):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def one_line(text: str) -> str:
    """A path or type read from a definition, on one line (never starting a line of its own;
    the renderers' last guard shows every other control character escaped)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def widget_heading(widget: WidgetChange) -> str:
    name = json.dumps(widget.name, ensure_ascii=False)
    return f"{_SYMBOL[widget.action]} widget {name} ({one_line(widget.widget_type)})"


def layout_line(diff: DefinitionDiff) -> str | None:
    """``layout changed for 2 widgets (greet, send_to_agent)``."""
    moved = diff.moved
    if not moved:
        return None
    plural = "widget" if len(moved) == 1 else "widgets"
    names = ", ".join(one_line(n) for n in moved[:MAX_SHOWN_LAYOUT])
    more = f", and {len(moved) - MAX_SHOWN_LAYOUT} more" if len(moved) > MAX_SHOWN_LAYOUT else ""
    return f"layout changed for {len(moved)} {plural} ({names}{more})"


def is_long_text(change: PropertyChange) -> bool:
    """Two strings at least one of which is too long (or too many lines) to read side by side."""
    before, after = change.before, change.after
    if not (_plain_text(before) and _plain_text(after)):
        return False
    return max(len(before), len(after)) > LONG_TEXT or "\n" in before + after


def _plain_text(value: Any) -> bool:
    return (
        isinstance(value, str)
        and not isinstance(value, Named)
        and value
        not in (
            NO_TRANSITION,
            NO_NEXT,
        )
    )


# -- text ----------------------------------------------------------------------------------


def rich_text_lines(data: Any) -> list[str]:
    """The text plan's lines of a kind's rich diff (a Studio diff here, any other its own)."""
    if isinstance(data, DefinitionDiff):
        return text_lines(data)
    lines: list[str] = data.lines()
    return lines


def text_lines(diff: DefinitionDiff) -> list[str]:
    """Plain lines, a widget's properties indented under it (the text plan's detail block)."""
    out = [_flow_line(c) for c in diff.flow_fields]
    for widget in diff.widgets:
        out.append(widget_heading(widget))
        whole = widget.action != "change"
        for change in widget.changes:
            if not whole and is_long_text(change):
                out.append(f"    {one_line(change.path)}:")
                out.extend(f"        {hunk}" for hunk in word_diff(change.before, change.after))
            else:
                out.append("    " + _field_line(change, added=whole))
    layout = layout_line(diff)
    if layout:
        out.append(layout)
    return out


def _flow_line(change: PropertyChange) -> str:
    """A flow-level field: ``+ path = value`` when added, ``- …`` removed, else old -> new."""
    if change.before is ABSENT:
        return f"+ {_addition(one_line(change.path), change.after)}"
    if change.after is ABSENT:
        return f"- {_addition(one_line(change.path), change.before)}"
    return _field_line(change, added=False)


def _field_line(change: PropertyChange, *, added: bool) -> str:
    """``path = value`` for a widget added or removed whole, ``path: old -> new`` otherwise."""
    path = one_line(change.path)
    if added:
        return _addition(path, _side(change))
    return f"{path}: {show_value(change.before)} -> {show_value(change.after)}"


def word_diff(before: str, after: str) -> list[str]:
    """The changed spans of two strings, word by word, with a little context each.

    One line per group of nearby changes:
    ``…answers from [-10am-]{+9am+} to [-4pm-]{+5pm+} on weekdays…``.
    """
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    ops = _merged(difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes(), a)
    hunks: list[str] = []
    for start, end in _hunks(ops):
        lead = _lead(a, ops[start - 1]) if start > 0 else ""
        trail = _trail(a, ops[end + 1]) if end + 1 < len(ops) else ""
        middle = "".join(_span(a, b, op) for op in ops[start : end + 1])
        hunks.append(f"{lead}{middle}{trail}")
    return hunks or ["(whitespace only)"]


def _hunks(ops: Sequence[Opcode]) -> list[tuple[int, int]]:
    """(first, last) op indexes of each run of changes no more than a few words apart."""
    gap = CONTEXT_WORDS * 2 * 2
    out: list[tuple[int, int]] = []
    for index, op in enumerate(ops):
        if op[0] == "equal":
            continue
        if out and all(ops[k][2] - ops[k][1] <= gap for k in range(out[-1][1] + 1, index)):
            out[-1] = (out[-1][0], index)
        else:
            out.append((index, index))
    return out


def _span(a: list[str], b: list[str], op: Opcode) -> str:
    tag, i1, i2, j1, j2 = op
    if tag == "equal":
        return _esc("".join(a[i1:i2]))
    old = f"[-{_esc(''.join(a[i1:i2]))}-]" if i2 > i1 else ""
    new = f"{{+{_esc(''.join(b[j1:j2]))}+}}" if j2 > j1 else ""
    return old + new


def _merged(ops: Sequence[Opcode], a: list[str]) -> list[Opcode]:
    """Opcodes with changes that only a space separates joined into one replaced span."""
    out: list[Opcode] = []
    for op in ops:
        if (
            len(out) >= 2
            and op[0] != "equal"
            and out[-1][0] == "equal"
            and out[-2][0] != "equal"
            and not "".join(a[out[-1][1] : out[-1][2]]).strip()
        ):
            out.pop()
            first = out.pop()
            op = ("replace", first[1], op[2], first[3], op[4])
        out.append(op)
    return out


def _lead(a: list[str], op: Opcode) -> str:
    kept = a[op[1] : op[2]]
    n = CONTEXT_WORDS * 2
    return ("…" if len(kept) > n else "") + _esc("".join(kept[-n:]))


def _trail(a: list[str], op: Opcode) -> str:
    kept = a[op[1] : op[2]]
    n = CONTEXT_WORDS * 2
    return _esc("".join(kept[:n])) + ("…" if len(kept) > n else "")


def _esc(text: str) -> str:
    """Part of a string on one line: newlines and quotes as JSON writes them."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


# -- markdown ------------------------------------------------------------------------------


def markdown_lines(path: str, diff: DefinitionDiff, mark: str = "~") -> list[str]:
    """Markdown for the rich field ``path``: a diff block for changed widgets and the flow's
    own fields, then each added or removed widget folded with all its properties. ``mark``
    is ``+`` or ``-`` when the whole field is created or destroyed with its resource."""
    changed = [w for w in diff.widgets if w.action == "change"]
    whole = [w for w in diff.widgets if w.action != "change"]
    body = [line for c in diff.flow_fields for line in _md_change(c, "   ")]
    for widget in changed:
        body.append(f"!   {widget_heading(widget)[2:]}")
        for change in widget.changes:
            body.extend(_md_change(change))
    layout = layout_line(diff)
    if layout:
        body.append(f"#   {layout}")
    whole_field = {"+": "created", "-": "destroyed"}.get(mark)
    n = len(diff.widgets)
    counts = f"{n} widget{'s' if n != 1 else ''}, {whole_field}" if whole_field else _counts(diff)
    out = [f"**{html.escape(visible(path))}** ({counts})", ""]
    if body:
        out += code_block("diff", body)
    for widget in whole:
        out += _folded_widget(widget)
    return out


def _counts(diff: DefinitionDiff) -> str:
    """``1 widget added, 2 changed, 3 moved``: what the field's diff holds."""
    verbs = {"add": "added", "change": "changed", "remove": "removed"}
    parts = [
        (sum(1 for w in diff.widgets if w.action == action), verb) for action, verb in verbs.items()
    ]
    parts.append((len(diff.moved), "moved"))
    if diff.flow_fields:
        parts.append((len(diff.flow_fields), "flow settings changed"))
    shown = [f"{n} {verb}" for n, verb in parts if n]
    if not shown:
        return "no change"
    first_n, first_verb = next((n, v) for n, v in parts if n)
    noun = "widget" if first_n == 1 else "widgets"
    if first_verb.startswith("flow"):
        return ", ".join(shown)
    shown[0] = f"{first_n} {noun} {first_verb}"
    return ", ".join(shown)


def _md_change(change: PropertyChange, indent: str = "       ") -> list[str]:
    """A changed property under diff markers: ``-`` the old value, ``+`` the new one."""
    path = one_line(change.path)
    if is_long_text(change):
        out = [f"!{indent}{path}:"]
        old, new = _sentences(change.before), _sentences(change.after)
        for line in difflib.ndiff(old, new):
            mark, text = line[:1], line[2:]
            if mark in "-+ ":
                out.append(f"{mark}{indent}  {_esc(text)}")
        return out
    if change.before is ABSENT:
        return [f"+{indent}{_addition(path, change.after)}"]
    if change.after is ABSENT:
        return [f"-{indent}{_addition(path, change.before)}"]
    return [
        f"-{indent}{_addition(path, change.before)}",
        f"+{indent}{_addition(path, change.after)}",
    ]


def _addition(path: str, value: Any) -> str:
    sep = " -> " if path.startswith("transition ") else " = "
    return f"{path}{sep}{show_value(value)}"


def _sentences(text: str) -> list[str]:
    """A string a sentence (or a line) at a time, so that one changed word marks one line."""
    parts = [p for p in _SENTENCE_END.split(text) if p]
    return parts or [text]


def _folded_widget(widget: WidgetChange) -> list[str]:
    sym = _SYMBOL[widget.action]
    verb = "added" if widget.action == "add" else "removed"
    heading = html.escape(visible(widget_heading(widget)))
    n = len(widget.properties)
    summary = f"<code>{heading}</code> {verb} ({n} propert{'y' if n == 1 else 'ies'})"
    body = [f"{sym}   {_addition(one_line(c.path), _side(c))}" for c in widget.changes]
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    lines += code_block("diff", body or [f"{sym}   (no properties)"])
    return [*lines, "</details>", ""]


def _side(change: PropertyChange) -> Any:
    """The value of a widget added or removed whole (its one side)."""
    if change.before is ABSENT or change.before == NO_TRANSITION:
        return change.after
    return change.before


def code_block(language: str, lines: list[str]) -> list[str]:
    """A fenced block whose fence is longer than any run of backticks inside it."""
    shown = [visible(line) for line in lines]
    longest = max((len(r) for line in shown for r in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *shown, fence, ""]
