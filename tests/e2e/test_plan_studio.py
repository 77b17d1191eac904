"""Studio definitions in ``flexplan plan``: only real changes show, per widget.

The account holds a flow made from ``plankit.studio_flow()``; each test plans a
manifest whose definition differs from it in one way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from plankit import CLEAN, block, moved, reformatted, studio_flow, write_config

from flexplan.sandbox import SandboxServer

MANIFEST = """
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
"""


@pytest.fixture
def live_flow(sandbox: SandboxServer) -> dict[str, Any]:
    return sandbox.store.add_studio_flow(
        friendly_name="Support Flow", status="published", definition=studio_flow()
    )


def _plan(run_flexplan: Any, config: Path, env: dict[str, str]) -> Any:
    return run_flexplan("plan", str(config), "--detailed-exitcode", env=env)


def test_reformatted_definition_is_no_change(
    tmp_path: Path, live_flow: dict[str, Any], sandbox_env: dict[str, str], run_flexplan
) -> None:
    text = reformatted(studio_flow())
    assert "0.0" in text and text.index('"states"') < text.index('"description"')
    config = write_config(tmp_path / "c", MANIFEST, {"support.json": text})
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 0, result
    assert result.stdout.endswith(CLEAN + "\n")
    # the same flow written inline as YAML is no change either
    inline = yaml.safe_load(MANIFEST)
    del inline["studio_flows"]["support"]["definition_file"]
    inline["studio_flows"]["support"]["definition"] = studio_flow()
    config = write_config(tmp_path / "inline", yaml.safe_dump(inline))
    assert _plan(run_flexplan, config, sandbox_env).exit_code == 0


def test_moved_widgets_are_counted_as_layout_not_listed(
    tmp_path: Path, live_flow: dict[str, Any], sandbox_env: dict[str, str], run_flexplan
) -> None:
    config = write_config(
        tmp_path / "c", MANIFEST, {"support.json": json.dumps(moved(studio_flow()))}
    )
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 2, result
    assert block(result.stdout, "studio_flow.support") == [
        "  # studio_flow.support will be updated in-place",
        '  ~ studio_flow "support" {',
        f'        sid = "{live_flow["sid"]}"',
        "      ~ definition = {",
        "          layout changed for 3 widgets (Trigger, greet, to_agent)",
        "        }",
        "        # (2 unchanged fields hidden)",
        "    }",
    ]
    assert "offset" not in result.stdout


def test_one_widget_property_changed_is_exactly_that_line(
    tmp_path: Path, live_flow: dict[str, Any], sandbox_env: dict[str, str], run_flexplan
) -> None:
    config = write_config(
        tmp_path / "c", MANIFEST, {"support.json": json.dumps(studio_flow("Welcome back!"))}
    )
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 2, result
    assert block(result.stdout, "studio_flow.support") == [
        "  # studio_flow.support will be updated in-place",
        '  ~ studio_flow "support" {',
        f'        sid = "{live_flow["sid"]}"',
        "      ~ definition = {",
        '          ~ widget "greet" (send-message)',
        '              properties.body: "Hello!" -> "Welcome back!"',
        "        }",
        "        # (2 unchanged fields hidden)",
        "    }",
    ]
    assert result.stdout.endswith("Plan: 0 to add, 1 to change, 0 to destroy.\n")


def test_widgets_and_transitions_added_removed_and_rewired(
    tmp_path: Path, live_flow: dict[str, Any], sandbox_env: dict[str, str], run_flexplan
) -> None:
    definition = studio_flow()
    trigger, _greet, to_agent = definition["states"]
    trigger["transitions"][0]["next"] = "to_agent"  # skip the greeting
    trigger["transitions"][2]["next"] = "to_agent"  # incomingConversationMessage too
    definition["states"] = [trigger, to_agent]
    definition["states"].append(
        {
            "name": "log",
            "type": "make-http-request",
            "transitions": [{"event": "success"}, {"event": "failed"}],
            "properties": {"offset": {"x": 0, "y": 600}, "method": "POST",
                           "url": "https://hooks.example.com/log",
                           "content_type": "application/json;charset=utf-8"},
        }
    )  # fmt: skip
    to_agent["transitions"][1]["next"] = "log"
    config = write_config(tmp_path / "c", MANIFEST, {"support.json": json.dumps(definition)})
    result = _plan(run_flexplan, config, sandbox_env)
    assert result.exit_code == 2, result
    assert block(result.stdout, "studio_flow.support")[3:-2] == [
        "      ~ definition = {",
        '          ~ widget "Trigger" (trigger)',
        '              transition incomingMessage: "greet" -> "to_agent"',
        '              transition incomingConversationMessage: "greet" -> "to_agent"',
        '          ~ widget "to_agent" (send-to-flex)',
        '              transition failedToEnqueue: (ends) -> "log"',
        '          + widget "log" (make-http-request)',
        '              properties.content_type = "application/json;charset=utf-8"',
        '              properties.method = "POST"',
        '              properties.url = "https://hooks.example.com/log"',
        "              transition success -> (ends)",
        "              transition failed -> (ends)",
        '          - widget "greet" (send-message)',
        '              properties.body = "Hello!"',
        '              properties.from = "{{flow.channel.address}}"',
        '              properties.to = "{{contact.channel.address}}"',
        '              transition sent -> "to_agent"',
        "              transition failed -> (ends)",
        "        }",
    ]
