"""A large synthetic Flex account and a manifest that manages it, for benchmarks.

``populate`` fills a sandbox store directly (no HTTP); ``write_manifest``
writes a config directory that manages the same resources, with a given
fraction of them changed so that the plan has work to show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ADDRESS_TYPES = ("sms", "whatsapp", "messenger", "email")
CHAT_SERVICE = "Flex Chat Service"


def studio_definition(index: int, widgets: int = 60) -> dict[str, Any]:
    """A linear Studio flow of ``widgets`` widgets (trigger, messages, send-to-flex)."""
    names = [f"step_{index}_{i}" for i in range(widgets - 2)]
    states: list[dict[str, Any]] = [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [
                {"event": "incomingMessage", "next": names[0]},
                {"event": "incomingCall"},
                {"event": "incomingConversationMessage", "next": names[0]},
                {"event": "incomingRequest"},
                {"event": "incomingParent"},
            ],
            "properties": {"offset": {"x": 0, "y": 0}},
        }
    ]
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < len(names) else "to_agent"
        states.append(
            {
                "name": name,
                "type": "send-message",
                "transitions": [{"event": "sent", "next": nxt}, {"event": "failed"}],
                "properties": {
                    "offset": {"x": 0, "y": 200 * (i + 1)},
                    "service": "{{trigger.message.InstanceSid}}",
                    "channel": "{{trigger.message.ChannelSid}}",
                    "from": "{{flow.channel.address}}",
                    "to": "{{contact.channel.address}}",
                    "body": f"Message {i} of flow {index}",
                },
            }
        )
    states.append(
        {
            "name": "to_agent",
            "type": "send-to-flex",
            "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}],
            "properties": {
                "offset": {"x": 0, "y": 200 * widgets},
                "workflow": "WW" + "0" * 32,
                "channel": "TC" + "0" * 32,
                "attributes": '{"name": "{{trigger.message.From}}"}',
            },
        }
    )
    return {"description": f"Synthetic flow {index}", "states": states,
            "initial_state": "Trigger", "flags": {"allow_concurrent_calls": True}}  # fmt: skip


def address_of(kind: str, i: int) -> str:
    if kind == "sms":
        return f"+1555{i:07d}"
    if kind == "whatsapp":
        return f"whatsapp:+1666{i:07d}"
    if kind == "messenger":
        return f"messenger:{100000 + i}"
    return f"support{i}@example.com"


def chat_service_sid(store: Any) -> str:
    services = store.items("chat_services")
    return str(next(s["sid"] for s in services if s["friendly_name"] == CHAT_SERVICE))


def populate(
    store: Any, *, addresses: int, flex_flows: int, studio_flows: int, widgets: int
) -> None:
    for i in range(studio_flows):
        store.add_studio_flow(
            friendly_name=f"Synthetic Flow {i:04d}",
            status="published",
            definition=studio_definition(i, widgets),
        )
    for i in range(addresses):
        kind = ADDRESS_TYPES[i % len(ADDRESS_TYPES)]
        store.add_address(type=kind, address=address_of(kind, i), friendly_name=f"Address {i:05d}")
    service = chat_service_sid(store)
    for i in range(flex_flows):
        store.add_flex_flow(
            friendly_name=f"Handler {i:04d}",
            chat_service_sid=service,
            channel_type="custom",
            contact_identity=f"custom-{i}",
            enabled=False,
            integration_type="external",
            integration={"url": f"https://hooks.example.com/{i}", "retry_count": 1},
        )


def write_manifest(
    directory: Path,
    *,
    addresses: int,
    flex_flows: int,
    studio_flows: int,
    widgets: int,
    changed: float = 0.05,
    split: bool = False,
) -> None:
    """A manifest managing every synthetic resource; ``changed`` of each kind differ.
    ``split``: ``flexplan.yaml`` only includes one file per kind."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "studio").mkdir(exist_ok=True)
    every = max(1, round(1 / changed)) if changed else 0
    flows: dict[str, Any] = {}
    for i in range(studio_flows):
        definition = studio_definition(i, widgets)
        if every and i % every == 0:
            definition["states"][1]["properties"]["body"] = f"Changed message of flow {i}"
        (directory / "studio" / f"flow-{i:04d}.json").write_text(json.dumps(definition, indent=1))
        flows[f"flow-{i:04d}"] = {
            "friendly_name": f"Synthetic Flow {i:04d}",
            "status": "published",
            "definition_file": f"studio/flow-{i:04d}.json",
        }
    addrs: dict[str, Any] = {}
    for i in range(addresses):
        kind = ADDRESS_TYPES[i % len(ADDRESS_TYPES)]
        name = f"Address {i:05d}" + (" (renamed)" if every and i % every == 0 else "")
        addrs[f"address-{i:05d}"] = {
            "type": kind,
            "address": address_of(kind, i),
            "friendly_name": name,
        }
    handlers: dict[str, Any] = {}
    for i in range(flex_flows):
        handlers[f"handler-{i:04d}"] = {
            "friendly_name": f"Handler {i:04d}",
            "chat_service": CHAT_SERVICE,
            "channel_type": "custom",
            "contact_identity": f"custom-{i}",
            "enabled": False,
            "integration": {
                "type": "external",
                "url": f"https://hooks.example.com/{i}",
                "retry_count": 2 if every and i % every == 0 else 1,
            },
        }
    sections = {"studio_flows": flows, "conversations_addresses": addrs, "flex_flows": handlers}
    if not split:
        document = {"version": 1, **sections}
        (directory / "flexplan.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
        return
    for section, table in sections.items():  # one file per kind, as a big config keeps them
        text = yaml.safe_dump({section: table}, sort_keys=False)
        (directory / f"{section}.yaml").write_text(text)
    root = {"version": 1, "include": [f"{section}.yaml" for section in sections]}
    (directory / "flexplan.yaml").write_text(yaml.safe_dump(root, sort_keys=False))
