"""The performance table of issue 15 in one run: plan against the floor and a per-resource refresh.

    python benchmarks/perf_table.py [--quick] [--repeat N] [--sizes 100,1000,5000]
                                    [--latencies 50,150] [--cpu-sizes 1250,5000,20000]

For each account size (about N resources: 60% Conversations addresses, 36%
Flex Flows, 4% Studio flows, plus the fresh account's; the manifest manages
all and changes 5% of each kind) and each latency, against a sandbox in its own
process, interleaved and repeated ``--repeat`` times (medians shown):

- flexplan's plan cold (no definition cache) and warm (the cache a previous plan
  filled): requests and wall time;
- the per-resource refresh a Terraform-style tool does (one GET per managed
  resource, parallelism 10): requests, wall time, and refresh ÷ cold plan;
- the floor: start-up (the CLI's imports before a plan's first request, measured)
  + longest request chain × latency + the plan's CPU (measured at 0 ms latency),
  and cold wall ÷ floor (both with start-up).

Then validate and plan CPU at ``--cpu-sizes`` resources with the cost per
resource, and the start-up of ``--help`` and ``validate`` (startup_bench.py).
``--quick``: sizes 100 and 1,000, 50 ms, one repeat, CPU at 1,250 and 5,000.

``--checkout DIR`` (repeatable) adds ``flexplan plan`` processes of each source
tree, interleaved: start-up, manifest load, reading and rendering, as a user
runs it (cli_plans.py); ``--split`` gives them a manifest of one file per kind,
``--cli-only`` prints only those rows.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import sandbox_process, stats, stats_delta
from cli_plans import cli_plan_rows, print_cli_plans
from plan_bench import build_account, floor_requests, per_resource_refresh
from startup_bench import startup_table
from synthetic import write_manifest

from flexplan.engine import compute_plan
from flexplan.engine.defcache import DigestCache
from flexplan.manifest import load_manifest
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from flexplan.twilio_client import build_client, credentials_from_env

PLAN_IMPORTS = "import flexplan.cli, flexplan.cli.plan, flexplan.twilio_client"


def shape(resources: int, widgets: int) -> SimpleNamespace:
    return SimpleNamespace(
        addresses=max(1, round(resources * 0.60)),
        flex_flows=max(1, round(resources * 0.36)),
        studio_flows=max(1, round(resources * 0.04)),
        widgets=widgets,
    )


def plan_startup_ms(repeat: int = 5) -> float:
    """The fastest start-up of a plan process up to its first request (imports)."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", PLAN_IMPORTS], check=True)
        runs.append((time.perf_counter() - started) * 1000)
    return min(runs)


def client_for(base: str) -> Any:
    env = {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}
    return build_client(credentials_from_env(env), api_base=base, parallelism=10)


def timed(step: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(root: Path, size: int, latencies: list[float], args: Any) -> list[dict[str, Any]]:
    account = shape(size, args.widgets)
    state, seeded = build_account(root, account)
    write_manifest(root / "config", addresses=account.addresses, flex_flows=account.flex_flows,
                   studio_flows=account.studio_flows, widgets=account.widgets)  # fmt: skip
    manifest = load_manifest(root / "config")
    floor_total, longest = floor_requests(account, seeded)
    with sandbox_process(state, latency_ms=0) as base:
        client = client_for(base)
        _, _, cpu_ms = timed(
            lambda: compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
        )
    rows = []
    for latency in latencies:
        with sandbox_process(state, latency_ms=latency) as base:
            rows.append(one_latency(base, manifest, size, latency, longest, cpu_ms, args))
            rows[-1]["floor_requests"] = floor_total
    return rows


def one_latency(
    base: str, manifest: Any, size: int, latency: float, longest: int, cpu_ms: float, args: Any
) -> dict[str, Any]:
    client = client_for(base)
    cache = DigestCache(None)
    walls: dict[str, list[float]] = {"cold": [], "warm": [], "refresh": []}
    requests: dict[str, int] = {}
    compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID, cache=cache)  # fills it
    for round_ in range(args.repeat):
        for name, step in (
            ("cold", lambda: compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)),
            (
                "warm",
                lambda: compute_plan(
                    client, manifest, account_sid=DEFAULT_ACCOUNT_SID, cache=cache
                ),
            ),
        ):
            before = stats(base)
            plan, wall, _ = timed(step)
            walls[name].append(wall)
            if round_ == 0:
                requests[name] = sum(stats_delta(before, stats(base)).values())
        before = stats(base)
        _, wall, _ = timed(functools.partial(per_resource_refresh, client, plan, 10))
        walls["refresh"].append(wall)
        if round_ == 0:
            requests["refresh"] = sum(stats_delta(before, stats(base)).values())
    median = {name: statistics.median(values) for name, values in walls.items()}
    floor = args.startup_ms + longest * latency + cpu_ms
    return {
        "size": size, "latency": latency, "requests": requests, "wall": median,
        "refresh_over_cold": median["refresh"] / median["cold"],
        "floor": floor, "cold_over_floor": (median["cold"] + args.startup_ms) / floor,
    }  # fmt: skip


