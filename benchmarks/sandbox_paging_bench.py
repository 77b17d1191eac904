"""The sandbox's cost of serving a long list, page by page, per checkout.

    python benchmarks/sandbox_paging_bench.py [--addresses 5000 --repeat 5 --checkout DIR ...]

Each ``--checkout`` (default: this one) runs in a child process of its own: a sandbox
(no latency) holding ``--addresses`` Address Configurations, and the twilio SDK listing
them all at 50 a page (Twilio's maximum for this list), ``--repeat`` times. Reported:
pages, and the process's CPU time per page (the sandbox's thread and the SDK client
together; the client side is the same code in both checkouts, so the difference is
the sandbox's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys, time
from flexplan.sandbox import running_sandbox
from flexplan.twilio_client import build_client, credentials_from_env
count, repeat = int(sys.argv[1]), int(sys.argv[2])
kinds = ("sms", "whatsapp", "messenger", "email")
with running_sandbox() as sandbox:
    for i in range(count):
        sandbox.store.add_address(type="email", address=f"support{i}@example.com")
    client = build_client(credentials_from_env(sandbox.credentials), api_base=sandbox.base_url)
    api = client.conversations.v1.address_configurations
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        listed = sum(1 for _ in api.stream(page_size=50))
        runs.append({"wall_ms": round((time.perf_counter() - started) * 1000),
                     "cpu_ms": round((time.process_time() - cpu) * 1000), "listed": listed})
print(json.dumps(runs))
"""


def one_checkout(checkout: Path, addresses: int, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-c", _CHILD, str(addresses), str(repeat)]
    done = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True,
                          timeout=900, check=True)  # fmt: skip
    runs: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    pages = -(-(addresses + 1) // 50)  # the fresh account's chat address too
    cpu = sorted(r["cpu_ms"] for r in runs)[len(runs) // 2]
    return {"checkout": str(checkout), "pages": pages, "cpu_ms_median": cpu,
            "cpu_ms_per_page": round(cpu / pages, 2), "runs": runs}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--checkout", type=Path, action="append")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [Path(__file__).resolve().parents[1]]]
    print(json.dumps([one_checkout(c, args.addresses, args.repeat) for c in checkouts], indent=1))


if __name__ == "__main__":
    main()
