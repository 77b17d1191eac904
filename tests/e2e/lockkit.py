"""Helpers for the account-lock and interrupt tests: flexplan as real processes.

Two applies racing must be two processes (one process shares its in-memory
guards between threads), so these helpers start ``python -m flexplan`` with
the sandbox fixture's credentials, unbuffered output, and nothing else of the
developer's environment.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flexplan.engine.lock import DOCUMENT_NAME
from flexplan.sandbox import SandboxServer

HANG = 90  # seconds: a bound on any one process, never an assertion on speed


def cli_env(sandbox: SandboxServer, **extra: str) -> dict[str, str]:
    keep = ("PATH", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(sandbox.credentials)
    env.update({"PYTHONUNBUFFERED": "1", "FLEXPLAN_RETRY_DELAY": "0.05", "NO_COLOR": "1"})
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], **popen: Any) -> subprocess.Popen[str]:
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(
        [sys.executable, "-m", "flexplan", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"flexplan hung:\n{out}\n{err}") from None
    return process.returncode, out, err


def start_on_terminal(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    """A flexplan process whose standard input is a terminal (it will wait at the prompt)."""
    controller, terminal = pty.openpty()
    process = start(args, env, stdin=terminal)
    os.close(terminal)
    return process, controller


def wait_until(condition: Callable[[], bool], what: str, timeout: float = HANG) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def lock_documents(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """The account lock's leases (not the journal of recent writes kept beside them)."""
    with sandbox.store.lock:
        docs = sandbox.store.items("sync_documents")
        return [dict(d) for d in docs if d.get("unique_name") == DOCUMENT_NAME]


def read_line_with(process: subprocess.Popen[str], text: str) -> list[str]:
    """Read the process's stdout until a line containing ``text`` (the lines read so far)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"no line with {text!r} in:\n{''.join(lines)}")


def copy_tree(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".flexplan"))
    return target


def release_once_refused(sandbox: SandboxServer, lock: Any) -> Any:
    """A started thread that gives ``lock`` back once another run was refused it twice (409s
    on the lock document's create), so the other run is sure to have waited and said so.

    The holder's own create is the first POST. After one refusal the other run still reads
    the holder; given back in that moment, its next create succeeds without a wait.
    """
    import threading

    route = "POST /sync/v1/Services/{ServiceSid}/Documents"

    def refused() -> bool:
        return int(sandbox.stats()["requests"].get(route, 0)) >= 3

    def run() -> None:
        wait_until(refused, "another run to be refused the lock")
        lock.release()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
