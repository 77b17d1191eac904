"""Limits on what loading a manifest may cost, so hostile input ends in one message.

A plan runs on pull requests from people outside the team: a YAML alias bomb,
a FIFO named as a definition file or an include of ``/**`` must end within
seconds with an error at the line that caused it, never a hang, a traceback or
a crash. The limits are generous for real manifests: the 5,000-resource
benchmark (benchmarks/validate_bench.py) uses about a hundredth of each.
docs/manifest.md lists them.
"""

from __future__ import annotations

MiB = 1024 * 1024

FILE_BYTES = 10 * MiB
"""Largest file flexplan reads (flexplan.yaml, an included file, a definition file)."""

TOTAL_BYTES = 64 * MiB
"""Largest sum of the sizes of every file one manifest reads."""

YAML_VALUES = 500_000
"""Most values (mapping keys, mapping values, list items) in all YAML files of a
manifest, counting every expansion of an alias or ``<<`` merge."""

ALIAS_VALUES = 100_000
"""Most values that aliases and ``<<`` merges may produce in all YAML files of a manifest."""

JSON_VALUES = 200_000
"""Most values (object members, list items, scalars) in one JSON definition file."""

DEPTH = 100
"""Deepest nesting of mappings and lists, in YAML and in JSON definition files."""

INCLUDE_FILES = 1_000
"""Most files the ``include:`` globs of a manifest may match."""

INCLUDE_SCAN = 100_000
"""Most directory entries one ``include:`` glob may look at while it searches."""


def size_text(size: int) -> str:
    """``10 MiB``, ``512 KiB``, ``300 bytes``: a byte count for messages."""
    if size >= MiB:
        return f"{size / MiB:.1f}".rstrip("0").rstrip(".") + " MiB"
    if size >= 1024:
        return f"{size // 1024} KiB"
    return f"{size} bytes"