def cpu_rows(root: Path, sizes: list[int], args: Any) -> list[dict[str, float]]:
    return [cpu_row(root / f"cpu-{size}", size, args) for size in sizes]


def cpu_row(here: Path, size: int, args: Any) -> dict[str, float]:
    account = shape(size, args.widgets)
    here.mkdir(parents=True)
    state, _ = build_account(here, account)
    write_manifest(here / "config", addresses=account.addresses, flex_flows=account.flex_flows,
                   studio_flows=account.studio_flows, widgets=account.widgets)  # fmt: skip
    manifest, _, validate_ms = timed(lambda: load_manifest(here / "config"))
    with sandbox_process(state, latency_ms=0) as base:
        client = client_for(base)
        _, _, plan_ms = timed(
            lambda: compute_plan(client, manifest, account_sid=DEFAULT_ACCOUNT_SID)
        )
    return {"resources": len(manifest.entries), "validate_ms": validate_ms, "plan_ms": plan_ms}


def print_plans(rows: list[dict[str, Any]]) -> None:
    print(
        "size  ms | cold req  wall ms | warm req  wall ms | refresh req  wall ms  ÷cold"
        " | floor req  floor ms  cold÷floor"
    )
    for r in rows:
        q, w = r["requests"], r["wall"]
        print(
            f"{r['size']:>5} {r['latency']:>3.0f} | {q['cold']:>8} {w['cold']:>8.0f} |"
            f" {q['warm']:>8} {w['warm']:>8.0f} | {q['refresh']:>11} {w['refresh']:>8.0f}"
            f" {r['refresh_over_cold']:>5.1f} | {r['floor_requests']:>9} {r['floor']:>9.0f}"
            f" {r['cold_over_floor']:>11.2f}"
        )


def print_cpu(rows: list[dict[str, float]]) -> None:
    print("\nresources | validate CPU ms  per resource µs | plan CPU ms  per resource µs")
    for r in rows:
        n = r["resources"]
        print(
            f"{n:>9} | {r['validate_ms']:>15.0f} {1000 * r['validate_ms'] / n:>16.0f} |"
            f" {r['plan_ms']:>11.0f} {1000 * r['plan_ms'] / n:>16.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--latencies", default="50,150")
    parser.add_argument("--cpu-sizes", default="1250,5000,20000")
    parser.add_argument("--widgets", type=int, default=60, help="widgets per Studio flow")
    parser.add_argument(
        "--checkout", type=Path, action="append",
        help="also time `flexplan plan` processes of this source tree (repeatable: the "
        "checkouts interleaved, e.g. a worktree of main and this one; cli_plans.py)",
    )  # fmt: skip
    parser.add_argument("--split", action="store_true",
                        help="the `flexplan plan` rows' manifest includes one file per kind")
    parser.add_argument("--cli-only", action="store_true",
                        help="only the `flexplan plan` rows (with --checkout)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.latencies, args.cpu_sizes, args.repeat = "100,1000", "50", "1250,5000", 1
    sizes = [int(s) for s in args.sizes.split(",")]
    latencies = [float(s) for s in args.latencies.split(",")]
    checkouts = [c.resolve() for c in args.checkout or []]
    if args.cli_only:
        with tempfile.TemporaryDirectory() as tmp:
            print_cli_plans(cli_rows(Path(tmp), sizes, latencies, checkouts, args), _layout(args))
        return
    args.startup_ms = plan_startup_ms()
    print(f"plan start-up (imports before the first request): {args.startup_ms:.0f} ms\n")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for size in sizes:
            root = Path(tmp) / f"plan-{size}"
            root.mkdir()
            rows += measure(root, size, latencies, args)
        print_plans(rows)
        if checkouts:
            print_cli_plans(cli_rows(Path(tmp), sizes, latencies, checkouts, args), _layout(args))
        print_cpu(cpu_rows(Path(tmp), [int(s) for s in args.cpu_sizes.split(",")], args))
    print()
    table = startup_table(5 if args.quick else 10)
    for name in ("flexplan --help", "flexplan validate examples/quickstart"):
        row = table[name]
        print(f"start-up {name}: {row['min_ms']:.0f} ms (median {row['median_ms']:.0f})")
    floor = table["import floor (pydantic, yaml, click)"]
    print(f"import floor: {floor['min_ms']:.0f} ms (median {floor['median_ms']:.0f})")


def cli_rows(
    tmp: Path, sizes: list[int], latencies: list[float], checkouts: list[Path], args: Any
) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        root = tmp / f"cli-{size}"
        root.mkdir()
        account = shape(size, args.widgets)
        state, _ = build_account(root, account)
        write_manifest(root / "config", addresses=account.addresses,
                       flex_flows=account.flex_flows, studio_flows=account.studio_flows,
                       widgets=account.widgets, split=args.split)  # fmt: skip
        rows += cli_plan_rows(state, root / "config", size, latencies, checkouts, args.repeat)
    return rows


def _layout(args: Any) -> str:
    return "one file per kind" if args.split else "single-file"


if __name__ == "__main__":
    main()
