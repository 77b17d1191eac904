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


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of Twilio's answer when ``exc`` carries one (404, 429, 503...)."""
    from twilio.base.exceptions import TwilioRestException

    return exc.status if isinstance(exc, TwilioRestException) else None


def api_failure(exc: BaseException, doing: str) -> Exception | None:
    """A clear ``FlexplanError`` for a failed API call, or ``None`` when ``exc`` is a bug.

    Twilio's answer keeps its code and message; a network failure says where it
    could not connect. Credentials never appear (the text goes through redact).
    """
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from flexplan.errors import FlexplanError
    from flexplan.redact import redact

    answer: tuple[int, int | None, str] | None = None
    if isinstance(exc, TwilioRestException):
        answer = (exc.status, exc.code, str(exc.msg or ""))
    elif isinstance(exc, TwilioException):
        answer = _page_answer(exc)
    if answer is not None:
        status, code_number, text = answer
        code = f" {code_number}" if code_number else ""
        message = redact(text.strip() + details_text(error_details(exc))) or f"HTTP {status}"
        retried = getattr(exc, "retried", None)  # flexplan.twilio_client.RetriedAnswer
        if isinstance(retried, str):
            message += f" ({retried})"
        return FlexplanError(
            f"{doing} failed: Twilio error{code} (HTTP {status}): {message}",
            hint=_hint_for(status, code_number),
        )
    if isinstance(exc, TwilioException) or _is_network_error(exc):
        return FlexplanError(
            f"{doing} failed: {redact(str(exc)) or type(exc).__name__}",
            hint="check the network and the API address (--api-base / FLEXPLAN_API_BASE), "
            "then run the command again",
        )
    return None


def error_details(exc: BaseException) -> list[tuple[str, str]]:
    """``(property_path, message)`` of each failure Twilio lists in an error's ``details``.

    Studio answers a definition it refuses (81022) with ``details.errors[]``, each
    a ``message`` and a ``property_path`` such as ``#/states/3/properties/flow_sid``
    (zingdevlimited/studio-flow-actions reads the same fields). Anything else in
    ``details`` is not a list of failures and gives nothing.
    """
    details = getattr(exc, "details", None)
    errors = details.get("errors") if isinstance(details, dict) else None
    found: list[tuple[str, str]] = []
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, dict) and item.get("message"):
            found.append((str(item.get("property_path") or ""), str(item["message"])))
    return found


def details_text(details: list[tuple[str, str]]) -> str:
    """``: #/states/3/properties/flow_sid: … ; …`` -- the failures after Twilio's message."""
    if not details:
        return ""
    return ": " + "; ".join(f"{path}: {message}" if path else message for path, message in details)


def _page_answer(exc: BaseException) -> tuple[int, int | None, str] | None:
    """Twilio's answer inside the SDK's ``TwilioException("Unable to fetch page", response)``.

    A list whose page request fails raises that plain exception (not a
    ``TwilioRestException``), with the HTTP response as its second argument.
    """
    import json

    response = exc.args[1] if len(exc.args) == 2 else None
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return None
    try:
        body = json.loads(getattr(response, "text", "") or "{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    return status, code, str(body.get("message") or "")


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
        return (
            "Twilio kept answering 429 (too many concurrent requests) until the request's "
            "deadline; try again later, with a longer FLEXPLAN_REQUEST_DEADLINE or a lower "
            "--parallelism"
        )
    if status >= 500:
        return "Twilio had a server error; try again in a moment"
    return None


class JsonBody(dict[str, Any]):
    """A JSON body for the SDK's JSON-bodied updates (Flex Configuration).

    twilio-python 9.x calls ``body.to_dict()`` on what it is given.
    """

    def to_dict(self) -> dict[str, Any]:
        return dict(self)
