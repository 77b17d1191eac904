"""Response bodies carry every field of Twilio's schema for the resource.

Twilio answers with all of a resource's properties (null when unset), so the
sandbox's bodies must have exactly the property names of the spec's schema
(tests/contract/openapi, Twilio's OpenAPI, MIT).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flexplan.sandbox import SandboxServer

from .helpers import raw

SPECS = Path(__file__).parents[1] / "contract" / "openapi"
CASES = [
    ("twilio_flex_v1.json", "flex.v1.flex_flow", "/flex-api/v1/FlexFlows", "flex_flows"),
    ("twilio_flex_v1.json", "flex.v1.configuration", "/flex-api/v1/Configuration", None),
    (
        "twilio_conversations_v1.json",
        "conversations.v1.configuration_address",
        "/conversations/v1/Configuration/Addresses",
        "address_configurations",
    ),
    (
        "twilio_conversations_v1.json",
        "conversations.v1.service",
        "/conversations/v1/Services",
        "services",
    ),
    (
        "twilio_conversations_v1.json",
        "conversations.v1.configuration",
        "/conversations/v1/Configuration",
        None,
    ),
    (
        "twilio_conversations_v1.json",
        "conversations.v1.configuration.configuration_webhook",
        "/conversations/v1/Configuration/Webhooks",
        None,
    ),
    ("twilio_studio_v2.json", "studio.v2.flow", "/studio/v2/Flows", "flows"),
    (
        "twilio_taskrouter_v1.json",
        "taskrouter.v1.workspace",
        "/taskrouter/v1/Workspaces",
        "workspaces",
    ),
    ("twilio_chat_v2.json", "chat.v2.service", "/chat/v2/Services", "services"),
]


def _schema_keys(spec: str, schema: str) -> set[str]:
    document: dict[str, Any] = json.loads((SPECS / spec).read_text(encoding="utf-8"))
    return set(document["components"]["schemas"][schema]["properties"])


@pytest.mark.parametrize(("spec", "schema", "path", "key"), CASES)
def test_bodies_have_the_schema_fields(
    sandbox: SandboxServer, spec: str, schema: str, path: str, key: str | None
) -> None:
    body = raw(sandbox, "GET", path).json()
    item = body[key][0] if key else body
    assert set(item) == _schema_keys(spec, schema)


def test_taskrouter_children_have_the_schema_fields(sandbox: SandboxServer) -> None:
    ws = raw(sandbox, "GET", "/taskrouter/v1/Workspaces").json()["workspaces"][0]["sid"]
    workflow = raw(sandbox, "GET", f"/taskrouter/v1/Workspaces/{ws}/Workflows").json()["workflows"][
        0
    ]
    channel = raw(sandbox, "GET", f"/taskrouter/v1/Workspaces/{ws}/TaskChannels").json()[
        "channels"
    ][0]
    assert set(workflow) == _schema_keys(
        "twilio_taskrouter_v1.json", "taskrouter.v1.workspace.workflow"
    )
    assert set(channel) == _schema_keys(
        "twilio_taskrouter_v1.json", "taskrouter.v1.workspace.task_channel"
    )


def test_studio_revision_has_the_schema_fields(sandbox: SandboxServer) -> None:
    sid = raw(sandbox, "GET", "/studio/v2/Flows").json()["flows"][0]["sid"]
    revision = raw(sandbox, "GET", f"/studio/v2/Flows/{sid}/Revisions/1").json()
    assert set(revision) == _schema_keys("twilio_studio_v2.json", "studio.v2.flow.flow_revision")
