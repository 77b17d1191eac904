"""What apply does around its writes: hold the account lock, and handle interrupts.

``account_lock`` takes the account lock (``flexplan.engine.lock``) for the
``with`` block, waiting up to ``--lock-timeout`` with a message every few
seconds, and always gives it back (also on failure and on the first
interrupt). ``Interrupts`` behaves as Terraform does: the first SIGINT/SIGTERM
is reported at once; before any write it stops the command right away, during
writes nothing new starts and what is in flight finishes, then the report is
printed, the lock released and the exit code is 130 (SIGINT) or 143 (SIGTERM).
A second signal exits at once and says the report may be incomplete.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import click

from flexplan.engine.lock import DEFAULT_TTL, AccountLock, Holder, new_holder
from flexplan.errors import FlexplanError

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def parse_duration(text: str) -> float:
    """``30s``, ``5m``, ``1h``, ``1m30s`` or plain seconds -> seconds."""
    found = _DURATION.fullmatch(text.strip())
    if not text.strip() or found is None or not any(found.groups()):
        raise click.BadParameter(f"{text!r} is not a duration such as 30s, 5m or 1m30s")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def lock_ttl() -> int:
    """``FLEXPLAN_LOCK_TTL`` (seconds, for tests and slow networks), else the default."""
    value = os.environ.get("FLEXPLAN_LOCK_TTL")
    if not value:
        return DEFAULT_TTL
    if not value.isdigit() or not 1 <= int(value) <= 86400:
        raise FlexplanError(
            f"FLEXPLAN_LOCK_TTL must be whole seconds from 1 to 86400, not {value!r}"
        )
    return int(value)


class Interrupted(BaseException):
    """The first interrupt arrived before anything was written.

    A ``BaseException``, like ``KeyboardInterrupt``: no ``except Exception`` on
    the way up may take it for an API failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Interrupts:
    """SIGINT/SIGTERM handling for one command (installed only in the main thread)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.writing = False  # during writes the first signal only asks to stop
        self.deferred = False  # while the lock is being taken, too
        self.lock_id: str | None = None
        self._previous: dict[int, Any] = {}

    @property
    def reason(self) -> str | None:
        if self.signum is None:
            return None
        return f"interrupted by {signal.Signals(self.signum).name}"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(signal.Signals(self.signum or signal.SIGINT), 130)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in EXIT_CODES:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signum is not None:
            kept = (
                f" The account lock {self.lock_id} stays until its lease expires "
                f"(or `flexplan force-unlock {self.lock_id}`)."
                if self.lock_id
                else ""
            )
            _say(f"\nSecond interrupt ({name}): exiting at once. The report of this apply may be "
                 f"incomplete: run `flexplan plan` to see the account.{kept}\n")  # fmt: skip
            os._exit(EXIT_CODES.get(signal.Signals(signum), 130))
        self.signum = signum
        if self.deferred:
            _say(f"\nInterrupt received ({name}): stopping before any change was made.\n")
            return
        if self.writing:
            _say(f"\nInterrupt received ({name}): starting nothing new, finishing the changes "
                 "in flight, then the report. Interrupt again to exit at once.\n")  # fmt: skip
            return
        _say(f"\nInterrupt received ({name}): stopping before any change was made.\n")
        raise Interrupted(signum)


def _say(text: str) -> None:
    """Write to stderr at once, even from a signal handler in the middle of other output."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (RuntimeError, OSError, ValueError):
        os.write(2, text.encode("utf-8", "replace"))


@contextlib.contextmanager
def interrupts() -> Iterator[Interrupts]:
    handling = Interrupts()
    handling.install()
    try:
        yield handling
    except Interrupted as exc:
        handling.restore()
        click.echo("Nothing was changed.", err=True)
        raise click.exceptions.Exit(EXIT_CODES.get(signal.Signals(exc.signum), 130)) from None
    finally:
        handling.restore()


@contextlib.contextmanager
def account_lock(
    client: Any,
    operation: str,
    *,
    enabled: bool,
    timeout: float,
    handling: Interrupts | None = None,
) -> Iterator[AccountLock | None]:
    """Hold the account lock for the block (or warn that it is not held)."""
    if not enabled:
        click.echo(
            "warning: --lock=false: this run does not take the account lock; another run "
            "writing to the account at the same time can make duplicates or undo changes",
            err=True,
        )
        yield None
        return
    lock = AccountLock(client, new_holder(operation), ttl=lock_ttl())
    if handling is not None:
        handling.deferred = True
    try:
        lock.acquire(timeout=timeout, on_wait=_waiting(timeout), stop=_stop_of(handling))
    finally:
        if handling is not None:
            handling.deferred = False
    if handling is not None:
        handling.lock_id = lock.holder.lock_id
        if handling.signum is not None:  # arrived while the lock was being taken
            _give_back(lock)
            raise Interrupted(handling.signum)
    try:
        yield lock
    finally:
        _give_back(lock)


def _give_back(lock: AccountLock) -> None:
    try:
        lock.release()
    except FlexplanError as exc:  # the apply's own outcome matters more; say what is left
        lock_id = lock.holder.lock_id
        click.echo(
            f"warning: could not give back the account lock {lock_id} ({exc.message}); it "
            f"expires {lock.ttl} s after its last renewal, or `flexplan force-unlock {lock_id}`",
            err=True,
        )


def _stop_of(handling: Interrupts | None) -> Callable[[], bool]:
    return lambda: handling is not None and handling.signum is not None


def _waiting(timeout: float) -> Callable[[Holder | None, float], None]:
    shown: set[str] = set()

    def notice(holder: Holder | None, waited: float) -> None:
        lock_id = holder.lock_id if holder else "?"
        if lock_id not in shown and holder is not None:
            shown.add(lock_id)
            click.echo(f"The account is locked by another flexplan run:\n{holder.describe()}",
                       err=True)  # fmt: skip
        who = f"{holder.who}@{holder.host}" if holder else "another run"
        click.echo(
            f"Waiting for the account lock held by {who} ({waited:.0f}s of {timeout:.0f}s)...",
            err=True,
        )

    return notice
