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

from flexplan.engine.model import Plan, ResourceChange
from flexplan.errors import FlexplanError
from flexplan.redact import redact
from flexplan.render.json_plan import plan_to_json

SAVED_FORMAT = "flexplan-saved-plan/1"


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def live_version(change: ResourceChange) -> dict[str, Any]:
    """The live object's revision markers, to say what changed when a plan is stale."""
    raw = getattr(change.live, "raw", None) or {}
    return {k: raw[k] for k in ("revision", "date_updated") if raw.get(k) is not None}


def saved_plan_document(
    plan: Plan, *, directory: str | None = None, variables: dict[str, str] | None = None
) -> dict[str, Any]:
    body = plan_to_json(plan)
    by_address = {c.address: c for c in plan.changes}
    for item in body["resource_changes"]:
        change = by_address[item["address"]]
        item["fingerprint"] = change.fingerprint
        item["live_version"] = live_version(change)
    body["directory"] = directory
    body["variables"] = dict(variables or {})
    # redact before the digest: the file holds exactly what was digested
    body = json.loads(redact(json.dumps(body, default=str)))
    return {"format": SAVED_FORMAT, "integrity": _digest(body), "plan": body}


def write_saved_plan(
    plan: Plan,
    path: Path,
    *,
    directory: str | None = None,
    variables: dict[str, str] | None = None,
) -> None:
    """Write atomically (the body was redacted before its digest was taken)."""
    document = saved_plan_document(plan, directory=directory, variables=variables)
    text = json.dumps(document, indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".flexplan-", dir=path.parent)
    except OSError as exc:
        raise FlexplanError(
            f"cannot write the plan to {path}: {exc.strerror}",
            hint="give --out a path in a directory you can write to",
        ) from None
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
