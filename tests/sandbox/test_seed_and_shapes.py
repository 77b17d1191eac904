"""The fresh account, seen through the twilio SDK, and response shapes vs Twilio's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.store import Store
from tests_sandbox_support import RESPONSES  # noqa: F401  (placeholder replaced below)
