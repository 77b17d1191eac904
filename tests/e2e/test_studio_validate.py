"""Studio's own validation: widget types, Validate at plan time, Twilio's error details.

Real Studio checks every widget's properties and refuses a bad definition with
81022 and ``details.errors[]``; ``flexplan plan`` asks Studio's Validate for
every flow it would write and places each failure at the widget in the file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from plankit import CLEAN, studio_flow, write_config

from flexplan.sandbox import SandboxServer

VALIDATE = "POST /studio/v2/Flows/Validate"

MANIFEST = """
studio_flows:
  support:
    friendly_name: Support Flow
    status: published
    definition_file: support.json
  steady:
    friendly_name: Steady Flow
    status: published
    definition_file: steady.json
"""


def _with_widget(widget: dict[str, Any]) -> dict[str, Any]:
    """``studio_flow()`` with ``widget`` after ``greet`` (greet's ``sent`` leads to it)."""
    flow = copy.deepcopy(studio_flow())
    greet = flow["states"][1]
    greet["transitions"][0]["next"] = widget["name"]
    flow["states"].insert(2, widget)
    return flow


def _validations(sandbox: SandboxServer) -> int:
    return int(sandbox.stats()["requests"].get(VALIDATE, 0))


SUBFLOW_WITHOUT_SID = {
    "name": "call_sub",
    "type": "run-subflow",
    "transitions": [{"event": "completed", "next": "to_agent"}, {"event": "failed"}],
    "properties": {"offset": {"x": 0, "y": 400}, "flow_revision": "LatestPublished"},
}


def _config(tmp_path: Path, sandbox: SandboxServer, support: dict[str, Any]) -> Path:
    """``support`` to be created; ``steady`` already in the account, unchanged."""
    sandbox.store.add_studio_flow(
        friendly_name="Steady Flow", status="published", definition=studio_flow()
    )
    files = {
        "support.json": json.dumps(support, indent=2),
        "steady.json": json.dumps(studio_flow(), indent=2),
    }
    return write_config(tmp_path / "c", MANIFEST, files)


def test_plan_reports_studio_validate_errors_at_the_widget_and_line(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path, sandbox, _with_widget(SUBFLOW_WITHOUT_SID))
    result = run_flexplan("plan", str(config), env=sandbox_env)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.output
    text = (config / "support.json").read_text().splitlines()
    widget = next(i for i, line in enumerate(text) if '"name": "call_sub"' in line)
    line = next(i for i in range(widget, len(text)) if '"properties"' in text[i]) + 1
    assert f"support.json:{line}:" in result.stderr, result.stderr  # the widget's properties
    assert 'studio_flow.support: widget "call_sub" properties.flow_sid:' in result.stderr
    assert "--no-remote-validate" in result.stderr
    assert _validations(sandbox) == 1  # the created flow only; the unchanged one is not asked


def test_no_remote_validate_skips_the_request(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path, sandbox, _with_widget(SUBFLOW_WITHOUT_SID))
    result = run_flexplan("plan", str(config), "--no-remote-validate", env=sandbox_env)
    assert result.exit_code == 0, result
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in result.stdout
    assert _validations(sandbox) == 0


def test_a_valid_changed_flow_is_validated_once_and_plans(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path, sandbox, studio_flow("Hi there"))
    result = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert result.exit_code == 2, result
    assert _validations(sandbox) == 1


def test_apply_failure_names_the_widget_and_property(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """Apply does not validate first; Studio's refusal of the create shows its details
    (a property flexplan's own checks leave to Studio: a Send to Flex widget's workflow
    is refused before any request)."""
    broken = copy.deepcopy(studio_flow())
    del broken["states"][1]["properties"]["body"]
    config = _config(tmp_path, sandbox, broken)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.output
    assert "81022" in result.output
    assert 'widget "greet" properties.body: ' in result.output, result.output


START_CONVERSATION = {
    "name": "start",
    "type": "start-conversation",
    "transitions": [{"event": "success", "next": "to_agent"}, {"event": "failed"}],
    "properties": {"offset": {"x": 0, "y": 400}},
}


def test_start_conversation_validates_with_no_error(tmp_path: Path, run_flexplan: Any) -> None:
    flow = _with_widget(START_CONVERSATION)
    config = write_config(
        tmp_path / "c", MANIFEST.split("  steady:")[0], {"support.json": json.dumps(flow)}
    )
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 0, result
    assert "error" not in result.output and "warning" not in result.output


def test_an_unknown_widget_type_is_a_warning_only(tmp_path: Path, run_flexplan: Any) -> None:
    flow = _with_widget({**START_CONVERSATION, "type": "brand-new-widget"})
    config = write_config(
        tmp_path / "c", MANIFEST.split("  steady:")[0], {"support.json": json.dumps(flow)}
    )
    result = run_flexplan("validate", str(config))
    assert result.exit_code == 0, result
    assert "warning: unknown Studio widget type 'brand-new-widget'" in result.output
    assert "(1 warning)" in result.output


OUTGOING_CALL = {
    "name": "call_customer",
    "type": "make-outgoing-call-v2",
    "transitions": [
        {"event": "answered", "next": "to_agent"},
        {"event": "busy"},
        {"event": "noAnswer"},
        {"event": "failed"},
    ],
    "properties": {
        "offset": {"x": 0, "y": 400},
        "from": "{{flow.channel.address}}",
        "to": "{{contact.channel.address}}",
        "timeout": 60,
        "record": False,
        "detect_answering_machine": False,
    },
}


def test_make_outgoing_call_v2_applies_to_the_sandbox(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _config(tmp_path, sandbox, _with_widget(OUTGOING_CALL))
    applied = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    replanned = run_flexplan("plan", str(config), "--detailed-exitcode", env=sandbox_env)
    assert replanned.exit_code == 0, replanned
    assert replanned.stdout.endswith(CLEAN + "\n")


LIBRARY = ["start-conversation", "make-outgoing-call-v2", "connect-virtual-agent", "run-subflow"]


@pytest.mark.parametrize("name", LIBRARY)
def test_the_client_and_the_sandbox_know_the_same_widget_library(name: str) -> None:
    from flexplan.resources.studio.definition import KNOWN_WIDGET_TYPES
    from flexplan.sandbox.studio_check import WIDGET_TYPES

    assert KNOWN_WIDGET_TYPES == WIDGET_TYPES
    assert name in KNOWN_WIDGET_TYPES
