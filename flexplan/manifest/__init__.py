"""The manifest: YAML files → validated, resolved resource entries.

``load_manifest`` is what ``plan`` and ``apply`` call; ``validate_directory``
is what ``flexplan validate`` calls (it never raises for bad input and can
check every environment at once). Neither touches the network.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path

from flexplan.collector import collector_paused
from flexplan.errors import Diagnostic, DiagnosticsError
from flexplan.manifest.background import ManifestLoad
from flexplan.manifest.loader import MANIFEST_FILE, Loader
from flexplan.manifest.model import Entry, Manifest, Preamble, canonical, manifest_digest

__all__ = [
    "MANIFEST_FILE",
    "Entry",
    "Manifest",
    "ManifestLoad",
    "Preamble",
    "canonical",
    "environments_of",
    "load_manifest",
    "manifest_digest",
    "start_loading",
    "validate_directory",
]


def load_manifest(
    directory: Path,
    *,
    env: str | None = None,
    variables: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    file_root: Path | None = None,
) -> Manifest:
    """The manifest in ``directory`` for ``env``; ``DiagnosticsError`` lists every problem.

    Warnings do not stop it: they are kept in ``manifest.warnings`` for the command to show.
    Every file it reads must resolve inside ``directory`` (or ``file_root``, when given).
    """
    return _checked(directory, env, variables, environ, file_root, None)


def start_loading(
    directory: Path,
    *,
    env: str | None = None,
    variables: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    file_root: Path | None = None,
) -> ManifestLoad:
    """``load_manifest`` in a background thread: ``.preamble()`` (the account and
    ``prune:``) is known before ``.result()`` (the manifest, or the same ``DiagnosticsError``)."""
    return ManifestLoad(
        functools.partial(_checked, directory, env, variables, environ, file_root)
    )


def _checked(
    directory: Path,
    env: str | None,
    variables: Mapping[str, str] | None,
    environ: Mapping[str, str] | None,
    file_root: Path | None,
    on_preamble: Callable[[Preamble], None] | None,
) -> Manifest:
    manifest, diagnostics = _load(directory, env, variables, environ, file_root, on_preamble)
    errors = [d for d in diagnostics if d.severity == "error"]
    if manifest is None or errors:
        raise DiagnosticsError(errors or diagnostics)
    return manifest


def validate_directory(
    directory: Path,
    *,
    env: str | None = None,
    variables: Mapping[str, str] | None = None,
    all_environments: bool = False,
    environ: Mapping[str, str] | None = None,
    file_root: Path | None = None,
) -> tuple[Manifest | None, list[Diagnostic]]:
    """Load and check; with ``all_environments`` (and no ``env``) check each environment.

    Returns the manifest (for a single environment, when valid) and the problems,
    sorted by place. A problem found in some environments only says which.
    """
    names = environments_of(directory, file_root) if all_environments and env is None else []
    if not names:
        manifest, diagnostics = _load(directory, env, variables, environ, file_root)
        return manifest, sorted(diagnostics, key=Diagnostic.sort_key)
    found: dict[Diagnostic, list[str]] = {}
    for name in names:
        for diagnostic in _load(directory, name, variables, environ, file_root)[1]:
            found.setdefault(diagnostic, []).append(name)
    merged = [d if len(envs) == len(names) else _tagged(d, envs) for d, envs in found.items()]
    return None, sorted(merged, key=Diagnostic.sort_key)


def environments_of(directory: Path, file_root: Path | None = None) -> list[str]:
    """Names under ``environments:`` in the manifest (empty when unreadable or none)."""
    loader = Loader(directory, env=None, variables=None, file_root=file_root)
    root = loader._root()
    envs = root.data.get("environments") if root is not None else None
    return [str(k) for k in envs] if isinstance(envs, dict) else []


def _tagged(diagnostic: Diagnostic, envs: list[str]) -> Diagnostic:
    which = ", ".join(envs)
    label = "environment" if len(envs) == 1 else "environments"
    return Diagnostic(
        f"{diagnostic.message} (in {label} {which})",
        diagnostic.location,
        diagnostic.hint,
        diagnostic.severity,
    )


def _load(
    directory: Path,
    env: str | None,
    variables: Mapping[str, str] | None,
    environ: Mapping[str, str] | None,
    file_root: Path | None,
    on_preamble: Callable[[Preamble], None] | None = None,
) -> tuple[Manifest | None, list[Diagnostic]]:
    loader = Loader(
        directory, env=env, variables=variables, environ=environ, file_root=file_root,
        on_preamble=on_preamble,
    )  # fmt: skip
    # loading makes many long-lived objects and few cycles: the collector's full passes
    # rescanned them again and again (validate grew faster than linearly)
    with collector_paused():
        manifest = loader.load()
    return manifest, loader.diagnostics
