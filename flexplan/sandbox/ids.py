"""SIDs, timestamps and public URLs, shaped the way Twilio shapes them.

A SID is a two-letter prefix and 32 lowercase hex digits. The sandbox derives
new SIDs from a seed and a counter (so a given seed gives the same SIDs run
after run) and the fresh-account SIDs from fixed names (identical on every
start).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

SEED_DATE = "2024-01-15T10:00:00Z"

API_HOSTS = {
    "flex-api": "https://flex-api.twilio.com",
    "conversations": "https://conversations.twilio.com",
    "studio": "https://studio.twilio.com",
    "taskrouter": "https://taskrouter.twilio.com",
    "chat": "https://chat.twilio.com",
    "sync": "https://sync.twilio.com",
}


def derived_sid(prefix: str, material: str) -> str:
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
    return f"{prefix}{digest}"


def fixed_sid(prefix: str, name: str) -> str:
    """The SID of a fresh-account resource: the same on every start."""
    return derived_sid(prefix, f"flexplan-sandbox-seed:{prefix}:{name}")


def counter_sid(prefix: str, seed: int, counter: int) -> str:
    return derived_sid(prefix, f"flexplan-sandbox:{seed}:{counter}:{prefix}")


def is_sid(value: str, prefix: str) -> bool:
    """Whether ``value`` matches Twilio's pattern ``^{prefix}[0-9a-fA-F]{32}$``."""
    return re.fullmatch(f"{prefix}[0-9a-fA-F]{{32}}", value) is not None


def now_iso() -> str:
    """UTC now in Twilio's ISO 8601 form (``2016-08-01T22:10:40Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def url(api: str, path: str) -> str:
    """The public URL Twilio would put in ``url`` / ``links`` fields."""
    return f"{API_HOSTS[api]}{path}"
