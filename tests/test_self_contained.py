"""The repository explains itself: no comment, docstring or doc points at a document
that only exists outside it (a design document's sections, a style guide, a shared
notes directory). Say what the pointed-at text means instead."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# built from pieces so that this file does not match itself
OUTSIDE = re.compile(
    "|".join(
        [
            r"design\s*" + "\u00a7",  # a section sign after "design"
            r"\bdesign" + r"\.md\b",
            r"\bstyle" + r"\.md\b",
            r"\bshared/" + r"(twilio|studio-flows|background)\b",
            r"/work/" + r"shared\b",
        ]
    ),
    re.IGNORECASE,
)
SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".txt"}
SKIPPED = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}


def _files() -> list[Path]:
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(ROOT):
        subdirectories[:] = [
            d for d in subdirectories if d not in SKIPPED and not d.endswith(".egg-info")
        ]
        found += [Path(directory, n) for n in names if Path(n).suffix in SUFFIXES]
    return found


def test_nothing_points_at_documents_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []
