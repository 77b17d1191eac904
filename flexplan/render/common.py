"""Formatting shared by the plan renderers: values, masks, headings."""

from __future__ import annotations

import json
from typing import Any

from flexplan.engine.model import LAG_REASON, Plan, ResourceChange
from flexplan.engine.model import is_sensitive as is_sensitive  # the renderers' shared test
from flexplan.plantypes import Named, Unknown
from flexplan.redact import MASK, redact
from flexplan.render.escape import visible

KNOWN_AFTER_APPLY = "(known after apply)"

HEADLINE = {
    "create": "will be created",
    "update": "will be updated in-place",
    "delete": "will be destroyed",
    "replace": "must be replaced",
    "no-op": "is unchanged",
}
SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "no-op": " "}
CREATE_FIRST = "+/-"  # a replace that creates the new object before destroying the old
LEGEND = [
    ("+", "create"),
    ("~", "update in-place"),
    ("-", "destroy"),
    ("-/+", "destroy and then create replacement"),
    (CREATE_FIRST, "create replacement and then destroy"),
]


def symbol(change: ResourceChange) -> str:
    """The plan symbol of a change (Terraform's: ``+/-`` for create_before_destroy)."""
    if change.action == "replace" and change.create_first:
        return CREATE_FIRST
    return SYMBOL[change.action]


def show(value: Any, *, sensitive: bool = False) -> str:
    """A value as the plan shows it: JSON literals, markers for unknown and sensitive."""
    if sensitive:
        return MASK
    if isinstance(value, Unknown):
        return KNOWN_AFTER_APPLY
    if isinstance(value, Named):
        return redact(value.show())  # chat (TC…): a look-up's name beside its SID
    if value is None:
        return "null"
    text = redact(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    return visible(text)  # bidi, zero-width and line separators shown as \u escapes


def summary_line(add: int, change: int, destroy: int) -> str:
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


NO_CHANGES = "No changes. The account matches the manifest."


def no_changes_line(plan: Plan) -> str:
    """The closing line of a plan with nothing to do: it never claims the account matches
    while changes are held back until the account catches up with a recent apply."""
    held = sum(1 for c in plan.changes if c.reason == LAG_REASON)
    if not held:
        return NO_CHANGES
    return (
        f"No changes shown: {held} held back until the account catches up with a recent "
        "apply (see the note above)."
    )


TARGETING_TITLE = "Resource targeting is in effect"
ROUTINE = (
    "The --target option is not for routine use, and is provided only for exceptional "
    "situations such as recovering from errors or mistakes, or when flexplan specifically "
    "suggests to use it as part of an error message."
)


def targeting_warning(plan: Plan) -> list[str]:
    """Terraform's warning on a targeted plan, as paragraphs (none for a whole plan)."""
    if not plan.targets:
        return []
    return [
        f"Warning: {TARGETING_TITLE} ({', '.join(plan.targets)})",
        "You are creating a plan with the --target option, which means that the result of "
        "this plan may not represent all of the changes requested by the current manifest.",
        ROUTINE,
    ]


def incomplete_apply_warning() -> list[str]:
    """Terraform's warning after applying a targeted plan, as paragraphs."""
    return [
        "Warning: Applied changes may be incomplete",
        "The plan was created with the --target option in effect, so some changes requested "
        "in the manifest may have been ignored. Run `flexplan plan` to verify that no other "
        "changes are pending.",
        "Note that the --target option is not suitable for routine use, and is provided only "
        "for exceptional situations such as recovering from errors or mistakes, or when "
        "flexplan specifically suggests to use it as part of an error message.",
    ]


def under_detail(change: ResourceChange, path: str) -> bool:
    """True for a leaf inside a field that has a rich diff (shown by the diff instead)."""
    return any(path == d or path.startswith(d + ".") for d in change.details)
