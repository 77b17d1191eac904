"""Saved plans (``plan --out FILE``): what apply needs to refuse a stale plan, and no secret.

A saved plan is the JSON plan plus the live fingerprint of every resource it
touches, wrapped with a format version and an integrity digest so that a
hand-edited or foreign file is refused rather than applied.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flexplan.engine.model import Plan
from flexplan.errors import FlexplanError
from flexplan.redact import redact
from flexplan.render.json_plan import plan_to_json

SAVED_FORMAT = "flexplan-saved-plan/1"


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def saved_plan_document(plan: Plan, *, directory: str | None = None) -> dict[str, Any]:
    body = plan_to_json(plan)
    fingerprints = {c.address: c.fingerprint for c in plan.changes if c.fingerprint}
    for item in body["resource_changes"]:
        item["fingerprint"] = fingerprints.get(item["address"])
    body["directory"] = directory
    return {"format": SAVED_FORMAT, "integrity": _digest(body), "plan": body}


def write_saved_plan(plan: Plan, path: Path, *, directory: str | None = None) -> None:
    """Write atomically; the text goes through redact as a last guard."""
    text = redact(json.dumps(saved_plan_document(plan, directory=directory), indent=2)) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".flexplan-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FlexplanError(f"cannot write the plan to {path}: {exc.strerror}") from None


def read_saved_plan(path: Path) -> dict[str, Any]:
    """The plan body of a saved plan; refuses malformed, foreign or edited files."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlexplanError(f"cannot read the plan file {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FlexplanError(
            f"{path} is not a flexplan plan file (not JSON: {exc})",
            hint="write one with `flexplan plan --out FILE`",
        ) from None
    if not isinstance(document, dict) or document.get("format") != SAVED_FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise FlexplanError(
            f"{path} is not a plan file this flexplan can apply (format {found!r}, "
            f"expected {SAVED_FORMAT!r})",
            hint="run `flexplan plan --out FILE` again with this version of flexplan",
        )
    body = document.get("plan")
    if not isinstance(body, dict) or document.get("integrity") != _digest(body):
        raise FlexplanError(
            f"{path} was changed after flexplan wrote it (integrity check failed)",
            hint="never edit a saved plan; run `flexplan plan --out FILE` again",
        )
    return body
