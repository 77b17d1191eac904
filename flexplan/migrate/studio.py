"""Studio definitions moved from the Incoming Message trigger to the Incoming Conversation one.

``rewire`` keeps the flow's logic: the trigger's ``incomingConversationMessage``
leads to the widget ``incomingMessage`` led to. Send to Flex widgets reachable
from there get the task channel Flex Conversations routes with (Programmable
Chat, unique name ``chat``), and ``trigger.message.*`` variables that the
conversation trigger also sets are renamed ``trigger.conversation.*``.
``send_to_flex_definition`` writes the flow that replaces a ``task`` integration.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flexplan.sensitive import masked_text

LEGACY_EVENT = "incomingMessage"
CONVERSATION_EVENT = "incomingConversationMessage"
SEND_TO_FLEX = "send-to-flex"
CHAT_TASK_CHANNEL = "chat"  # TaskRouter's "Programmable Chat" task channel
TASK_CHANNEL_VAR = "CONVERSATIONS_TASK_CHANNEL"
TRIGGER_EVENTS = (LEGACY_EVENT, "incomingCall", CONVERSATION_EVENT, "incomingRequest",
                  "incomingParent")  # fmt: skip

# Incoming Message variables the Incoming Conversation trigger sets under the same name
_SAME_VARIABLES = ("AccountSid", "Body", "ChannelSid", "From", "MessageSid", "MessagingServiceSid")
_RENAMED = re.compile(r"trigger\.message\.(" + "|".join(_SAME_VARIABLES) + r")\b")
# the legacy chat channel's "from" attribute is the customer, as a conversation's From is
_CHANNEL_FROM = re.compile(r"trigger\.message\.ChannelAttributes\.from\b")
_LEFT = re.compile(r"trigger\.message\.[A-Za-z0-9_.]+")
_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# a messaging widget's own service and channel: the Studio canvas fills them with
# trigger.message.InstanceSid / ChannelSid, and Twilio's Conversations templates keep those
_CANVAS_DEFAULTS = frozenset({"service", "channel"})


@dataclass
class Rewired:
    """A rewired definition and flow ``vars``, what changed and what could not be done."""

    definition: dict[str, Any]
    vars: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def rewire(definition: Mapping[str, Any], flow_vars: Mapping[str, Any] | None) -> Rewired:
    """``definition`` started by the Incoming Conversation trigger (see the module)."""
    result = Rewired(copy.deepcopy(dict(definition)), copy.deepcopy(dict(flow_vars or {})))
    states = [s for s in result.definition.get("states") or [] if isinstance(s, dict)]
    trigger = next((s for s in states if s.get("type") == "trigger"), None)
    if trigger is None:
        result.problems.append("the definition has no trigger widget")
        return result
    start = _move_trigger(trigger, result)
    if start is None:
        return result
    by_name = {s.get("name"): s for s in states}
    reached = [by_name[n] for n in _reachable(start, by_name)]
    for state in reached:
        _rename_variables(state, result)
        if state.get("type") == SEND_TO_FLEX:
            _chat_channel(state, result)
    if not any(s.get("type") == SEND_TO_FLEX for s in reached):
        result.problems.append(
            f"no Send to Flex widget is reachable from {CONVERSATION_EVENT} (widget "
            f"'{start}'): conversations from this address would never reach an agent"
        )
    return result


def starts_on_conversation(definition: Mapping[str, Any]) -> bool:
    """Whether the trigger's ``incomingConversationMessage`` leads to a widget."""
    for state in definition.get("states") or []:
        if isinstance(state, dict) and state.get("type") == "trigger":
            for transition in state.get("transitions") or []:
                if isinstance(transition, dict) and transition.get("event") == CONVERSATION_EVENT:
                    return bool(transition.get("next"))
    return False


def _move_trigger(trigger: dict[str, Any], result: Rewired) -> str | None:
    """The trigger's conversation transition leads where the legacy one led; its target."""
    transitions = trigger.setdefault("transitions", [])
    by_event = {t.get("event"): t for t in transitions if isinstance(t, dict)}
    legacy = by_event.get(LEGACY_EVENT, {}).get("next")
    current = by_event.get(CONVERSATION_EVENT, {}).get("next")
    if current:
        if legacy and legacy != current:
            result.problems.append(
                f"{CONVERSATION_EVENT} already leads to '{current}'; {LEGACY_EVENT} led to "
                f"'{legacy}' (kept as it is: choose one by hand)"
            )
        return str(current)
    if not legacy:
        result.problems.append(
            f"its trigger's {LEGACY_EVENT} and {CONVERSATION_EVENT} lead to no widget: "
            "nothing to rewire"
        )
        return None
    conversation = by_event.get(CONVERSATION_EVENT)
    if conversation is None:
        conversation = {"event": CONVERSATION_EVENT}
        transitions.append(conversation)
    conversation["next"] = legacy
    by_event[LEGACY_EVENT].pop("next", None)
    result.changes.append(f"trigger: {LEGACY_EVENT} -> {CONVERSATION_EVENT} (next: {legacy})")
    return str(legacy)


