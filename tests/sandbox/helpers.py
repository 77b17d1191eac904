"""Small helpers for the sandbox tests."""

from __future__ import annotations

from typing import Any

import requests

from flexplan.sandbox import SandboxServer


def raw(server: SandboxServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A request straight to the sandbox (no SDK), with the sandbox's credentials."""
    kwargs.setdefault("auth", (server.account_sid, server.auth_token))
    kwargs.setdefault("timeout", 10)
    return requests.request(method, server.base_url + path, **kwargs)


STUDIO_DEFINITION: dict[str, Any] = {
    "description": "test",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [{"event": "incomingMessage", "next": "Hello"}],
            "properties": {"offset": {"x": 0, "y": 0}},
        },
        {
            "name": "Hello",
            "type": "send-message",
            "transitions": [{"event": "sent"}, {"event": "failed"}],
            "properties": {"body": "hi", "offset": {"x": 0, "y": 200}},
        },
    ],
    "initial_state": "Trigger",
    "flags": {"allow_concurrent_calls": True},
}
