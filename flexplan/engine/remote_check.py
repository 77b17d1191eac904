"""Ask the account to check what a plan would write (Studio's Validate), before apply.

flexplan's own checks cover the structure of a resource; the account knows
more (Studio validates every widget's properties and refuses a bad definition
at create with error 81022). For every change that would create or update a
resource of a kind that can be checked remotely, the kind sends one read-only
request; the requests run concurrently. Problems come back with paths inside
the spec, placed at file:line by the manifest entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flexplan.engine.model import Plan, ResourceChange
from flexplan.errors import Diagnostic, DiagnosticsError, FlexplanError
from flexplan.plantypes import Problem
from flexplan.resources._sdk import api_failure
from flexplan.resources.base import AnyKind

_WRITES = ("create", "update", "replace")


def check_remotely(
    client: Any, plan: Plan, manifest: Any, kinds: Sequence[AnyKind], reader: Any
) -> list[Diagnostic]:
    """Every problem the account reports; raises ``DiagnosticsError`` when any is an error."""
    by_section = {kind.section: kind for kind in kinds if kind.remote_checked}
    changes = [
        c
        for c in plan.changes
        if c.action in _WRITES and c.section in by_section and c.managed and c.after
    ]

    def one(change: ResourceChange) -> list[Diagnostic]:
        kind = by_section[change.section]
        try:
            problems = kind.remote_check(client, change.after or {})
        except FlexplanError:
            raise
        except Exception as exc:
            failure = api_failure(exc, f"validating {change.address} with the account")
            if failure is None:
                raise
            raise failure from exc
        entry = manifest.entry(change.section, change.name)
        return [_diagnostic(change, entry, p) for p in problems]

    found = [d for batch in reader.map(one, changes) for d in batch]
    if any(d.severity == "error" for d in found):
        raise DiagnosticsError(found)
    return found


def _diagnostic(change: ResourceChange, entry: Any, problem: Problem) -> Diagnostic:
    location = entry.location_of(problem.path) if problem.path else entry.location
    return Diagnostic(
        f"{change.address}: {problem.message}", location, problem.hint, problem.severity
    )
