"""``${var.NAME}`` and ``${env:NAME}`` substitution, with sensitivity tracking.

Substitution runs on plain values (before the models see them), so a typed
field receives the substituted text. Every string that took a value from the
process environment is sensitive: its path is recorded and the value is
registered with ``flexplan.redact`` so that no output ever shows it. ``$${``
writes a literal ``${``. Inside a Studio definition, bare ``${NAME}``
placeholders are filled from the template values the kind gives (its vars),
or kept for the plan (look-ups).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from flexplan.errors import Diagnostic, Location
from flexplan.plantypes import FieldPath
from flexplan.redact import CREDENTIAL_HINT, CREDENTIAL_VARIABLES, register_secret
from flexplan.suggest import close_matches

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_VAR = re.compile(r"^var\.([A-Za-z_][A-Za-z0-9_-]*)$")
_ENV = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Variables(NamedTuple):
    """The values substitution draws from."""

    values: Mapping[str, str]
    environ: Mapping[str, str]
    sensitive: frozenset[str] = frozenset()  # variables whose value came from ${env:…}


class Substitution(NamedTuple):
    """The outcome of substituting one tree: problems and sensitive paths (filled in)."""

    diagnostics: list[Diagnostic]
    sensitive: set[FieldPath]


class Substituter:
    """Substitutes in values or text; ``locate`` maps a path to where it was written.

    With ``templates`` (a Studio definition), a bare ``${NAME}`` takes
    ``templates[NAME]``; names in ``keep`` (look-ups the plan resolves) stay as
    they are; any other is reported.
    """

    def __init__(
        self,
        variables: Variables,
        locate: Callable[[FieldPath], Location],
        *,
        allow_vars: bool = True,
        templates: Mapping[str, str] | None = None,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        self.vars = variables
        self.locate = locate
        self.allow_vars = allow_vars
        self.templates = templates
        self.keep = keep
        self.result = Substitution([], set())
        self.env_values: set[str] = set()

    def apply(self, value: Any, path: FieldPath = ()) -> Any:
        """A copy of a value tree with every string substituted."""
        if isinstance(value, str):
            return self.string(value, path) if "${" in value else value
        if isinstance(value, dict):
            return {k: self.apply(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def apply_at(self, root: Any, paths: list[FieldPath]) -> None:
        """Substitute, in place, the strings at ``paths`` inside ``root``."""
        for path in paths:
            parent = root
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = self.string(parent[path[-1]], path)

    def string(self, text: str, path: FieldPath) -> str:
        return _TOKEN.sub(lambda m: self._one(m, lambda: self.locate(path), path), text)

    def apply_text(self, text: str, display: str) -> str:
        """Substitute inside JSON text; values are escaped for a JSON string."""
        if "${" not in text:
            return text

        def where(start: int) -> Location:
            line = text.count("\n", 0, start) + 1
            return Location(display, line, start - text.rfind("\n", 0, start))

        def one(m: re.Match[str]) -> str:
            value = self._one(m, lambda: where(m.start()), None)
            return value if value == m.group(0) else json.dumps(value)[1:-1]

        return _TOKEN.sub(one, text)

    def _one(
        self, match: re.Match[str], where: Callable[[], Location], path: FieldPath | None
    ) -> str:
        if match.group(0) == "$${":
            return "${"
        token, expr = match.group(0), match.group(1).strip()
        var, env = _VAR.match(expr), _ENV.match(expr)
        if var and self.allow_vars:
            return self._var(var.group(1), where, path, token)
        if env:
            return self._env(env.group(1), where, path, token)
        if self.templates is not None and _BARE.match(expr):
            return self._template(expr, where, token)
        hint = "write ${var.NAME} or ${env:NAME}" if self.allow_vars else "write ${env:NAME}"
        self._problem(f"unknown substitution '{token}'", where, hint)
        return token

    def _template(self, name: str, where: Callable[[], Location], token: str) -> str:
        assert self.templates is not None
        if name in self.templates:
            return self.templates[name]
        if name not in self.keep:
            self._problem(
                f"placeholder {token} has no value",
                where,
                f"add {name} to the flow's vars: or to the manifest's vars:",
            )
        return token

    def _var(
        self, name: str, where: Callable[[], Location], path: FieldPath | None, token: str
    ) -> str:
        if name not in self.vars.values:
            close = close_matches(name, self.vars.values)
            hint = f"did you mean '{close[0]}'? " if close else ""
            hint += f"define it under vars: (or an environment's vars:), or pass --var {name}=VALUE"
            self._problem(f"variable '{name}' is not defined", where, hint)
            return token
        value = self.vars.values[name]
        if name in self.vars.sensitive:
            self._sensitive(path, value)
        return value

    def _env(
        self, name: str, where: Callable[[], Location], path: FieldPath | None, token: str
    ) -> str:
        if name in CREDENTIAL_VARIABLES:
            self._problem(
                f"{token} is a Twilio credential: no manifest value may hold it (whoever "
                "reads or serves that value would have your account)",
                where,
                CREDENTIAL_HINT,
            )
            return token
        value = self.vars.environ.get(name)
        if value is None:
            self._problem(
                f"environment variable '{name}' is not set",
                where,
                f"set {name} in the environment that runs flexplan",
            )
            return token
        register_secret(value)
        self._sensitive(path, value)
        return value

    def _sensitive(self, path: FieldPath | None, value: str) -> None:
        if path is not None:
            self.result.sensitive.add(path)
        self.env_values.add(value)

    def _problem(self, message: str, where: Callable[[], Location], hint: str) -> None:
        self.result.diagnostics.append(Diagnostic(message, where(), hint))
