"""The fresh Flex account every sandbox starts from.

What a newly provisioned Flex account holds (friendly names vary between real
accounts, so flexplan treats them as data, never as constants): Flex Flows
for inbound SMS and web chat (both ``studio``), Studio flows for messaging,
web chat and voice, the Flex Chat Service and a Conversations service, the
TaskRouter workspace "Flex Task Assignment" with workflow "Assign to Anyone"
and task channels ``default voice chat sms video email``, and a Flex
Configuration. SIDs and dates are fixed so that the seed is identical on every
start.
"""

from __future__ import annotations

import copy
from typing import Any

from flexplan.sandbox.ids import SEED_DATE, fixed_sid, url
from flexplan.sandbox.seed_flex import flex_configuration
from flexplan.sandbox.state import FORMAT, Body
from flexplan.sandbox.studio_flows import flow_body, revision_of

CHAT_SERVICE = fixed_sid("IS", "Flex Chat Service")
CONVERSATION_SERVICE = fixed_sid("IS", "Flex Conversation Service")
MESSAGING_SERVICE = fixed_sid("MG", "Flex Messaging Service")
WORKSPACE = fixed_sid("WS", "Flex Task Assignment")
WORKFLOW = fixed_sid("WW", "Assign to Anyone")
QUEUE = fixed_sid("WQ", "Everyone")
SMS_NUMBER = "+15005550006"
TASK_CHANNELS = (
    ("default", "Default"),
    ("voice", "Voice"),
    ("chat", "Programmable Chat"),
    ("sms", "SMS"),
    ("video", "Video"),
    ("email", "Email"),
)
# The messaging flows serve the default legacy Flex Flows and the default chat address at
# once, so they start on both the Incoming Message and the Incoming Conversation trigger.
_MESSAGING = ("incomingMessage", "incomingConversationMessage")
STUDIO_FLOWS = (
    ("Messaging Flow", _MESSAGING, "sms"),
    ("Webchat Flow", _MESSAGING, "chat"),
    ("Voice IVR", ("incomingCall",), "voice"),
)


def _stamp(account: str, sid: str) -> Body:
    return {
        "account_sid": account,
        "sid": sid,
        "date_created": SEED_DATE,
        "date_updated": SEED_DATE,
    }


def _service(account: str, sid: str, name: str, api: str) -> Body:
    base = f"/v1/Services/{sid}" if api == "conversations" else f"/v2/Services/{sid}"
    parts: tuple[str, ...] = (
        "conversations",
        "users",
        "roles",
        "bindings",
        "configuration",
        "participant_conversations",
    )
    if api == "chat":
        parts = ("channels", "users", "roles", "bindings")
    links = {p: url(api, f"{base}/{''.join(w.capitalize() for w in p.split('_'))}") for p in parts}
    body = {**_stamp(account, sid), "friendly_name": name, "url": url(api, base), "links": links}
    if api == "chat":
        body.update(_CHAT_SERVICE_EXTRA)
        body.update(
            {
                f"default_{r}_role_sid": fixed_sid("RL", f"{name}:{r}")
                for r in ("channel_creator", "channel", "service")
            }
        )
    return body


_CHAT_SERVICE_EXTRA: dict[str, Any] = {
    "consumption_report_interval": 10,
    "limits": {"channel_members": 100, "user_channels": 250},
    "notifications": {},
    "post_webhook_url": None,
    "pre_webhook_url": None,
    "pre_webhook_retry_count": 0,
    "post_webhook_retry_count": 0,
    "reachability_enabled": False,
    "read_status_enabled": True,
    "typing_indicator_timeout": 5,
    "webhook_filters": [],
    "webhook_method": "POST",
    "media": {"size_limit_mb": 150, "compatibility_message": "Media messages are not supported"},
}


