"""The engine: read live state, plan (pure), and later apply."""

from __future__ import annotations

from typing import Any

from flexplan.engine.model import Plan
from flexplan.engine.plan import LiveSnapshot, build_plan
from flexplan.engine.read import read_live
from flexplan.resources import KINDS


def compute_plan(client: Any, manifest: Any, *, account_sid: str, parallelism: int = 10) -> Plan:
    """Read the account and diff it against ``manifest``."""
    snapshot = read_live(client, manifest, KINDS, account_sid=account_sid, parallelism=parallelism)
    return build_plan(manifest, snapshot, KINDS)


__all__ = ["LiveSnapshot", "Plan", "build_plan", "compute_plan", "read_live"]
