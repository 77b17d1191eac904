"""Run a sandbox in a child process (so the benchmark measures flexplan's memory only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The account is loaded once and kept in memory: a state file rewritten on every
# write would measure the sandbox's disk, not flexplan.
_CHILD = """
import json, sys, time
from flexplan.sandbox import SandboxServer
server = SandboxServer(latency_ms=float(sys.argv[2]), concurrency_limit=int(sys.argv[3]) or None,
                       seed=1)
with open(sys.argv[1], encoding="utf-8") as handle:
    server.store.state = json.load(handle)
server.start()
print(server.base_url, flush=True)
while True:
    time.sleep(3600)
"""


@contextmanager
def sandbox_process(
    state_file: Path, *, latency_ms: float, concurrency_limit: int = 0
) -> Iterator[str]:
    """Start the sandbox on ``state_file``; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(state_file), str(latency_ms), str(concurrency_limit)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        if not base:
            raise RuntimeError("the sandbox process did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def stats(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/__sandbox/stats", timeout=30) as answer:
        data: dict[str, Any] = json.load(answer)
        return data


def stats_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    old = before.get("requests", {})
    return {
        key: count - old.get(key, 0)
        for key, count in sorted(after.get("requests", {}).items())
        if count - old.get(key, 0)
    }


def wait_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
