from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, get_args

from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources.base import Claim, ResourceSpec
from flexplan.resources.fields import number_claim_key
from flexplan.resources.live import LiveObject

PAGE_SIZE = 50  # the Addresses list's maximum page size
# manifest auto_creation field -> API response key (the SDK keyword is auto_creation_<key>)
_AUTO = {
    "enabled": "enabled",
    "type": "type",
    "conversation_service": "conversation_service_sid",
    "webhook_url": "webhook_url",
    "webhook_method": "webhook_method",
    "webhook_filters": "webhook_filters",
    "studio_flow": "studio_flow_sid",
    "studio_retry_count": "studio_retry_count",
}


class ConversationsAddressLive:
    rank: ClassVar[int] = 30
    replace_fields: ClassVar[frozenset[str]] = frozenset({"type", "address", "address_country"})

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        auto = getattr(spec, "auto_creation", None)
        return [auto.conversation_service] if auto and auto.conversation_service else []

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[LiveObject]:
        from flexplan.resources.conversations_addresses import AddressType

        def chain(kind: str) -> list[LiveObject]:
            api = ctx.client.conversations.v1.address_configurations
            return [to_live(to_dict(a)) for a in api.stream(type=kind, page_size=PAGE_SIZE)]

        chains = ctx.map(chain, list(get_args(AddressType)))
        return [obj for objects in chains for obj in objects]

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        state: dict[str, Any] = {"type": spec.type, "address": spec.address}  # type: ignore[attr-defined]
        for field in ("friendly_name", "address_country"):
            if getattr(spec, field, None) is not None:
                state[field] = getattr(spec, field)
        auto = getattr(spec, "auto_creation", None)
        if auto is not None:
            state["auto_creation"] = _desired_auto(auto, resolver)
        return state

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> LiveObject:
        api = client.conversations.v1.address_configurations
        created = api.create(
            type=desired["type"],
            address=desired["address"],
            **drop_none({"address_country": desired.get("address_country")}),
            **_arguments(desired),
        )
        return to_live(to_dict(created))

    def update(self, client: Any, live: LiveObject, desired: dict[str, Any], ctx: Any) -> LiveObject:
        api = client.conversations.v1.address_configurations(live.sid)
        return to_live(to_dict(api.update(**_arguments(desired))))

    def delete(self, client: Any, live: LiveObject, ctx: Any) -> None:
        client.conversations.v1.address_configurations(live.sid).delete()

    def fetch(self, client: Any, live: LiveObject) -> LiveObject:
        return to_live(to_dict(client.conversations.v1.address_configurations(live.sid).fetch()))


def _desired_auto(auto: Any, resolver: Any) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for field in _AUTO:
        value = getattr(auto, field, None)
        if value is None:
            continue
        if field == "studio_flow":
            value = resolver.ref(value)
        elif field == "conversation_service":
            value = resolver.lookup(value)
        elif field == "webhook_filters":
            value = sorted(value)
        state[field] = value
    return state


def _arguments(desired: dict[str, Any]) -> dict[str, Any]:
    auto = desired.get("auto_creation") or {}
    args = {f"auto_creation_{key}": auto.get(field) for field, key in _AUTO.items()}
    args["friendly_name"] = desired.get("friendly_name")
    return drop_none(args)


def to_live(raw: dict[str, Any]) -> LiveObject:
    auto_raw = raw.get("auto_creation") or {}
    auto = {field: auto_raw.get(key) for field, key in _AUTO.items()}
    if isinstance(auto.get("webhook_filters"), list):
        auto["webhook_filters"] = sorted(auto["webhook_filters"])
    state = {
        "type": raw.get("type"),
        "address": raw.get("address"),
        "friendly_name": raw.get("friendly_name"),
        "address_country": raw.get("address_country"),
        "auto_creation": auto,
    }
    address = str(raw.get("address"))
    claims = [Claim(f"address:{address}", f"configures address {address}")]
    number = number_claim_key(address, str(raw.get("type")))
    if number:
        claims.append(Claim(number, f"routes {address} through Conversations"))
    refs = {v for v in (auto.get("studio_flow"), auto.get("conversation_service")) if v}
    return LiveObject(
        key=(raw.get("type"), raw.get("address")),
        sid=raw.get("sid"),
        label=str(raw.get("friendly_name") or f"{raw.get('type')} {address}"),
        raw=raw,
        state=state,
        claims=tuple(claims),
        referenced_sids=frozenset(refs),
    )
