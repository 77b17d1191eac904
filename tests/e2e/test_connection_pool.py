"""One HTTP connection pool per run: as many connections as requests in flight, no more.

Every reader thread once kept its own pool, so a plan opened a connection (a TLS
handshake on real Twilio) per thread and pool, far more than ``--parallelism``.
The sandbox counts the TCP connections it accepts (``connections`` in its stats).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flexplan.sandbox import SandboxServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "contact-center"


@pytest.mark.parametrize("parallelism", [1, 2, 4])
def test_a_plan_opens_no_more_connections_than_its_parallelism(
    parallelism: int,
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
) -> None:
    config = shutil.copytree(EXAMPLE, tmp_path / "c")
    sandbox.clear_stats()
    result = run_flexplan("plan", str(config), "--parallelism", str(parallelism), env=sandbox_env)
    assert result.exit_code in (0, 2), result.output
    stats = sandbox.stats()
    assert stats["total"] > 4 * parallelism  # enough requests to need every slot
    assert 1 <= stats["connections"] <= parallelism, stats
