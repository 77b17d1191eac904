"""The text of the files ``flexplan export`` writes: YAML and indented JSON, fast and byte-stable.

Both writers give exactly the text of their slow reference, so an export's
bytes do not depend on how PyYAML was built:

* YAML goes through libyaml's emitter (PyYAML's C extension, ~3x faster than
  the pure-Python one) whenever its text is known to equal the pure-Python
  emitter's. The two differ only where libyaml escapes what PyYAML writes as
  it is (characters beyond U+FFFF such as emoji, U+0085) or chooses another
  key form (``? key`` for an empty, unusual or long key); a text holding a
  backslash, a ``? ``, an empty key or a line of 100 characters or more
  (it may hold a key near PyYAML's 128-character limit for simple keys) is
  written again by the pure emitter.
* JSON is ``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)``,
  built directly: with ``indent`` the standard library leaves its C encoder
  for a generator-based one three times slower. Strings and numbers still go
  through the standard library's own encoders.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from typing import Any

import yaml


class FlowMapping(dict[str, Any]):
    """A short mapping written on one line: ``{workflow: Assign to Anyone}``."""


def _dumper(base: type[Any]) -> type[Any]:
    """``base`` writing block style, except look-up mappings and lists of scalars."""

    class Dumper(base):  # type: ignore[misc]
        def represent_flat_list(self, data: Any) -> yaml.SequenceNode:
            flat = all(isinstance(item, (str, int, float, bool)) for item in data)
            node: yaml.SequenceNode = self.represent_sequence(
                "tag:yaml.org,2002:seq", data, flow_style=flat
            )
            return node

        def represent_flow_mapping(self, data: Any) -> yaml.MappingNode:
            node: yaml.MappingNode = self.represent_mapping(
                "tag:yaml.org,2002:map", data, flow_style=True
            )
            return node

    Dumper.add_representer(list, Dumper.represent_flat_list)
    Dumper.add_representer(FlowMapping, Dumper.represent_flow_mapping)
    return Dumper


PURE_DUMPER: type[Any] = _dumper(yaml.SafeDumper)
C_DUMPER: type[Any] | None = _dumper(yaml.CSafeDumper) if hasattr(yaml, "CSafeDumper") else None
_STYLE: dict[str, Any] = {
    "sort_keys": False,
    "default_flow_style": False,
    "allow_unicode": True,
    "width": 4096,
    "indent": 2,
}
# Where libyaml's text may differ from PyYAML's: an escape, a complex key, an empty key,
# or a line long enough to hold a key near the 128 characters PyYAML allows a simple key.
_MAY_DIFFER = re.compile(r"\\|(?:^|[\s{\[,])\? |'':|^.{100,}$", re.MULTILINE)


def yaml_text(data: Any, *, dumper: type[Any] | None = None) -> str:
    """``data`` as export writes YAML (``dumper``: force one emitter, for tests)."""
    if dumper is not None:
        return str(yaml.dump(data, Dumper=dumper, **_STYLE))
    if C_DUMPER is not None:
        text = str(yaml.dump(data, Dumper=C_DUMPER, **_STYLE))
        if not _MAY_DIFFER.search(text):
            return text
    return str(yaml.dump(data, Dumper=PURE_DUMPER, **_STYLE))


def json_text(data: Any) -> str:
    """``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\\n"``, faster."""
    out: list[str] = []
    _write_json(data, "\n", out)
    out.append("\n")
    return "".join(out)


def _write_json(value: Any, newline: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        _write_object(value, newline, out)
    elif isinstance(value, (list, tuple)):
        _write_array(value, newline, out)
    else:  # numbers, booleans, null: the standard library's own spelling
        out.append(json.dumps(value))


def _write_object(value: dict[Any, Any], newline: str, out: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + "  "
    separator = "{" + inner
    for key in sorted(value):
        out += (separator, encode_basestring(key), ": ")
        _write_json(value[key], inner, out)
        separator = "," + inner
    out += (newline, "}")


def _write_array(value: list[Any] | tuple[Any, ...], newline: str, out: list[str]) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + "  "
    separator = "[" + inner
    for item in value:
        out.append(separator)
        _write_json(item, inner, out)
        separator = "," + inner
    out += (newline, "]")
