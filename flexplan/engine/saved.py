"""Saved plans (``plan --out FILE``): what apply needs to refuse a stale plan, and no secret.

A saved plan is the plan document (``engine.document``, what the JSON output
prints) plus the live fingerprint of every resource it touches, wrapped with a
format version and an integrity digest so that a hand-edited, truncated or
foreign file is refused rather than applied. The digest is a plain SHA-256
with no key: it catches accidents, not tampering (anyone can recompute it);
apply re-plans and compares anyway.

Each change also carries a ``view``: what the text and markdown renderings
need that the JSON document folds away (the kind's title, the unchanged-field
count, units, claims for the migration section, which masked or looked-up
values stood where, and each rich diff whole), so that ``flexplan show``
renders the plan exactly as ``plan`` did without reading the account
(``restored_plan``). Nothing in it is a value the document masks.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flexplan import __version__
from flexplan.engine.document import plan_document
from flexplan.engine.model import Plan, ResourceChange
from flexplan.engine.saved_view import change_view, restored_plan
from flexplan.errors import FlexplanError
from flexplan.flowdiff import SavedFormError
from flexplan.redact import redact
from flexplan.sensitive import secret_variable

SAVED_PREFIX = "flexplan-saved-plan/"
SAVED_VERSION = 2  # 2: each change's ``view`` (flexplan show)
SAVED_FORMAT = f"{SAVED_PREFIX}{SAVED_VERSION}"
# what a saved plan adds to the plan document; ``printed_document`` leaves it out again
SAVED_ONLY_CHANGE_KEYS = ("fingerprint", "live_version", "view")
SAVED_ONLY_PLAN_KEYS = ("directory", "variables", "withheld_variables")


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _safe_digest(body: dict[str, Any]) -> str | None:
    try:
        return _digest(body)
    except RecursionError:  # nested deeper than any plan flexplan writes
        return None


def live_version(change: ResourceChange) -> dict[str, Any]:
    """The live object's revision markers, to say what changed when a plan is stale."""
    raw = getattr(change.live, "raw", None) or {}
    return {k: raw[k] for k in ("revision", "date_updated") if raw.get(k) is not None}


def saved_plan_document(
    plan: Plan, *, directory: str | None = None, variables: dict[str, str] | None = None
) -> dict[str, Any]:
    body = plan_document(plan)
    by_address = {c.address: c for c in plan.changes}
    for item in body["resource_changes"]:
        change = by_address[item["address"]]
        item["fingerprint"] = change.fingerprint
        item["live_version"] = live_version(change)
        item["view"] = change_view(change)
    body["directory"] = directory
    given = dict(variables or {})
    # --var values are needed to plan again at apply time; secret ones are not written:
    # apply asks for them again, and the manifest digest refuses different values
    withheld = sorted(name for name, value in given.items() if secret_variable(name, value))
    body["variables"] = {k: v for k, v in given.items() if k not in withheld}
    body["withheld_variables"] = withheld
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


def refuse_overrides(saved: dict[str, Any], env: str | None, given: dict[str, str]) -> None:
    """A saved plan is applied as it was made: ``--env`` and ``--var`` (other than the secret
    values the saved plan withheld) would change it, so they are refused, not ignored."""
    made_for = saved.get("environment")
    if env is not None:
        which = f"environment {made_for!r}" if made_for else "no environment (the top level)"
        raise FlexplanError(
            f"--env {env} cannot be used with a saved plan: it was made for {which}",
            hint="drop --env to apply the saved plan, or make a new plan for that environment "
            f"(`flexplan plan DIR --env {env} --out FILE`)",
        )
    withheld = set(saved.get("withheld_variables") or [])
    changed = sorted(n for n in given if n not in withheld)
    if changed:
        raise FlexplanError(
            f"--var {', '.join(changed)} cannot be used with a saved plan: it is applied with "
            "the variables it was made with",
            hint="drop those --var options, or make a new plan with them "
            "(`flexplan plan DIR --var NAME=VALUE --out FILE`); only the secret --var values a "
            "saved plan withholds are given again",
        )


