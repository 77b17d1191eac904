"""Writers that take no lock (the Console, a script) changing the account while apply runs.

Inside the lock apply still looks a natural key up right before creating it,
and reads Flex Configuration back after writing it (issue 9, item 1).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from applykit import assert_sane, copy_example, duplicates, write_config

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.routes import Request, Response
from flexplan.sandbox.seed import studio_definition


class _AnswerYesAfter(io.StringIO):
    """A terminal whose user, while the prompt waits, lets someone else change the account."""

    def __init__(self, meanwhile: Any) -> None:
        super().__init__("yes\n")
        self.meanwhile = meanwhile

    def isatty(self) -> bool:
        return True

    def readline(self, *args: Any) -> str:
        self.meanwhile()
        return super().readline(*args)


def test_a_flow_made_since_the_plan_is_updated_not_created_again(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env, run_flexplan, monkeypatch
) -> None:
    config = copy_example(tmp_path, "quickstart")

    def console_creates_the_flow() -> None:
        sandbox.store.add_studio_flow(
            friendly_name="Quickstart SMS Flow",
            definition=studio_definition("incomingMessage", "sms"),
            status="draft",
        )

    monkeypatch.setattr("sys.stdin", _AnswerYesAfter(console_creates_the_flow))
    result = run_flexplan("apply", str(config), env=sandbox_env)
    assert result.exit_code == 0, result
    assert duplicates(sandbox) == {}
    assert "studio_flow.sms: Creation complete" in result.stdout
    assert "found already (made by another writer since the plan)" in result.stdout
    # what this run did: the flow it found was changed, not added
    assert "Apply complete: 3 added, 1 changed, 0 destroyed." in result.stdout, result
    sms = [
        f
        for f in sandbox.store.items("studio_flows")
        if f["friendly_name"] == "Quickstart SMS Flow"
    ]
    assert [f["status"] for f in sms] == ["published"]  # brought to the manifest's state
    assert_sane(result, sandbox_env)
    again = run_flexplan("plan", str(config), env=sandbox_env)
    assert "No changes." in again.stdout, again


def test_an_address_made_since_the_plan_is_updated_not_created_again(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env, run_flexplan, monkeypatch
) -> None:
    config = copy_example(tmp_path, "quickstart")

    def console_creates_the_address() -> None:
        sandbox.store.add_address(type="sms", address="+15550001111", friendly_name="by hand")

    monkeypatch.setattr("sys.stdin", _AnswerYesAfter(console_creates_the_address))
    result = run_flexplan("apply", str(config), env=sandbox_env)
    assert result.exit_code == 0, result
    assert duplicates(sandbox) == {}
    line = next(x for x in result.stdout.splitlines() if "support-sms: Creation complete" in x)
    assert "found already (made by another writer since the plan)" in line
    assert "Apply complete: 3 added, 1 changed, 0 destroyed." in result.stdout, result
    sms = [a for a in sandbox.store.items("addresses") if a["address"] == "+15550001111"]
    assert [a["friendly_name"] for a in sms] == ["Quickstart support SMS"]
    again = run_flexplan("plan", str(config), env=sandbox_env)
    assert "No changes." in again.stdout, again


def _slip_in_after_first_write(sandbox: SandboxServer) -> list[int]:
    """Another writer that read Flex Configuration before flexplan's first write and
    writes its own change (to `web`) right after it, carrying the old `sms` entry."""
    writes: list[int] = []
    routes = sandbox._app.router.routes
    index = next(i for i, r in enumerate(routes) if r.key == "POST /flex-api/v1/Configuration")
    original = routes[index].handler

    def handler(req: Request) -> Response:
        before = [dict(e) for e in req.store.singleton("flex_configuration")["channel_configs"]]
        answer = original(req)
        writes.append(1)
        if len(writes) == 1:
            for entry in before:
                if entry["address_type"] == "web":
                    entry["cbm_attachments"] = {**entry["cbm_attachments"], "enabled": False}
            current = dict(req.store.singleton("flex_configuration"))
            current["channel_configs"] = before
            req.store.set_singleton("flex_configuration", current)
        return answer

    routes[index] = dataclasses.replace(routes[index], handler=handler)
    return writes


def test_a_flex_configuration_write_that_was_overwritten_is_merged_again(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env, run_flexplan
) -> None:
    config = write_config(
        tmp_path / "sms",
        "version: 1\nchannel_configs:\n  sms:\n    attachments: {max_file_size: 1MiB}\n",
    )
    writes = _slip_in_after_first_write(sandbox)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    entries = {
        e["address_type"]: e["cbm_attachments"]
        for e in sandbox.store.singleton("flex_configuration")["channel_configs"]
    }
    assert entries["sms"]["max_file_size"] == 1048576  # flexplan's change is not lost
    assert entries["web"]["enabled"] is False  # and neither is the other writer's
    assert len(writes) == 2  # written again, once, after the read-back showed the loss
