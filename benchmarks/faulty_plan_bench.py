"""Plans of a 200-flow account with 20% injected faults and a concurrency limit of 4.

    python benchmarks/faulty_plan_bench.py [--runs 6] [--checkout DIR]

The account: 200 managed Studio flows (20 widgets), 100 addresses, 50 Flex Flows,
5% of each changed. The sandbox (a child process, 50 ms latency) answers 20% of
requests 500/503 or drops them, and 429 past 4 requests in flight; the plan runs
at the default ``--parallelism 10``, once per seed. ``--checkout`` runs another
checkout's flexplan (for example one at aada772, before the one retry layer) with
only the APIs both have, so that the two can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys, time
from flexplan.sandbox import SandboxServer
server = SandboxServer(latency_ms=50, concurrency_limit=4, fail_rate=0.2, seed=int(sys.argv[2]))
with open(sys.argv[1], encoding="utf-8") as handle:
    server.store.state = json.load(handle)
server.start()
print(server.base_url, flush=True)
while True:
    time.sleep(3600)
"""


def one_plan(root: Path, state: Path, manifest: Any, seed: int) -> dict[str, Any]:
    from flexplan.engine import compute_plan
    from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
    from flexplan.twilio_client import build_client, client_stats, credentials_from_env

    env = {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(state), str(seed)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        assert child.stdout is not None
        base = child.stdout.readline().strip()
        client = build_client(credentials_from_env(env), api_base=base, parallelism=10)
        started = time.perf_counter()
        try:
            compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
            outcome = "ok"
        except Exception as exc:  # the measurement records any failure, as the user saw it
            outcome = "failed: " + str(getattr(exc, "message", exc))
        return {"seed": seed, "wall_s": round(time.perf_counter() - started, 1),
                "requests": client_stats(client).requests, "outcome": outcome}  # fmt: skip
    finally:
        child.terminate()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    root = args.checkout.resolve()
    sys.path[:0] = [str(root), str(root / "benchmarks")]
    from synthetic import populate, write_manifest

    from flexplan.manifest import load_manifest
    from flexplan.sandbox import DEFAULT_ACCOUNT_SID
    from flexplan.sandbox.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(account_sid=DEFAULT_ACCOUNT_SID, seed=1)
        sizes = {"addresses": 100, "flex_flows": 50, "studio_flows": 200, "widgets": 20}
        populate(store, **sizes)
        state = Path(tmp) / "account.json"
        state.write_text(json.dumps(store.snapshot()))
        write_manifest(Path(tmp) / "cfg", changed=0.05, **sizes)
        manifest = load_manifest(Path(tmp) / "cfg")
        runs = [one_plan(root, state, manifest, seed) for seed in range(args.runs)]
    ok = sum(r["outcome"] == "ok" for r in runs)
    print(json.dumps({"checkout": str(root), "plans_ok": f"{ok} of {len(runs)}", "runs": runs},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
