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
from flexplan.studio import check_definition, fill_placeholders, placeholder_paths

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
        default=None, min_length=1, description="JSON file with the definition, relative to this file"
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

    def fill_templates(self, spec: ResourceSpec, variables: Mapping[str, str]) -> ResourceSpec:
        """Fill ``${NAME}`` in the definition from the flow's string vars, then ``variables``."""
        assert isinstance(spec, StudioFlowSpec)
        if spec.definition is None:
            return spec
        own = {k: v for k, v in (spec.vars or {}).items() if isinstance(v, str)}
        lookups = {k for k, v in (spec.vars or {}).items() if isinstance(v, Lookup)}
        values = {k: v for k, v in {**variables, **own}.items() if k not in lookups}
        return spec.model_copy(update={"definition": fill_placeholders(spec.definition, values)})

    def check(self, name: str, spec: ResourceSpec) -> Iterable[Problem]:
        assert isinstance(spec, StudioFlowSpec)
        if spec.state == "absent":
            return []
        if spec.definition is None:
            if spec.definition_file is not None:
                return []  # the file could not be loaded; that is reported already
            return [Problem("a Studio flow needs a definition", (), "add definition_file: or definition:")]
        problems = [
            Problem(p.message, ("definition", *p.path), p.hint)
            for p in check_definition(spec.definition)
        ]
        return problems + list(self._unfilled(spec))

    def _unfilled(self, spec: StudioFlowSpec) -> Iterable[Problem]:
        lookups = {k for k, v in (spec.vars or {}).items() if isinstance(v, Lookup)}
        seen: set[str] = set()
        for path, name in placeholder_paths(spec.definition):
            if name in lookups or name in seen:
                continue
            seen.add(name)
            yield Problem(
                f"placeholder ${{{name}}} in the definition has no value",
                ("definition", *path),
                f"add {name} to the flow's vars: or to the manifest's vars:",
            )

    def natural_key(self, name: str, spec: ResourceSpec) -> tuple[Any, ...]:
        assert isinstance(spec, StudioFlowSpec)
        return (spec.friendly_name,)

    def display(self, spec: ResourceSpec, name: str) -> str:
        assert isinstance(spec, StudioFlowSpec)
        return spec.friendly_name


KIND = StudioFlowKind()
