"""YAML (and JSON) with positions: plain values plus a path → Location table.

PyYAML's composer gives nodes with marks; we build ordinary Python values from
them and remember where every value (and every mapping key) stands, so that a
problem found later, deep inside a pydantic model, still points at the line
the user wrote. Duplicate keys are reported (naming both lines) instead of
silently keeping the last one, and YAML's own errors become diagnostics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flexplan.errors import Diagnostic, Location
from flexplan.resources.base import FieldPath

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVED: dict[str, str] = {}


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """libyaml's parser with a memo of plain-scalar tags (most values repeat)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag = _RESOLVED.get(value)
        if tag is None:
            if len(_RESOLVED) > 50_000:
                _RESOLVED.clear()
            tag = _RESOLVED[value] = super().resolve(kind, value, implicit)
        return tag


_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALARS = {
    _TAG + "null": lambda n: None,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
}


Pos = tuple[int, int]  # 1-based line and column; Location objects are made on demand


@dataclass
class SourceMap:
    """Where each value of one file stands, by path from the document root."""

    file: str
    values: dict[FieldPath, Pos] = field(default_factory=dict)
    keys: dict[FieldPath, Pos] = field(default_factory=dict)
    texts: dict[FieldPath, str] = field(default_factory=dict)  # source text of non-strings
    dollars: list[FieldPath] = field(default_factory=list)  # strings holding "${"

    def locate(self, path: FieldPath) -> Location:
        """The nearest known place for ``path`` (walking up to the document)."""
        for end in range(len(path), -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return Location(self.file, *pos)
        return Location(self.file, 1, 1)

    def key(self, path: FieldPath) -> Location:
        pos = self.keys.get(path)
        return Location(self.file, *pos) if pos else self.locate(path)

    def text(self, path: FieldPath) -> str | None:
        return self.texts.get(path)

    def dollars_under(self, prefix: FieldPath) -> list[FieldPath]:
        """Paths (relative to ``prefix``) of the strings below it that hold ``${``."""
        n = len(prefix)
        return [p[n:] for p in self.dollars if p[:n] == prefix]


_MAPPING, _SEQUENCE, _SCALAR = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
_NULL = _TAG + "null"
_BOOL = _TAG + "bool"
# YAML 1.2 (what editors and most tools read) has only these booleans; PyYAML
# (YAML 1.1) also reads yes/no/on/off in any case as booleans (not y/n).
_YAML12_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})


def _yaml11_bool(node: yaml.ScalarNode, value: bool, loc: Location) -> Diagnostic:
    """``enabled: yes``: a boolean to flexplan, the text "yes" to a YAML 1.2 editor."""
    word = "true" if value else "false"
    return Diagnostic(
        f"unquoted '{node.value}' means {word} to flexplan (YAML 1.1) "
        f"but the text '{node.value}' to editors (YAML 1.2)",
        loc,
        f'write {word}, or quote it ("{node.value}") if you mean the text',
    )


