"""YAML (and JSON) with positions: plain values plus a path → Location table.

PyYAML's composer gives nodes with marks; we build ordinary Python values from
them and remember where every value (and every mapping key) stands, so that a
problem found later, deep inside a pydantic model, still points at the line
the user wrote. Duplicate keys are reported (naming both lines) instead of
silently keeping the last one, and YAML's own errors become diagnostics.
Building stops with one diagnostic when a file nests too deeply or expands
(through aliases and ``<<`` merges) past ``limits`` -- an alias bomb is a few
hundred bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from flexplan.errors import Diagnostic, Location
from flexplan.manifest import limits
from flexplan.plantypes import FieldPath

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
    _dollars_by_entry: dict[FieldPath, list[FieldPath]] | None = None
    # whole numbers YAML read from a non-decimal form (0x10, 010, 1:30): path, text, value
    odd_numbers: list[tuple[FieldPath, str, int]] = field(default_factory=list)

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
        if n != 2:
            return [p[n:] for p in self.dollars if p[:n] == prefix]
        if self._dollars_by_entry is None:  # indexed once: one entry per look-up, not the file
            index: dict[FieldPath, list[FieldPath]] = {}
            for p in self.dollars:
                index.setdefault(p[:2], []).append(p)
            self._dollars_by_entry = index
        return [p[2:] for p in self._dollars_by_entry.get(prefix, ())]


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


_INT = _TAG + "int"
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)\Z")


@dataclass
class Budget:
    """What the YAML files of one manifest may still expand to (shared by its files)."""

    values: int = limits.YAML_VALUES
    alias_values: int = limits.ALIAS_VALUES


class _TooBig(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Builder:
    def __init__(self, smap: SourceMap, budget: Budget) -> None:
        self.smap = smap
        self.budget = budget
        self.diagnostics: list[Diagnostic] = []
        self._active: set[int] = set()
        self._built: set[int] = set()  # nodes built once: building one again is an alias
        self._aliasing = False
        self._alias_at: FieldPath = ()  # where the alias being expanded is used
        self._depth = 0

    def loc(self, mark: Any) -> Location:
        return Location(self.smap.file, mark.line + 1, mark.column + 1)

    def _spend(self, node: yaml.Node, path: FieldPath) -> None:
        budget = self.budget
        budget.values -= 1
        if budget.values < 0:
            self._stop(
                f"the YAML expands to more than {limits.YAML_VALUES:,} values", path,
                "split the manifest, or use fewer aliases (*name) and << merges",
            )  # fmt: skip
        if self._aliasing or id(node) in self._built:
            budget.alias_values -= 1
            if budget.alias_values < 0:
                self._stop(
                    f"YAML aliases (*name) and << merges expand to more than "
                    f"{limits.ALIAS_VALUES:,} values", self._alias_at,
                    "an alias repeats its anchor's whole value: write the values out, "
                    "or anchor smaller pieces",
                )  # fmt: skip
        else:
            self._built.add(id(node))

    def _stop(self, message: str, path: FieldPath, hint: str) -> None:
        smap = self.smap
        where = smap.key(path) if path in smap.keys else smap.locate(path[:-1])
        raise _TooBig(Diagnostic(message, where, hint))

    def build(self, node: yaml.Node, path: FieldPath, key_pos: Pos | None) -> Any:
        alias = not self._aliasing and id(node) in self._built
        self._spend(node, path)
        if not alias:
            return self._build(node, path, key_pos)
        self._aliasing, self._alias_at = True, path
        try:
            return self._build(node, path, key_pos)
        finally:
            self._aliasing = False

    def _build(self, node: yaml.Node, path: FieldPath, key_pos: Pos | None) -> Any:
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
        self._depth += 1
        if self._depth > limits.DEPTH:
            self._stop(
                f"the YAML is nested more than {limits.DEPTH} levels deep", path,
                "a manifest needs a few levels: check the indentation and brackets",
            )  # fmt: skip
        self._active.add(id(node))
        try:
            if cls is _SEQUENCE:
                return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
            return self.mapping(node, path)  # type: ignore[arg-type]
        finally:
            self._active.discard(id(node))
            self._depth -= 1

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
        if node.tag == _INT and isinstance(value, int) and not _DECIMAL.match(node.value):
            self.smap.odd_numbers.append((path, str(node.value), value))
        return value

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        self.budget.values -= len(node.value)  # the keys (each value spends for itself)
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
                self._spend(key_node, path)
                key = str(key_node.value)
                if key not in out and isinstance(key_node, yaml.ScalarNode):
                    mark = key_node.start_mark
                    key_pos = (mark.line + 1, mark.column + 1)
                    self.smap.keys[(*path, key)] = key_pos
                    out[key] = self.build(value_node, (*path, key), key_pos)


def parse_yaml(
    text: str, display: str, budget: Budget | None = None
) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Values and positions of one YAML document; problems as diagnostics."""
    smap = SourceMap(display)
    budget = budget or Budget()
    if len(text) > _COUNT_FIRST_FROM:
        problem = _too_many_values(text, display, budget.values)
        if problem is not None:
            return None, smap, [problem]
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
    builder = _Builder(smap, budget)
    try:
        value = builder.build(node, (), None)
    except _TooBig as exc:
        return None, smap, [exc.diagnostic]
    except RecursionError:
        return None, smap, [Diagnostic("YAML nested too deeply", Location(display, 1, 1))]
    return value, smap, builder.diagnostics


