"""Warm plans: digests of versioned live content, so that unchanged content is not read again.

Some live content carries a version the account bumps on every change (a
Studio flow's ``revision``: Studio makes a new revision on every create and
update). This cache maps ``(account, SID, version)`` to the SHA-256 digest of
that content in normal form (``ResourceKind.versioned_content``). A kind's
reader may then skip fetching content whose live version the cache knows,
when its own candidate for the content (what the manifest asks for) has that
very digest: the candidate *is* the live content. Otherwise it fetches and
compares as without a cache.

Only digests are kept: no content, so no secret lands in the file. One entry
per live object (its latest version); entries of objects no longer listed are
dropped when the kind is read again. The file is ``DIR/.flexplan/definition-digests.json``
beside the apply journal; filled by plan (what it fetched) and apply (what the
write answers returned). ``--no-cache`` neither reads nor writes it. A saved
plan's staleness check does not use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from flexplan.atomic import write_text_atomically

RELATIVE = Path(".flexplan") / "definition-digests.json"
FORMAT = 1


def digest(content: Any) -> str:
    """SHA-256 of ``content`` (JSON in normal form) as canonical JSON text."""
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DigestCache:
    """``(account, sid) -> (version, digest)``; thread-safe; saved only when changed."""

    def __init__(self, path: Path | None, entries: dict[str, dict[str, list[str]]] | None = None):
        self.path = path
        self._entries = entries or {}
        self._lock = threading.Lock()
        self._changed = False
        # (account, sid, version) whose content a reader's candidate just matched: putting
        # that content back needs no second digest
        self._confirmed: set[tuple[str, str, str]] = set()

    @classmethod
    def load(cls, directory: Path) -> DigestCache:
        """The cache of the config directory ``directory`` (empty when absent or unreadable)."""
        path = directory / RELATIVE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return cls(path)
        return cls(path, _valid_entries(document.get("accounts")))

    def matches(self, account: str, sid: str, version: str, content: Any) -> bool:
        """True when version ``version`` of ``sid`` is known to hold exactly ``content``."""
        with self._lock:
            known = self._entries.get(account, {}).get(sid)
        return known is not None and known[0] == version and known[1] == digest(content)

    def matches_lazily(
        self, account: str, sid: str, version: str, candidate: Callable[[], Any]
    ) -> bool:
        """``matches`` with the candidate made only when the version is the cached one."""
        with self._lock:
            known = self._entries.get(account, {}).get(sid)
        if known is None or known[0] != version:
            return False
        content = candidate()
        matched = content is not None and known[1] == digest(content)
        if matched:
            with self._lock:
                self._confirmed.add((account, sid, version))
        return matched

    def put(self, account: str, sid: str, version: str, content: Any) -> None:
        with self._lock:
            if (account, sid, version) in self._confirmed:
                return  # the cached digest of this very version was just matched
        entry = [version, digest(content)]
        with self._lock:
            objects = self._entries.setdefault(account, {})
            if objects.get(sid) != entry:
                objects[sid] = entry
                self._changed = True

    def keep_only(self, account: str, sids: Iterable[str]) -> None:
        """Forget the objects of ``account`` not in ``sids`` (deleted since)."""
        alive = set(sids)
        with self._lock:
            objects = self._entries.get(account, {})
            gone = [sid for sid in objects if sid not in alive]
            for sid in gone:
                del objects[sid]
            self._changed = self._changed or bool(gone)

    def save(self) -> None:
        """Write the file atomically when something changed; a failure only loses the cache."""
        with self._lock:
            if not self._changed or self.path is None:
                return
            document = {"format": FORMAT, "accounts": self._entries}
            text = json.dumps(document, sort_keys=True, indent=1) + "\n"
            self._changed = False
        with contextlib.suppress(OSError):
            write_text_atomically(self.path, text)


def remember_read(cache: DigestCache, account: str, kind: Any, objects: Iterable[Any]) -> None:
    """After reading ``kind`` (every live object listed): what was read, and nothing of the
    objects no longer listed. A kind without versioned content leaves the cache alone."""
    listed = list(objects)
    versioned = [(obj, kind.versioned_content(obj)) for obj in listed if obj.sid]
    if not any(found for _, found in versioned):
        return
    cache.keep_only(account, [obj.sid for obj in listed if obj.sid])
    for obj, found in versioned:
        if found is not None:
            cache.put(account, obj.sid, *found)


def remember_written(
    cache: DigestCache, account: str, kinds: Mapping[str, Any], written: Iterable[tuple[str, Any]]
) -> None:
    """After apply: the content each write answer (``(section, LiveObject)``) returned."""
    for section, live in written:
        kind = kinds.get(section)
        found = kind.versioned_content(live) if kind is not None and live is not None else None
        if found is not None and live.sid:
            cache.put(account, live.sid, *found)


def _valid_entries(accounts: Any) -> dict[str, dict[str, list[str]]]:
    if not isinstance(accounts, dict):
        return {}
    return {
        str(account): {
            str(sid): [entry[0], entry[1]]
            for sid, entry in objects.items()
            if isinstance(entry, list) and len(entry) == 2 and all(map(_is_text, entry))
        }
        for account, objects in accounts.items()
        if isinstance(objects, dict)
    }


def _is_text(value: Any) -> bool:
    return isinstance(value, str)
