from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._studio_diff import diff_definitions
from flexplan.resources.base import ResourceSpec
from flexplan.resources.fields import Lookup
from flexplan.resources.live import LiveObject, fingerprint_of
from flexplan.studio import fill_placeholders, normalize_definition

# The Studio flows a new Flex account starts with (names vary between accounts).
DEFAULT_FLOWS = frozenset({"Messaging Flow", "Webchat Flow", "Voice IVR"})
# Fields that are the same in the list and in a fetch: a fingerprint must not depend
# on whether the definition was fetched.
_NOT_FINGERPRINTED = ("url", "links", "definition", "valid", "errors", "warnings", "webhook_url")


class StudioFlowLive:
    rank: ClassVar[int] = 10
    rich_paths: ClassVar[frozenset[str]] = frozenset({"definition"})

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        return [v for v in (getattr(spec, "vars", None) or {}).values() if isinstance(v, Lookup)]

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[LiveObject]:
        flows = [to_dict(f) for f in ctx.client.studio.v2.flows.stream(page_size=1000)]
        names = {getattr(spec, "friendly_name", None) for _, spec in specs}
        sids = {spec.sid for _, spec in specs if spec.sid}
        managed = [f["sid"] for f in flows if f["friendly_name"] in names or f["sid"] in sids]
        fetched = dict(zip(managed, ctx.map(lambda sid: _fetch(ctx.client, sid), managed), strict=True))
        return [to_live(fetched.get(f["sid"], f)) for f in flows]

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        values = {
            key: resolver.lookup(value)
            for key, value in (getattr(spec, "vars", None) or {}).items()
            if isinstance(value, Lookup)
        }
        definition = getattr(spec, "definition", None)
        state: dict[str, Any] = {"friendly_name": getattr(spec, "friendly_name")}
        if getattr(spec, "status", None) is not None:
            state["status"] = spec.status  # type: ignore[attr-defined]
        if definition is not None:
            state["definition"] = normalize_definition(fill_placeholders(definition, values))
        return state

    def rich_diff(self, path: str, before: Any, after: Any) -> Any:
        return diff_definitions(before, after)

    def create(self, client: Any, desired: dict[str, Any], ctx: Any) -> LiveObject:
        created = client.studio.v2.flows.create(
            friendly_name=desired["friendly_name"],
            status=desired.get("status", "published"),
            definition=desired.get("definition"),
            commit_message=ctx.commit_message,
        )
        return to_live(to_dict(created))

    def update(self, client: Any, live: LiveObject, desired: dict[str, Any], ctx: Any) -> LiveObject:
        updated = client.studio.v2.flows(live.sid).update(
            **drop_none(
                {
                    "status": desired.get("status", live.raw.get("status")),
                    "friendly_name": desired.get("friendly_name"),
                    "definition": desired.get("definition"),
                    "commit_message": ctx.commit_message,
                }
            )
        )
        return to_live(to_dict(updated))

    def delete(self, client: Any, live: LiveObject, ctx: Any) -> None:
        client.studio.v2.flows(live.sid).delete()

    def fetch(self, client: Any, live: LiveObject) -> LiveObject:
        return to_live(_fetch(client, str(live.sid)))


def _fetch(client: Any, sid: str) -> dict[str, Any]:
    return to_dict(client.studio.v2.flows(sid).fetch())


def to_live(raw: dict[str, Any]) -> LiveObject:
    state: dict[str, Any] = {"friendly_name": raw.get("friendly_name"), "status": raw.get("status")}
    if raw.get("definition") is not None:
        state["definition"] = normalize_definition(raw["definition"])
    return LiveObject(
        key=(raw.get("friendly_name"),),
        sid=raw.get("sid"),
        label=str(raw.get("friendly_name")),
        raw=raw,
        state=state,
        is_default=raw.get("friendly_name") in DEFAULT_FLOWS,
        fingerprint=fingerprint_of(raw, ignore=_NOT_FINGERPRINTED),
    )
