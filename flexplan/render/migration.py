"""The migration section of a plan: each deleted handler beside what replaces it.

A pair is found from the plan alone, knowing no kind: a delete that releases a
claim (a number, a Facebook page, a web chat) which a create takes. Apply runs
the delete first (``engine.order``), so the channel answers nobody between the
two: the section says how long that is expected to be.
"""

from __future__ import annotations

from flexplan.engine.model import Plan, Replacement, ResourceChange
from flexplan.render.escape import md_code

# What benchmarks/migration_bench.py measured on the sandbox: the time from the end of a
# Flex Flow's delete to the end of its address's create, while applying the migrated
# legacy-helpline example (20 pairs; benchmarks/README.md has the figures).
SANDBOX_DOWNTIME = "measured on the sandbox with 50 ms per request: median 0.15 s, worst 0.26 s"
DOWNTIME = (
    "the channel routes nothing from the end of the delete until the create completes: "
    "apply starts the create as soon as the delete is done, then makes two requests (the "
    "look-up it makes before every create, and the create)"
)


def replacements(plan: Plan) -> list[Replacement]:
    """Every (delete, create) pair of ``plan`` (``Plan.replacements``)."""
    return plan.replacements()


def _text_name(change: ResourceChange) -> str:
    return f"{change.address} ({change.title} {change.label!r})"


def migration_text(plan: Plan) -> list[str]:
    """The section in the terminal; no lines when nothing is replaced."""
    pairs = replacements(plan)
    if not pairs:
        return []
    out = [
        f"Migration: {len(pairs)} handler(s) replaced, each deleted before its replacement is "
        "created:"
    ]
    for pair in pairs:
        out.append(f"  - {_text_name(pair.deleted)}")
        out.append(f"    -> {_text_name(pair.created)}")
    out += [f"  Expected downtime per pair: {DOWNTIME}; {SANDBOX_DOWNTIME}.", ""]
    return out


def migration_markdown(plan: Plan) -> list[str]:
    """The section in a pull-request comment; no lines when nothing is replaced."""
    pairs = replacements(plan)
    if not pairs:
        return []
    rows = [
        f"#### Migration: {len(pairs)} handler(s) replaced",
        "",
        "| Deleted first | Then created |",
        "|---|---|",
    ]
    for pair in pairs:
        rows.append(f"| {_md_name(pair.deleted)} | {_md_name(pair.created)} |")
    rows += ["", f"Expected downtime per pair: {DOWNTIME}; {SANDBOX_DOWNTIME}.", ""]
    return rows


def _md_name(change: ResourceChange) -> str:
    label = md_code(change.label, in_table=True)
    return f"{md_code(change.address, in_table=True)} ({change.title} {label})"