def _taskrouter(account: str) -> dict[str, dict[str, Body]]:
    ws_base = f"/v1/Workspaces/{WORKSPACE}"
    ws_links = (
        "activities",
        "statistics",
        "real_time_statistics",
        "cumulative_statistics",
        "task_queues",
        "tasks",
        "workers",
        "workflows",
        "task_channels",
        "events",
    )
    offline = fixed_sid("WA", "Offline")
    workspace = {
        **_stamp(account, WORKSPACE),
        "default_activity_name": "Offline",
        "default_activity_sid": offline,
        "event_callback_url": None,
        "events_filter": None,
        "friendly_name": "Flex Task Assignment",
        "links": {
            k: url("taskrouter", f"{ws_base}/{''.join(w.capitalize() for w in k.split('_'))}")
            for k in ws_links
        },
        "multi_task_enabled": True,
        "prioritize_queue_order": "FIFO",
        "timeout_activity_name": "Offline",
        "timeout_activity_sid": offline,
        "url": url("taskrouter", ws_base),
    }
    wf_base = f"{ws_base}/Workflows/{WORKFLOW}"
    config = {"task_routing": {"filters": [], "default_filter": {"queue": QUEUE}}}
    import json

    workflow = {
        **_stamp(account, WORKFLOW),
        "assignment_callback_url": None,
        "configuration": json.dumps(config),
        "document_content_type": "application/json",
        "fallback_assignment_callback_url": None,
        "friendly_name": "Assign to Anyone",
        "task_reservation_timeout": 120,
        "url": url("taskrouter", wf_base),
        "workspace_sid": WORKSPACE,
        "links": {
            k: url("taskrouter", f"{wf_base}/{v}")
            for k, v in (
                ("statistics", "Statistics"),
                ("real_time_statistics", "RealTimeStatistics"),
                ("cumulative_statistics", "CumulativeStatistics"),
            )
        },
    }
    channels = {}
    for unique, name in TASK_CHANNELS:
        sid = fixed_sid("TC", unique)
        channels[sid] = {
            **_stamp(account, sid),
            "friendly_name": name,
            "unique_name": unique,
            "workspace_sid": WORKSPACE,
            "channel_optimized_routing": unique in ("chat", "sms"),
            "url": url("taskrouter", f"{ws_base}/TaskChannels/{sid}"),
            "links": {"workspace": url("taskrouter", ws_base)},
        }
    return {
        "workspaces": {WORKSPACE: workspace},
        "workflows": {WORKFLOW: workflow},
        "task_channels": channels,
        "task_queues": {QUEUE: _queue(account)},
        "activities": _activities(account),
    }


ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False), ("Break", False))


def _activities(account: str) -> dict[str, Body]:
    """Flex's default activities (docs/sandbox.md "The fresh account")."""
    found = {}
    for name, available in ACTIVITIES:
        sid = fixed_sid("WA", name)
        found[sid] = {
            **_stamp(account, sid),
            "available": available,
            "friendly_name": name,
            "workspace_sid": WORKSPACE,
            "url": url("taskrouter", f"/v1/Workspaces/{WORKSPACE}/Activities/{sid}"),
            "links": {"workspace": url("taskrouter", f"/v1/Workspaces/{WORKSPACE}")},
        }
    return found


def _queue(account: str) -> Body:
    base = f"/v1/Workspaces/{WORKSPACE}/TaskQueues/{QUEUE}"
    return {
        **_stamp(account, QUEUE),
        "assignment_activity_sid": None,
        "assignment_activity_name": None,
        "friendly_name": "Everyone",
        "max_reserved_workers": 1,
        "reservation_activity_sid": None,
        "reservation_activity_name": None,
        "target_workers": "1==1",
        "task_order": "FIFO",
        "url": url("taskrouter", base),
        "workspace_sid": WORKSPACE,
        "links": {
            "workspace": url("taskrouter", f"/v1/Workspaces/{WORKSPACE}"),
            "statistics": url("taskrouter", f"{base}/Statistics"),
        },
    }


def studio_definition(trigger_event: str | tuple[str, ...], channel: str) -> dict[str, Any]:
    """A default Flex flow: the trigger (on ``trigger_event``) hands the contact to Flex."""
    starting = (trigger_event,) if isinstance(trigger_event, str) else trigger_event
    trigger_events = (
        "incomingMessage",
        "incomingCall",
        "incomingConversationMessage",
        "incomingRequest",
        "incomingParent",
    )
    transitions = [
        {"event": e, "next": "SendToFlex" if e in starting else None} for e in trigger_events
    ]
    for t in transitions:
        if t["next"] is None:
            del t["next"]
    return {
        "description": "A New Flow",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": transitions,
                "properties": {"offset": {"x": 0, "y": 0}},
            },
            {
                "name": "SendToFlex",
                "type": "send-to-flex",
                "transitions": [
                    {"event": "callComplete"},
                    {"event": "failedToEnqueue"},
                    {"event": "callFailure"},
                ],
                "properties": {
                    "offset": {"x": 20, "y": 370},
                    "workflow": WORKFLOW,
                    "channel": fixed_sid("TC", channel),
                    "attributes": '{"name": "{{trigger.message.ChannelAttributes.from}}"}',
                },
            },
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
    }


