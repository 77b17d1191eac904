"""Every kind's behaviour as data: each case under tests/kinds/<section>/ (docs/kinds.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flexplan.resources import KINDS

from .casefiles import Case, all_cases, case_dirs, check, run_export, run_plan, run_read

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


def test_every_kind_has_its_case_directory() -> None:
    """A new kind comes with its cases: tests/kinds/<section>/ holding at least three."""
    have = {d.name: len(list(d.glob("*.yaml"))) for d in case_dirs()}
    missing = [k.section for k in KINDS if have.get(k.section, 0) < 3]
    assert not missing, (
        f"no case directory (or fewer than 3 cases) for {', '.join(missing)}: add "
        "tests/kinds/<section>/*.yaml (see docs/kinds.md, 'Kind cases')"
    )
    strays = sorted(set(have) - {k.section for k in KINDS})
    assert not strays, f"tests/kinds/{strays[0]}/ is not a section of any kind in KINDS"


def test_every_case_shape_is_used_by_each_kind() -> None:
    """Each kind pins its plan, its read (normal form) and its export."""
    shapes: dict[str, set[str]] = {}
    for case in CASES:
        shapes.setdefault(case.section, set()).add(case.shape)
    lacking = {s: {"plan", "read", "export"} - got for s, got in shapes.items()
               if {"plan", "read", "export"} - got}  # fmt: skip
    assert not lacking, f"kinds lacking a case shape: {lacking}"
