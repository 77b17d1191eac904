"""The account's concurrency limit, as learned by an earlier run, so the next starts there.

The adaptive gate (``flexplan.throttle.RequestGate``) finds an account's limit from
its 429s; without memory every run starts at ``FIRST_WINDOW``, grows past the limit
once and pays a ``Retry-After`` for each request refused. A run that was refused
keeps what it learned in ``DIR/.flexplan/concurrency-limits.json``, beside the digest
cache: per account SID, the limit and when it was learned (nothing else, no
credential). The next run of that directory starts its window at that limit, with
probing above it nearly off (``MAX_PATIENCE``).

- A limit is used for ``EXPIRY`` (a day) after a run last saw the account refuse a
  request; then a run starts as without memory, so an account whose limit was raised
  is found again (one overshoot a day at most). A run that is refused learns again at
  once (a lowered limit).
- ``--parallelism`` given on the command line wins: the memory is not used to start.
- ``--no-cache`` neither reads nor writes the file.
- An unreadable, malformed or future-dated file or entry is ignored, never an error;
  a file that cannot be written only loses the memory.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexplan.atomic import write_text_atomically
from flexplan.throttle import PARALLELISM, RequestGate

RELATIVE = Path(".flexplan") / "concurrency-limits.json"
FORMAT = 1
EXPIRY = 24 * 3600.0  # seconds a learned limit is used for
CLOCK_SKEW = 300.0  # a learned_at this far in the future is not believed


@dataclass(frozen=True)
class LimitMemory:
    """A command's use of the file (None: no use, ``--no-cache``): ``start`` from the
    learned limit (not when ``--parallelism`` was given), and keep what the run learns."""

    start: bool = True


def learned_limit(directory: Path, account_sid: str, *, now: float | None = None) -> int | None:
    """The limit an earlier run learned for ``account_sid``, if it is recent and sane."""
    entry = _accounts(directory / RELATIVE).get(account_sid)
    if not isinstance(entry, dict):
        return None
    limit, learned_at = entry.get("limit"), entry.get("learned_at")
    if type(limit) is not int or not PARALLELISM.low <= limit <= PARALLELISM.high:
        return None
    if not isinstance(learned_at, int | float) or not math.isfinite(learned_at):
        return None
    age = (time.time() if now is None else now) - learned_at
    return limit if -CLOCK_SKEW <= age < EXPIRY else None


def remember_limit(
    directory: Path, account_sid: str, gate: RequestGate, *, now: float | None = None
) -> None:
    """Keep the limit ``gate`` learned from refusals this run (nothing when none came): as
    the last refusal set it, not raised by a later try above it that went through."""
    if not gate.adaptive or gate.refused_limit is None:
        return
    path = directory / RELATIVE
    accounts = _accounts(path)
    accounts[account_sid] = {  # a try above it that the account let through proves little
        "limit": gate.refused_limit,
        "learned_at": round(time.time() if now is None else now, 3),
    }
    text = json.dumps({"format": FORMAT, "accounts": accounts}, sort_keys=True, indent=1)
    with contextlib.suppress(OSError):
        write_text_atomically(path, text + "\n")


def _accounts(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # absent, unreadable, not UTF-8, not JSON
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}
    accounts = document.get("accounts")
    return dict(accounts) if isinstance(accounts, dict) else {}
