"""Studio flows (``studio_flows``): Studio v2 ``/v2/Flows``, identified by friendly name.

The definition is written inline (``definition:``) or in a JSON file
(``definition_file:``, relative to the YAML file); the manifest layer loads
the file and fills ``${NAME}`` placeholders from the flow's ``vars`` then the
manifest's variables. Look-up-valued ``vars`` stay as ``${NAME}`` in the
definition until the plan resolves them (``studio.fill_placeholders``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from flexplan.resources.base import Problem, ResourceKind, ResourceSpec
from flexplan.resources.fields import FlowVar, Lookup, Sid
from flexplan.studio import check_definition

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


class StudioFlowKind(ResourceKind):
    section: ClassVar[str] = "studio_flows"
    address: ClassVar[str] = "studio_flow"
    title: ClassVar[str] = "Studio flow"
    spec_model: ClassVar[type[ResourceSpec]] = StudioFlowSpec
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


KIND = StudioFlowKind()
