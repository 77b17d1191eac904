"""The shape of a manifest file: settings in ``flexplan.yaml`` and resource sections.

``Settings`` validates the top-level keys of ``flexplan.yaml`` other than the
resource sections (each entry of which is validated by its kind's model, one
at a time, so that one broken entry does not hide the others).
``document_model()`` assembles both into the model whose JSON Schema is
published under ``schemas/``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from flexplan.resources import SECTIONS, UNPRUNABLE
from flexplan.resources.fields import LOCAL_NAME_PATTERN, AccountSid, VarValue

SETTINGS_KEYS = ("version", "include", "vars", "environments", "prune", "account_sid")
# Derived from the discovered kinds, so that adding a kind touches only its module.
SectionName = Literal[SECTIONS]  # type: ignore[valid-type]
# Account settings (one entry, never deleted) cannot be pruned.
PRUNABLE: tuple[str, ...] = tuple(s for s in SECTIONS if s not in UNPRUNABLE)
PrunableSection = Literal[PRUNABLE]  # type: ignore[valid-type]
LocalName = Annotated[str, Field(pattern=LOCAL_NAME_PATTERN)]


class Environment(BaseModel):
    """One target account: its variables and (optionally) its account SID."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vars: dict[str, VarValue] | None = Field(
        default=None, description="values for ${var.NAME} in this environment (over the defaults)"
    )
    account_sid: AccountSid | None = Field(
        default=None, description="the account of this environment: plan and apply refuse any other"
    )


class Settings(BaseModel):
    """Top-level keys of ``flexplan.yaml`` other than the resource sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] | None = Field(default=None, description="the manifest format: 1")
    include: list[str] | None = Field(
        default=None, description="globs of more YAML files, relative to flexplan.yaml"
    )
    vars: dict[str, VarValue] | None = Field(
        default=None, description="default values for ${var.NAME}"
    )
    environments: dict[LocalName, Environment] | None = Field(
        default=None, description="pick one with --env NAME"
    )
    prune: list[PrunableSection] | None = Field(
        default=None,
        description="sections whose live resources the manifest does not mention get deleted",
    )
    account_sid: AccountSid | None = Field(
        default=None,
        description="the account the manifest is for: plan and apply refuse any other "
        "(an environment's account_sid wins)",
    )


def _section_fields() -> dict[str, Any]:
    from flexplan.resources import KINDS  # every kind: the published schema has them all

    return {
        kind.section: (
            dict[LocalName, kind.spec_model] | None,  # type: ignore[name-defined]
            Field(
                default=None,
                description=f"{kind.title} entries by local name (the key other entries use "
                "to refer to one)",
            ),
        )
        for kind in KINDS
    }


class _Sections(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def document_model() -> type[BaseModel]:
    """The model of a whole manifest file, ``flexplan.yaml`` (for the JSON Schema)."""
    model: type[BaseModel] = create_model(
        "Manifest", __base__=Settings, __doc__="A flexplan manifest file.", **_section_fields()
    )
    return model


def include_model() -> type[BaseModel]:
    """The model of an included file: resource sections only (for the JSON Schema)."""
    model: type[BaseModel] = create_model(
        "IncludedFile",
        __base__=_Sections,
        __doc__="A file that flexplan.yaml includes: resource sections only.",
        **_section_fields(),
    )
    return model
