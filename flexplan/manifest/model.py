"""The loaded manifest: resolved entries with their places in the user's files."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flexplan.errors import Diagnostic, Location
from flexplan.plantypes import FieldPath
from flexplan.records import Record
from flexplan.resources.base import AnyKind, ResourceSpec


@dataclass
class Entry:
    """One managed resource: its kind, local name, parsed spec and origin."""

    kind: AnyKind
    name: str
    spec: ResourceSpec
    location: Location  # where the local-name key stands
    sensitive_paths: frozenset[FieldPath] = frozenset()
    # (spec path prefix, locator of paths below that prefix), longest prefix first
    locators: list[tuple[FieldPath, Callable[[FieldPath], Location]]] = field(
        default_factory=list, repr=False
    )

    @property
    def section(self) -> str:
        return self.kind.section

    @property
    def address(self) -> str:
        """``studio_flow.messaging``: how plans and messages name the entry."""
        return f"{self.kind.type_name}.{self.name}"

    def location_of(self, path: FieldPath) -> Location:
        """The nearest known place for a field path, falling back to the entry."""
        for prefix, locate in self.locators:
            if path[: len(prefix)] == prefix:
                return locate(path[len(prefix) :])
        return self.location


class Preamble(Record, frozen=True):
    """What a manifest says about its account, known before its entries are loaded: the
    environment's ``account_sid`` and ``prune:`` (a plan's list requests need no more)."""

    account_sid: str | None
    environment: str | None
    prune: tuple[str, ...]


@dataclass
class Manifest:
    """A validated manifest for one environment."""

    root: Path
    environment: str | None
    account_sid: str | None
    prune: tuple[str, ...]
    entries: list[Entry]
    files: list[Path]
    warnings: list[Diagnostic] = field(default_factory=list)  # never stop a plan

    def __post_init__(self) -> None:
        self._index = {(e.section, e.name): e for e in self.entries}

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of the canonical JSON of the resolved manifest (computed on first use)."""
        return manifest_digest(self)

    def entries_of(self, section: str) -> list[Entry]:
        return [e for e in self.entries if e.section == section]

    def entry(self, section: str, name: str) -> Entry:
        return self._index[(section, name)]


def canonical(manifest: Manifest) -> dict[str, Any]:
    """The resolved manifest as plain JSON data (what the digest covers)."""
    return {
        "environment": manifest.environment,
        "account_sid": manifest.account_sid,
        "prune": list(manifest.prune),
        "resources": [
            {
                "section": e.section,
                "name": e.name,
                "spec": e.spec.model_dump(mode="json", exclude_none=True),
            }
            for e in manifest.entries
        ],
    }


def manifest_digest(manifest: Manifest) -> str:
    text = json.dumps(canonical(manifest), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
