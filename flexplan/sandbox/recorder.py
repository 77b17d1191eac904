"""Keeps every request/response exchange for the OpenAPI contract test.

Off by default; the test fixtures switch it on and validate each exchange
against Twilio's spec at teardown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Exchange:
    method: str
    api: str
    path: str
    query: str
    content_type: str
    body: bytes
    status: int
    response_body: bytes
    route: str | None
    """The matched route key (``GET /flex-api/v1/FlexFlows``), None if no route matched."""
    basic_auth: bool = False
    """Whether the request carried Basic credentials (never the credentials themselves)."""


@dataclass
class Recorder:
    enabled: bool = False
    exchanges: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        if self.enabled:
            with self._lock:
                self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        """Every exchange recorded so far, clearing the record."""
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken
