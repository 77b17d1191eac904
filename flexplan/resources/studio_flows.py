"""Studio flows (``studio_flows``): Studio v2 ``/v2/Flows``, identified by friendly name.

The definition is written inline (``definition:``) or in a JSON file
(``definition_file:``, relative to the YAML file); the manifest layer loads
the file and fills ``${NAME}`` placeholders from the flow's ``vars`` then the
manifest's variables. Look-up-valued ``vars`` stay as ``${NAME}`` in the
definition until the plan resolves them (``studio.fill_placeholders``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from flexplan.resources._sdk import drop_none, to_dict
from flexplan.resources._studio_diff import diff_definitions
from flexplan.resources.base import Problem, ResourceKind, ResourceSpec
from flexplan.resources.fields import FlowVar, Lookup, Sid
from flexplan.resources.live import LiveObject, fingerprint_of
from flexplan.studio import check_definition, fill_placeholders, normalize_definition

FlowSid = Annotated[str, Sid("FW", "Studio flow")]


class StudioFlowSpec(ResourceSpec):
    """A Studio flow: ``friendly_name`` identifies it in the account."""

    sid: FlowSid | None = None
    friendly_name: str = Field(min_length=1)
    status: Literal["draft", "published"] | None = None
    definition: dict[str, Any] | None = Field(
        default=None, description="the flow definition (Studio's JSON) written as YAML"
    )
    definition_file: str | None = Field(
        default=None,
        min_length=1,
        description="JSON file with the definition, relative to this file",
    )
    commit_message: str | None = None
    vars: dict[str, FlowVar] | None = Field(
        default=None, description="values for ${NAME} placeholders in the definition"
    )

    @model_validator(mode="after")
    def _one_definition_source(self) -> StudioFlowSpec:
        if self.definition is not None and self.definition_file is not None:
            raise ValueError("give either definition or definition_file, not both")
        return self


# The Studio flows a new Flex account starts with (names vary between accounts).
DEFAULT_FLOWS = frozenset({"Messaging Flow", "Webchat Flow", "Voice IVR"})
# Fields that are the same in the list and in a fetch: a fingerprint must not depend
# on whether the definition was fetched.
_NOT_FINGERPRINTED = ("url", "links", "definition", "valid", "errors", "warnings", "webhook_url")


class StudioFlowKind(ResourceKind):
    section: ClassVar[str] = "studio_flows"
    address: ClassVar[str] = "studio_flow"
    title: ClassVar[str] = "Studio flow"
    spec_model: ClassVar[type[ResourceSpec]] = StudioFlowSpec
    rank: ClassVar[int] = 10
    rich_paths: ClassVar[frozenset[str]] = frozenset({"definition"})
    # subtrees whose bare ${NAME} placeholders belong to the kind, not the manifest
    template_fields: ClassVar[tuple[str, ...]] = ("definition",)
    # the manifest layer loads JSON named by the key into the value's field
    file_fields: ClassVar[dict[str, str]] = {"definition_file": "definition"}

    def template_values(
        self, spec: ResourceSpec, variables: Mapping[str, str]
    ) -> tuple[dict[str, str], frozenset[str]]:
        """Values for ``${NAME}`` in the definition (flow vars over ``variables``),
        and the names kept for the plan to fill (look-up vars)."""
        assert isinstance(spec, StudioFlowSpec)
        own = spec.vars or {}
        keep = frozenset(k for k, v in own.items() if isinstance(v, Lookup))
        values = {**variables, **{k: v for k, v in own.items() if isinstance(v, str)}}
        return {k: v for k, v in values.items() if k not in keep}, keep

    def check(self, name: str, spec: ResourceSpec) -> Iterable[Problem]:
        assert isinstance(spec, StudioFlowSpec)
        if spec.state == "absent":
            return []
        if spec.definition is None:
            if spec.definition_file is not None:
                return []  # the file could not be loaded; that is reported already
            return [
                Problem(
                    "a Studio flow needs a definition", (), "add definition_file: or definition:"
                )
            ]
        return [
            Problem(p.message, ("definition", *p.path), p.hint)
            for p in check_definition(spec.definition)
        ]

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        assert isinstance(spec, StudioFlowSpec)
        return (spec.friendly_name,)

    def display(self, spec: ResourceSpec, name: str) -> str:
        assert isinstance(spec, StudioFlowSpec)
        return spec.friendly_name

    def lookups(self, spec: ResourceSpec) -> Sequence[Any]:
        return [v for v in (getattr(spec, "vars", None) or {}).values() if isinstance(v, Lookup)]

    def read(self, ctx: Any, specs: Sequence[tuple[str, ResourceSpec]]) -> list[LiveObject]:
        flows = [to_dict(f) for f in ctx.client.studio.v2.flows.stream(page_size=1000)]
        names = {getattr(spec, "friendly_name", None) for _, spec in specs}
        sids = {spec.sid for _, spec in specs if spec.sid}
        managed = [f["sid"] for f in flows if f["friendly_name"] in names or f["sid"] in sids]
        fetched = dict(
            zip(managed, ctx.map(lambda sid: _fetch(ctx.client, sid), managed), strict=True)
        )
        return [to_live(fetched.get(f["sid"], f)) for f in flows]

    def desired_state(self, name: str, spec: ResourceSpec, resolver: Any) -> dict[str, Any]:
        values = {
            key: resolver.lookup(value)
            for key, value in (getattr(spec, "vars", None) or {}).items()
            if isinstance(value, Lookup)
        }
        definition = getattr(spec, "definition", None)
        state: dict[str, Any] = {"friendly_name": spec.friendly_name}
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

    def update(
        self, client: Any, live: LiveObject, desired: dict[str, Any], ctx: Any
    ) -> LiveObject:
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


KIND = StudioFlowKind()
