"""Flex Configuration: one document per account, which several kinds write parts of.

It has no conditional update, so a write is read-modify-write: read the document,
change only the part a resource owns, send it back, read it back. Writes from
this process take turns (one lock for every kind writing the document); another
writer (the Console, a run with --lock=false) can still slip in between the read
and the write, so a read-back that shows the part not as written, or another part
changed, makes the write merge again onto the newer document and send again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flexplan.errors import FlexplanError
from flexplan.resources._sdk import JsonBody, to_dict

if TYPE_CHECKING:
    from twilio.rest import Client  # a type only: kinds load without the SDK (validate)

WRITE_ATTEMPTS = 3
_WRITE_LOCK = threading.Lock()

Document = dict[str, Any]


def read_configuration(client: Client) -> Document:
    """The account's Flex Configuration as JSON data."""
    return to_dict(client.flex_api.v1.configuration().fetch())


def write_configuration(
    client: Client,
    what: str,
    change: Callable[[Document], Document],
    settled: Callable[[Document, Document], bool],
) -> Document:
    """Send ``change(current document)`` (the top-level keys to replace) until the read-back
    is ``settled(before, after)``; the document after the write.

    ``what`` names the writer in the error when the document keeps changing
    ("channel_config sms").
    """
    with _WRITE_LOCK:
        for _ in range(WRITE_ATTEMPTS):
            config = read_configuration(client)
            body = {"account_sid": config.get("account_sid"), **change(config)}
            client.flex_api.v1.configuration().update(body=JsonBody(body))
            after = read_configuration(client)
            if settled(config, after):
                return after
    raise FlexplanError(
        f"Flex Configuration kept changing while {what} was written ({WRITE_ATTEMPTS} "
        "tries): another writer is changing it",
        hint="stop the other writer (or the Console), then run apply again",
    )
