"""Confined, bounded file access for one manifest load.

Every file a manifest names (included files, definition files, flexplan.yaml
itself) must resolve, after symlinks, inside the configuration root: the
directory that holds flexplan.yaml, or the wider directory given by
``--file-root`` (monorepos). Only regular files are read (a FIFO or a device
would hang or never end), and never more than ``limits.FILE_BYTES`` of one
file or ``limits.TOTAL_BYTES`` in all. Include globs are expanded here too,
without following symlinked directories and within a bounded search.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from flexplan.errors import Diagnostic, Location
from flexplan.manifest import limits

ROOT_HINT = "keep the files inside the configuration directory, or pass --file-root DIR"


class AccessError(Exception):
    """A file that may not or cannot be read; ``message`` names it without its content."""

    def __init__(self, message: str, hint: str | None = None, line: int = 0) -> None:
        super().__init__(message)
        self.message, self.hint, self.line = message, hint, line


@dataclass
class FileAccess:
    """The root files must stay inside, and the bytes read so far."""

    root: Path
    bytes_read: int = 0

    @classmethod
    def at(cls, root: Path) -> FileAccess:
        return cls(Path(os.path.realpath(root)))

    def inside(self, path: Path) -> bool:
        resolved = Path(os.path.realpath(path))
        return resolved == self.root or resolved.is_relative_to(self.root)

    def read(self, path: Path, what: str, written: str = "") -> str:
        """The UTF-8 text of ``path``; ``AccessError`` (naming it as ``what``) when refused.

        ``written`` is the path as the manifest wrote it (an absolute one is named so).
        """
        if not self.inside(path):
            where = "is outside" if os.path.isabs(written) else "resolves outside"
            raise AccessError(f"{what} {where} the configuration directory", ROOT_HINT)
        data = self._read_bytes(Path(os.path.realpath(path)), what)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise AccessError(
                f"{what} is not UTF-8 text ({exc.reason})", "save it as UTF-8", line
            ) from None

    def _read_bytes(self, path: Path, what: str) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise AccessError(f"{what} not found") from None
        except OSError as exc:
            raise AccessError(f"cannot read {what}: {exc.strerror}") from None
        try:
            info = os.fstat(fd)
            _check_kind(info.st_mode, what)
            self._check_size(info.st_size, what)
            data = _read_at_most(fd, limits.FILE_BYTES + 1)
        except OSError as exc:
            raise AccessError(f"cannot read {what}: {exc.strerror}") from None
        finally:
            os.close(fd)
        self._check_size(len(data), what)  # the file grew while being read
        self.bytes_read += len(data)
        return data

    def _check_size(self, size: int, what: str) -> None:
        if size > limits.FILE_BYTES:
            raise AccessError(
                f"{what} is {limits.size_text(size)}, over the limit of "
                f"{limits.size_text(limits.FILE_BYTES)} for one file",
                "split it, or check that the path names the file you meant",
            )
        if self.bytes_read + size > limits.TOTAL_BYTES:
            raise AccessError(
                f"reading {what} would take the manifest over "
                f"{limits.size_text(limits.TOTAL_BYTES)} of files in all",
                "check the include: globs and definition_file paths",
            )


def _check_kind(mode: int, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise AccessError(f"{what} is a directory, not a file")
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
    raise AccessError(f"{what} is {kind}, not a regular file", "name a regular file")


def _read_at_most(fd: int, most: int) -> bytes:
    chunks: list[bytes] = []
    left = most
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# -- include globs ---------------------------------------------------------------------


def expand_include(access: FileAccess, base: Path, pattern: str) -> list[Path]:
    """Files under ``base`` matching ``pattern`` (glob syntax, ``**`` for any depth), sorted.

    The fixed part of the pattern must lie inside the root; symlinked directories
    are not followed by ``**``; names starting with ``.`` match only a pattern
    part starting with ``.``, as in the shell. ``AccessError`` when refused.
    """
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    if os.path.isabs(pattern):
        raise AccessError(f"include '{pattern}' is outside the configuration directory", ROOT_HINT)
    fixed = 0
    while fixed < len(parts) and not glob.has_magic(parts[fixed]):
        fixed += 1
    start = base.joinpath(*parts[:fixed])
    if not access.inside(start):
        raise AccessError(f"include '{pattern}' is outside the configuration directory", ROOT_HINT)
    if fixed == len(parts):
        exists = start.exists() and not start.is_dir()
        return [start] if exists or start.is_symlink() else []
    search = _Search(pattern)
    found = search.walk(str(start), parts[fixed:])
    return sorted(Path(p) for p in found)


class _Search:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.scanned = 0
        self.found: set[str] = set()

    def entries(self, directory: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            return []
        self.scanned += len(entries)
        if self.scanned > limits.INCLUDE_SCAN:
            raise AccessError(
                f"include '{self.pattern}' looks at more than {limits.INCLUDE_SCAN:,} "
                "directory entries",
                "narrow the pattern to the folder that holds the files",
            )
        return entries

    def walk(self, directory: str, parts: list[str]) -> set[str]:
        head, rest = parts[0], parts[1:]
        if head == "**":
            if rest:
                self.walk(directory, rest)
            else:
                self._all_files(directory)
            for entry in self.entries(directory):
                if _visible(entry.name, "") and entry.is_dir(follow_symlinks=False):
                    self.walk(entry.path, parts)
            return self.found
        for entry in self.entries(directory):
            if not _visible(entry.name, head) or not fnmatch.fnmatchcase(entry.name, head):
                continue
            if not rest:
                if not entry.is_dir():  # a FIFO or device is matched, and refused when read
                    self.found.add(entry.path)
            elif entry.is_dir():
                self.walk(entry.path, rest)
        return self.found

    def _all_files(self, directory: str) -> None:
        for entry in self.entries(directory):
            if _visible(entry.name, "") and not entry.is_dir():
                self.found.add(entry.path)


def _visible(name: str, part: str) -> bool:
    return not name.startswith(".") or part.startswith(".")


def access_diagnostic(error: AccessError, location: Location | None) -> Diagnostic:
    return Diagnostic(error.message, location, error.hint)
