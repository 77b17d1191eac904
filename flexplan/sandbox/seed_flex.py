"""The fresh account's Flex Configuration (flex-api ``/v1/Configuration``).

Shaped like Twilio's own example body (the one twilio-python's tests use for
flex-api ``/v1/Configuration``); ``channel_configs`` carry the platform
attachment limits of "File Attachments and API Limits".
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.ids import SEED_DATE, fixed_sid, url

_IMAGES = ["jpg", "jpeg", "png", "amr", "mp3", "mp4", "pdf", "heic"]
CHANNEL_LIMITS: dict[str, tuple[int, int, int, list[str]]] = {
    "web": (1, 16777216, 67108864, [*_IMAGES, "txt", "gif"]),
    "sms": (1, 2097152, 5242880, list(_IMAGES)),
    "whatsapp": (1, 16777216, 67108864, [*_IMAGES, "oga"]),
    "email": (10, 157286400, 157286400, [*_IMAGES, "txt", "gif"]),
}


def channel_config(address_type: str, *, enabled: bool = True) -> dict[str, Any]:
    count, size, total, extensions = CHANNEL_LIMITS[address_type]
    return {
        "address_type": address_type,
        "cbm_attachments": {
            "enabled": enabled,
            "number_of_attachments": count,
            "max_file_size": size,
            "max_total_file_size": total,
            "accepted_extensions": extensions,
        },
    }


def flex_configuration(account: str, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "account_sid": account,
        "date_created": SEED_DATE,
        "date_updated": SEED_DATE,
        "attributes": {},
        "status": "ok",
        "taskrouter_workspace_sid": ids["workspace"],
        "taskrouter_target_workflow_sid": ids["workflow"],
        "taskrouter_target_taskqueue_sid": ids["queue"],
        "taskrouter_taskqueues": [{"sid": ids["queue"], "targettable": True}],
        "taskrouter_skills": [],
        "taskrouter_worker_channels": {},
        "taskrouter_worker_attributes": {},
        "taskrouter_offline_activity_sid": ids["offline_activity"],
        "runtime_domain": "https://flexplan-sandbox-1234.twil.io",
        "messaging_service_instance_sid": ids["messaging_service"],
        "chat_service_instance_sid": ids["chat_service"],
        "flex_service_instance_sid": ids["conversation_service"],
        "flex_instance_sid": fixed_sid("GO", "Flex Instance"),
        "ui_language": "en",
        "ui_attributes": {"theme": {"isLight": True}},
        "ui_dependencies": {},
        "ui_version": "~2.8.0",
        "service_version": "1.0",
        "call_recording_enabled": False,
        "call_recording_webhook_url": None,
        "crm_enabled": False,
        "crm_type": None,
        "crm_callback_url": None,
        "crm_fallback_url": None,
        "crm_attributes": {},
        "public_attributes": {},
        "plugin_service_enabled": True,
        "plugin_service_attributes": {},
        "integrations": [],
        "outbound_call_flows": {},
        "serverless_service_sids": [],
        "queue_stats_configuration": {},
        "notifications": {"enabled": True, "mode": "whenNotInFocus"},
        "markdown": {"enabled": False, "mode": "readOnly"},
        "url": url("flex-api", "/v1/Configuration"),
        "flex_insights_hr": {"advanced_reporting_enabled": False},
        "flex_insights_drilldown": False,
        "flex_url": "https://flex.twilio.com/agent-desktop",
        "channel_configs": [channel_config(t) for t in ("web", "sms", "whatsapp")],
        "debugger_integration": {"enabled": False},
        "flex_ui_status_report": {"enabled": False},
        "agent_conv_end_methods": {"wrapup_on_end": True},
        "citrix_voice_vdi": {"enabled": False},
        "offline_config": {"enabled": False},
    }