class _Builder:
    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.diagnostics: list[Diagnostic] = []
        self._active: set[int] = set()

    def loc(self, mark: Any) -> Location:
        return Location(self.smap.file, mark.line + 1, mark.column + 1)

    def build(self, node: yaml.Node, path: FieldPath, key_pos: Pos | None) -> Any:
        cls = type(node)
        if cls is _SCALAR:
            if key_pos is not None and node.tag == _NULL:
                self.smap.values[path] = key_pos
            else:
                mark = node.start_mark
                self.smap.values[path] = (mark.line + 1, mark.column + 1)
            return self.scalar(node, path)  # type: ignore[arg-type]
        mark = node.start_mark
        self.smap.values[path] = key_pos or (mark.line + 1, mark.column + 1)
        if id(node) in self._active:
            self.diagnostics.append(Diagnostic("recursive alias", self.loc(mark)))
            return None
        self._active.add(id(node))
        try:
            if cls is _SEQUENCE:
                return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
            return self.mapping(node, path)  # type: ignore[arg-type]
        finally:
            self._active.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        convert = _SCALARS.get(node.tag) if not node.style else None
        if convert is None:
            if "${" in node.value:
                self.smap.dollars.append(path)
            return node.value
        self.smap.texts[path] = node.value
        value = convert(node)
        if node.tag == _BOOL and node.value not in _YAML12_BOOLS:
            self.diagnostics.append(_yaml11_bool(node, bool(value), self.loc(node.start_mark)))
        return value

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                loc = self.loc(key_node.start_mark)
                self.diagnostics.append(Diagnostic("a mapping key must be a plain value", loc))
                continue
            key, mark = str(key_node.value), key_node.start_mark
            key_pos = (mark.line + 1, mark.column + 1)
            if key in out:
                first = self.smap.keys[(*path, key)]
                self.diagnostics.append(
                    Diagnostic(
                        f"duplicate key '{key}' (first at line {first[0]})",
                        self.loc(mark),
                        "each key may appear once in a mapping; remove or rename one",
                    )
                )
                continue
            self.smap.keys[(*path, key)] = key_pos
            out[key] = self.build(value_node, (*path, key), key_pos)
        for merged in merges:
            self.merge(out, merged, path)
        return out

    def merge(self, out: dict[str, Any], node: yaml.Node, path: FieldPath) -> None:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                loc = self.loc(source.start_mark)
                self.diagnostics.append(Diagnostic("'<<' must merge a mapping", loc))
                continue
            for key_node, value_node in source.value:
                key = str(key_node.value)
                if key not in out and isinstance(key_node, yaml.ScalarNode):
                    mark = key_node.start_mark
                    key_pos = (mark.line + 1, mark.column + 1)
                    self.smap.keys[(*path, key)] = key_pos
                    out[key] = self.build(value_node, (*path, key), key_pos)


def read_text(path: Path, display: str, what: str = "file") -> tuple[str | None, Diagnostic | None]:
    """A file's text, or a diagnostic saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return None, Diagnostic(f"{what} not found", Location(display), None)
    except IsADirectoryError:
        return None, Diagnostic(f"{what} is a directory, not a file", Location(display))
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        message = f"{what} is not UTF-8 text ({exc.reason})"
        return None, Diagnostic(message, Location(display, line), "save it as UTF-8")
    except OSError as exc:
        return None, Diagnostic(f"cannot read {what}: {exc.strerror}", Location(display))


def parse_yaml(text: str, display: str) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Values and positions of one YAML document; problems as diagnostics."""
    smap = SourceMap(display)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, smap, [_yaml_error(exc, display, text)]
    except yaml.YAMLError as exc:
        return None, smap, [Diagnostic(f"invalid YAML: {exc}", Location(display, 1, 1))]
    except RecursionError:
        return None, smap, [Diagnostic("YAML nested too deeply", Location(display, 1, 1))]
    if node is None:
        return None, smap, []
    builder = _Builder(smap)
    try:
        value = builder.build(node, (), None)
    except RecursionError:
        return None, smap, [Diagnostic("YAML nested too deeply", Location(display, 1, 1))]
    return value, smap, builder.diagnostics


def _yaml_error(exc: yaml.MarkedYAMLError, display: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display, 1, 1)
    problem = exc.problem or "invalid YAML"
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "'\\t'" in problem or "\t" in line[: len(line) - len(line.lstrip())]:
        return Diagnostic("a tab character in indentation", loc, "YAML indents with spaces only")
    message = f"invalid YAML: {problem}"
    if exc.context and exc.context_mark and exc.context_mark is not mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return Diagnostic(message, loc)


def parse_json(text: str, display: str) -> tuple[Any, Diagnostic | None]:
    """A JSON document, or a diagnostic at the line and column of its first error."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        loc = Location(display, exc.lineno, exc.colno)
        return None, Diagnostic(f"invalid JSON: {exc.msg}", loc)
    except RecursionError:
        return None, Diagnostic("JSON nested too deeply", Location(display, 1, 1))


def json_source_map(text: str, display: str) -> SourceMap:
    """Positions inside a JSON file (only computed when a problem needs them)."""
    # JSON is YAML in flow style; tabs are whitespace in JSON but not in YAML.
    value, smap, diagnostics = parse_yaml(text.replace("\t", " "), display)
    if value is None or diagnostics:
        return SourceMap(display)
    return smap
