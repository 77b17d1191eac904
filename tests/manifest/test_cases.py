"""Every broken-manifest case under ``cases/`` reports exactly its expected problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from .casefiles import Case, all_cases, run_case

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    assert case.expected, f"{case.name} expects no problem: a broken case must expect some"
    got = run_case(case, tmp_path)
    assert [(str(d.location), d.message) for d in got] == [
        (e["at"], e["message"]) for e in case.expected
    ]
    for diagnostic, expected in zip(got, case.expected, strict=False):
        assert (expected.get("hint") or "") in (diagnostic.hint or "")
        assert diagnostic.severity == expected.get("severity", "error"), diagnostic


def test_cases_cover_every_rule() -> None:
    names = {c.name for c in CASES}
    required = {
        "yaml-malformed", "yaml-tab-indent", "top-level-not-mapping", "wrong-types",
        "unreadable-files", "missing-include", "json-error", "env-not-set",
        "missing-variable", "missing-environment", "duplicate-local-name", "duplicate-key",
        "unknown-keys", "sids-and-lookups", "sizes", "studio-structure-inline",
        "studio-structure-file", "inbound-conflict", "number-conflict", "integration-rules",
        "auto-creation-rules", "attachments", "references",
    }  # fmt: skip
    assert required <= names