def _studio(account: str) -> tuple[dict[str, Body], dict[str, list[Body]]]:
    flows: dict[str, Body] = {}
    revisions: dict[str, list[Body]] = {}
    for name, event, channel in STUDIO_FLOWS:
        sid = fixed_sid("FW", name)
        fields = {
            "friendly_name": name,
            "status": "published",
            "definition": studio_definition(event, channel),
        }
        body = flow_body(account, sid, fields, SEED_DATE)
        flows[sid] = body
        revisions[sid] = [revision_of(body)]
    return flows, revisions


def _flex_flows(account: str) -> dict[str, Body]:
    flows = {}
    for name, channel, identity, studio in (
        ("Flex Messaging Channel Flow", "sms", SMS_NUMBER, "Messaging Flow"),
        ("Flex Web Channel Flow", "web", None, "Webchat Flow"),
    ):
        sid = fixed_sid("FO", name)
        flows[sid] = {
            **_stamp(account, sid),
            "friendly_name": name,
            "chat_service_sid": CHAT_SERVICE,
            "channel_type": channel,
            "contact_identity": identity,
            "enabled": True,
            "integration_type": "studio",
            "integration": {"flow_sid": fixed_sid("FW", studio), "retry_count": 3},
            "long_lived": False,
            "janitor_enabled": True,
            "url": url("flex-api", f"/v1/FlexFlows/{sid}"),
        }
    return flows


def _address(account: str) -> dict[str, Body]:
    sid = fixed_sid("IG", "Flex Web Chat")
    body = {
        "sid": sid,
        "account_sid": account,
        "type": "chat",
        "address": "flex-webchat",
        "friendly_name": "Flex Web Chat",
        "auto_creation": {
            "enabled": True,
            "type": "studio",
            "conversation_service_sid": CONVERSATION_SERVICE,
            "studio_flow_sid": fixed_sid("FW", "Webchat Flow"),
            "studio_retry_count": 3,
        },
        "date_created": SEED_DATE,
        "date_updated": SEED_DATE,
        "url": url("conversations", f"/v1/Configuration/Addresses/{sid}"),
        "address_country": None,
    }
    return {sid: body}


def _conversations_singletons(account: str) -> dict[str, Body]:
    return {
        "conversations_configuration": {
            "account_sid": account,
            "default_chat_service_sid": CONVERSATION_SERVICE,
            "default_messaging_service_sid": MESSAGING_SERVICE,
            "default_inactive_timer": None,
            "default_closed_timer": None,
            "url": url("conversations", "/v1/Configuration"),
            "links": {
                "service": url(
                    "conversations", f"/v1/Services/{CONVERSATION_SERVICE}/Configuration"
                ),
                "webhooks": url("conversations", "/v1/Configuration/Webhooks"),
            },
        },
        "conversations_webhooks": {
            "account_sid": account,
            "pre_webhook_url": None,
            "post_webhook_url": None,
            "method": "POST",
            "filters": [],
            "target": "webhook",
            "url": url("conversations", "/v1/Configuration/Webhooks"),
        },
    }


def fresh_account(account: str) -> dict[str, Any]:
    """The whole state of a freshly provisioned Flex account."""
    flows, revisions = _studio(account)
    state: dict[str, Any] = {
        "format": FORMAT,
        "account_sid": account,
        "counter": 0,
        "flex_flows": _flex_flows(account),
        "addresses": _address(account),
        "studio_flows": flows,
        "revisions": revisions,
        "chat_services": {
            CHAT_SERVICE: _service(account, CHAT_SERVICE, "Flex Chat Service", "chat")
        },
        "conversations_services": {
            CHAT_SERVICE: _service(account, CHAT_SERVICE, "Flex Chat Service", "conversations"),
            CONVERSATION_SERVICE: _service(
                account, CONVERSATION_SERVICE, "Flex Conversation Service", "conversations"
            ),
        },
        **_taskrouter(account),
        "sync_services": {},  # flexplan's lock creates its own service when it needs one
        "sync_documents": {},
        **_conversations_singletons(account),
        "flex_configuration": flex_configuration(account, _ids()),
    }
    return copy.deepcopy(state)


def _ids() -> dict[str, str]:
    return {
        "workspace": WORKSPACE,
        "workflow": WORKFLOW,
        "queue": QUEUE,
        "chat_service": CHAT_SERVICE,
        "conversation_service": CONVERSATION_SERVICE,
        "messaging_service": MESSAGING_SERVICE,
        "offline_activity": fixed_sid("WA", "Offline"),
    }
