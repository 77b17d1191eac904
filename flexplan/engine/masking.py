"""Secrets the manifest did not declare, found in both sides of every change.

A field is sensitive when the manifest fills it from ``${env:…}`` (recorded by
the loader) or when either side holds something that looks like a secret
(``flexplan.sensitive``): an old live value is masked as carefully as the new
one, and the field is masked on both sides. Detected values are also
registered with ``flexplan.redact`` (the last guard of every output), except
short ones, which are masked only where they stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flexplan.engine.diff import leaves
from flexplan.engine.model import ResourceChange
from flexplan.redact import register_secret
from flexplan.sensitive import secrets_in

GUARD_MIN_LENGTH = 8  # detected values shorter than this are not searched for in all output


def mark_detected_secrets(changes: Iterable[ResourceChange]) -> None:
    """Add every leaf that holds a secret on either side to ``sensitive_paths``."""
    for change in changes:
        found = set(change.sensitive_paths)
        after = dict(leaves(change.after or {}))
        for path, value in after.items():
            _check(path, value, found)
        for path, value in leaves(change.before or {}):
            if path not in after or after[path] != value:  # an unchanged value is read once
                _check(path, value, found)
        change.sensitive_paths = sorted(found)


def _check(path: str, value: Any, found: set[str]) -> None:
    secrets = secrets_in(value, key=path.rsplit(".", 1)[-1])
    if secrets:
        found.add(path)
        for secret in secrets:
            register_secret(secret, min_length=GUARD_MIN_LENGTH)
