"""The quick start through the CLI: plan, apply, plan again is clean."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_quickstart_plan_apply_plan(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan
) -> None:
    config = tmp_path / "quickstart"
    shutil.copytree(EXAMPLES / "quickstart", config)
    first = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert first.exit_code == 2, first
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in first.stdout
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    assert "Apply complete: 4 added, 0 changed, 0 destroyed." in applied.stdout
    again = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0, again
    assert again.stdout.rstrip().endswith("No changes. The account matches the manifest.")
