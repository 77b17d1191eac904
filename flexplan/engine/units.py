"""Which fields of a kind hold a quantity with a unit, read from the kind's spec model.

A manifest writes a size as ``16MiB``; the plan compares bytes. The renderers
show the unit again when they know a field is a size, and the spec model says
so: its ``Size`` fields are parsed by ``parse_size``.
"""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from flexplan.resources.fields import parse_size

BYTES = "bytes"


def unit_paths(model: type[BaseModel]) -> dict[str, str]:
    """Dotted state path -> unit (``bytes``) of every sized field of ``model``."""
    return _unit_paths(model)


@cache
def _unit_paths(model: type[BaseModel]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        _walk(info.annotation, info.metadata, name, found)
    return found


def _walk(annotation: Any, metadata: list[Any], path: str, found: dict[str, str]) -> None:
    if any(_parses_size(m) for m in metadata):
        found[path] = BYTES
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        _walk(inner, list(extra), path, found)
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            _walk(arg, [], path, found)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for key, value in unit_paths(annotation).items():
            found[f"{path}.{key}"] = value


def _parses_size(marker: Any) -> bool:
    return getattr(marker, "func", None) is parse_size
