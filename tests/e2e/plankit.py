"""Helpers shared by the plan end-to-end tests (tests/e2e/test_plan_*.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

CLEAN = "No changes. The account matches the manifest."


def write_config(directory: Path, manifest: str, files: dict[str, str] | None = None) -> Path:
    """A config directory: ``flexplan.yaml`` plus any other files (relative names)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "flexplan.yaml").write_text(manifest)
    for name, text in (files or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    return directory


def warnings(stderr: str) -> str:
    """stderr without the line that says which credential is in use (always printed)."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not line.startswith("Using ")
    )


def block(stdout: str, address: str) -> list[str]:
    """The text plan's lines for one resource: from its ``# address`` heading to ``}``."""
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"  # {address} ")), None)
    assert start is not None, f"no block for {address} in:\n{stdout}"
    end = next(i for i in range(start, len(lines)) if lines[i] == "    }")
    return lines[start : end + 1]


def headings(stdout: str) -> list[str]:
    """The ``# address will be ...`` headings, in the order the plan lists them."""
    return [
        line.strip()
        for line in stdout.splitlines()
        if line.startswith("  # ") and not line.startswith("  # (")
    ]


def assert_clean_failure(result: Any, env: dict[str, str] | None = None) -> str:
    """Exit 1, nothing on stdout, no traceback, no secret; returns the message."""
    assert result.exit_code == 1, result
    assert result.stdout == "", result
    assert "Traceback" not in result.output, result
    assert "internal error" not in result.output, result
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET"):
        value = (env or {}).get(name)
        if value:
            assert value not in result.output, f"{name} shown: {result}"
    return warnings(str(result.stderr))


# -- Studio definitions ------------------------------------------------------------------


def studio_flow(greeting: str = "Hello!", *, workflow: str = "WW" + "0" * 32) -> dict[str, Any]:
    """A small valid messaging flow: Trigger -> greet (send-message) -> to_agent (send-to-flex)."""
    return {
        "description": "Support flow",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [
                    {"event": "incomingMessage", "next": "greet"},
                    {"event": "incomingCall"},
                    {"event": "incomingConversationMessage", "next": "greet"},
                    {"event": "incomingRequest"},
                ],
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "greet",
                "type": "send-message",
                "transitions": [{"event": "sent", "next": "to_agent"}, {"event": "failed"}],
                "properties": {
                    "offset": {"x": 10, "y": 200},
                    "from": "{{flow.channel.address}}",
                    "to": "{{contact.channel.address}}",
                    "body": greeting,
                },
            },
            {
                "name": "to_agent",
                "type": "send-to-flex",
                "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}],
                "properties": {
                    "offset": {"x": 20, "y": 400},
                    "workflow": workflow,
                    "channel": "TC" + "0" * 32,
                    "attributes": '{"name": "{{trigger.message.From}}"}',
                },
            },
        ],
    }


def moved(definition: dict[str, Any], dx: int = 100) -> dict[str, Any]:
    """The same flow with every widget moved on the canvas."""
    out = copy.deepcopy(definition)
    for state in out["states"]:
        state["properties"]["offset"]["x"] += dx
    return out


def reformatted(definition: dict[str, Any]) -> str:
    """The same flow as different JSON text: other key order, other whitespace, 1.0 for 1."""

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    return json.dumps(reverse(definition), indent="\t", separators=(" ,", " :  ")) + "\n\n"
