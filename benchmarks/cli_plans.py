"""``flexplan plan`` as a user runs it, one process per plan, for perf_table.py's CLI rows.

The rest of the table times ``compute_plan`` on a manifest already loaded; a
plan process also starts up, loads the manifest (0.7 s of CPU and more at 5,000
resources) and renders. Each ``--checkout`` (a source tree put first on
``PYTHONPATH``, e.g. a ``git worktree`` of main) plans the same config against
the same sandbox process, the checkouts interleaved, cold (``--no-cache``) and
warm (the digest cache its previous plan filled) in turn; ``--no-remote-validate``,
so that a plan sends the requests the table's other rows count. The child's CPU
(user + system, from ``getrusage``) includes its start-up.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _server import sandbox_process

from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN


def cli_plan_rows(
    state: Path,
    config: Path,
    size: int,
    latencies: list[float],
    checkouts: list[Path],
    repeat: int,
) -> list[dict[str, Any]]:
    rows = []
    configs = {}
    for n, checkout in enumerate(checkouts):  # a digest cache of its own per checkout
        configs[checkout] = config.with_name(f"{config.name}-{n}")
        shutil.copytree(config, configs[checkout])
    for latency in latencies:
        with sandbox_process(state, latency_ms=latency) as base:
            for checkout in checkouts:
                one_plan(checkout, configs[checkout], base, cold=False)  # fills its cache
            runs: dict[tuple[Path, str], list[tuple[float, float]]] = {}
            for _ in range(repeat):
                for checkout in checkouts:
                    for name in ("cold", "warm"):
                        ran = one_plan(checkout, configs[checkout], base, cold=name == "cold")
                        runs.setdefault((checkout, name), []).append(ran)
        for checkout in checkouts:
            row: dict[str, Any] = {"size": size, "latency": latency, "checkout": checkout}
            for name in ("cold", "warm"):
                walls, cpus = zip(*runs[(checkout, name)], strict=True)
                row[name] = (statistics.median(walls), statistics.median(cpus))
            rows.append(row)
    return rows


def one_plan(checkout: Path, config: Path, base: str, *, cold: bool) -> tuple[float, float]:
    """Wall and CPU ms of one ``flexplan plan`` process of ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed flexplan has its bytecode
    args = [sys.executable, "-m", "flexplan", "plan", str(config), "--api-base", base,
            "--no-remote-validate", *(["--no-cache"] if cold else [])]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=checkout, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: the plan failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def print_cli_plans(rows: list[dict[str, Any]], layout: str) -> None:
    print(f"\n`flexplan plan` processes ({layout} manifest; medians), wall and CPU ms:")
    print("size  ms | checkout                       | cold wall    cpu | warm wall    cpu")
    for r in rows:
        name = str(r["checkout"])[-30:]
        (cw, cc), (ww, wc) = r["cold"], r["warm"]
        print(
            f"{r['size']:>5} {r['latency']:>3.0f} | {name:<30} | {cw:>9.0f} {cc:>6.0f} |"
            f" {ww:>9.0f} {wc:>6.0f}"
        )
