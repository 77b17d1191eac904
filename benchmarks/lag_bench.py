"""What lagging reads cost: apply, then plan at once, against a sandbox whose reads lag.

For each lag (seconds), a fresh in-process sandbox with ``--latency-ms`` on every
request: ``flexplan apply`` of examples/quickstart, then ``flexplan plan`` right
after it. Prints, per lag, the requests and wall time of each, and what the plan
said (clean, or "not caught up"). With a lag longer than the catch-up window the
plan holds the apply's changes back instead of showing them.

    .venv/bin/python benchmarks/lag_bench.py [--lags 0,1,3] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flexplan.cli import main
from flexplan.sandbox import running_sandbox

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart"


def _run(*args: str) -> str:
    out = io.StringIO()
    quiet = contextlib.redirect_stderr(io.StringIO())
    # the CLI exits; its output is what counts
    with contextlib.redirect_stdout(out), quiet, contextlib.suppress(SystemExit):
        main(list(args))
    return out.getvalue()


def _timed(sandbox: Any, *args: str) -> tuple[str, dict[str, Any]]:
    sandbox.clear_stats()
    started = time.monotonic()
    out = _run(*args)
    seconds = time.monotonic() - started
    return out, {"requests": sandbox.stats()["total"], "seconds": round(seconds, 2)}


def one(lag: float, latency_ms: float) -> dict[str, Any]:
    with running_sandbox(lag_seconds=lag, latency_ms=latency_ms) as sandbox:
        os.environ.update(sandbox.credentials)
        config = Path(tempfile.mkdtemp()) / "quickstart"
        shutil.copytree(EXAMPLE, config, ignore=shutil.ignore_patterns(".flexplan"))
        _, applied = _timed(sandbox, "apply", str(config), "--auto-approve")
        out, planned = _timed(sandbox, "plan", str(config))
        planned["says"] = (
            "not caught up"
            if "has not caught up" in out
            else "clean"
            if "No changes" in out
            else "changes"
        )
        return {"lag_seconds": lag, "apply": applied, "plan_right_after": planned}


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lags", default="0,1,3")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    lags = [float(x) for x in args.lags.split(",")]
    print(json.dumps([one(lag, args.latency_ms) for lag in lags], indent=2))


if __name__ == "__main__":
    run()
