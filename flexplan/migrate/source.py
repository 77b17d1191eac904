"""The manifest's files as written: YAML mappings and Studio definition JSON, by path.

Read after the manifest validated, so the files are known to be well-formed;
``${…}`` are kept as text. Written back in ``flexplan export``'s style (its
YAML and JSON writers), each YAML file keeping its leading comment lines.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flexplan.engine.textfiles import json_text, yaml_text
from flexplan.manifest import MANIFEST_FILE
from flexplan.manifest.files import FileAccess, expand_include

# never copied into a migrated directory: the sandbox account's state and Git's own files
SKIPPED = {".flexplan", ".git"}


@dataclass
class ManifestFiles:
    """Paths are relative to the manifest directory, with ``/`` separators."""

    yaml: dict[str, dict[str, Any]] = field(default_factory=dict)  # root file first
    heads: dict[str, str] = field(default_factory=dict)  # leading comment block of each
    json: dict[str, Any] = field(default_factory=dict)  # Studio definition files


def read_manifest(directory: Path) -> ManifestFiles:
    access = FileAccess.at(directory)
    files = ManifestFiles()
    root = directory / MANIFEST_FILE
    _read_yaml(access, directory, root, files)
    for pattern in files.yaml[MANIFEST_FILE].get("include") or []:
        for path in expand_include(access, directory, str(pattern)):
            if _relative(directory, path) not in files.yaml:
                _read_yaml(access, directory, path, files)
    for rel, data in list(files.yaml.items()):
        for spec in (data.get("studio_flows") or {}).values():
            source = spec.get("definition_file") if isinstance(spec, dict) else None
            if isinstance(source, str):
                _read_json(access, directory, definition_path(rel, source), files)
    return files


def definition_path(yaml_rel: str, source: str) -> str:
    """A ``definition_file`` (relative to its YAML file) relative to the manifest directory."""
    return os.path.normpath(os.path.join(os.path.dirname(yaml_rel), source)).replace(os.sep, "/")


def _relative(directory: Path, path: Path) -> str:
    return os.path.relpath(path, directory).replace(os.sep, "/")


def _read_yaml(access: FileAccess, directory: Path, path: Path, files: ManifestFiles) -> None:
    rel = _relative(directory, path)
    text = access.read(path, f"'{rel}'")
    data = yaml.safe_load(text) or {}
    files.yaml[rel] = data if isinstance(data, dict) else {}
    head = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        head.append(line)
    files.heads[rel] = "".join(f"{line}\n" for line in head)


def _read_json(access: FileAccess, directory: Path, rel: str, files: ManifestFiles) -> None:
    if rel in files.json:
        return
    try:
        files.json[rel] = json.loads(access.read(directory / rel, f"'{rel}'"))
    except ValueError:
        return  # a definition with ${…} outside strings: rewired by hand (reported)


def copy_tree(source: Path, out: Path) -> None:
    """``source`` copied into ``out`` (new or empty), without sandbox state or Git files."""
    shutil.copytree(
        source, out, ignore=lambda _d, names: [n for n in names if n in SKIPPED], dirs_exist_ok=True
    )


def write_files(
    directory: Path, files: ManifestFiles, yaml_paths: set[str], json_paths: set[str]
) -> None:
    for rel in sorted(yaml_paths):
        _write(directory / rel, files.heads.get(rel, "") + yaml_text(files.yaml[rel]))
    for rel in sorted(json_paths):
        _write(directory / rel, json_text(files.json[rel]))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
