"""The HTTP layer: one threaded HTTP/1.1 server for all five Twilio hosts.

The API is chosen by the first path segment (``/flex-api/v1/FlexFlows``, the
form flexplan's client rewrites ``https://flex-api.twilio.com/v1/FlexFlows``
to) or, failing that, by the Host header (``flex-api.twilio.com``). Each
request goes: latency -> concurrency slot (429, after the latency as a real
server answers it) -> injected fault -> Basic auth (401) -> route (404/405) ->
handler under the store lock -> save -> answer (mangled by an answer fault).
``/__sandbox/stats``, ``/__sandbox/reset`` and ``/__sandbox/state`` are control
endpoints: they answer loopback peers only (403 to any other address, even
with ``--host 0.0.0.0``), since they take no credentials.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from flexplan.sandbox.errors import ApiError, not_found, too_many_requests, unauthenticated
from flexplan.sandbox.faults import (
    FAULT_500,
    FAULT_503,
    FAULT_COMMIT_502,
    FAULT_DROP,
    THROTTLED,
    Faults,
)
from flexplan.sandbox.ids import API_HOSTS
from flexplan.sandbox.mangle import send_mangled
from flexplan.sandbox.params import Params
from flexplan.sandbox.recorder import Exchange, Recorder
from flexplan.sandbox.retired import retired_answer
from flexplan.sandbox.routes import Request, Response, Route, Router

if TYPE_CHECKING:
    from flexplan.sandbox.store import Store


class Stats:
    """Request counts by route template, by status, and faults injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.by_route: Counter[str] = Counter()
            self.arrived: Counter[str] = Counter()  # by route, counted before the latency
            self.by_status: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.connections = 0  # TCP connections accepted (a client's pool, seen from here)

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def arrive(self, route: str) -> None:
        """A request was received (``by_route`` counts it once answered, after the latency:
        a test can tell what a client sent after some moment from this)."""
        with self._lock:
            self.arrived[route] += 1

    def count(self, route: str, status: int | str) -> None:
        with self._lock:
            self.by_route[route] += 1
            self.by_status[str(status)] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.by_route.values()),
                "requests": dict(sorted(self.by_route.items())),
                "arrived": dict(sorted(self.arrived.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "faults": dict(sorted(self.faults.items())),
                "connections": self.connections,
            }


class App:
    """Everything a request handler needs, shared by all handler threads."""

    def __init__(
        self, *, store: Store, router: Router, faults: Faults, users: dict[str, str]
    ) -> None:
        self.store = store
        self.router = router
        self.faults = faults
        self.users = users
        self.stats = Stats()
        self.recorder = Recorder()
        self.retired: frozenset[str] = frozenset()  # APIs past end of life (sandbox/retired.py)

    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        expected = self.users.get(user)
        return expected is not None and secrets.compare_digest(expected, password)


def is_loopback_peer(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (also IPv4-mapped); anything unparseable is not."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def control_refused() -> ApiError:
    return ApiError(
        403, 20403, "Forbidden: the sandbox's control endpoints answer loopback clients only"
    )


def split_api(path: str, host: str | None) -> tuple[str | None, str]:
    """(api name, path within that API) from the first segment or the Host header."""
    first, _, rest = path.lstrip("/").partition("/")
    if first in API_HOSTS:
        return first, "/" + rest
    label = (host or "").split(":")[0].split(".")[0]
    return (label if label in API_HOSTS else None), path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "flexplan-sandbox"
    timeout = 15
    # One write per response and no Nagle: small header + body writes otherwise
    # meet delayed ACKs on keep-alive connections and stall for tens of ms.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    app: App  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> bytes:
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204:
            self.wfile.write(data)
        return data

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        if parts.path.startswith("/__sandbox/"):
            self._control(parts.path)
            return
        api, path = split_api(parts.path, self.headers.get("Host"))
        matched = self.app.router.match(self.command, api, path) if api else None
        route = matched[0] if matched else None
        self.app.stats.arrive(route.key if route else "(unmatched)")
        faults = self.app.faults
        if not faults.enter():
            faults.delay()  # a real server's 429 takes a round trip too
            refused = too_many_requests(faults.settings.retry_after)
            self._finish(api, path, parts.query, body, route, refused)
            return
        try:
            faults.delay()
            self._api(api, path, parts.query, body, matched)
        finally:
            faults.leave()

    def _api(
        self,
        api: str | None,
        path: str,
        query: str,
        body: bytes,
        matched: tuple[Route, dict[str, str]] | None,
    ) -> None:
        app = self.app
        fault = app.faults.draw()
        route = matched[0] if matched else None
        if route is not None and app.faults.answer_fault(route.key, throttled=True):
            app.stats.fault(THROTTLED)
            refused = too_many_requests(app.faults.settings.retry_after)
            self._finish(api, path, query, body, route, refused)
            return
        if fault == FAULT_DROP:
            app.stats.fault(fault)
            app.stats.count(route.key if route else "(unmatched)", "dropped")
            self.close_connection = True
            return
        if fault is None and route is not None and route.key in app.faults.fail_routes:
            fault = FAULT_503 if app.faults.settings.fail_status == 503 else FAULT_500
        if fault is not None:
            app.stats.fault(fault)
            code = 500 if fault == FAULT_500 else 503
            message = "Internal Server Error" if code == 500 else "Service Unavailable"
            self._finish(api, path, query, body, route, ApiError(code, 20000 + code, message))
            return
        outcome = self._dispatch(api, path, query, body, matched)
        if self.command == "GET" and isinstance(outcome, Response) and outcome.status == 200:
            outcome = Response(outcome.status, app.faults.stripped(outcome.body))
        if self.command != "GET" and isinstance(outcome, Response) and outcome.status < 300:
            outcome = self._after_commit(outcome, route.key if route else None)
        self._finish(api, path, query, body, route, outcome)

    def _after_commit(self, outcome: Response, route: str | None) -> Response | ApiError:
        """A write that was carried out, answered 502 or late (``commit_*`` knobs)."""
        fault = self.app.faults.draw_after_commit(route)
        if fault is None:
            return outcome
        self.app.stats.fault(fault)
        if fault == FAULT_COMMIT_502:
            return ApiError(502, 20502, "Bad Gateway")
        time.sleep(self.app.faults.settings.stall_seconds)  # the client has given up by now
        return outcome

    def _dispatch(
        self,
        api: str | None,
        path: str,
        query: str,
        body: bytes,
        matched: tuple[Route, dict[str, str]] | None,
    ) -> Response | ApiError:
        app = self.app
        if not app.authorized(self.headers.get("Authorization")):
            return unauthenticated()
        retired = retired_answer(app.retired, api, path)
        if retired is not None:
            return retired
        if matched is None:
            if api and app.router.path_known(api, path):
                return ApiError(405, 20004, "Method not allowed")
            return not_found(path if api is None else f"/{api}{path}")
        route, path_params = matched
        try:
            request = Request(
                method=self.command,
                api=route.api,
                path=path,
                query=Params(parse_qs(query, keep_blank_values=True)),
                form=Params(self._form(body)),
                json=self._json(body),
                store=app.store,
                path_params={k: unquote(v) for k, v in path_params.items()},
            )
            with app.store.lock:
                if self.command == "GET":
                    with app.store.reading(self.path):
                        response = route.handler(request)
                else:
                    response = route.handler(request)
                    app.store.save()
            return response
        except ApiError as error:
            return error

    def _form(self, body: bytes) -> dict[str, list[str]]:
        if "json" in (self.headers.get("Content-Type") or ""):
            return {}
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)

    def _json(self, body: bytes) -> Any:
        if "json" not in (self.headers.get("Content-Type") or "") or not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise ApiError(400, 20001, "The request body is not valid JSON") from None

    def _finish(
        self,
        api: str | None,
        path: str,
        query: str,
        body: bytes,
        route: Route | None,
        outcome: Response | ApiError,
    ) -> None:
        payload: dict[str, Any] | None
        if isinstance(outcome, ApiError):
            status, payload, headers = outcome.status, outcome.body(), outcome.headers
        else:
            status, payload, headers = outcome.status, outcome.body, {}
        mangle = self.app.faults.answer_fault(route.key if route else None)
        self.app.stats.count(route.key if route else "(unmatched)", status)  # before a trickle
        if mangle is None:
            sent = self._send(status, payload, headers)
        else:
            self.app.stats.fault(mangle)
            sent = json.dumps(payload).encode("utf-8") if payload is not None else b""
            send_mangled(self, mangle, status, payload, self.app.faults.settings.trickle_ms)
        self.app.recorder.add(
            Exchange(
                method=self.command,
                api=api or "",
                path=path,
                query=query,
                content_type=self.headers.get("Content-Type") or "",
                body=body,
                status=status,
                response_body=sent,
                route=route.key if route else None,
                basic_auth=(self.headers.get("Authorization") or "").startswith("Basic "),
            )
        )

    def _control(self, path: str) -> None:
        if not is_loopback_peer(str(self.client_address[0])):
            self._send(403, control_refused().body())
        elif path == "/__sandbox/stats" and self.command == "GET":
            self._send(200, self.app.stats.as_dict())
        elif path == "/__sandbox/reset" and self.command == "POST":
            self.app.store.reset()
            self.app.stats.clear()
            self._send(200, {"reset": True})
        elif path == "/__sandbox/state" and self.command == "GET":
            self._send(200, self.app.store.snapshot())
        else:
            self._send(404, not_found(path).body())


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    stats: Stats | None = None  # counts the connections it accepts

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.stats is not None:
            self.stats.connected()
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (its try timed out, a trickle was cut off) is normal
        traffic, not a server error: no traceback on the terminal of `--sandbox`."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(host: str, port: int, app: App) -> SandboxHTTPServer:
    handler = type("BoundHandler", (Handler,), {"app": app})
    server = SandboxHTTPServer((host, port), handler)
    server.stats = app.stats
    return server