def refuse_targets(saved: dict[str, Any], given: Sequence[str]) -> None:
    """``--target`` with a saved plan is refused: the plan was limited (or not) when it was
    made, and applying it with other targets would apply something nobody reviewed."""
    if not given:
        return
    made_with = saved_targets(saved)
    which = f"--target {', '.join(made_with)}" if made_with else "no --target (the whole plan)"
    raise FlexplanError(
        f"--target {', '.join(given)} cannot be used with a saved plan: it was made with "
        f"{which} and is applied as it was made",
        hint="drop --target to apply the saved plan, or make a new plan with the targets "
        "(`flexplan plan DIR --target ADDRESS --out FILE`)",
    )


def saved_targets(saved: dict[str, Any]) -> list[str]:
    """The ``--target`` addresses a saved plan was made with (none: the whole plan)."""
    targets = saved.get("targets") or []
    return [str(t) for t in targets] if isinstance(targets, list) else []


def saved_variables(saved: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The ``--var`` values to plan again with: the saved ones, and the secret ones given again."""
    missing = [n for n in saved.get("withheld_variables") or [] if n not in given]
    if missing:
        flags = " ".join(f"--var {n}=…" for n in missing)
        raise FlexplanError(
            f"the plan was made with secret --var values that a saved plan never holds: "
            f"{', '.join(missing)}",
            hint=f"pass them again to apply: `flexplan apply PLANFILE {flags}`",
        )
    return {**(saved.get("variables") or {}), **given}


def read_saved_plan(path: Path) -> dict[str, Any]:
    """The plan body of a saved plan; refuses malformed, foreign, old, newer or edited files."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlexplanError(
            f"cannot read the plan file {path}: {exc.strerror}",
            hint="give the path of a file written by `flexplan plan DIR --out FILE`",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FlexplanError(
            f"{path} is not a flexplan plan file (not JSON: {exc})", hint=WRITE_ONE
        ) from None
    except RecursionError:
        raise FlexplanError(
            f"{path} is not a flexplan plan file (its JSON is nested too deeply)", hint=WRITE_ONE
        ) from None
    _check_format(path, document)
    body = document.get("plan")
    if not isinstance(body, dict) or document.get("integrity") != _safe_digest(body):
        raise FlexplanError(
            f"{path} was changed after flexplan wrote it (integrity check failed)",
            hint="never edit a saved plan; run `flexplan plan --out FILE` again",
        )
    return body


WRITE_ONE = "write one with `flexplan plan DIR --out FILE`"


def _check_format(path: Path, document: Any) -> None:
    found = document.get("format") if isinstance(document, dict) else None
    if found == SAVED_FORMAT:
        return
    version = found.removeprefix(SAVED_PREFIX) if isinstance(found, str) else ""
    if not (isinstance(found, str) and found.startswith(SAVED_PREFIX) and version.isdigit()):
        raise FlexplanError(
            f"{path} is not a flexplan plan file (format {found!r:.60}, expected {SAVED_FORMAT!r})",
            hint=WRITE_ONE,
        )
    if int(version) > SAVED_VERSION:
        raise FlexplanError(
            f"{path} was written by a newer flexplan (saved-plan format {version}; this "
            f"flexplan {__version__} reads format {SAVED_VERSION})",
            hint="use the flexplan version that made the plan, or plan again with this one",
        )
    raise FlexplanError(
        f"{path} was written by an older flexplan (saved-plan format {version}; this "
        f"flexplan {__version__} reads format {SAVED_VERSION} only)",
        hint="run `flexplan plan DIR --out FILE` again with this version of flexplan",
    )


def load_saved_plan(path: Path) -> tuple[dict[str, Any], Plan]:
    """A saved plan's body and the plan it describes, for showing (``flexplan show``)."""
    body = read_saved_plan(path)
    try:
        return body, restored_plan(body)
    except SavedFormError as exc:
        raise FlexplanError(
            f"{path} is not a well-formed flexplan plan file ({exc})",
            hint="never edit a saved plan; run `flexplan plan DIR --out FILE` again",
        ) from None


def printed_document(body: dict[str, Any]) -> dict[str, Any]:
    """The plan document exactly as ``plan --format json`` printed it: the saved-only keys
    left out, everything else in its order."""
    document = {k: v for k, v in body.items() if k not in SAVED_ONLY_PLAN_KEYS}
    document["resource_changes"] = [
        {k: v for k, v in item.items() if k not in SAVED_ONLY_CHANGE_KEYS}
        for item in body["resource_changes"]
    ]
    return document
