"""CPU of ``flexplan export`` on a large synthetic account: building the files and the self-check.

    python benchmarks/export_bench.py [--addresses 3000 --flex-flows 1800
                                       --studio-flows 200 --widgets 60 --repeat 3]

The account (benchmarks/synthetic.py, about 5,000 resources by default) is read
once from an in-process sandbox; what is timed is what export does after
reading, each ``--repeat`` times (CPU time of this process, fastest run):
``build_export`` (YAML and JSON text of every file), writing the files, and the
self-check (``validate_directory`` of what was written). The format of each
file is the output's contract; ``tests/e2e/test_export*.py`` pin it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import populate

from flexplan.engine.export import build_export, read_export
from flexplan.manifest import validate_directory
from flexplan.resources import KINDS
from flexplan.sandbox import SandboxServer
from flexplan.twilio_client import build_client, credentials_from_env


def read_account(args: argparse.Namespace) -> Any:
    server = SandboxServer(seed=1)
    populate(server.store, addresses=args.addresses, flex_flows=args.flex_flows,
             studio_flows=args.studio_flows, widgets=args.widgets)  # fmt: skip
    server.start()
    try:
        client = build_client(credentials_from_env(server.credentials), api_base=server.base_url)
        return read_export(client, KINDS, account_sid=server.account_sid, best_effort=False)
    finally:
        server.stop()


def cpu_ms(step: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    value = step()
    return (time.process_time() - started) * 1000, value


def write(out: Path, files: dict[str, str]) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def one_export(account: Any, out: Path, runs: dict[str, list[float]]) -> Any:
    build, result = cpu_ms(lambda: build_export(account, KINDS))
    runs["build_ms"].append(build)
    runs["write_ms"].append(cpu_ms(lambda: write(out, result.files))[0])
    check, (_, diagnostics) = cpu_ms(lambda: validate_directory(out))
    runs["self_check_ms"].append(check)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=3000)
    parser.add_argument("--flex-flows", type=int, default=1800)
    parser.add_argument("--studio-flows", type=int, default=200)
    parser.add_argument("--widgets", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    account = read_account(args)
    runs: dict[str, list[float]] = {"build_ms": [], "write_ms": [], "self_check_ms": []}
    result: Any = None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        for _ in range(args.repeat):
            result = one_export(account, out, runs)
    resources = sum(result.counts.values())
    report = {
        "resources": resources,
        "files": len(result.files),
        "megabytes": round(sum(len(t.encode()) for t in result.files.values()) / 2**20, 1),
        **{name: round(min(ms)) for name, ms in runs.items()},
        "runs": {name: [round(ms) for ms in values] for name, values in runs.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
