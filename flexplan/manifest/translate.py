"""Pydantic validation errors → messages for people, at the right place.

Pydantic's own wording ("Input should be a valid integer, unable to parse
string as an integer") names Python types; manifests are YAML. Each error type
gets a message in YAML terms, the field it concerns, and a hint ("did you
mean …" for unknown keys and enum values, "quote it" for numbers where text
was expected). A value that came from ``${env:…}`` or looks like a secret is
never quoted back: a token pasted into the wrong field stays out of the log.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from flexplan.plantypes import FieldPath
from flexplan.sensitive import looks_secret
from flexplan.suggest import close_matches


@dataclass(frozen=True)
class Issue:
    """One translated error: where (path, and whether the key is meant) and what."""

    path: FieldPath
    message: str
    hint: str | None = None
    at_key: bool = False


class Withheld(str):
    """A value's description that stands for the value (which is not shown)."""

    __slots__ = ()


def describe(value: Any) -> str:
    if isinstance(value, Withheld):
        return str(value)
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def translate(
    exc: ValidationError,
    model: type[BaseModel],
    text_of: Callable[[FieldPath], str | None],
    hidden: Collection[FieldPath] = frozenset(),
    given: Any = None,
) -> list[Issue]:
    """Every error of ``exc`` (raised by ``model``) as an ``Issue``.

    A missing field that an unknown key next to it probably meant (a typo) is
    not reported twice: the "did you mean" on the unknown key says it all.
    ``hidden``: the paths whose value came from the environment; ``given``: the data
    as validated (a validator may have changed a value, upper-casing a token); neither
    such a value nor one that looks secret is quoted.
    """
    errors = exc.errors(include_url=False)
    issues = [_one(err, model, text_of, hidden, given) for err in errors]
    meant = {
        (*i.path[:-1], i.hint.split("'")[1])
        for i in issues
        if i.at_key and i.hint and i.hint.startswith("did you mean")
    }
    return [i for i in issues if not (i.message.startswith("missing") and _missing(i) in meant)]


def _missing(issue: Issue) -> FieldPath:
    return (*issue.path, issue.message.split("'")[1])


def _one(
    err: ErrorDetails,
    model: type[BaseModel],
    text_of: Callable[..., Any],
    hidden: Collection[FieldPath],
    given: Any,
) -> Issue:
    path: FieldPath = tuple(err["loc"])
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    raw = value
    if path in hidden:
        value = Withheld("the value from ${env:…}")
    elif any(isinstance(v, str) and looks_secret(v) for v in (value, _at(given, path))):
        value = Withheld("a value that looks like a secret")
    field = next((str(p) for p in reversed(path) if isinstance(p, str)), "value")
    if kind == "missing":
        return Issue(path[:-1], f"missing required field '{field}'", f"add {field}:")
    if kind == "extra_forbidden":
        return Issue(path, f"unknown field '{field}'", _did_you_mean(field, model, path), True)
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        text = text_of(path) or str(value)
        return Issue(path, f"expected text, got the number {text}", f'write it in quotes: "{text}"')
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return Issue(path, simple.format(field=field, got=describe(value), **ctx))
    if kind == "literal_error":
        return _literal(path, field, value, str(ctx.get("expected", "")))
    if kind == "value_error":
        return Issue(path, _without(raw, value, str(ctx.get("error", err["msg"]))))
    return Issue(path, _without(raw, value, err["msg"]))


def _at(data: Any, path: FieldPath) -> Any:
    """The value at ``path`` inside plain data, else ``None``."""
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_list or (isinstance(data, dict) and part in data)):
            return None
        data = data[part]
    return data


def _without(raw: Any, value: Any, message: str) -> str:
    """A validator's own message, with a withheld value (and its upper case) taken out."""
    if not isinstance(value, Withheld) or not isinstance(raw, str) or not raw:
        return message
    for form in (raw, raw.upper(), raw.lower()):
        message = message.replace(form, "(sensitive)")
    return message


_SIMPLE: dict[str, str] = {
    "bool_type": "expected true or false, got {got}",
    "bool_parsing": "expected true or false, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "int_from_float": "expected a whole number, got {got}",
    "string_type": "expected text, got {got}",
    "dict_type": "expected a mapping of key: value, got {got}",
    "model_type": "expected a mapping of key: value, got {got}",
    "model_attributes_type": "expected a mapping of key: value, got {got}",
    "list_type": "expected a list, got {got}",
    "greater_than_equal": "{field} must be at least {ge}, got {got}",
    "less_than_equal": "{field} must be at most {le}, got {got}",
    "string_too_short": "{field} must not be empty",
    "too_short": "{field} must list at least one item: an empty list reaches Twilio as no "
    "list at all, which changes nothing (leave {field} out to leave it unmanaged)",
    "string_too_long": "{field} is longer than {max_length} characters",
    "string_pattern_mismatch": "{got} is not a valid {field}",
}


def _literal(path: FieldPath, field: str, value: Any, expected: str) -> Issue:
    options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
    hint = f"use one of: {', '.join(options)}"
    if isinstance(value, str) and not isinstance(value, Withheld):
        close = close_matches(value, options, cutoff=0.5)
        if close:
            hint = f"did you mean '{close[0]}'? ({hint})"
    return Issue(path, f"{describe(value)} is not a valid value for {field}", hint)


def _did_you_mean(field: str, model: type[BaseModel], path: FieldPath) -> str:
    known = fields_at(model, path[:-1])
    close = close_matches(field, known)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known fields: {', '.join(known)}" if known else "remove it"


def fields_at(model: type[BaseModel], path: FieldPath) -> list[str]:
    """Field names of the (nested) model found at ``path`` inside ``model``."""
    current: Any = model
    for part in path:
        if isinstance(part, int) or not _is_model(current):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _unwrap(info.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _unwrap(annotation: Any) -> Any:
    """``Model | None`` → ``Model``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation
