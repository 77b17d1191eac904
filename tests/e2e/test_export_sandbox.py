"""``export --sandbox`` reads the sandbox that ``plan``/``apply --sandbox DIR`` built
(issue 11, item 9), and never writes sandbox state into the export (or anywhere)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from plankit import write_config

CONFIG = """
version: 1
conversations_addresses:
  support-sms:
    type: sms
    address: "+15550001111"
    friendly_name: Support SMS
"""


@pytest.fixture
def built(tmp_path: Path, run_flexplan: Any) -> Path:
    """A config directory applied to its own sandbox account."""
    config = write_config(tmp_path / "config", CONFIG)
    applied = run_flexplan("apply", str(config), "--sandbox", "--auto-approve")
    assert applied.exit_code == 0, applied
    return config


def _addresses(out: Path) -> dict[str, Any]:
    data = yaml.safe_load((out / "conversations_addresses.yaml").read_text())
    return dict(data["conversations_addresses"])


def test_exports_the_account_apply_built(tmp_path: Path, built: Path, run_flexplan: Any) -> None:
    out = tmp_path / "adopted"
    state = built / ".flexplan" / "sandbox.json"
    before = state.read_bytes()
    result = run_flexplan("export", "--sandbox-dir", str(built), "--out", str(out))
    assert result.exit_code == 0, result
    assert any(a.get("address") == "+15550001111" for a in _addresses(out).values())
    assert f"Read the sandbox account in {state}" in result.stderr
    assert not (out / ".flexplan").exists()  # no sandbox state in the export
    assert state.read_bytes() == before  # the source account is only read


def test_sandbox_flag_reads_the_current_directory(
    tmp_path: Path, built: Path, run_flexplan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(built)
    out = tmp_path / "adopted"
    result = run_flexplan("export", "--sandbox", "--out", str(out))
    assert result.exit_code == 0, result
    assert any(a.get("address") == "+15550001111" for a in _addresses(out).values())
    assert not (out / ".flexplan").exists()


def test_without_a_sandbox_account_exports_a_fresh_one_and_writes_none(
    tmp_path: Path, run_flexplan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    out = tmp_path / "fresh"
    result = run_flexplan("export", "--sandbox", "--out", str(out))
    assert result.exit_code == 0, result
    assert "exported a fresh one" in result.stderr
    assert not (out / ".flexplan").exists() and not (empty / ".flexplan").exists()
    assert os.listdir(empty) == []
    plan = run_flexplan("plan", str(out), "--sandbox", "--detailed-exitcode")
    assert plan.exit_code == 0, plan  # a fresh account plans clean against a fresh one


def test_help_says_which_sandbox(run_flexplan: Any) -> None:
    result = run_flexplan("export", "--help")
    assert "--sandbox-dir" in result.stdout
    assert "DIR/.flexplan/sandbox.json" in " ".join(result.stdout.split())
