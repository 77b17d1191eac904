"""The adaptive gate alone against a simulated account limit: refusals and time, no HTTP.

    python benchmarks/gate_sim_bench.py [--limits 10,32 --requests 500 --latency-ms 15
        --retry-after-ms 100 --repeat 7 --checkout DIR ... | --learned]

Each ``--checkout`` (default: this one) runs in a child process of its own with its
own ``flexplan.throttle.RequestGate`` at its own default ceiling (``PARALLELISM``):
64 threads send ``--requests`` requests through the gate to a simulated account that
answers at most ``limit`` at once (a request above it is refused after the latency and
sent again after ``--retry-after-ms``, as the sandbox's ``Retry-After`` asks). The
ratio of latency to Retry-After is the sandbox benchmark's (150 ms to 1 s). Printed
per checkout and limit: median wall ms, refusals (each run), and the final window.
Sleeps dominate, so a loaded machine blurs it less than a plan against the sandbox.

``--learned`` (this checkout only): each repeat runs, one after the other, a fixed
10 in flight (``adaptive=False``), a first run (the default gate), and a run started
from the limit that first run learned (``RequestGate(learned=...)``, what the next
``flexplan plan`` of the directory does: flexplan.learned_limit).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

_SIMULATION = """
import json, sys, threading, time
from flexplan.throttle import PARALLELISM, RequestGate
limit, requests, latency, retry_after = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
mode, learned = (sys.argv[5], int(sys.argv[6])) if len(sys.argv) > 5 else ("default", 0)
if mode == "fixed10":
    gate = RequestGate(10, adaptive=False)
elif mode == "learned":
    gate = RequestGate(PARALLELISM.default, learned=learned)
else:
    gate = RequestGate(PARALLELISM.default)
lock = threading.Lock()
state = {"server": 0, "refused": 0, "todo": requests}
def worker():
    while True:
        with lock:
            if not state["todo"]:
                return
            state["todo"] -= 1
        while True:
            generation = gate.acquire()
            with lock:
                answered = state["server"] < limit
                state["server"] += answered
            time.sleep(latency)
            with lock:
                state["server"] -= answered
                state["refused"] += not answered
            gate.release(generation, throttled=not answered, succeeded=answered)
            if answered:
                break
            time.sleep(retry_after)
started = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(64)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "refused": state["refused"],
                  "window": gate.window, "limit": getattr(gate, "refused_limit", None) or gate.limit}))
"""  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", default="10,32")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--retry-after-ms", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--checkout", type=Path, action="append")
    parser.add_argument("--learned", action="store_true", help="fixed 10 / first / learned")
    args = parser.parse_args()
    if args.learned:
        return learned_report(args)
    checkouts = [c.resolve() for c in args.checkout or [Path(__file__).resolve().parents[1]]]
    report = []
    for limit in (int(n) for n in args.limits.split(",")):
        runs: dict[str, list[dict[str, float]]] = {str(c): [] for c in checkouts}
        for _ in range(args.repeat):
            for checkout in checkouts:  # interleaved
                argv = [str(limit), str(args.requests), str(args.latency_ms / 1000),
                        str(args.retry_after_ms / 1000)]  # fmt: skip
                done = subprocess.run([sys.executable, "-c", _SIMULATION, *argv],
                                      env={**os.environ, "PYTHONPATH": str(checkout)}, cwd=checkout,
                                      capture_output=True, text=True, check=True)  # fmt: skip
                runs[str(checkout)].append(json.loads(done.stdout))
        for checkout, done in runs.items():
            report.append({
                "checkout": checkout, "limit": limit,
                "ms_median": round(statistics.median(r["ms"] for r in done)),
                "refused": [r["refused"] for r in done],
                "refused_median": statistics.median(r["refused"] for r in done),
                "final_window": [round(r["window"], 1) for r in done],
            })  # fmt: skip
    print(json.dumps(report, indent=1))


def _simulate(checkout: Path, limit: int, args: argparse.Namespace, *mode: str) -> Any:
    argv = [str(limit), str(args.requests), str(args.latency_ms / 1000),
            str(args.retry_after_ms / 1000), *mode]  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _SIMULATION, *argv],
                          env={**os.environ, "PYTHONPATH": str(checkout)}, cwd=checkout,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


def learned_report(args: argparse.Namespace) -> None:
    """Fixed 10, a first run and a run from the limit it learned, interleaved per repeat."""
    checkout = Path(__file__).resolve().parents[1]
    report = []
    for limit in (int(n) for n in args.limits.split(",")):
        runs: dict[str, list[Any]] = {"fixed 10": [], "first run": [], "from learned": []}
        for _ in range(args.repeat):
            runs["fixed 10"].append(_simulate(checkout, limit, args, "fixed10", "0"))
            first = _simulate(checkout, limit, args, "default", "0")
            runs["first run"].append(first)
            runs["from learned"].append(
                _simulate(checkout, limit, args, "learned", str(first["limit"]))
            )
        for mode, done in runs.items():
            report.append({
                "mode": mode, "limit": limit,
                "ms_median": round(statistics.median(r["ms"] for r in done)),
                "refused": [r["refused"] for r in done],
                "learned_limit": [r["limit"] for r in done],
            })  # fmt: skip
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
