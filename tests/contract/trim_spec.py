"""Regenerate the trimmed OpenAPI specs in ``openapi/`` from Twilio's full ones.

Keeps only the operations flexplan and the sandbox use, the components they
reference, and drops examples, descriptions and vendor extensions. Twilio's
specs are MIT-licensed (twilio/twilio-oai); ``openapi/LICENSE`` carries the
notice. Run: ``python tests/contract/trim_spec.py SOURCE_DIR``, where SOURCE_DIR
holds Twilio's full JSON specs (twilio/twilio-oai's ``spec/json/``:
twilio_conversations_v1.json, twilio_flex_v1.json, twilio_studio_v2.json,
twilio_sync_v1.json and the others named in ``OPERATIONS``).

One patch is applied, and listed in ``PATCHES``: the request enum
``configuration_address_enum_method`` is ``[get, post]`` in the spec while
Twilio's own response examples (and its docs' request samples) use
``POST``/``GET``; both spellings are allowed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OPERATIONS: dict[str, dict[str, list[str]]] = {
    "twilio_flex_v1.json": {
        "/v1/FlexFlows": ["get", "post"],
        "/v1/FlexFlows/{Sid}": ["get", "post", "delete"],
        "/v1/Configuration": ["get", "post"],
    },
    "twilio_conversations_v1.json": {
        "/v1/Configuration/Addresses": ["get", "post"],
        "/v1/Configuration/Addresses/{Sid}": ["get", "post", "delete"],
        "/v1/Services": ["get"],
        "/v1/Configuration": ["get", "post"],
        "/v1/Configuration/Webhooks": ["get", "post"],
    },
    "twilio_studio_v2.json": {
        "/v2/Flows": ["get", "post"],
        "/v2/Flows/{Sid}": ["get", "post", "delete"],
        "/v2/Flows/Validate": ["post"],
        "/v2/Flows/{Sid}/Revisions": ["get"],
        "/v2/Flows/{Sid}/Revisions/{Revision}": ["get"],
    },
    "twilio_taskrouter_v1.json": {
        "/v1/Workspaces": ["get"],
        "/v1/Workspaces/{Sid}": ["get"],
        "/v1/Workspaces/{WorkspaceSid}/Workflows": ["get", "post"],
        "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}": ["get", "post", "delete"],
        "/v1/Workspaces/{WorkspaceSid}/TaskChannels": ["get", "post"],
        "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}": ["get", "post", "delete"],
        "/v1/Workspaces/{WorkspaceSid}/TaskQueues": ["get", "post"],
        "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}": ["get", "post", "delete"],
        "/v1/Workspaces/{WorkspaceSid}/Activities": ["get"],
        "/v1/Workspaces/{WorkspaceSid}/Activities/{Sid}": ["get"],
    },
    "twilio_chat_v2.json": {"/v2/Services": ["get"], "/v2/Services/{Sid}": ["get"]},
    "twilio_sync_v1.json": {  # the account lock (flexplan/engine/lock.py)
        "/v1/Services": ["get", "post"],
        "/v1/Services/{Sid}": ["get", "delete"],
        "/v1/Services/{ServiceSid}/Documents": ["get", "post"],
        "/v1/Services/{ServiceSid}/Documents/{Sid}": ["get", "post", "delete"],
    },
}
DROP_KEYS = {"examples", "example", "description", "summary", "x-twilio", "tags", "headers"}
PATCHES = {
    ("components", "schemas", "configuration_address_enum_method", "enum"): [
        "get",
        "post",
        "GET",
        "POST",
    ]
}


def _strip(node: Any, *, names: bool = False) -> Any:
    """Drop documentation keys; ``names``: ``node`` maps property names (keep them all)."""
    if isinstance(node, dict):
        return {
            k: _strip(v, names=(k == "properties" and not names))
            for k, v in node.items()
            if names or k not in DROP_KEYS
        }
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


def _components(spec: dict[str, Any], roots: Any) -> dict[str, Any]:
    wanted: set[str] = set()
    _refs(roots, wanted)
    done: set[str] = set()
    out: dict[str, Any] = {"securitySchemes": spec["components"].get("securitySchemes", {})}
    while wanted - done:
        ref = sorted(wanted - done)[0]
        done.add(ref)
        _, _, section, name = ref.split("/", 3)
        node = spec["components"][section][name]
        out.setdefault(section, {})[name] = _strip(node)
        _refs(node, wanted)
    return out


def trim(source: Path, name: str) -> dict[str, Any]:
    spec = json.loads((source / name).read_text(encoding="utf-8"))
    paths = {}
    for path, methods in OPERATIONS[name].items():
        item = spec["paths"][path]
        kept = {m: _strip(item[m]) for m in methods}
        for operation in kept.values():  # a Response Object requires a description
            for response in operation.get("responses", {}).values():
                response["description"] = ""
        paths[path] = {"servers": item.get("servers", spec.get("servers")), **kept}
    trimmed = {k: spec[k] for k in ("openapi", "info", "servers") if k in spec}
    trimmed["info"] = {
        k: v for k, v in trimmed["info"].items() if k in ("title", "version", "license")
    }
    trimmed["paths"] = paths
    trimmed["components"] = _components(spec, paths)
    for keys, value in PATCHES.items():
        node = trimmed
        for key in keys[:-1]:
            node = node.get(key, {})
        if keys[-1] in node:
            node[keys[-1]] = value
    return trimmed


def main(source: Path) -> None:
    for name in OPERATIONS:
        out = HERE / "openapi" / name
        out.write_text(
            json.dumps(trim(source, name), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/contract/trim_spec.py SOURCE_DIR (twilio-oai's spec/json)")
    main(Path(sys.argv[1]))
