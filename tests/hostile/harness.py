"""Run flexplan on a hostile input in a child process, bounded in time.

Each case builds a config directory (files, symlinks, FIFOs, sparse files) and
names what flexplan must answer: the exit code, the one error's location and
message. The child runs with a timeout, so a hang fails the test instead of
stalling the suite, and a crash (a signal) shows as a negative return code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

TIMEOUT = 30.0  # seconds: a bound on hangs, not a speed assertion

STUDIO_FLOW = """{
  "description": "A hostile test flow",
  "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}}
  ]
}
"""


def flow_manifest(definition_file: str) -> str:
    """A manifest whose only resource reads ``definition_file`` (at line 4, column 22)."""
    return (
        "studio_flows:\n"
        "  hostile:\n"
        "    friendly_name: Hostile\n"
        f"    definition_file: {definition_file}\n"
    )


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_flexplan(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Outcome:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FLEXPLAN_"))}
    clean["TWILIO_CONFIG_DIR"] = str(cwd / "no-twilio-cli")  # never the developer's profiles
    clean.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "flexplan", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


Build = Callable[[Path], list[str]]
"""Writes a case's files under the given directory; returns flexplan's arguments."""


@dataclass(frozen=True)
class Case:
    name: str
    item: str  # the part of issue 10 the case belongs to
    build: Build
    at: str  # FILE:LINE:COL (or FILE) of the one error, relative to the config directory
    message: str  # the error's message, exactly
    code: int = 1
    never: tuple[str, ...] = ()  # text that must not appear (content of files outside)
    env: dict[str, str] = field(default_factory=dict)  # the child's environment, added

    def resolved(self, root: str) -> Case:
        """The case with ``{root}`` in its location and message replaced by ``root``."""
        return replace(self, message=self.message.replace("{root}", root))

    def check(self, outcome: Outcome) -> None:
        text = outcome.output
        assert outcome.code == self.code, f"exit {outcome.code}:\n{text}"
        assert "Traceback" not in text and "internal error" not in text, text
        where = f"{self.at}: " if self.at else ""
        assert f"{where}error: {self.message}\n" in text, text
        assert text.count("error:") == 1, f"expected one error:\n{text}"
        for secret in self.never:
            assert secret not in text, f"{secret!r} leaked:\n{text}"
