"""Plan wall time at each checkout's default ``--parallelism``, against an account limit.

    python benchmarks/parallelism_bench.py [--addresses 3000 --flex-flows 1600
        --studio-flows 400 --widgets 20 --latency-ms 150 --limits 32,10 --repeat 3
        --checkout DIR ... --parallelism N]

One synthetic account (about 5,000 resources by default) is served by one sandbox
child process per account concurrency limit (429 past it, after its latency, as
Twilio does). Each ``--checkout`` (default: this one) plans it in a child process
of its own, with that checkout's code and defaults (``--parallelism 0``: the
checkout's default), interleaved and repeated. Reported per checkout and limit:
median plan wall time (manifest loading excluded), requests sent, 429s answered,
and the gate's lowest and highest window where the checkout has them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process, stats
from synthetic import populate, write_manifest

from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.sandbox.store import Store

_PLAN = """
import json, sys, time
from pathlib import Path
from flexplan.engine import compute_plan
from flexplan.manifest import load_manifest
from flexplan.twilio_client import build_client, client_stats, credentials_from_env, request_gate
base, config, account, token, parallelism = sys.argv[1:6]
env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token}
manifest = load_manifest(Path(config))
options = {"parallelism": int(parallelism)} if int(parallelism) else {}
client = build_client(credentials_from_env(env), api_base=base, **options)
started = time.perf_counter()
plan = compute_plan(client, manifest, account_sid=account, remote_validate=True)
wall = time.perf_counter() - started
gate = request_gate(client)
print(json.dumps({"plan_ms": round(wall * 1000), "requests": client_stats(client).requests,
                  "ceiling": gate.ceiling, "lowest_window": round(gate.lowest, 1),
                  "highest_window": round(getattr(gate, "highest", gate.ceiling), 1),
                  "changes": sum(1 for c in plan.changes if c.action != "no-op")}))
"""


def plan_once(checkout: Path, base: str, config: Path, parallelism: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    args = [base, str(config), DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, str(parallelism)]
    done = subprocess.run([sys.executable, "-c", _PLAN, *args], env=env, cwd=checkout,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: the plan failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=3000)
    parser.add_argument("--flex-flows", type=int, default=1600)
    parser.add_argument("--studio-flows", type=int, default=400)
    parser.add_argument("--widgets", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--limits", default="32,10", help="account concurrency limits")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallelism", type=int, default=0, help="0: each checkout's default")
    parser.add_argument("--checkout", type=Path, action="append")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [Path(__file__).resolve().parents[1]]]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = Store(account_sid=DEFAULT_ACCOUNT_SID, seed=1)
        populate(store, addresses=args.addresses, flex_flows=args.flex_flows,
                 studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
        state = root / "sandbox.json"
        state.write_text(json.dumps(store.snapshot()))
        write_manifest(root / "config", addresses=args.addresses, flex_flows=args.flex_flows,
                       studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
        report: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "runs": []}
        for limit in (int(n) for n in args.limits.split(",")):
            latency = args.latency_ms
            with sandbox_process(state, latency_ms=latency, concurrency_limit=limit) as base:
                runs: dict[str, list[dict[str, Any]]] = {str(c): [] for c in checkouts}
                for _ in range(args.repeat):
                    for checkout in checkouts:  # interleaved: the machine's load hits both
                        before = stats(base)["by_status"].get("429", 0)
                        run = plan_once(checkout, base, root / "config", args.parallelism)
                        run["429s"] = stats(base)["by_status"].get("429", 0) - before
                        runs[str(checkout)].append(run)
                for checkout, done in runs.items():
                    report["runs"].append({
                        "checkout": checkout, "limit": limit,
                        "plan_ms_median": statistics.median(r["plan_ms"] for r in done),
                        "plan_ms_runs": [r["plan_ms"] for r in done],
                        **{k: done[0][k] for k in ("requests", "ceiling", "changes")},
                        "429s": [r["429s"] for r in done],
                        "window_low_high": [[r["lowest_window"], r["highest_window"]]
                                            for r in done],
                    })  # fmt: skip
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
