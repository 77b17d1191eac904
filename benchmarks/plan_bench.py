"""Plan against a large synthetic account, beside a Terraform-style per-resource refresh.

    python benchmarks/plan_bench.py [--addresses 1000 --flex-flows 500 --studio-flows 200
                                     --widgets 60 --latency-ms 50 --parallelism 10]

Both strategies run in one process against one sandbox (a child process) with
latency injected. Reported: requests in total and by endpoint, wall time,
flexplan's peak memory (in a separate pass: tracemalloc slows Python down), the
request floor (every list page plus one GET per managed Studio definition, the
least any tool must send to know the account), the longest request chain and the lower bound that
``--parallelism`` allows, so the ratios can be read off directly.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process, stats, stats_delta
from synthetic import ADDRESS_TYPES, populate, write_manifest

from flexplan.engine import compute_plan
from flexplan.manifest import load_manifest
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.sandbox.store import Store
from flexplan.twilio_client import build_client, credentials_from_env

ALL_ADDRESS_TYPES = 8  # the Addresses list is read once per Type


def build_account(directory: Path, args: argparse.Namespace) -> tuple[Path, dict[str, int]]:
    """The synthetic account as a sandbox state file, and the seed's addresses per type."""
    store = Store(account_sid=DEFAULT_ACCOUNT_SID, seed=1)
    seeded: dict[str, int] = {}
    for address in store.items("addresses"):
        seeded[address["type"]] = seeded.get(address["type"], 0) + 1
    populate(store, addresses=args.addresses, flex_flows=args.flex_flows,
             studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
    state = directory / "sandbox.json"
    state.write_text(json.dumps(store.snapshot()))
    return state, seeded


def floor_requests(args: argparse.Namespace, seeded: dict[str, int]) -> tuple[int, int]:
    """The request floor (list pages + one GET per managed Studio definition) and the
    longest chain (requests that must go one after another)."""
    counts = dict(seeded)
    for i in range(args.addresses):
        kind = ADDRESS_TYPES[i % len(ADDRESS_TYPES)]
        counts[kind] = counts.get(kind, 0) + 1
    address_chains = [max(1, math.ceil(n / 50)) for n in counts.values()]
    address_chains += [1] * (ALL_ADDRESS_TYPES - len(address_chains))
    lists = {
        "studio": math.ceil((args.studio_flows + 3) / 1000),
        "flex": math.ceil((args.flex_flows + 2) / 1000),
        "configuration": 1,
        "chat services (look-up)": 1,
    }
    total = sum(address_chains) + sum(lists.values()) + args.studio_flows
    longest = max(max(address_chains), lists["studio"] + 1, lists["flex"])
    return total, longest


def validations(plan: Any) -> int:
    """Studio's Validate requests a plan makes: one per created or changed flow."""
    return sum(
        1
        for c in plan.changes
        if c.section == "studio_flows" and c.action in ("create", "update", "replace")
    )


def per_resource_refresh(client: Any, plan: Any, parallelism: int) -> None:
    """What the Terraform provider does on refresh: one GET per managed resource by SID."""
    getters = {
        "studio_flows": lambda sid: client.studio.v2.flows(sid).fetch(),
        "flex_flows": lambda sid: client.flex_api.v1.flex_flow(sid).fetch(),
        "conversations_addresses": lambda sid: client.conversations.v1.address_configurations(
            sid
        ).fetch(),
    }
    jobs = [(getters[c.section], c.sid) for c in plan.changes if c.sid and c.section in getters]
    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        list(pool.map(lambda job: job[0](job[1]), jobs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=1000)
    parser.add_argument("--flex-flows", type=int, default=500)
    parser.add_argument("--studio-flows", type=int, default=200)
    parser.add_argument("--widgets", type=int, default=60)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each strategy")
    parser.add_argument("--no-remote-validate", action="store_true", help="as the plan flag")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        state, seeded = build_account(root, args)
        write_manifest(root / "config", addresses=args.addresses, flex_flows=args.flex_flows,
                       studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
        started = time.perf_counter()
        manifest = load_manifest(root / "config")
        load_ms = (time.perf_counter() - started) * 1000
        with sandbox_process(state, latency_ms=args.latency_ms) as base:
            env = {
                "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            }
            client = build_client(
                credentials_from_env(env), api_base=base, parallelism=args.parallelism
            )
            report = run(client, manifest, base, args, load_ms, seeded)
    print(json.dumps(report, indent=2))


def timed_plan(client: Any, manifest: Any, args: argparse.Namespace) -> tuple[Any, float]:
    started = time.perf_counter()
    plan = compute_plan(
        client,
        manifest,
        account_sid=DEFAULT_ACCOUNT_SID,
        remote_validate=not args.no_remote_validate,  # as `flexplan plan` does by default
    )
    return plan, (time.perf_counter() - started) * 1000


def peak_memory_mb(client: Any, manifest: Any, args: argparse.Namespace) -> float:
    """flexplan's peak traced memory during a plan, in a pass of its own.

    tracemalloc slows Python several times over, so the timed runs go without it.
    """
    tracemalloc.start()
    try:
        timed_plan(client, manifest, args)
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def run(
    client: Any,
    manifest: Any,
    base: str,
    args: argparse.Namespace,
    load_ms: float,
    seeded: dict[str, int],
) -> dict[str, Any]:
    """Both strategies ``args.repeat`` times, alternating; requests counted on the first round."""
    plan_ms: list[float] = []
    refresh_ms: list[float] = []
    ours: dict[str, int] = {}
    theirs: dict[str, int] = {}
    plan: Any = None
    for round_ in range(args.repeat):
        before = stats(base)
        plan, wall = timed_plan(client, manifest, args)
        plan_ms.append(wall)
        middle = stats(base)
        started = time.perf_counter()
        per_resource_refresh(client, plan, 10)
        refresh_ms.append((time.perf_counter() - started) * 1000)
        if round_ == 0:
            ours, theirs = stats_delta(before, middle), stats_delta(middle, stats(base))
    peak = peak_memory_mb(client, manifest, args)
    floor, longest = floor_requests(args, seeded)
    if not args.no_remote_validate:  # one Validate per changed flow, after the reads
        floor += validations(plan)
        longest += 1 if validations(plan) else 0
    bound_ms = max(longest, math.ceil(floor / args.parallelism)) * args.latency_ms
    plan_wall, refresh_wall = statistics.median(plan_ms), statistics.median(refresh_ms)
    s = plan.summary()
    return {
        "account": {
            "addresses": args.addresses,
            "flex_flows": args.flex_flows,
            "studio_flows": args.studio_flows,
            "widgets_per_flow": args.widgets,
        },
        "latency_ms": args.latency_ms,
        "parallelism": args.parallelism,
        "repeat": args.repeat,
        "manifest_load_ms": round(load_ms),
        "flexplan_plan": {
            "requests": sum(ours.values()),
            "by_endpoint": ours,
            "wall_ms_median": round(plan_wall),
            "wall_ms_runs": [round(ms) for ms in plan_ms],
            "peak_memory_mb": peak,
            "changes": {
                "add": s.add,
                "change": s.change,
                "destroy": s.destroy,
                "no_op": s.unchanged,
            },
        },
        "floor_requests": floor,
        "requests_over_floor": round(sum(ours.values()) / floor, 3),
        "longest_chain_requests": longest,
        "longest_chain_ms": round(longest * args.latency_ms),
        "bounded_lower_bound_ms": round(bound_ms),
        "plan_wall_over_bound": round(plan_wall / bound_ms, 2),
        "per_resource_refresh": {
            "requests": sum(theirs.values()),
            "by_endpoint": theirs,
            "wall_ms_median": round(refresh_wall),
            "wall_ms_runs": [round(ms) for ms in refresh_ms],
            "parallelism": 10,
        },
        "refresh_over_plan": {
            "requests": round(sum(theirs.values()) / max(1, sum(ours.values())), 2),
            "wall_time": round(refresh_wall / max(1.0, plan_wall), 2),
        },
    }


if __name__ == "__main__":
    main()
