"""Start-up of the ``flexplan`` command: wall time of short commands beside the import floor.

Each case runs as a fresh process ``--repeat`` times, the cases interleaved
(so that a busy moment of the machine hits them all alike); the table shows
the fastest and the median run. The floor is ``python -c "import pydantic,
yaml, click"``: what any validator built on those libraries pays before work.
Bytecode is written and kept (``PYTHONDONTWRITEBYTECODE`` is dropped), as an
installed flexplan has it.

    .venv/bin/python benchmarks/startup_bench.py [--repeat N] [--importtime] [--instructions]

``--importtime`` also prints the ten slowest imports of ``validate`` (from
``python -X importtime``, cumulative microseconds). ``--instructions`` also
counts the instructions of one run of each case under valgrind's cachegrind
(``PYTHONHASHSEED=0``): unlike CPU time, the count does not move with the
machine's load, so start-up can be compared on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart"
_FLEXPLAN = "from flexplan.cli import main; main()"

FLOOR = "import floor (pydantic, yaml, click)"
CASES: dict[str, list[str]] = {
    FLOOR: ["-c", "import pydantic, yaml, click"],
    "flexplan --help": ["-c", _FLEXPLAN, "--help"],
    "flexplan --version": ["-c", _FLEXPLAN, "--version"],
    "flexplan validate examples/quickstart": ["-c", _FLEXPLAN, "validate", str(QUICKSTART)],
}
COMPLETION = "completion of command names (Tab)"
COMPLETING = {"_FLEXPLAN_COMPLETE": "bash_complete", "COMP_WORDS": "flexplan ", "COMP_CWORD": "1"}
OPTION_COMPLETION = "completion of plan's options (plan --Tab)"
COMPLETING_OPTIONS = {**COMPLETING, "COMP_WORDS": "flexplan plan --", "COMP_CWORD": "2"}


def environment(*, completing: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's flexplan, whichever the venv installed
    env.update(completing or {})
    return env


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=False
    )
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def startup_table(repeat: int) -> dict[str, dict[str, float]]:
    """``{case: {"min_ms", "median_ms", "cpu_min_ms"}}`` over ``repeat`` interleaved runs."""
    cases = {name: (args, environment()) for name, args in CASES.items()}
    cases[COMPLETION] = (["-c", _FLEXPLAN], environment(completing=COMPLETING))
    cases[OPTION_COMPLETION] = (["-c", _FLEXPLAN], environment(completing=COMPLETING_OPTIONS))
    for args, env in cases.values():  # write bytecode; warm the file cache
        run_once(args, env)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (args, env) in cases.items():
            runs[name].append(run_once(args, env))
    return {
        name: {
            "min_ms": round(min(wall for wall, _ in ms)),
            "median_ms": round(statistics.median(wall for wall, _ in ms)),
            "cpu_min_ms": round(min(cpu for _, cpu in ms)),
        }
        for name, ms in runs.items()
    }


def slowest_imports(count: int = 10) -> list[tuple[int, str]]:
    """The ``count`` imports of ``validate`` with the largest cumulative time (microseconds)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _FLEXPLAN, "validate", str(QUICKSTART)],
        env=environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        rows.append((int(cumulative), name.rstrip()))
    return sorted(rows, reverse=True)[:count]


def instruction_counts() -> dict[str, int]:
    """``{case: instructions}`` of one run of each case (bytecode already written)."""
    cases = {name: (args, environment()) for name, args in CASES.items()}
    cases[COMPLETION] = (["-c", _FLEXPLAN], environment(completing=COMPLETING))
    counts = {}
    for name, (args, env) in cases.items():
        subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, check=False)
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             sys.executable, *args],
            env={**env, "PYTHONHASHSEED": "0"}, cwd=ROOT, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if found is None:
            raise SystemExit(f"valgrind gave no count for {name}: {done.stderr[-500:]}")
        counts[name] = int(found.group(1).replace(",", ""))
    return counts


def print_instructions(counts: dict[str, int]) -> None:
    width = max(len(name) for name in counts)
    print(f"\n{'instructions':<{width}}  {'millions':>9}  {'÷ floor':>7}")
    for name, count in counts.items():
        print(f"{name:<{width}}  {count / 1e6:>9.1f}  {count / counts[FLOOR]:>7.2f}")


def print_table(table: dict[str, dict[str, float]]) -> None:
    floor = table[FLOOR]
    width = max(len(name) for name in table)
    print(
        f"{'start-up':<{width}}  {'wall min ms':>11}  {'median':>6}  {'÷ floor':>7}"
        f"  {'CPU min ms':>10}  {'÷ floor':>7}"
    )
    for name, row in table.items():
        wall_ratio = row["min_ms"] / floor["min_ms"]
        cpu_ratio = row["cpu_min_ms"] / floor["cpu_min_ms"]
        print(
            f"{name:<{width}}  {row['min_ms']:>11.0f}  {row['median_ms']:>6.0f}  {wall_ratio:>7.2f}"
            f"  {row['cpu_min_ms']:>10.0f}  {cpu_ratio:>7.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    args = parser.parse_args()
    table = startup_table(args.repeat)
    counts = instruction_counts() if args.instructions else {}
    if args.json:
        print(json.dumps({**table, **({"instructions": counts} if counts else {})}, indent=2))
    else:
        print_table(table)
        if counts:
            print_instructions(counts)
    if args.importtime:
        print("\nslowest imports of validate (cumulative us):")
        for micros, name in slowest_imports():
            print(f"  {micros:>8}  {name}")


if __name__ == "__main__":
    main()
