"""The manifest's JSON Schema, generated from the models.

Any value may be a ``${var.NAME}`` / ``${env:NAME}`` substitution, so wherever
the models want a number or a boolean the schema also accepts such a string;
editors then complete and check manifests without flagging variables.
"""

from __future__ import annotations

import json
from typing import Any

from flexplan.manifest.document import document_model

SCHEMA_FILE = "manifest.schema.json"
SCHEMA_ID = "https://flexplan.dev/schemas/manifest.schema.json"
_SUBSTITUTION = {"type": "string", "pattern": r"^.*\$\{(var\.|env:)[^}]+\}.*$"}


def manifest_schema() -> dict[str, Any]:
    schema = document_model().model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
    result = _allow_substitutions(schema)
    assert isinstance(result, dict)
    return result


def _allow_substitutions(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_substitutions(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _allow_substitutions(v) for k, v in node.items()}
    if out.get("type") in ("integer", "boolean", "number") and "anyOf" not in out:
        return {"anyOf": [out, _SUBSTITUTION]}
    if "enum" in out and out.get("type") == "string":
        return {"anyOf": [out, _SUBSTITUTION]}
    return out


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, sort_keys=False) + "\n"
