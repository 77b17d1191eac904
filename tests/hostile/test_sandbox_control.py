"""The sandbox's control endpoints answer loopback peers only (issue 10, item 5).

``/__sandbox/state`` hands out the whole account and ``/__sandbox/reset`` wipes
it, without credentials; with ``--host 0.0.0.0`` another machine could reach
them. The live test binds 0.0.0.0 and connects from this machine's own
non-loopback address (no packet leaves the machine); where it has none, the
peer check is still covered through the handler's own function.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket

import pytest

from flexplan.sandbox import running_sandbox

CONTROL = [("GET", "/__sandbox/state"), ("GET", "/__sandbox/stats"), ("POST", "/__sandbox/reset")]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("192.0.2.2", False), ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("fd00::2", False),
     ("0.0.0.0", False), ("", False), ("localhost", False)],
)  # fmt: skip
def test_only_loopback_addresses_are_loopback_peers(address: str, loopback: bool) -> None:
    from flexplan.sandbox.httpd import is_loopback_peer  # the handler's own check

    assert is_loopback_peer(address) is loopback


def own_non_loopback_address() -> str | None:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.123", 9))  # TEST-NET-1: only picks the source address
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    ip = ipaddress.ip_address(address)
    return None if ip.is_loopback or ip.is_unspecified else address


def ask(host: str, port: int, method: str, path: str, source: str) -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_control_endpoints_refuse_a_peer_that_is_not_loopback() -> None:
    address = own_non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    with running_sandbox(host="0.0.0.0") as sandbox:
        sandbox.store.add_address(type="sms", address="+15550001111")
        for method, path in CONTROL:
            status, body = ask(address, sandbox.port, method, path, source=address)
            assert status == 403, (method, path, body)
            assert body["code"] == 20403
            assert "loopback clients only" in body["message"]
            assert "+15550001111" not in json.dumps(body)
        status, state = ask("127.0.0.1", sandbox.port, "GET", "/__sandbox/state", "127.0.0.1")
        assert status == 200 and "+15550001111" in json.dumps(state)  # the reset was refused
