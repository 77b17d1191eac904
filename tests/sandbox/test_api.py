"""Every sandbox endpoint through the real twilio SDK, and Twilio's validation rules."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from flexplan.resources._sdk import JsonBody
from flexplan.sandbox import SandboxServer
from flexplan.sandbox.seed import CHAT_SERVICE, SMS_NUMBER

from .helpers import STUDIO_DEFINITION, raw


def _error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def test_seeded_account_lists_through_flexplans_client(sandbox_client: Any) -> None:
    flows = sandbox_client.flex_api.v1.flex_flow.list()
    assert {f.channel_type for f in flows} == {"sms", "web"}
    assert [a.type for a in sandbox_client.conversations.v1.address_configurations.list()] == [
        "chat"
    ]
    studio = sandbox_client.studio.v2.flows.list()
    assert {f.friendly_name for f in studio} == {"Messaging Flow", "Webchat Flow", "Voice IVR"}
    assert all(f.definition is None for f in studio)
    workspace = sandbox_client.taskrouter.v1.workspaces.list(friendly_name="Flex Task Assignment")[
        0
    ]
    channels = sandbox_client.taskrouter.v1.workspaces(workspace.sid).task_channels.list()
    assert [c.unique_name for c in channels] == [
        "default",
        "voice",
        "chat",
        "sms",
        "video",
        "email",
    ]
    assert (
        sandbox_client.taskrouter.v1.workspaces(workspace.sid)
        .task_channels("sms")
        .fetch()
        .unique_name
        == "sms"
    )
    workflows = sandbox_client.taskrouter.v1.workspaces(workspace.sid).workflows.list()
    assert workflows[0].friendly_name == "Assign to Anyone"
    assert (
        sandbox_client.taskrouter.v1.workspaces(workspace.sid).workflows(workflows[0].sid).fetch()
    )
    assert (
        sandbox_client.chat.v2.services(CHAT_SERVICE).fetch().friendly_name == "Flex Chat Service"
    )
    assert len(sandbox_client.conversations.v1.services.list()) == 2


def test_flex_flow_crud(sandbox_client: Any) -> None:
    flows = sandbox_client.flex_api.v1.flex_flow
    studio_sid = sandbox_client.studio.v2.flows.list()[0].sid
    created = flows.create(
        friendly_name="Support SMS",
        chat_service_sid=CHAT_SERVICE,
        channel_type="sms",
        contact_identity="+15550100",
        enabled=True,
        integration_type="studio",
        integration_flow_sid=studio_sid,
        integration_retry_count=1,
        janitor_enabled=True,
    )
    assert created.sid.startswith("FO") and len(created.sid) == 34
    assert created.integration == {"flow_sid": studio_sid, "retry_count": 1}
    assert flows.list(friendly_name="Support SMS")[0].sid == created.sid
    updated = flows(created.sid).update(
        integration_type="external", integration_url="https://example.com/x"
    )
    assert updated.integration == {"url": "https://example.com/x", "retry_count": 1}
    assert flows(created.sid).fetch().integration_type == "external"
    assert flows(created.sid).delete() is True
    assert _error(lambda: flows(created.sid).fetch()).status == 404


@pytest.mark.invalid_requests
def test_flex_flow_rules(sandbox: SandboxServer, sandbox_client: Any) -> None:
    flows = sandbox_client.flex_api.v1.flex_flow
    studio_sid = sandbox_client.studio.v2.flows.list()[0].sid
    base = {
        "friendly_name": "x",
        "chat_service_sid": CHAT_SERVICE,
        "integration_flow_sid": studio_sid,
    }
    conflict = _error(
        lambda: flows.create(**base, channel_type="sms", contact_identity=SMS_NUMBER, enabled=True)
    )
    assert (conflict.status, conflict.code) == (400, 45212)
    assert (
        flows.create(**base, channel_type="sms", contact_identity=SMS_NUMBER, enabled=False).enabled
        is False
    )
    missing = raw(
        sandbox, "POST", "/flex-api/v1/FlexFlows", data={"FriendlyName": "x", "ChannelType": "sms"}
    )
    assert missing.json()["code"] == 20001 and "ChatServiceSid" in missing.json()["message"]
    assert _error(lambda: flows.create(**base, channel_type="fax")).code == 20001
    assert (
        _error(lambda: flows.create(**base, channel_type="web", integration_retry_count=4)).status
        == 400
    )
    task = _error(lambda: flows.create(**base, channel_type="web", integration_type="task"))
    assert "Integration.WorkspaceSid" in task.msg


def test_address_crud_and_lookup_by_address(sandbox_client: Any) -> None:
    addresses = sandbox_client.conversations.v1.address_configurations
    flow = sandbox_client.studio.v2.flows.list()[0].sid
    created = addresses.create(
        type="whatsapp",
        address="whatsapp:+15550123",
        friendly_name="WA",
        auto_creation_enabled=True,
        auto_creation_type="studio",
        auto_creation_studio_flow_sid=flow,
        auto_creation_studio_retry_count=2,
    )
    assert created.auto_creation["studio_flow_sid"] == flow
    assert addresses("whatsapp:+15550123").fetch().sid == created.sid
    assert [a.sid for a in addresses.list(type="whatsapp")] == [created.sid]
    updated = addresses(created.sid).update(
        auto_creation_type="webhook",
        auto_creation_webhook_url="https://example.com/hook",
        auto_creation_webhook_method="POST",
        auto_creation_webhook_filters=["onMessageAdded", "onParticipantAdded"],
    )
    assert updated.auto_creation["webhook_filters"] == ["onMessageAdded", "onParticipantAdded"]
    assert updated.type == "whatsapp" and updated.address == "whatsapp:+15550123"
    addresses(created.sid).delete()
    assert _error(lambda: addresses(created.sid).fetch()).code == 20404


@pytest.mark.invalid_requests
def test_address_rules(sandbox: SandboxServer, sandbox_client: Any) -> None:
    addresses = sandbox_client.conversations.v1.address_configurations
    first = addresses.create(type="sms", address="+15550999")
    duplicate = _error(lambda: addresses.create(type="sms", address="+15550999"))
    assert duplicate.status == 409
    assert _error(lambda: addresses.create(type="fax", address="+1")).status == 400
    assert (
        _error(
            lambda: addresses.create(type="sms", address="+2", auto_creation_type="studio")
        ).status
        == 400
    )
    path = f"/conversations/v1/Configuration/Addresses/{first.sid}"
    refused = raw(sandbox, "POST", path, data={"Type": "whatsapp"})
    assert refused.status_code == 400 and "cannot be updated" in refused.json()["message"]


def test_studio_flow_revisions(sandbox_client: Any) -> None:
    flows = sandbox_client.studio.v2.flows
    created = flows.create(friendly_name="Test", status="draft", definition=STUDIO_DEFINITION)
    assert (created.revision, created.definition) == (1, STUDIO_DEFINITION)
    assert flows(created.sid).update(status="published").revision == 2
    assert flows(created.sid).update(status="published", commit_message="again").revision == 3
    revisions = flows(created.sid).revisions.list()
    assert [r.revision for r in revisions] == [3, 2, 1]
    assert all(r.definition is None for r in revisions)
    assert flows(created.sid).revisions("2").fetch().definition == STUDIO_DEFINITION
    listed = next(f for f in flows.list() if f.sid == created.sid)
    assert listed.definition is None and listed.revision == 3
    validated = sandbox_client.studio.v2.flow_validate.update(
        friendly_name="Test", status="draft", definition=STUDIO_DEFINITION
    )
    assert validated.valid is True
    flows(created.sid).delete()


@pytest.mark.invalid_requests
def test_studio_rejects_broken_definitions(sandbox_client: Any) -> None:
    broken = {**STUDIO_DEFINITION, "initial_state": "Nowhere"}
    broken["states"] = [*STUDIO_DEFINITION["states"], dict(STUDIO_DEFINITION["states"][1])]
    error = _error(
        lambda: sandbox_client.studio.v2.flows.create(
            friendly_name="b", status="draft", definition=broken
        )
    )
    assert (error.status, error.code) == (400, 81022)
    messages = [d["message"] for d in error.details["errors"]]
    assert any("not unique" in m for m in messages) and any("initial_state" in m for m in messages)
    dangling = {**STUDIO_DEFINITION, "states": [STUDIO_DEFINITION["states"][0]]}
    validate = sandbox_client.studio.v2.flow_validate
    error = _error(lambda: validate.update(friendly_name="b", status="draft", definition=dangling))
    assert error.code == 81022 and "doesn't exist" in error.details["errors"][0]["message"]
    flow = sandbox_client.studio.v2.flows.list()[0].sid
    assert _error(lambda: sandbox_client.studio.v2.flows(flow).update(status="nope")).status == 400


def test_flex_configuration_replaces_channel_configs(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    config = sandbox_client.flex_api.v1.configuration()
    before = config.fetch()
    assert [c["address_type"] for c in before.channel_configs] == ["web", "sms", "whatsapp"]
    only_sms = [before.channel_configs[1]]
    after = config.update(body=JsonBody(account_sid=sandbox.account_sid, channel_configs=only_sms))
    assert after.channel_configs == only_sms
    assert after.ui_attributes == before.ui_attributes
    assert config.fetch().channel_configs == only_sms


@pytest.mark.invalid_requests
def test_flex_configuration_needs_account_sid(sandbox_client: Any) -> None:
    config = sandbox_client.flex_api.v1.configuration()
    error = _error(lambda: config.update(body=JsonBody(channel_configs=[])))
    assert error.status == 400 and "account_sid" in error.msg


def test_conversations_configuration_and_webhooks(sandbox_client: Any) -> None:
    conf = sandbox_client.conversations.v1.configuration()
    assert conf.update(default_closed_timer="PT10M").default_closed_timer == "PT10M"
    hooks = sandbox_client.conversations.v1.configuration.webhooks()
    updated = hooks.update(method="GET", filters=["onMessageAdded"], target="flex")
    assert (updated.method, updated.filters, updated.target) == ("GET", ["onMessageAdded"], "flex")
    assert hooks.fetch().target == "flex"
