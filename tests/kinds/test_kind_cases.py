"""Every kind's behaviour as data: each case under tests/kinds/<section>/ (docs/kinds.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .casefiles import Case, all_cases, check, run_export, run_plan, run_read

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    if case.shape == "plan":
        got = run_plan(case, tmp_path)
    elif case.shape == "read":
        got = run_read(case, tmp_path)
    else:
        got = run_export(case)
    check(case, got)
