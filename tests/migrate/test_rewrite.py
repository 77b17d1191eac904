"""`flexplan migrate`'s rewrite, as a pure function over the manifest's data: each mapping,
each line of the report, and the result validates."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexplan.manifest import validate_directory
from flexplan.migrate.rewrite import Line, Migration, migrate
from flexplan.migrate.source import ManifestFiles, read_manifest, write_files
from flexplan.migrate.studio import CONVERSATION_EVENT, LEGACY_EVENT, rewire

WORKSPACE = "Flex Task Assignment"
STF = "send-to-flex"


def legacy_definition(next_widget: str = "to_agent", channel: str = "${SMS_CHANNEL}") -> dict:
    return {
        "initial_state": "Trigger",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [
                    {"event": LEGACY_EVENT, "next": next_widget},
                    {"event": "incomingCall"},
                    {"event": CONVERSATION_EVENT},
                ],
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "to_agent",
                "type": STF,
                "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}],
                "properties": {
                    "workflow": "${WORKFLOW}",
                    "channel": channel,
                    "attributes": '{"name": "{{trigger.message.ChannelAttributes.from}}", '
                    '"body": "{{trigger.message.Body}}"}',
                },
            },
        ],
    }


FLOW_VARS = {
    "WORKFLOW": {"workflow": "Assign to Anyone", "workspace": WORKSPACE},
    "SMS_CHANNEL": {"task_channel": "sms", "workspace": WORKSPACE},
}


def handler(kind: str, identity: str | None = None, /, **integration: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "friendly_name": f"{kind.title()} handler",
        "channel_type": kind,
        "chat_service": "Flex Chat Service",
        "enabled": True,
        "integration": integration or {"type": "studio", "studio_flow": "messaging"},
    }
    if identity is not None:
        spec["contact_identity"] = identity
    return spec


def files_with(flex_flows: dict[str, Any], *, flows: dict[str, Any] | None = None) -> ManifestFiles:
    studio_flows = flows if flows is not None else {
        "messaging": {
            "friendly_name": "Messaging",
            "status": "published",
            "definition_file": "studio/messaging.json",
            "vars": copy.deepcopy(FLOW_VARS),
        }
    }  # fmt: skip
    return ManifestFiles(
        yaml={
            "flexplan.yaml": {
                "version": 1,
                "studio_flows": studio_flows,
                "flex_flows": flex_flows,
            }
        },
        heads={"flexplan.yaml": "# a manifest\n"},
        json={"studio/messaging.json": legacy_definition()},
    )


def run(flex_flows: dict[str, Any], **kw: Any) -> tuple[Migration, dict[str, Any]]:
    result = migrate(files_with(flex_flows, **kw))
    return result, result.files.yaml["flexplan.yaml"]


def lines(result: Migration, kind: str, subject: str) -> list[str]:
    return [line.text for line in result.lines if line.kind == kind and line.subject == subject]


def validates(result: Migration, tmp_path: Path) -> list[str]:
    """The rewritten files written out: every validate error, as text."""
    write_files(tmp_path, result.files, set(result.files.yaml), set(result.files.json))
    _, diagnostics = validate_directory(tmp_path)
    return [d.render() for d in diagnostics if d.severity == "error"]


# -- channel mapping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "identity", "address_type", "address"),
    [
        ("sms", "+15550001111", "sms", "+15550001111"),
        ("whatsapp", "whatsapp:+15550002222", "whatsapp", "whatsapp:+15550002222"),
        ("whatsapp", "+15550002222", "whatsapp", "whatsapp:+15550002222"),
        ("facebook", "messenger:1048576", "messenger", "messenger:1048576"),
        ("facebook", "1048576", "messenger", "messenger:1048576"),
        ("web", None, "chat", "support"),
        ("web", "site-chat", "chat", "site-chat"),
    ],
)
def test_each_channel_becomes_its_address_type(
    channel: str, identity: str | None, address_type: str, address: str, tmp_path: Path
) -> None:
    result, data = run({"support": handler(channel, identity)})
    assert data["flex_flows"]["support"]["state"] == "absent"
    new = data["conversations_addresses"]["support"]
    assert (new["type"], new["address"]) == (address_type, address)
    assert new["friendly_name"] == data["flex_flows"]["support"]["friendly_name"]
    assert result.migrated == [("support", "support")]
    assert validates(result, tmp_path) == []


def test_web_chat_says_what_to_do_with_the_webchat_3_deployment_key() -> None:
    result, _ = run({"site": handler("web")})
    (todo,) = lines(result, "todo", "conversations_addresses.site")
    assert "Webchat 3" in todo and "deployment key" in todo and "flexFlowSid" in todo


@pytest.mark.parametrize("channel", ["line", "custom"])
def test_line_and_custom_stay_with_the_reason(channel: str) -> None:
    result, data = run({"other": handler(channel, "someone")})
    assert "state" not in data["flex_flows"]["other"]
    assert "conversations_addresses" not in data
    (reason,) = lines(result, "kept", "flex_flows.other")
    expected = {"line": "no LINE address type", "custom": "Interactions API"}[channel]
    assert reason.startswith(f"channel {channel}:") and expected in reason


def test_a_handler_without_contact_identity_stays() -> None:
    result, data = run({"sms": handler("sms")})
    assert lines(result, "kept", "flex_flows.sms") == [
        "has no contact_identity: no address to create for it"
    ]
    assert "state" not in data["flex_flows"]["sms"]


def test_an_outbound_handler_is_deleted_without_an_address() -> None:
    spec = handler("sms", "+15550001111", type="task", workspace=WORKSPACE,
                   workflow="Assign to Anyone", creation_on_message=True)  # fmt: skip
    spec["enabled"] = False
    result, data = run({"outbound": spec})
    assert data["flex_flows"]["outbound"]["state"] == "absent"
    assert "conversations_addresses" not in data
    (line,) = lines(result, "changed", "flex_flows.outbound")
    assert "Interactions API" in line


def test_only_migrates_the_named_handlers() -> None:
    both = {"a": handler("sms", "+15550001111"), "b": handler("sms", "+15550002222")}
    result = migrate(files_with(both), frozenset({"b"}))
    data = result.files.yaml["flexplan.yaml"]
    assert "state" not in data["flex_flows"]["a"]
    assert data["flex_flows"]["b"]["state"] == "absent"
    assert list(data["conversations_addresses"]) == ["b"]


def test_an_address_already_in_the_manifest_is_not_created_twice() -> None:
    files = files_with({"sms": handler("sms", "+15550001111")})
    files.yaml["flexplan.yaml"]["conversations_addresses"] = {
        "support": {"type": "sms", "address": "+15550001111"}
    }
    result = migrate(files)
    data = result.files.yaml["flexplan.yaml"]
    assert list(data["conversations_addresses"]) == ["support"]
    assert data["flex_flows"]["sms"]["state"] == "absent"
    assert result.migrated == [("sms", "support")]


# -- integration mapping ------------------------------------------------------------------


def test_studio_integration_keeps_the_flow_and_its_retry_count() -> None:
    spec = handler("sms", "+15550001111", type="studio", studio_flow="messaging", retry_count=1)
    _, data = run({"sms": spec})
    assert data["conversations_addresses"]["sms"]["auto_creation"] == {
        "enabled": True, "type": "studio", "studio_flow": "messaging", "studio_retry_count": 1,
    }  # fmt: skip


def test_external_integration_becomes_a_webhook_on_message_added(tmp_path: Path) -> None:
    url = "https://example.com/inbound"
    spec = handler("facebook", "messenger:1", type="external", url=url, retry_count=2)
    result, data = run({"fb": spec})
    assert data["conversations_addresses"]["fb"]["auto_creation"] == {
        "enabled": True, "type": "webhook", "webhook_url": url, "webhook_method": "POST",
        "webhook_filters": ["onMessageAdded"],
    }  # fmt: skip
    todo = lines(result, "todo", "flex_flows.fb")
    assert any("retry_count has no webhook equivalent" in t for t in todo)
    assert any("create an Interaction" in t for t in todo)
    assert validates(result, tmp_path) == []


def test_task_integration_becomes_a_generated_send_to_flex_flow(tmp_path: Path) -> None:
    spec = handler("whatsapp", "whatsapp:+15550002222", type="task", workspace=WORKSPACE,
                   workflow="Assign to Anyone", channel="sms", priority=5,
                   timeout=3600)  # fmt: skip
    result, data = run({"wa": spec})
    auto = data["conversations_addresses"]["wa"]["auto_creation"]
    assert auto == {"enabled": True, "type": "studio", "studio_flow": "wa-send-to-flex"}
    flow = data["studio_flows"]["wa-send-to-flex"]
    assert flow["definition_file"] == "studio/wa-send-to-flex.json"
    assert flow["vars"] == {
        "WORKFLOW_SID": {"workflow": "Assign to Anyone", "workspace": WORKSPACE},
        "CONVERSATIONS_TASK_CHANNEL": {"task_channel": "chat", "workspace": WORKSPACE},
    }
    definition = result.files.json["studio/wa-send-to-flex.json"]
    trigger, widget = definition["states"]
    assert {"event": CONVERSATION_EVENT, "next": "SendToFlex"} in trigger["transitions"]
    assert widget["type"] == STF
    assert widget["properties"]["priority"] == "5"
    assert widget["properties"]["timeout"] == "3600"
    (made,) = lines(result, "changed", "studio_flows.wa-send-to-flex")
    assert "task channel sms -> chat" in made
    assert validates(result, tmp_path) == []


# -- janitor and long-lived -------------------------------------------------------------------


def test_janitor_and_long_lived_say_what_conversations_does_instead() -> None:
    spec = handler("sms", "+15550001111")
    spec.update(janitor_enabled=True, long_lived=True)
    result, _ = run({"sms": spec})
    janitor, long_lived = lines(result, "todo", "flex_flows.sms")
    assert "timers.inactive" in janitor and "timers.closed" in janitor
    assert "not supported out of the box" in long_lived


# -- Studio flows -----------------------------------------------------------------------------


def test_the_trigger_moves_to_the_conversation_event_with_the_same_next_widget() -> None:
    result, _ = run({"sms": handler("sms", "+15550001111")})
    trigger = result.files.json["studio/messaging.json"]["states"][0]
    by_event = {t["event"]: t for t in trigger["transitions"]}
    assert by_event[CONVERSATION_EVENT]["next"] == "to_agent"
    assert "next" not in by_event[LEGACY_EVENT]
    assert "trigger: incomingMessage -> incomingConversationMessage (next: to_agent)" in lines(
        result, "changed", "studio_flows.messaging"
    )


def test_send_to_flex_gets_the_chat_task_channel_and_conversation_variables() -> None:
    result, data = run({"sms": handler("sms", "+15550001111")})
    widget = result.files.json["studio/messaging.json"]["states"][1]
    assert widget["properties"]["channel"] == "${CONVERSATIONS_TASK_CHANNEL}"
    assert widget["properties"]["attributes"] == (
        '{"name": "{{trigger.conversation.From}}", "body": "{{trigger.conversation.Body}}"}'
    )
    assert data["studio_flows"]["messaging"]["vars"]["CONVERSATIONS_TASK_CHANNEL"] == {
        "task_channel": "chat", "workspace": WORKSPACE,
    }  # fmt: skip


def test_variables_the_conversation_trigger_lacks_are_reported() -> None:
    definition = legacy_definition()
    definition["states"][1]["properties"]["attributes"] = (
        '{"type": "{{trigger.message.ChannelAttributes.channel_type}}"}'
    )
    rewired = rewire(definition, FLOW_VARS)
    assert rewired.problems == [
        "widget 'to_agent' reads trigger.message.ChannelAttributes.channel_type, which the "
        "Incoming Conversation trigger does not set: replace it by hand "
        "(trigger.conversation.* variables)"
    ]


def test_a_messaging_widgets_canvas_defaults_are_left_alone() -> None:
    definition = legacy_definition("greet")
    definition["states"].append({
        "name": "greet", "type": "send-message",
        "transitions": [{"event": "sent", "next": "to_agent"}],
        "properties": {"service": "{{trigger.message.InstanceSid}}",
                       "channel": "{{trigger.message.ChannelSid}}", "body": "Hi"},
    })  # fmt: skip
    rewired = rewire(definition, FLOW_VARS)
    greet = rewired.definition["states"][2]["properties"]
    assert greet["service"] == "{{trigger.message.InstanceSid}}"
    assert not [p for p in rewired.problems if "InstanceSid" in p]


def test_a_flow_that_reaches_no_send_to_flex_is_reported() -> None:
    definition = legacy_definition()
    definition["states"][1]["type"] = "send-message"
    rewired = rewire(definition, FLOW_VARS)
    assert any("no Send to Flex widget is reachable" in p for p in rewired.problems)


def test_a_flow_already_on_the_conversation_trigger_is_not_changed() -> None:
    definition = legacy_definition()
    definition["states"][0]["transitions"] = [{"event": CONVERSATION_EVENT, "next": "to_agent"}]
    definition["states"][1]["properties"]["channel"] = "chat"
    definition["states"][1]["properties"]["attributes"] = "{}"
    rewired = rewire(definition, FLOW_VARS)
    assert rewired.changes == [] and rewired.problems == []
    assert rewired.definition == definition


def test_a_flow_shared_with_a_handler_that_stays_is_copied(tmp_path: Path) -> None:
    result, data = run({
        "sms": handler("sms", "+15550001111"),
        "line": handler("line", "U0001"),
    })  # fmt: skip
    assert data["flex_flows"]["line"]["integration"]["studio_flow"] == "messaging"
    copy_spec = data["studio_flows"]["messaging-conversations"]
    assert copy_spec["friendly_name"] == "Messaging (Conversations)"
    assert data["conversations_addresses"]["sms"]["auto_creation"]["studio_flow"] == (
        "messaging-conversations"
    )
    # the original, run by the LINE handler, is untouched; the copy has its own file
    original = data["studio_flows"]["messaging"]
    assert original["definition_file"] == "studio/messaging.json"
    assert "CONVERSATIONS_TASK_CHANNEL" not in original["vars"]
    assert result.files.json["studio/messaging.json"] == legacy_definition()
    copied = result.files.json["studio/" + copy_spec["definition_file"].removeprefix("studio/")]
    assert copied["states"][0]["transitions"][2] == {
        "event": CONVERSATION_EVENT, "next": "to_agent",
    }  # fmt: skip
    assert lines(result, "changed", "studio_flows.messaging") == []
    assert validates(result, tmp_path) == []


def test_a_definition_file_shared_by_two_flows_is_not_changed_under_the_other() -> None:
    flows = {
        name: {"friendly_name": name, "status": "published",
               "definition_file": "studio/messaging.json", "vars": copy.deepcopy(FLOW_VARS)}
        for name in ("messaging", "voice")
    }  # fmt: skip
    result, data = run({"sms": handler("sms", "+15550001111")}, flows=flows)
    assert data["studio_flows"]["voice"]["definition_file"] == "studio/messaging.json"
    assert data["studio_flows"]["messaging"]["definition_file"] == (
        "studio/messaging-messaging.json"
    )
    assert result.files.json["studio/messaging.json"] == legacy_definition()


def test_the_input_is_not_modified() -> None:
    files = files_with({"sms": handler("sms", "+15550001111")})
    before = copy.deepcopy(files)
    migrate(files)
    assert files == before


def test_the_example_migrates_and_validates(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "legacy-helpline"
    result = migrate(read_manifest(example))
    migrated = {flow for flow, _ in result.migrated}
    assert migrated == {"helpline-sms", "helpline-whatsapp", "helpline-facebook", "helpline-web"}
    kept = {line.subject for line in result.lines if line.kind == "kept"}
    assert kept == {"flex_flows.helpline-line", "flex_flows.helpline-app"}
    assert validates(result, tmp_path) == []


# -- property: whatever the handlers, the result validates and nothing migratable remains ----

CHANNELS = st.sampled_from(["sms", "whatsapp", "facebook", "web", "line", "custom"])
INTEGRATIONS = st.sampled_from(["studio", "external", "task"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(CHANNELS, INTEGRATIONS, st.booleans()), min_size=1, max_size=6))
def test_any_set_of_handlers_migrates_to_a_valid_manifest(
    tmp_path_factory: pytest.TempPathFactory, handlers: list[tuple[str, str, bool]]
) -> None:
    specs: dict[str, Any] = {}
    for i, (channel, kind, janitor) in enumerate(handlers):
        identity = {"sms": f"+1555000{1000 + i}", "whatsapp": f"whatsapp:+1555001{1000 + i}",
                    "facebook": f"messenger:{1000 + i}"}.get(channel, f"id-{i}")  # fmt: skip
        integration: dict[str, Any] = {
            "studio": {"type": "studio", "studio_flow": "messaging"},
            "external": {"type": "external", "url": f"https://example.com/{i}"},
            "task": {"type": "task", "workspace": WORKSPACE, "workflow": "Assign to Anyone"},
        }[kind]
        spec = handler(channel, identity, **integration)
        spec["friendly_name"] = f"Handler {i}"
        spec["janitor_enabled"] = janitor
        specs[f"h{i}"] = spec
    result, data = run(specs)
    assert validates(result, tmp_path_factory.mktemp("m")) == []
    for name, spec in data["flex_flows"].items():
        migratable = spec["channel_type"] not in ("line", "custom")
        assert (spec.get("state") == "absent") == migratable, name
        if spec.get("janitor_enabled") and migratable:
            assert any("janitor" in t for t in lines(result, "todo", f"flex_flows.{name}"))
    assert all(isinstance(line, Line) for line in result.lines)


def test_an_existing_address_on_a_legacy_flow_gets_it_rewired(tmp_path: Path) -> None:
    """An exported account whose chat address runs a legacy-only flow would never start a
    conversation: the rewrite rewires that flow too (the validate hint says it does)."""
    files = files_with({})
    files.yaml["flexplan.yaml"]["conversations_addresses"] = {
        "chat": {"type": "chat", "address": "site", "friendly_name": "Site",
                 "auto_creation": {"enabled": True, "type": "studio", "studio_flow": "messaging"}},
    }  # fmt: skip
    result = migrate(files)
    trigger = result.files.json["studio/messaging.json"]["states"][0]
    assert {"event": CONVERSATION_EVENT, "next": "to_agent"} in trigger["transitions"]
    assert validates(result, tmp_path) == []


def test_an_existing_address_moves_to_the_copy_when_a_staying_handler_keeps_the_flow() -> None:
    files = files_with({"line": handler("line", "U0001")})
    files.yaml["flexplan.yaml"]["conversations_addresses"] = {
        "chat": {"type": "chat", "address": "site", "friendly_name": "Site",
                 "auto_creation": {"enabled": True, "type": "studio", "studio_flow": "messaging"}},
    }  # fmt: skip
    result = migrate(files)
    data = result.files.yaml["flexplan.yaml"]
    auto = data["conversations_addresses"]["chat"]["auto_creation"]
    assert auto["studio_flow"] == "messaging-conversations"
    assert data["flex_flows"]["line"]["integration"]["studio_flow"] == "messaging"
    assert lines(result, "changed", "conversations_addresses.chat") == [
        "runs studio_flows.messaging-conversations (its flow messaging did not start on "
        "incomingConversationMessage)"
    ]


def test_a_handler_left_out_by_only_keeps_its_flow_and_the_migrated_one_gets_a_copy() -> None:
    both = {"a": handler("sms", "+15550001111"), "b": handler("sms", "+15550002222")}
    result = migrate(files_with(both), frozenset({"a"}))
    data = result.files.yaml["flexplan.yaml"]
    assert data["flex_flows"]["b"]["integration"]["studio_flow"] == "messaging"
    assert data["conversations_addresses"]["a"]["auto_creation"]["studio_flow"] == (
        "messaging-conversations"
    )
    assert result.files.json["studio/messaging.json"] == legacy_definition()


def test_a_default_handler_is_deleted_on_purpose_and_a_protected_one_is_reported() -> None:
    default = handler("sms", "+15550001111")
    default["friendly_name"] = "Flex Messaging Channel Flow"
    guarded = handler("sms", "+15550002222")
    guarded["protect"] = True
    result, data = run({"default": default, "guarded": guarded})
    assert data["flex_flows"]["default"]["protect"] is False
    assert data["flex_flows"]["guarded"]["protect"] is True
    assert "protect: false (one of a new Flex account's default handlers" in " ".join(
        lines(result, "changed", "flex_flows.default")
    )
    (todo,) = lines(result, "todo", "flex_flows.guarded")
    assert todo.startswith("has protect: true, so the plan refuses to delete it")
