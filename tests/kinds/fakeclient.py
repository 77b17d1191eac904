"""A call-recording stand-in for ``twilio.rest.Client``, answering from a case's data.

Only the client object is replaced: every kind, the reader, the look-ups and the
planner run as they do against Twilio. The fake knows nothing of any resource
kind; it holds the account as JSON by SDK path, the way the twilio SDK names
Twilio's resources:

* ``"flex_api.v1.flex_flow"``: a list resource, a list of objects (Twilio's
  JSON). ``stream``/``list`` answer it, keeping the items whose fields equal
  the filter arguments (``type="sms"``); ``flex_flow("FO…").fetch()`` answers
  the item with that SID (an address configuration also by its ``address``,
  as Twilio fetches one); ``create`` adds an item with a new SID; ``update``
  merges its arguments into the item; ``delete`` removes it.
* ``"flex_api.v1.configuration()"``: an instance resource, one object. ``fetch``
  answers it; ``update`` merges its arguments (or its JSON ``body``) in.

A path segment written with a call, ``workspaces(WS…)``, is the SDK's context
of one item. Every call is recorded, in order, as its path, method and
keyword arguments. Anything the data does not hold answers 404, as Twilio does.
``http_client`` is flexplan's own (its request gate sizes the readers' thread pools);
it never sends a request.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio.base.exceptions import TwilioRestException

from flexplan.twilio_client import FlexplanHttpClient

READS = frozenset({"stream", "list", "fetch"})
WRITES = frozenset({"create", "update", "delete"})
# Twilio's list answers leave these fields to the fetch of one item
LIST_OMITS: dict[str, tuple[str, ...]] = {"studio.v2.flows": ("definition",)}
# the SID prefix of an item a create makes, by the list resource's last segment
CREATED_PREFIX: dict[str, str] = {
    "flex_flow": "FO", "address_configurations": "IG", "flows": "FW", "task_queues": "WQ",
    "workflows": "WW", "task_channels": "TC", "services": "IS", "workspaces": "WS",
}  # fmt: skip
# the SDK path of each look-up type's list (scoped ones inside the only workspace)
LOOKUP_LISTS: dict[str, tuple[str, str]] = {
    "chat_service": ("chat.v2.services", "friendly_name"),
    "conversation_service": ("conversations.v1.services", "friendly_name"),
    "workspace": ("taskrouter.v1.workspaces", "friendly_name"),
    "workflow": ("taskrouter.v1.workspaces({ws}).workflows", "friendly_name"),
    "task_channel": ("taskrouter.v1.workspaces({ws}).task_channels", "unique_name"),
}


@dataclass(frozen=True)
class Call:
    path: str  # "flex_api.v1.flex_flow(FO…)"
    method: str  # "update"
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_read(self) -> bool:
        return self.method in READS

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"call": f"{self.path}.{self.method}"}
        if self.kwargs:
            out["args"] = plain(self.kwargs)
        return out


def plain(value: Any) -> Any:
    """A call argument as JSON data: the SDK's JSON body as its dict, ``Named`` as its SID."""
    if hasattr(value, "to_dict") and isinstance(value, dict):
        return plain(value.to_dict())
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)
    return value


