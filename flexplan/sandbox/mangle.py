"""Answers as a broken proxy between flexplan and Twilio would pass them on.

The request was carried out (the store changed, the exchange is recorded with
the answer Twilio gave); only what reaches the client is mangled. Each mode is
one way a real answer has been seen to go wrong in transit: a body cut short,
a gateway's HTML page, an empty body, a redirect to a login page, a list page
whose list a filter dropped, an answer trickled out a byte at a time.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

_NOT_JSON = b"<html><body><h1>Bad Gateway</h1></body></html>"


def send_mangled(
    handler: BaseHTTPRequestHandler,
    kind: str,
    status: int,
    payload: dict[str, Any] | None,
    trickle_ms: float,
) -> None:
    """Send ``payload`` (with ``status``) the way fault ``kind`` mangles it."""
    data = b"" if payload is None else json.dumps(payload).encode("utf-8")
    content_type = "application/json; charset=utf-8"
    if kind == "redirect":
        status, data = 302, b""
        extra = {"Location": "https://proxy.example.com/login"}
    else:
        extra = {}
    if kind == "not_json":
        data, content_type = _NOT_JSON, "text/html"
    elif kind == "empty":
        data = b""
    elif kind == "missing_key" and isinstance(payload, dict):
        key = (payload.get("meta") or {}).get("key")
        data = json.dumps({k: v for k, v in payload.items() if k != key}).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in extra.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    try:
        if kind == "truncated":  # the length promised, half of it sent, then the line drops
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
        elif kind == "trickle":
            _trickle(handler, data, trickle_ms)
        else:
            handler.wfile.write(data)
    except OSError:  # the client gave up and closed the connection
        handler.close_connection = True


def _trickle(handler: BaseHTTPRequestHandler, data: bytes, trickle_ms: float) -> None:
    """Byte by byte on the socket itself: when the client hangs up, nothing is left in
    the handler's buffer to fail again later."""
    handler.wfile.flush()
    for index in range(len(data)):
        handler.connection.sendall(data[index : index + 1])
        time.sleep(trickle_ms / 1000.0)
