"""Plan and apply at --parallelism 10 against accounts that allow 2, 4, 8 and 20 requests.

    python benchmarks/concurrency_bench.py [--changes 200 --latency-ms 50 --limits 2,4,8,20
                                            --parallelism 10]

For each sandbox concurrency limit (the sandbox answers 429 with ``Retry-After: 1``
past it, after its latency, as Twilio does) the same plan and apply run twice on a
fresh copy of the account: with the client's adaptive concurrency (the default) and
with it off (``FLEXPLAN_ADAPTIVE_CONCURRENCY=false``: a fixed 10 in flight). Reported
per run: plan and apply wall time, the requests flexplan sent, the 429s the sandbox
answered, the lowest window the gate reached, and whether the account converged
(a plan afterwards is clean).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process, stats
from apply_bench import build

from flexplan.engine import compute_plan
from flexplan.engine.apply import apply_plan
from flexplan.errors import FlexplanError
from flexplan.manifest import load_manifest
from flexplan.resources import KINDS
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.throttle import RetryPolicy
from flexplan.twilio_client import build_client, client_stats, credentials_from_env, request_gate


def _429s(before: dict[str, Any], after: dict[str, Any]) -> int:
    return int(after["by_status"].get("429", 0)) - int(before["by_status"].get("429", 0))


def one_run(state: Path, config: Path, limit: int, adaptive: bool, args: Any) -> dict[str, Any]:
    env = {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
    manifest = load_manifest(config)
    report: dict[str, Any] = {"limit": limit, "adaptive": adaptive}
    with sandbox_process(state, latency_ms=args.latency_ms, concurrency_limit=limit) as base:
        client = build_client(credentials_from_env(env), api_base=base,
                              parallelism=args.parallelism,
                              retry=RetryPolicy(adaptive=adaptive))  # fmt: skip
        counts = client_stats(client)
        try:
            server, sent, started = stats(base), counts.requests, time.perf_counter()
            plan = compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
            report |= {"plan_ms": round((time.perf_counter() - started) * 1000),
                       "plan_requests": counts.requests - sent,
                       "plan_429s": _429s(server, stats(base))}  # fmt: skip
            server, sent, started = stats(base), counts.requests, time.perf_counter()
            result = apply_plan(client, plan, KINDS)
            report |= {"apply_ms": round((time.perf_counter() - started) * 1000),
                       "apply_actions": len(plan.actionable),
                       "apply_requests": counts.requests - sent,
                       "apply_429s": _429s(server, stats(base)),
                       "apply_ok": result.ok}  # fmt: skip
            report["converged"] = not compute_plan(
                client, manifest, account_sid=DEFAULT_ACCOUNT_SID
            ).has_changes
        except FlexplanError as exc:
            report["failed"] = exc.message
        gate = request_gate(client)
        report |= {"lowest_window": round(gate.lowest, 1), "window_cuts": gate.cuts}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--limits", default="2,4,8,20")
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--widgets", type=int, default=20, help="widgets per Studio flow")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        state, config = build(Path(tmp), args)
        for limit in (int(x) for x in args.limits.split(",")):
            for adaptive in (True, False):
                runs.append(one_run(state, config, limit, adaptive, args))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"changes": args.changes, "latency_ms": args.latency_ms,
                      "parallelism": args.parallelism, "runs": runs}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