class FakeInstance:
    """An SDK instance: the JSON's fields as attributes (``None`` for any other)."""

    def __init__(self, raw: Mapping[str, Any]):
        self.__dict__.update(copy.deepcopy(dict(raw)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None


class FakeTwilio:
    """The account as data, and every SDK call made on it (``calls``)."""

    def __init__(self, data: Mapping[str, Any]):
        self.data: dict[str, Any] = copy.deepcopy(dict(data))
        self.calls: list[Call] = []
        self._created = 0
        self.applying = False  # set by the runner once the plan is read and built
        # flexplan sizes its thread pools by the client's request gate; no request is sent
        self.http_client = FlexplanHttpClient(parallelism=2)

    def __getattr__(self, name: str) -> _Node:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Node(self, (name,))

    # -- answering ------------------------------------------------------------------
    def answer(self, path: tuple[str, ...], method: str, kwargs: dict[str, Any]) -> Any:
        where = ".".join(path)
        self.calls.append(Call(where, method, dict(kwargs)))
        if method in ("stream", "list"):
            items = self._listed(where, kwargs)
            return iter(items) if method == "stream" else items
        if method == "fetch":
            return FakeInstance(self._one(path))
        if method == "create":
            return FakeInstance(self._create(where, kwargs))
        if method == "update":
            return FakeInstance(self._update(path, kwargs))
        if method == "delete":
            self._delete(path)
            return True
        raise AssertionError(f"the fake client has no answer for {where}.{method}")

    def _listed(self, where: str, filters: Mapping[str, Any]) -> list[FakeInstance]:
        items = self.data.get(where, [])
        if not isinstance(items, list):
            raise _not_found(where)
        omitted = LIST_OMITS.get(where, ())
        return [
            FakeInstance({k: v for k, v in item.items() if k not in omitted})
            for item in items
            if all(item.get(k) == v for k, v in filters.items() if k in item)
        ]

    def _one(self, path: tuple[str, ...]) -> dict[str, Any]:
        where = ".".join(path)
        single = self.data.get(where)
        if isinstance(single, dict):
            return single
        collection, ident = _split(path)
        for item in self.data.get(collection, []) if collection else []:
            if ident in (item.get("sid"), item.get("address")):
                return dict(item)
        raise _not_found(where)

    def _item(self, path: tuple[str, ...]) -> dict[str, Any]:
        """The stored object itself (not a copy): writes change it."""
        where = ".".join(path)
        single = self.data.get(where)
        if isinstance(single, dict):
            return single
        collection, ident = _split(path)
        for item in self.data.get(collection, []) if collection else []:
            if item.get("sid") == ident:
                return item
        raise _not_found(where)

    def _create(self, where: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        self._created += 1
        prefix = CREATED_PREFIX.get(where.rsplit(".", 1)[-1], "XX")
        sid = prefix + ("c" * 32 + f"{self._created:x}")[-32:]
        item = {"sid": sid, **plain(dict(kwargs))}
        self.data.setdefault(where, []).append(item)
        return item

    def _update(self, path: tuple[str, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        item = self._item(path)
        changes = plain(kwargs["body"]) if set(kwargs) == {"body"} else plain(dict(kwargs))
        item.update(changes)
        return item

    def _delete(self, path: tuple[str, ...]) -> None:
        collection, ident = _split(path)
        items = self.data.get(collection or "", [])
        kept = [i for i in items if i.get("sid") != ident]
        if collection is None or len(kept) == len(items):
            raise _not_found(".".join(path))
        self.data[collection] = kept

    def writes(self) -> list[Call]:
        return [c for c in self.calls if not c.is_read]


class _Node:
    """A place in the SDK's tree of resources: attribute access goes down, a call either
    names one item (a context) or, for a method name, asks the fake for its answer."""

    def __init__(self, client: FakeTwilio, path: tuple[str, ...]):
        self._client = client
        self._path = path

    def __getattr__(self, name: str) -> _Node:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Node(self._client, (*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        *parent, last = self._path
        if last in READS | WRITES and not args:
            return self._client.answer(tuple(parent), last, kwargs)
        if last in READS | WRITES:
            raise AssertionError(f"{'.'.join(self._path)} called with positional arguments")
        inside = ", ".join(str(a) for a in args)
        return _Node(self._client, (*parent, f"{last}({inside})"))

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError(f"{'.'.join(self._path)} is not a list; call stream()")


def _split(path: tuple[str, ...]) -> tuple[str | None, str]:
    """``(…, "flex_flow(FO1)")`` -> (``"….flex_flow"``, ``"FO1"``)."""
    *parent, last = path
    name, bracket, rest = last.partition("(")
    if not bracket or not rest.endswith(")") or rest == ")":
        return None, ""
    return ".".join((*parent, name)), rest[:-1]


def _not_found(where: str) -> TwilioRestException:
    return TwilioRestException(
        404, f"https://fake.twilio/{where}", msg="The requested resource was not found",
        code=20404,
    )  # fmt: skip


def account_data(live_raw: Mapping[str, Any], lookups: Mapping[str, Any]) -> dict[str, Any]:
    """The fake's data: ``live_raw`` by SDK path, with each look-up answer ``{type: {name:
    SID}}`` added to its list (workflows and task channels in the only workspace)."""
    data = copy.deepcopy(dict(live_raw))
    spaces = {**(lookups.get("workspace") or {})}
    for item in data.get("taskrouter.v1.workspaces", []):
        spaces.setdefault(item.get("friendly_name"), item.get("sid"))
    for kind, answers in lookups.items():
        path, by = LOOKUP_LISTS[kind]
        if "{ws}" in path:
            if len(spaces) != 1:
                raise AssertionError(f"lookups.{kind} needs exactly one workspace in the case")
            path = path.format(ws=next(iter(spaces.values())))
        items = data.setdefault(path, [])
        for name, sid in answers.items():
            items.append({"sid": sid, by: name})
    return data


def unknown_keywords(call: Call) -> list[str]:
    """The keyword arguments of ``call`` that the twilio SDK's own method does not take
    (walked on a real, offline ``twilio.rest.Client``): the fake accepts anything, the
    SDK would raise."""
    return sorted(set(call.kwargs) - _sdk_parameters(call.path, call.method))


@functools.cache
def _sdk_parameters(path: str, method: str) -> frozenset[str]:
    import inspect

    from twilio.rest import Client

    node: Any = Client("AC" + "0" * 32, "offline")
    for segment in path.split("."):
        name, bracket, rest = segment.partition("(")
        node = getattr(node, name)
        if bracket:
            node = node(rest[:-1]) if rest[:-1] else node()
    return frozenset(inspect.signature(getattr(node, method)).parameters)
