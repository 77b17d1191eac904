"""Warm plans (issue 15 item 4): a flow whose live revision the cache knows unchanged is not
fetched again; a Console edit (a new revision) is fetched and shown; ``--no-cache`` fetches all.

Requests are counted by the sandbox (``stats()``); the cache is
``DIR/.flexplan/definition-digests.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plankit import CLEAN, studio_flow, write_config

from flexplan.sandbox import SandboxServer

MANIFEST = """
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
  sales:
    friendly_name: Sales Flow
    status: published
    definition_file: sales.json
"""
DEFINITION_GET = "GET /studio/v2/Flows/{Sid}"
CACHE = Path(".flexplan") / "definition-digests.json"


def _gets(sandbox: SandboxServer) -> int:
    return int(sandbox.stats()["requests"].get(DEFINITION_GET, 0))


def _planned(run_flexplan: Any, config: Path, env: dict[str, str], *extra: str) -> Any:
    return run_flexplan("plan", str(config), "--detailed-exitcode", *extra, env=env)


def _account(sandbox: SandboxServer, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    support = sandbox.store.add_studio_flow(
        friendly_name="Support Flow", status="published", definition=studio_flow("Hi support")
    )
    sandbox.store.add_studio_flow(
        friendly_name="Sales Flow", status="published", definition=studio_flow("Hi sales")
    )
    files = {
        "support.json": json.dumps(studio_flow("Hi support")),
        "sales.json": json.dumps(studio_flow("Hi sales")),
    }
    return write_config(tmp_path / "c", MANIFEST, files), support


def test_a_warm_plan_fetches_no_unchanged_definition(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config, _ = _account(sandbox, tmp_path)
    cold = _planned(run_flexplan, config, sandbox_env)
    assert cold.exit_code == 0, cold
    assert _gets(sandbox) == 2
    cached = (config / CACHE).read_text(encoding="utf-8")
    assert "Hi support" not in cached and "states" not in cached  # digests only
    before = _gets(sandbox)
    warm = _planned(run_flexplan, config, sandbox_env)
    assert warm.exit_code == 0, warm
    assert warm.stdout.endswith(CLEAN + "\n")
    assert _gets(sandbox) == before  # no definition fetched


def test_a_console_edit_is_fetched_and_shown(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    sandbox_client: Any,
    run_flexplan: Any,
) -> None:
    config, support = _account(sandbox, tmp_path)
    assert _planned(run_flexplan, config, sandbox_env).exit_code == 0
    edited = studio_flow("Edited in the Console")
    sandbox_client.studio.v2.flows(support["sid"]).update(
        status="published", definition=edited, commit_message="Console"
    )
    before = _gets(sandbox)
    plan = _planned(run_flexplan, config, sandbox_env)
    assert plan.exit_code == 2, plan
    assert "Edited in the Console" in plan.stdout
    assert _gets(sandbox) == before + 1  # only the flow with a new revision


def test_the_manifest_edited_fetches_that_flow(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config, _ = _account(sandbox, tmp_path)
    assert _planned(run_flexplan, config, sandbox_env).exit_code == 0
    (config / "sales.json").write_text(json.dumps(studio_flow("New sales greeting")))
    before = _gets(sandbox)
    plan = _planned(run_flexplan, config, sandbox_env)
    assert plan.exit_code == 2, plan
    assert "New sales greeting" in plan.stdout and "Hi sales" in plan.stdout
    assert _gets(sandbox) == before + 1


def test_apply_fills_the_cache_and_no_cache_ignores_it(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config, _ = _account(sandbox, tmp_path)
    (config / "sales.json").write_text(json.dumps(studio_flow("Applied greeting")))
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    before = _gets(sandbox)
    assert _planned(run_flexplan, config, sandbox_env).exit_code == 0
    assert _gets(sandbox) == before  # both known: one read by apply's plan, one written
    uncached = _planned(run_flexplan, config, sandbox_env, "--no-cache")
    assert uncached.exit_code == 0, uncached
    assert _gets(sandbox) == before + 2


def test_a_warm_plan_builds_each_desired_definition_once(
    tmp_path: Path,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    monkeypatch: Any,
) -> None:
    """The reader's candidate (to skip the GET) is the planner's desired definition: one
    fill and one normal form per flow, not one in the reader and one in the planner."""
    from flexplan.resources.studio import kind

    config, _ = _account(sandbox, tmp_path)
    assert _planned(run_flexplan, config, sandbox_env).exit_code == 0
    calls: dict[str, int] = {"fill": 0, "normalize": 0}

    def counted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(kind, "fill_placeholders", counted("fill", kind.fill_placeholders))
    monkeypatch.setattr(
        kind, "normalize_definition", counted("normalize", kind.normalize_definition)
    )
    warm = _planned(run_flexplan, config, sandbox_env)
    assert warm.exit_code == 0, warm
    assert _gets(sandbox) == 2  # the cold plan's only
    assert calls == {"fill": 2, "normalize": 2}
