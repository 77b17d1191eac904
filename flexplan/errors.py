"""Errors and diagnostics shared by every layer.

A user mistake never surfaces as a traceback: every layer raises a
``FlexplanError`` (one problem) or ``DiagnosticsError`` (many problems found at
once), and the CLI renders them. Both carry a location when one is known, and a
hint saying what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flexplan.records import Record


@dataclass(frozen=True)
class Location:
    """A place in a user's file: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def relative_to(self, base: Path) -> Location:
        try:
            rel = Path(self.file).resolve().relative_to(base.resolve())
        except ValueError:
            return self
        return Location(str(rel), self.line, self.column)


class Diagnostic(Record, frozen=True):
    """One problem found in the user's input."""

    message: str
    location: Location | None = None
    hint: str | None = None
    severity: str = "error"
    fixed_by: str | None = None
    """The flexplan command that resolves it (``migrate``: a legacy Studio trigger)."""

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.message) if loc else ("", 0, 0, self.message)

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class FlexplanError(Exception):
    """A single problem that stops the command; rendered without a traceback."""

    def __init__(
        self, message: str, *, hint: str | None = None, location: Location | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def as_diagnostic(self) -> Diagnostic:
        return Diagnostic(self.message, self.location, self.hint)


class DiagnosticsError(Record, Exception):
    """Several problems found at once (validation reports them all)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)