def _reachable(start: str, by_name: Mapping[Any, dict[str, Any]]) -> list[str]:
    """State names reachable from ``start`` through transitions, in the order first met."""
    seen: list[str] = []
    todo = [start]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in by_name:
            continue
        seen.append(name)
        for transition in by_name[name].get("transitions") or []:
            target = transition.get("next") if isinstance(transition, dict) else None
            if isinstance(target, str) and target:
                todo.append(target)
    return seen


def _rename_variables(state: dict[str, Any], result: Rewired) -> None:
    properties = state.get("properties")
    if not isinstance(properties, dict):
        return
    renamed = 0
    for key, value in list(properties.items()):
        if not isinstance(value, str) or key in _CANVAS_DEFAULTS:
            continue
        new, n = _RENAMED.subn(r"trigger.conversation.\1", value)
        new, m = _CHANNEL_FROM.subn("trigger.conversation.From", new)
        renamed += n + m
        properties[key] = new
        for left in sorted(set(_LEFT.findall(new))):
            result.problems.append(
                f"widget {_name(state)} reads {left}, which the Incoming Conversation "
                "trigger does not set: replace it by hand (trigger.conversation.* variables)"
            )
    if renamed:
        result.changes.append(
            f"widget {_name(state)}: {renamed} trigger.message variable(s) -> "
            "trigger.conversation"
        )


def _name(state: Mapping[str, Any]) -> str:
    """A widget's name as a note quotes it (what looks secret in it is masked)."""
    return f"'{masked_text(str(state.get('name')))}'"


def _chat_channel(state: dict[str, Any], result: Rewired) -> None:
    """Flex Conversations routes messaging tasks on the Programmable Chat task channel."""
    properties = state.setdefault("properties", {})
    old = properties.get("channel")
    if _is_chat(old, result.vars):
        return
    workspace = _workspace_of(properties.get("workflow"), result.vars)
    lookup: dict[str, Any] = {"task_channel": CHAT_TASK_CHANNEL}
    if workspace is not None:
        lookup["workspace"] = workspace
    result.vars[TASK_CHANNEL_VAR] = lookup
    properties["channel"] = "${" + TASK_CHANNEL_VAR + "}"
    shown = _shown_value(old, result.vars)
    result.changes.append(
        f"Send to Flex {_name(state)}: task channel {shown} -> {CHAT_TASK_CHANNEL} "
        "(Programmable Chat)"
    )


def _var_of(value: Any, flow_vars: Mapping[str, Any]) -> Any:
    match = _PLACEHOLDER.match(value) if isinstance(value, str) else None
    return flow_vars.get(match.group(1)) if match else None


def _is_chat(value: Any, flow_vars: Mapping[str, Any]) -> bool:
    var = _var_of(value, flow_vars)
    return value == CHAT_TASK_CHANNEL or (
        isinstance(var, Mapping) and var.get("task_channel") == CHAT_TASK_CHANNEL
    )


def _workspace_of(workflow: Any, flow_vars: Mapping[str, Any]) -> Any:
    var = _var_of(workflow, flow_vars)
    return var.get("workspace") if isinstance(var, Mapping) else None


def _shown_value(value: Any, flow_vars: Mapping[str, Any]) -> str:
    var = _var_of(value, flow_vars)
    if isinstance(var, Mapping) and "task_channel" in var:
        return str(var["task_channel"])
    return "(none)" if value in (None, "") else str(value)


def send_to_flex_definition(
    description: str, *, priority: int | None, timeout: int | None
) -> dict[str, Any]:
    """A flow whose Incoming Conversation trigger hands the conversation to Flex at once
    (what a ``task`` integration did), on ``${WORKFLOW_SID}`` and the chat task channel."""
    properties: dict[str, Any] = {
        "offset": {"x": 0, "y": 200},
        "workflow": "${WORKFLOW_SID}",
        "channel": "${" + TASK_CHANNEL_VAR + "}",
        "attributes": '{"name": "{{trigger.conversation.From}}"}',
    }
    if priority is not None:
        properties["priority"] = str(priority)
    if timeout is not None:
        properties["timeout"] = str(timeout)
    trigger_transitions = [
        {"event": e, "next": "SendToFlex"} if e == CONVERSATION_EVENT else {"event": e}
        for e in TRIGGER_EVENTS
    ]
    return {
        "description": description,
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": trigger_transitions,
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "SendToFlex",
                "type": SEND_TO_FLEX,
                "transitions": [
                    {"event": "callComplete"},
                    {"event": "failedToEnqueue"},
                    {"event": "callFailure"},
                ],
                "properties": properties,
            },
        ],
    }
