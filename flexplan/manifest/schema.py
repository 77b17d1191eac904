"""The manifest's JSON Schemas, generated from the models.

``manifest.schema.json`` is for ``flexplan.yaml``; ``include.schema.json`` for
the files it includes (resource sections only). Any value may be a
``${var.NAME}`` / ``${env:NAME}`` substitution, so wherever the models want a
number or a boolean the schema also accepts such a string; editors then
complete and check manifests without flagging variables. A field left out is
not managed, so no property carries ``default: null`` (an editor would insert
the null); the defaults that mean something (``state``, ``protect``) stay.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from flexplan.manifest.document import document_model, include_model

SCHEMA_FILE = "manifest.schema.json"
INCLUDE_SCHEMA_FILE = "include.schema.json"
SCHEMA_ID = "https://flexplan.dev/schemas/manifest.schema.json"
INCLUDE_SCHEMA_ID = "https://flexplan.dev/schemas/include.schema.json"
_ANNOTATIONS = ("title", "description", "default")
_SUBSTITUTION = {"type": "string", "pattern": r"^.*\$\{(var\.|env:)[^}]+\}.*$"}


def manifest_schema() -> dict[str, Any]:
    """The schema of ``flexplan.yaml``."""
    return _schema(document_model(), SCHEMA_ID)


def include_schema() -> dict[str, Any]:
    """The schema of an included file (resource sections only)."""
    return _schema(include_model(), INCLUDE_SCHEMA_ID)


def _schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}
    result = _allow_substitutions(_drop_null_defaults(schema))
    assert isinstance(result, dict)
    return result


def _drop_null_defaults(node: Any) -> Any:
    if isinstance(node, list):
        return [_drop_null_defaults(n) for n in node]
    if not isinstance(node, dict):
        return node
    return {
        k: _drop_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)
    }


def _allow_substitutions(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_substitutions(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _allow_substitutions(v) for k, v in node.items()}
    typed = out.get("type") in ("integer", "boolean", "number") and "anyOf" not in out
    if typed or ("enum" in out and out.get("type") == "string"):
        # what editors show (title, description, default) stays on the property itself
        outer = {k: out.pop(k) for k in _ANNOTATIONS if k in out}
        return {**outer, "anyOf": [out, _SUBSTITUTION]}
    return out


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, sort_keys=False) + "\n"


def include_schema_text() -> str:
    return json.dumps(include_schema(), indent=2, sort_keys=False) + "\n"


def schema_files() -> dict[str, str]:
    """Every published schema: file name -> text (what ``flexplan schema`` writes)."""
    return {SCHEMA_FILE: schema_text(), INCLUDE_SCHEMA_FILE: include_schema_text()}
