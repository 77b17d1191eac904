"""Apply 500 changes to a synthetic account with latency and a concurrency limit.

    python benchmarks/apply_bench.py [--changes 500 --latency-ms 50 --concurrency-limit 8
                                      --parallelism 10 --widgets 20]

The account (a sandbox in a child process, with ``--latency-ms`` on every
request and ``--concurrency-limit`` requests in flight before it answers 429)
and the manifest are built so that the plan has ``--changes`` actions: a tenth
Studio flow updates (new definitions), a fifth Flex Flow updates, half
Conversations address updates, the rest address creates. The same apply runs
at ``--parallelism`` and at 1, each on a fresh copy of the account (in memory). Reported
per run: the apply's wall time, HTTP requests and retries (the HTTP client's
429/5xx retries and apply's write retries), the sandbox's count of 429s, and
whether a plan afterwards is clean.
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

from _server import sandbox_process, stats, stats_delta
from synthetic import populate, write_manifest

from flexplan.engine import compute_plan
from flexplan.engine.apply import apply_plan
from flexplan.manifest import load_manifest
from flexplan.resources import KINDS
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.sandbox.store import Store
from flexplan.twilio_client import build_client, client_stats, credentials_from_env


# The account is loaded from the file and kept in memory: a sandbox that saved its whole
# state on every write would measure its own disk writes, not flexplan.
def split(changes: int) -> dict[str, int]:
    """How many changes of each sort make ``changes`` in all."""
    studio, flex, updates = changes // 10, changes // 5, changes // 2
    return {"studio_flows": studio, "flex_flows": flex, "address_updates": updates,
            "address_creates": changes - studio - flex - updates}  # fmt: skip


def build(root: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """The account as a state file and a manifest that changes every resource in it."""
    sizes = split(args.changes)
    store = Store(account_sid=DEFAULT_ACCOUNT_SID, seed=1)
    populate(store, addresses=sizes["address_updates"], flex_flows=sizes["flex_flows"],
             studio_flows=sizes["studio_flows"], widgets=args.widgets)  # fmt: skip
    state = root / "account.json"
    state.write_text(json.dumps(store.snapshot()))
    config = root / "config"
    addresses = sizes["address_updates"] + sizes["address_creates"]
    write_manifest(config, addresses=addresses, flex_flows=sizes["flex_flows"],
                   studio_flows=sizes["studio_flows"], widgets=args.widgets,
                   changed=1.0)  # fmt: skip
    return state, config


def one_run(
    state: Path, config: Path, parallelism: int, args: argparse.Namespace
) -> dict[str, Any]:
    env = {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
    manifest = load_manifest(config)
    with sandbox_process(state, latency_ms=args.latency_ms,
                           concurrency_limit=args.concurrency_limit) as base:  # fmt: skip
        client = build_client(credentials_from_env(env), api_base=base, parallelism=parallelism)
        started = time.perf_counter()
        plan = compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
        plan_ms = (time.perf_counter() - started) * 1000
        http_before, server_before = client_stats(client).as_dict(), stats(base)
        started = time.perf_counter()
        result = apply_plan(client, plan, KINDS)
        apply_ms = (time.perf_counter() - started) * 1000
        http_after, server_after = client_stats(client).as_dict(), stats(base)
        after = compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
    by_status = server_after["by_status"]
    return {
        "parallelism": parallelism,
        "actions": len(plan.actionable),
        "apply_wall_ms": round(apply_ms),
        "apply_requests": http_after["requests"] - http_before["requests"],
        "apply_http_retries": http_after["retries"] - http_before["retries"],
        "apply_write_retries": result.retries,
        "apply_429s_answered": by_status.get("429", 0) - server_before["by_status"].get("429", 0),
        "apply_by_endpoint": stats_delta(server_before, server_after),
        "outcome": result.counts() if result.ok else [r.error for r in result.of("failed")],
        "plan_before_ms": round(plan_ms),
        "plan_after_clean": not after.has_changes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency-limit", type=int, default=8)
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--widgets", type=int, default=20, help="widgets per Studio flow")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        state, config = build(root, args)
        for parallelism in (args.parallelism, 1):  # each on a fresh copy of the account
            runs.append(one_run(state, config, parallelism, args))
    fast, slow = runs
    report = {
        "changes": split(args.changes),
        "latency_ms": args.latency_ms,
        "concurrency_limit": args.concurrency_limit,
        "runs": runs,
        "speedup": round(slow["apply_wall_ms"] / max(1, fast["apply_wall_ms"]), 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
