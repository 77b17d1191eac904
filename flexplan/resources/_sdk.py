"""Small helpers the kind modules share for talking through the twilio SDK."""

from __future__ import annotations

import datetime as _dt
from typing import Any


def to_dict(instance: Any) -> dict[str, Any]:
    """A twilio SDK instance as a JSON-ready dict of its public fields.

    The SDK turns only top-level date fields into ``datetime``; nested dicts and
    lists are the JSON payload as parsed, so they are taken as they are (walking
    every Studio definition here cost a visible share of plan time).
    """
    out: dict[str, Any] = {}
    for key, value in vars(instance).items():
        if key.startswith("_"):
            continue
        out[key] = value.strftime(_ISO) if isinstance(value, _dt.datetime) else value
    return out


_ISO = "%Y-%m-%dT%H:%M:%SZ"


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for an SDK call, without the ones the manifest leaves out."""
    return {k: v for k, v in values.items() if v is not None}


def api_failure(exc: BaseException, doing: str) -> Exception | None:
    """A clear ``FlexplanError`` for a failed API call, or ``None`` when ``exc`` is a bug.

    Twilio's answer keeps its code and message; a network failure says where it
    could not connect. Credentials never appear (the text goes through redact).
    """
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from flexplan.errors import FlexplanError
    from flexplan.redact import redact

    if isinstance(exc, TwilioRestException):
        code = f" {exc.code}" if exc.code else ""
        message = redact(str(exc.msg or "").strip()) or f"HTTP {exc.status}"
        return FlexplanError(
            f"{doing} failed: Twilio error{code} (HTTP {exc.status}): {message}",
            hint=_hint_for(exc.status, exc.code),
        )
    if isinstance(exc, TwilioException) or _is_network_error(exc):
        return FlexplanError(
            f"{doing} failed: {redact(str(exc)) or type(exc).__name__}",
            hint="check the network and the API address (--api-base / FLEXPLAN_API_BASE), "
            "then run the command again",
        )
    return None


def _is_network_error(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, (requests.exceptions.RequestException, OSError))


def _hint_for(status: int, code: int | None) -> str | None:
    if status == 401 or code == 20003:
        return (
            "check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and "
            "TWILIO_API_SECRET)"
        )
    if status == 429:
        return "Twilio is rate-limiting this account; lower --parallelism and try again"
    if status >= 500:
        return "Twilio had a server error; try again in a moment"
    return None
