"""Loading a manifest in a background thread, its account known first.

A plan's list requests need only the account and ``prune:`` (most kinds list
their objects before they look at their entries), which the root file's settings
and the environment give long before the includes and entries are loaded (the
expensive part: ~0.7 s of CPU at 5,000 resources). ``ManifestLoad`` publishes
that ``Preamble`` as soon as it is known, so the command can connect and start
reading while the entries still load. Errors are the load's own, unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flexplan.manifest.model import Manifest, Preamble


class ManifestLoad:
    """One manifest load running in its own thread (``flexplan.manifest.start_loading``)."""

    def __init__(self, load: Callable[[Callable[[Preamble], None]], Manifest]) -> None:
        self._known = threading.Event()  # the preamble, or the whole load's end
        self._done = threading.Event()
        self._preamble: Preamble | None = None
        self._manifest: Manifest | None = None
        self._error: BaseException | None = None
        # a daemon: loading only reads files, and must not keep a failed command alive
        self._thread = threading.Thread(
            target=self._run, args=(load,), name="manifest-load", daemon=True
        )
        self._thread.start()

    def _run(self, load: Callable[[Callable[[Preamble], None]], Manifest]) -> None:
        try:
            self._manifest = load(self._publish)
        except BaseException as exc:  # handed to whoever waits: result() raises it
            self._error = exc
        finally:
            self._done.set()
            self._known.set()

    def _publish(self, preamble: Preamble) -> None:
        self._preamble = preamble
        self._known.set()

    def preamble(self) -> Preamble:
        """The account and ``prune:``, once known; raises the load's error when it failed
        before they were (a problem in the root file's settings or the environment)."""
        self._known.wait()
        if self._preamble is not None:
            return self._preamble
        manifest = self.result()
        return Preamble(manifest.account_sid, manifest.environment, manifest.prune)

    @property
    def prune(self) -> tuple[str, ...]:
        return self.preamble().prune

    def result(self) -> Manifest:
        """The loaded manifest (waits for it); raises the load's ``DiagnosticsError``."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._manifest is not None
        return self._manifest
