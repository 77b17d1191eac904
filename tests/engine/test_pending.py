"""A manifest still loading: telling it from a loaded one must not wait for the load."""

from __future__ import annotations

from typing import Any

from flexplan.engine.pending import is_pending, loaded
from flexplan.manifest.model import Manifest


class _Loading:
    """A pending manifest whose ``prune`` is not known yet (reading it would wait)."""

    def __init__(self, manifest: Any) -> None:
        self.manifest = manifest
        self.prune_reads = 0

    @property
    def prune(self) -> tuple[str, ...]:
        self.prune_reads += 1
        raise AssertionError("prune read: the preamble is not known yet")

    def result(self) -> Any:
        return self.manifest


def test_telling_a_pending_manifest_reads_none_of_its_members() -> None:
    done = object()
    loading = _Loading(done)
    assert is_pending(loading)
    assert loaded(loading) is done  # was: isinstance() read prune (waiting, or raising)
    assert loading.prune_reads == 0


def test_a_loaded_manifest_is_not_pending() -> None:
    manifest = Manifest.__new__(Manifest)
    assert not is_pending(manifest)
    assert loaded(manifest) is manifest
