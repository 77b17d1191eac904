"""Broken-manifest cases as data: one YAML file per case under ``cases/``.

A case holds the files of a manifest directory (``files``: relative path →
text, or ``!!binary`` bytes), optional ``env`` / ``vars`` / ``environ``, and
``expected``: every diagnostic, in order, as ``at: FILE:LINE:COL``, an exact
``message`` and an optional ``hint`` substring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flexplan.errors import Diagnostic
from flexplan.manifest import validate_directory

CASES = Path(__file__).parent / "cases"


@dataclass
class Case:
    name: str
    description: str
    files: dict[str, Any]
    expected: list[dict[str, str]]
    env: str | None = None
    vars: dict[str, str] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)


def load_case(path: Path) -> Case:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Case(
        name=path.stem,
        description=data.get("description", ""),
        files=data["files"],
        expected=data.get("expected") or [],
        env=data.get("env"),
        vars=data.get("vars") or {},
        environ=data.get("environ") or {},
    )


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES.glob("*.yaml"))]


def run_case(case: Case, root: Path) -> list[Diagnostic]:
    for rel, content in case.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    _, diagnostics = validate_directory(
        root, env=case.env, variables=case.vars, environ=case.environ
    )
    prefix = f"{root}/"
    return [
        Diagnostic(
            d.message.replace(prefix, ""),
            d.location.relative_to(root) if d.location else None,
            d.hint.replace(prefix, "") if d.hint else None,
            d.severity,
        )
        for d in diagnostics
    ]


def as_expected(diagnostic: Diagnostic) -> dict[str, str]:
    out = {"at": str(diagnostic.location), "message": diagnostic.message}
    if diagnostic.hint:
        out["hint"] = diagnostic.hint
    if diagnostic.severity != "error":
        out["severity"] = diagnostic.severity
    return out
