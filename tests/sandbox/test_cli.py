"""`flexplan sandbox serve` from the command line, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests


def test_serve_prints_url_and_credentials_and_persists(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    command = [
        sys.executable,
        "-m",
        "flexplan",
        "sandbox",
        "serve",
        "--state",
        str(state),
        "--seed",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = lines[0].split()[-1]
        env = dict(line.strip().removeprefix("export ").split("=", 1) for line in lines[3:6])
        assert env["FLEXPLAN_API_BASE"] == url
        auth = (env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"])
        response = requests.get(url + "/flex-api/v1/FlexFlows", auth=auth, timeout=5)
        assert len(response.json()["flex_flows"]) == 2
        created = requests.post(
            url + "/conversations/v1/Configuration/Addresses",
            auth=auth,
            timeout=5,
            data={"Type": "sms", "Address": "+15550001"},
        )
        assert created.status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert any(
        a["address"] == "+15550001" for a in json.loads(state.read_text())["addresses"].values()
    )


def test_serve_on_a_busy_port_is_one_message() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "flexplan", "sandbox", "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "Traceback" not in done.stderr
