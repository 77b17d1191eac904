from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, ClassVar

from flexplan.resources._sdk import to_dict
from flexplan.resources.base import ResourceSpec
from flexplan.resources.live import LiveObject

_ATTACHMENT_FIELDS = (
    "enabled", "number_of_attachments", "max_file_size", "max_total_file_size",
    "accepted_extensions",
)  # fmt: skip
# Flex Configuration is one document: its writes are read-modify-write, one at a time.
_WRITE_LOCK = threading.Lock()


class _JsonBody:
    """What ``configuration().update(body=...)`` expects: an object with ``to_dict``."""

    def __init__(self, payload: dict[str, Any]):
        self.payload = payload

    def to_dict(self) -> dict[str, Any]:
        return self.payload


class ChannelConfigLive:
    rank: ClassVar[int] = 40

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[LiveObject]:
        config = to_dict(ctx.client.flex_api.v1.configuration().fetch())
        return [to_live(entry) for entry in config.get("channel_configs") or []]

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        from flexplan.resources.channel_configs import address_type_of

        state: dict[str, Any] = {"address_type": address_type_of(name, spec)}
        attachments = getattr(spec, "attachments", None)
        if attachments is not None:
            values = attachments.model_dump(exclude_none=True)
            if "accepted_extensions" in values:
                values["accepted_extensions"] = sorted(values["accepted_extensions"])
            state["attachments"] = values
        return state

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> LiveObject:
        return self._write(client, desired["address_type"], desired)

    def update(self, client: Any, live: LiveObject, desired: dict[str, Any], ctx: Any) -> LiveObject:
        return self._write(client, desired["address_type"], desired)

    def delete(self, client: Any, live: LiveObject, ctx: Any) -> None:
        self._write(client, str(live.key[0]), None)

    def fetch(self, client: Any, live: LiveObject) -> LiveObject | None:
        config = to_dict(client.flex_api.v1.configuration().fetch())
        for entry in config.get("channel_configs") or []:
            if entry.get("address_type") == live.key[0]:
                return to_live(entry)
        return None

    def _write(
        self, client: Any, address_type: str, desired: dict[str, Any] | None
    ) -> Any:
        """Re-read, change only this entry, send the array back whole."""
        with _WRITE_LOCK:
            config = to_dict(client.flex_api.v1.configuration().fetch())
            entries = list(config.get("channel_configs") or [])
            index = next(
                (i for i, e in enumerate(entries) if e.get("address_type") == address_type), None
            )
            if desired is None:
                if index is not None:
                    entries.pop(index)
                new_entry = None
            else:
                current = entries[index] if index is not None else {"address_type": address_type}
                new_entry = _merged(current, desired)
                if index is None:
                    entries.append(new_entry)
                else:
                    entries[index] = new_entry
            body = {"account_sid": config.get("account_sid"), "channel_configs": entries}
            client.flex_api.v1.configuration().update(body=_JsonBody(body))
        return to_live(new_entry) if new_entry is not None else None


def _merged(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    entry = dict(current)
    attachments = desired.get("attachments")
    if attachments:
        merged = dict(entry.get("cbm_attachments") or {})
        merged.update(attachments)
        entry["cbm_attachments"] = merged
    return entry


def to_live(entry: dict[str, Any]) -> LiveObject:
    raw_attachments = entry.get("cbm_attachments") or {}
    attachments = {f: raw_attachments.get(f) for f in _ATTACHMENT_FIELDS}
    if isinstance(attachments.get("accepted_extensions"), list):
        attachments["accepted_extensions"] = sorted(attachments["accepted_extensions"])
    address_type = entry.get("address_type")
    return LiveObject(
        key=(address_type,),
        sid=None,
        label=str(address_type),
        raw=entry,
        state={"address_type": address_type, "attachments": attachments},
        is_default=True,
    )
