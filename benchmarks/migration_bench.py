"""Downtime of a migration: from each Flex Flow's delete to its address's create, in apply.

    python benchmarks/migration_bench.py [--runs 5 --latency-ms 50 --parallelism 10]

Each run applies examples/legacy-helpline to a fresh sandbox account (a child process with
``--latency-ms`` on every request), migrates it with ``flexplan migrate``'s rewrite, plans
and applies the result, and times, for every pair the plan's migration section shows, the
end of the delete to the end of the create (apply's own events, monotonic clock).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process

from flexplan.engine import compute_plan
from flexplan.engine.apply import apply_plan
from flexplan.manifest import load_manifest
from flexplan.migrate.rewrite import migrate
from flexplan.migrate.source import read_manifest, write_files
from flexplan.render.migration import replacements
from flexplan.resources import KINDS
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.sandbox.store import Store
from flexplan.twilio_client import build_client, credentials_from_env

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "legacy-helpline"


def one_run(root: Path, args: argparse.Namespace) -> list[float]:
    state = root / "account.json"
    state.write_text(json.dumps(Store(account_sid=DEFAULT_ACCOUNT_SID, seed=1).snapshot()))
    legacy, migrated = root / "legacy", root / "migrated"
    shutil.copytree(EXAMPLE, legacy)
    migration = migrate(read_manifest(legacy))
    shutil.copytree(legacy, migrated)
    write_files(migrated, migration.files, migration.yaml_changed, migration.json_changed)
    env = {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
    ended: dict[str, float] = {}

    def on_event(kind: str, change: Any, result: Any) -> None:
        if kind == "end":
            ended[change.address] = time.monotonic()

    with sandbox_process(state, latency_ms=args.latency_ms) as base:
        client = build_client(credentials_from_env(env), api_base=base,
                              parallelism=args.parallelism)  # fmt: skip
        apply_plan(client, compute_plan(client, load_manifest(legacy),
                                        account_sid=DEFAULT_ACCOUNT_SID), KINDS)  # fmt: skip
        plan = compute_plan(client, load_manifest(migrated), account_sid=DEFAULT_ACCOUNT_SID)
        result = apply_plan(client, plan, KINDS, on_event=on_event)
        assert result.ok, [r.error for r in result.of("failed")]
    return [ended[p.created.address] - ended[p.deleted.address] for p in replacements(plan)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    gaps: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            gaps += one_run(Path(tmp), args)
    ms = sorted(round(g * 1000) for g in gaps)
    downtime = {"median": statistics.median(ms), "max": ms[-1], "min": ms[0]}
    report = {"latency_ms": args.latency_ms, "parallelism": args.parallelism, "pairs": len(ms),
              "downtime_ms": downtime}  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