# Composing costs ~300 bytes and ~10 µs a node before any limit can act (a 10 MiB file
# of "1," is 5 million nodes: a minute and 1.5 GB); larger files are counted first,
# from libyaml's events, which stops at the limit.
_COUNT_FIRST_FROM = 256 * 1024
_VALUE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


def _too_many_values(text: str, display: str, most: int) -> Diagnostic | None:
    count = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, _VALUE_EVENTS):
                count += 1
                if count > most:
                    mark = event.start_mark
                    where = Location(display, mark.line + 1, mark.column + 1) if mark else None
                    return Diagnostic(
                        f"the YAML holds more than {limits.YAML_VALUES:,} values",
                        where or Location(display, 1, 1),
                        "split the manifest into smaller files",
                    )
    except yaml.YAMLError:
        return None  # composing reports it, with its place
    return None


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
    """A JSON document, or a diagnostic at the line and column of its first error.

    A key repeated in one object is an error (as in YAML), not the last one winning;
    so is nesting deeper than ``limits.DEPTH``.
    """
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(items)
        if len(value) != len(items):
            repeated.append(_first_repeated(items))
        return value

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        loc = Location(display, exc.lineno, exc.colno)
        return None, Diagnostic(f"invalid JSON: {exc.msg}", loc)
    except RecursionError:
        return None, _too_deep_json(text, display)
    if repeated:
        return None, _duplicate_json_key(text, display, repeated[0])
    if _nested_deeper(value, limits.DEPTH):
        return None, _too_deep_json(text, display)
    if _json_bound(text) > limits.JSON_VALUES and _count_values(value) > limits.JSON_VALUES:
        return None, Diagnostic(
            f"the JSON holds more than {limits.JSON_VALUES:,} values",
            Location(display, 1, 1),
            "a Studio definition is far smaller: check that the path names a flow",
        )
    return value, None


def _json_bound(text: str) -> int:
    """At least the number of values in a JSON text (each follows one of these or starts it)."""
    return text.count(",") + text.count(":") + text.count("[") + 1


def _count_values(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return count


def _first_repeated(items: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in items:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _nested_deeper(value: Any, most: int) -> bool:
    kind = type(value)
    if kind is dict:
        children: Any = value.values()
    elif kind is list:
        children = value
    else:
        return False
    if most == 0:
        return True
    for child in children:
        child_kind = type(child)
        if (child_kind is dict or child_kind is list) and _nested_deeper(child, most - 1):
            return True
    return False


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep_json(text: str, display: str) -> Diagnostic:
    depth, where = 0, 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limits.DEPTH:
                where = match.start()
                break
        elif token in "]}":
            depth -= 1
    line = text.count("\n", 0, where) + 1
    column = where - (text.rfind("\n", 0, where) + 1) + 1
    return Diagnostic(
        f"the JSON is nested more than {limits.DEPTH} levels deep",
        Location(display, line, column),
        "a Studio definition needs a few levels: check the brackets",
    )


def _duplicate_json_key(text: str, display: str, key: str) -> Diagnostic:
    _, _, problems = parse_yaml(text.replace("\t", " "), display)
    for problem in problems:
        if problem.message.startswith("duplicate key"):
            return problem
    return Diagnostic(
        f"duplicate key '{key}'", Location(display, 1, 1),
        "each key may appear once in an object; remove or rename one",
    )  # fmt: skip


def json_source_map(text: str, display: str) -> SourceMap:
    """Positions inside a JSON file (only computed when a problem needs them)."""
    # JSON is YAML in flow style; tabs are whitespace in JSON but not in YAML.
    value, smap, diagnostics = parse_yaml(text.replace("\t", " "), display)
    if value is None or diagnostics:
        return SourceMap(display)
    return smap
