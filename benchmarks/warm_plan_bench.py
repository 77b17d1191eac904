"""CPU of a warm plan (the definition cache filled) against a sandbox at 0 ms latency.

    python benchmarks/warm_plan_bench.py [--studio-flows 200 --widgets 60
        --addresses 300 --flex-flows 100 --repeat 7 --checkout DIR ...]

One synthetic account served by a sandbox child process; each ``--checkout``
(default: this one) plans it in a child process of its own: one plan fills an
in-memory definition cache, then ``--repeat`` warm plans are timed (CPU of the
plan process, and wall). Checkouts are interleaved; medians are printed.
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

from _server import sandbox_process
from plan_bench import build_account
from synthetic import write_manifest

from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

_PLAN = """
import json, sys, time
from pathlib import Path
from flexplan.engine import compute_plan
from flexplan.engine.defcache import DigestCache
from flexplan.manifest import load_manifest
from flexplan.twilio_client import build_client, credentials_from_env
base, config, account, token, repeat = sys.argv[1:6]
env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token}
manifest = load_manifest(Path(config))
client = build_client(credentials_from_env(env), api_base=base, parallelism=10)
cache = DigestCache(None)
compute_plan(client, manifest, account_sid=account, cache=cache)
runs = []
for _ in range(int(repeat)):
    wall, cpu = time.perf_counter(), time.process_time()
    compute_plan(client, manifest, account_sid=account, cache=cache)
    runs.append([(time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000])
print(json.dumps(runs))
"""


def warm_runs(checkout: Path, base: str, config: Path, repeat: int) -> list[list[float]]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    args = [base, str(config), DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, str(repeat)]
    done = subprocess.run([sys.executable, "-c", _PLAN, *args], env=env, cwd=checkout,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: the plan failed:\n{done.stderr[-3000:]}")
    runs: list[list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=300)
    parser.add_argument("--flex-flows", type=int, default=100)
    parser.add_argument("--studio-flows", type=int, default=200)
    parser.add_argument("--widgets", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved processes per checkout")
    parser.add_argument("--checkout", type=Path, action="append")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [Path(__file__).resolve().parents[1]]]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        state, _ = build_account(root, args)
        write_manifest(root / "config", addresses=args.addresses, flex_flows=args.flex_flows,
                       studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
        runs: dict[str, list[list[float]]] = {str(c): [] for c in checkouts}
        with sandbox_process(state, latency_ms=0) as base:
            for _ in range(args.rounds):
                for checkout in checkouts:
                    runs[str(checkout)] += warm_runs(checkout, base, root / "config", args.repeat)
    report: dict[str, Any] = {}
    for checkout, done in runs.items():
        report[checkout] = {
            "warm_plan_cpu_ms_median": round(statistics.median(r[0] for r in done)),
            "warm_plan_wall_ms_median": round(statistics.median(r[1] for r in done)),
            "runs": len(done),
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
