"""``${var.NAME}`` and ``${env:NAME}`` substitution, with sensitivity tracking.

Substitution runs on plain values (before the models see them), so a typed
field receives the substituted text. Every string that took a value from the
process environment is sensitive: its path is recorded and the value is
registered with ``flexplan.redact`` so that no output ever shows it. ``$${``
writes a literal ``${`` (outside Studio definitions). Inside template fields
(a Studio definition) bare ``${NAME}`` placeholders are left for the kind to
fill.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flexplan.errors import Diagnostic, Location
from flexplan.redact import register_secret
from flexplan.resources.base import FieldPath

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_VAR = re.compile(r"^var\.([A-Za-z_][A-Za-z0-9_-]*)$")
_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass
class Variables:
    """The values substitution draws from."""

    values: Mapping[str, str]
    environ: Mapping[str, str]
    sensitive: frozenset[str] = frozenset()  # variables whose value came from ${env:…}


@dataclass
class Substitution:
    """The outcome of substituting one tree: problems and sensitive paths."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    sensitive: set[FieldPath] = field(default_factory=set)


class Substituter:
    """Substitutes in a value tree; ``locate`` maps a path to where it was written."""

    def __init__(
        self,
        variables: Variables,
        locate: Callable[[FieldPath], Location],
        *,
        template_paths: tuple[FieldPath, ...] = (),
        allow_vars: bool = True,
    ) -> None:
        self.vars = variables
        self.locate = locate
        self.template_paths = template_paths
        self.allow_vars = allow_vars
        self.result = Substitution()

    def apply(self, value: Any, path: FieldPath = ()) -> Any:
        if isinstance(value, str):
            return self._string(value, path) if "${" in value else value
        if isinstance(value, dict):
            return {k: self.apply(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def _string(self, text: str, path: FieldPath) -> str:
        template = any(path[: len(p)] == p for p in self.template_paths)
        return _TOKEN.sub(lambda m: self._one(m, path, template), text)

    def _one(self, match: re.Match[str], path: FieldPath, template: bool) -> str:
        if match.group(0) == "$${":
            return "${"
        expr = match.group(1).strip()
        var, env = _VAR.match(expr), _ENV.match(expr)
        if var and self.allow_vars:
            return self._var(var.group(1), path, match.group(0))
        if env:
            return self._env(env.group(1), path, match.group(0))
        if template and _BARE.match(expr):
            return match.group(0)
        self._problem(
            f"unknown substitution '{match.group(0)}'",
            path,
            "write ${var.NAME} or ${env:NAME}" if self.allow_vars else "write ${env:NAME}",
        )
        return match.group(0)

    def _var(self, name: str, path: FieldPath, token: str) -> str:
        if name not in self.vars.values:
            close = difflib.get_close_matches(name, list(self.vars.values), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            hint += f"define it under vars: (or an environment's vars:), or pass --var {name}=VALUE"
            self._problem(f"variable '{name}' is not defined", path, hint)
            return token
        if name in self.vars.sensitive:
            self.result.sensitive.add(path)
        return self.vars.values[name]

    def _env(self, name: str, path: FieldPath, token: str) -> str:
        value = self.vars.environ.get(name)
        if value is None:
            self._problem(
                f"environment variable '{name}' is not set",
                path,
                f"set {name} in the environment that runs flexplan",
            )
            return token
        register_secret(value)
        self.result.sensitive.add(path)
        return value

    def _problem(self, message: str, path: FieldPath, hint: str) -> None:
        self.result.diagnostics.append(Diagnostic(message, self.locate(path), hint))
