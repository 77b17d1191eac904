"""Export of a large synthetic account (300 resources of every kind) plans clean.

The account comes from benchmarks/synthetic.py (the plan benchmark's generator):
300 Studio flows, 300 Flex Flows, 300 Conversations addresses (a third of them
auto-creating through one of the flows), and a channel config for every
address type Flex knows (there are only six).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import yaml

from flexplan.resources.channel_configs import LIMITS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synthetic import populate

COUNT = 300


def _synthetic(store: Any) -> None:
    populate(store, addresses=COUNT, flex_flows=COUNT, studio_flows=COUNT, widgets=8)
    flows = [f for f in store.items("studio_flows") if f["friendly_name"].startswith("Synthetic")]
    for i, address in enumerate(store.items("addresses")):
        if i % 3 == 0:
            address["auto_creation"] = {
                "enabled": True,
                "type": "studio",
                "conversation_service_sid": None,
                "studio_flow_sid": flows[i % len(flows)]["sid"],
                "studio_retry_count": 2,
            }
    config = store.singleton("flex_configuration")
    config["channel_configs"] = [
        {"address_type": kind, "cbm_attachments": {
            "enabled": True, "number_of_attachments": limits.number_of_attachments,
            "max_file_size": limits.max_file_size,
            "max_total_file_size": limits.max_total_file_size,
            "accepted_extensions": list(limits.accepted_extensions)}}
        for kind, limits in LIMITS.items()
    ]  # fmt: skip


def test_synthetic_account_exports_and_plans_clean(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    _synthetic(sandbox.store)
    out = tmp_path / "config"
    started = time.perf_counter()
    exported = run_flexplan("export", "--out", str(out), env=sandbox_env)
    export_seconds = time.perf_counter() - started
    assert exported.exit_code == 0, exported
    counts = f"{COUNT + 3} studio_flows, {COUNT + 2} flex_flows, {COUNT + 1} conversations_"
    assert f"Exported {counts}addresses, 6 channel_configs" in exported.stderr
    assert len(list((out / "studio").glob("*.json"))) == COUNT + 3

    addresses = yaml.safe_load((out / "conversations_addresses.yaml").read_text())
    referring = [a for a in addresses["conversations_addresses"].values() if "auto_creation" in a]
    assert all(
        a["auto_creation"]["studio_flow"].startswith("synthetic-flow-")
        for a in referring
        if a["auto_creation"]["type"] == "studio"
    )

    started = time.perf_counter()
    plan = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    plan_seconds = time.perf_counter() - started
    assert plan.exit_code == 0, plan.output[-2000:]
    assert "No changes. The account matches the manifest." in plan.stdout
    print(f"synthetic export {export_seconds:.1f} s, plan {plan_seconds:.1f} s")
