"""A plan whose manifest fails while the account is being read exits at once.

With the head start (issue 15, item 3) list requests are in flight while the
manifest loads; when it fails, the read is given up (``Reader.abandon``). Its
threads must not keep the process alive: against an account that accepts
connections and never answers, the process printed the manifest's errors and
then waited at exit for each request's attempt timeout. The test runs flexplan
as a process of its own (the wait was at interpreter exit), holds the loader at
the last included file until the account has a request in flight, and gives the
requests a timeout far beyond the time the process is allowed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import flexplan

ATTEMPT_TIMEOUT = 300  # seconds each request would wait for its answer
ALLOWED = 60  # seconds the process may take: a liveness bound, far below ATTEMPT_TIMEOUT
CHILD = """
import sys, time
from pathlib import Path
from flexplan.manifest import files

marker, original = Path(sys.argv[1]), files.FileAccess.read

def read(access, path, what, written=""):
    if Path(path).name == "z-last.yaml":  # held until the account has a request
        give_up = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < give_up:
            time.sleep(0.01)
    return original(access, path, what, written)

files.FileAccess.read = read
from flexplan.cli import main
main(sys.argv[2:])
"""


@pytest.fixture
def silent_account(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An API base that accepts connections and never answers; the marker file appears
    once a request has connected."""
    marker = tmp_path / "connected"
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)
            marker.touch()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", marker
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_a_manifest_failing_while_requests_are_in_flight_exits_without_their_answers(
    tmp_path: Path, silent_account: tuple[str, Path]
) -> None:
    api_base, marker = silent_account
    config = tmp_path / "config"
    config.mkdir()
    (config / "flexplan.yaml").write_text("version: 1\ninclude: [a.yaml, z-last.yaml]\n")
    (config / "a.yaml").write_text(
        "conversations_addresses:\n  support:\n    type: sms\n    address: '+15550001111'\n"
    )
    (config / "z-last.yaml").write_text(
        "flex_flows:\n  web:\n    friendly_name: Web\n    chat_servce: Flex Chat Service\n"
    )
    (tmp_path / "twilio-config").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEXPLAN_"))},
        "PYTHONPATH": str(Path(flexplan.__file__).resolve().parents[1]),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-config"),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "f" * 32,
        "FLEXPLAN_API_BASE": api_base,
        "FLEXPLAN_ATTEMPT_TIMEOUT": str(ATTEMPT_TIMEOUT),
        "FLEXPLAN_REQUEST_DEADLINE": str(ATTEMPT_TIMEOUT),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(marker), "plan", str(config)],
        env=env, capture_output=True, text=True, timeout=ALLOWED, check=False,
    )  # fmt: skip
    assert marker.exists(), "no request was in flight while the manifest loaded"
    assert done.returncode == 1, done.stderr
    assert "chat_servce" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
