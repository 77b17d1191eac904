"""Helpers shared by the apply end-to-end tests (tests/e2e/test_apply*.py)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from plankit import CLEAN, write_config  # noqa: F401  (re-exported for the apply tests)

from flexplan.sandbox import SandboxServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_example(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns(".flexplan"))
    return target


def assert_sane(result: Any, env: dict[str, str]) -> None:
    """No traceback and no secret in anything a run printed."""
    assert "Traceback" not in result.output, result
    assert "internal error" not in result.output, result
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET"):
        if env.get(name):
            assert env[name] not in result.output, f"{name} shown: {result}"


def writes(sandbox: SandboxServer) -> list[Any]:
    """The non-GET exchanges recorded so far (the recorder keeps them for the contract check),
    without the account lock's own (Sync) traffic: those are the writes to managed resources."""
    with sandbox.recorder._lock:
        exchanges = list(sandbox.recorder.exchanges)
    return [e for e in exchanges if e.method != "GET" and e.api != "sync"]


def duplicates(sandbox: SandboxServer) -> dict[str, int]:
    """Natural keys held by more than one live resource, with their counts."""
    store = sandbox.store
    keys: Counter[str] = Counter()
    for flow in store.items("studio_flows"):
        keys[f"studio_flow {flow['friendly_name']}"] += 1
    for flow in store.items("flex_flows"):
        keys[f"flex_flow {flow['friendly_name']}"] += 1
    for address in store.items("addresses"):
        keys[f"address {address['type']} {address['address']}"] += 1
    config = store.singleton("flex_configuration")
    for entry in config.get("channel_configs") or []:
        keys[f"channel_config {entry.get('address_type')}"] += 1
    return {key: n for key, n in keys.items() if n > 1}


def resource_count(sandbox: SandboxServer) -> int:
    store = sandbox.store
    return sum(len(store.items(k)) for k in ("studio_flows", "flex_flows", "addresses"))
