"""Validates sandbox exchanges against Twilio's OpenAPI specs (openapi-core).

Every request the twilio SDK sent and every response the sandbox gave is
checked against the trimmed copy of Twilio's spec in ``openapi/`` (MIT, see
``openapi/LICENSE``):
- 2xx: request and response must both match the operation;
- 4xx/5xx: the response must be Twilio's error shape; the request must match
  the operation too;
requests are not checked when the test declared that it sends invalid ones
on purpose (``allow_invalid_requests``), when the route does not exist (404
on an unknown path) or for 401s (credentials are checked before routing).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jsonschema
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from flexplan.sandbox.ids import API_HOSTS
from flexplan.sandbox.recorder import Exchange

SPECS = Path(__file__).parent / "openapi"
SPEC_OF_API = {
    "flex-api": "twilio_flex_v1.json",
    "conversations": "twilio_conversations_v1.json",
    "studio": "twilio_studio_v2.json",
    "taskrouter": "twilio_taskrouter_v1.json",
    "chat": "twilio_chat_v2.json",
    "sync": "twilio_sync_v1.json",
}
# Twilio's error body (https://www.twilio.com/docs/usage/twilios-response).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string", "pattern": "^https://www\\.twilio\\.com/docs/errors/\\d+$"},
        "status": {"type": "integer"},
        "details": {"type": "object"},
    },
}


@cache
def openapi_for(api: str) -> OpenAPI:
    spec = json.loads((SPECS / SPEC_OF_API[api]).read_text(encoding="utf-8"))
    return OpenAPI.from_dict(spec)


def _request(exchange: Exchange) -> MockRequest:
    args: dict[str, Any] = {}
    for key, value in parse_qsl(exchange.query, keep_blank_values=True):
        args[key] = value
    content_type = exchange.content_type.split(";")[0].strip() or "application/json"
    return MockRequest(
        API_HOSTS[exchange.api],
        exchange.method,
        exchange.path,
        args=args,
        data=exchange.body or None,
        content_type=content_type,
        headers={"Authorization": "Basic eDp5"} if exchange.basic_auth else None,
    )


def _explain(exc: Exception) -> str:
    causes = [str(exc)]
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 4:
        causes.append(str(cause).splitlines()[0] if str(cause) else type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    for sub in getattr(exc, "schema_errors", []) or []:
        causes.append(getattr(sub, "message", str(sub)))
    return " | ".join(dict.fromkeys(causes))


def check_exchange(exchange: Exchange, *, allow_invalid_requests: bool = False) -> list[str]:
    """Problems with one exchange (empty when it matches Twilio's spec)."""
    where = f"{exchange.method} /{exchange.api}{exchange.path} -> {exchange.status}"
    problems: list[str] = []
    if exchange.api not in SPEC_OF_API or exchange.route is None:
        if exchange.status < 400:
            problems.append(f"{where}: answered a path that is not in Twilio's spec")
        return problems + _check_error(where, exchange)
    openapi = openapi_for(exchange.api)
    request = _request(exchange)
    skip_request = exchange.status == 401 or allow_invalid_requests
    if not skip_request:
        try:
            openapi.validate_request(request)
        except Exception as exc:  # openapi-core raises several unrelated types
            problems.append(f"{where}: request does not match the spec: {_explain(exc)}")
    if exchange.status >= 400:
        return problems + _check_error(where, exchange)
    response = MockResponse(exchange.response_body, status_code=exchange.status)
    if exchange.status == 204:
        response = MockResponse(b"", status_code=204, content_type="")
    try:
        openapi.validate_response(request, response)
    except Exception as exc:
        problems.append(f"{where}: response does not match the spec: {_explain(exc)}")
    return problems


def _check_error(where: str, exchange: Exchange) -> list[str]:
    try:
        body = json.loads(exchange.response_body)
        jsonschema.validate(body, ERROR_SCHEMA)
    except (ValueError, jsonschema.ValidationError) as exc:
        return [f"{where}: error body is not Twilio's shape: {str(exc).splitlines()[0]}"]
    if body["status"] != exchange.status:
        return [f"{where}: error body says status {body['status']}"]
    return []


def check_all(exchanges: list[Exchange], *, allow_invalid_requests: bool = False) -> list[str]:
    problems: list[str] = []
    for exchange in exchanges:
        problems.extend(check_exchange(exchange, allow_invalid_requests=allow_invalid_requests))
    return problems
