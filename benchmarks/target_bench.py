"""Requests and wall time of a targeted plan (``--target``) beside the whole plan.

    python benchmarks/target_bench.py [--addresses 1000 --flex-flows 500 --studio-flows 200
                                       --widgets 60 --latency-ms 50 --parallelism 10]

The synthetic account of plan_bench.py, planned cold (no definition cache, no
remote validation) once whole and once per target; each line gives the requests
sent (from the sandbox's request log), the endpoints that took most of them, and
the wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process, stats, stats_delta
from plan_bench import build_account
from synthetic import write_manifest

from flexplan.engine import compute_plan
from flexplan.manifest import load_manifest
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.twilio_client import build_client, credentials_from_env

TARGETS: list[tuple[str, ...]] = [
    (),
    ("studio_flow.flow-0001",),
    ("conversations_address.address-00001",),
    ("flex_flow.handler-0001",),
    ("studio_flow.flow-0001", "flex_flow.handler-0001"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addresses", type=int, default=1000)
    parser.add_argument("--flex-flows", type=int, default=500)
    parser.add_argument("--studio-flows", type=int, default=200)
    parser.add_argument("--widgets", type=int, default=60)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        state, _ = build_account(root, args)
        write_manifest(root / "config", addresses=args.addresses, flex_flows=args.flex_flows,
                       studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
        manifest = load_manifest(root / "config")
        with sandbox_process(state, latency_ms=args.latency_ms) as base:
            env = {
                "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            }
            client = build_client(
                credentials_from_env(env), api_base=base, parallelism=args.parallelism
            )
            print("targets | requests | top endpoints | changes | wall ms")
            for targets in TARGETS:
                print(_line(client, manifest, base, targets))


def _line(client: Any, manifest: Any, base: str, targets: tuple[str, ...]) -> str:
    before = stats(base)
    started = time.perf_counter()
    plan = compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID, targets=targets)
    wall = (time.perf_counter() - started) * 1000
    sent = stats_delta(before, stats(base))
    top = sorted(sent.items(), key=lambda item: -item[1])[:3]
    shown = ", ".join(f"{endpoint} {n}" for endpoint, n in top)
    name = " ".join(targets) or "(whole plan)"
    return f"{name} | {sum(sent.values())} | {shown} | {len(plan.changes)} | {wall:.0f}"


if __name__ == "__main__":
    main()
