"""``FLEXPLAN_LOG=debug``: every API request and its answer on stderr, as ``TF_LOG`` does.

One block per try: the method and URL (query included), the form or JSON body sent,
then the status, the time taken and the answer's body (its first 4,000 characters).
``FLEXPLAN_LOG_PATH=FILE`` appends the log to FILE instead of stderr. Everything
passes through the recording's scrubber first: the registered secrets (credentials,
``${env:…}`` values, secret ``--var`` values) in every encoded form, ``user:pass@``
in URLs, the values the secret detector finds (webhook tokens, ``?api_key=``,
bearer tokens in Studio definitions) and every field named like a secret. The
``Authorization`` header is never logged.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, TextIO
from urllib.parse import urlencode

from flexplan.recording import scrub

LEVELS = frozenset({"debug", "trace"})
BODY_LIMIT = 4000


class RequestLog:
    """Where the log goes; thread-safe (requests run in parallel)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    def request(self, method: str, url: str, params: Any, body: Any, attempt: int) -> None:
        query = f"?{urlencode(_pairs(params))}" if params else ""
        lines = [f"flexplan debug: --> {method} {_clean(url + query)} (try {attempt})"]
        if body:
            lines.append(f"flexplan debug:     body: {_clean_body(body)}")
        self._write(lines)

    def answer(self, method: str, url: str, status: str, seconds: float, text: str | None) -> None:
        lines = [f"flexplan debug: <-- {status} {method} {_clean(url)} in {seconds:.2f} s"]
        if text:
            shown = _clean_text(text)
            cut = (
                f" … ({len(shown) - BODY_LIMIT} more characters)" if len(shown) > BODY_LIMIT else ""
            )
            lines.append(f"flexplan debug:     body: {shown[:BODY_LIMIT]}{cut}")
        self._write(lines)

    def _write(self, lines: list[str]) -> None:
        text = "\n".join(lines) + "\n"
        with self._lock:
            if self._path:
                with open(self._path, "a", encoding="utf-8") as out:
                    out.write(text)
            else:
                stream: TextIO = sys.stderr
                stream.write(text)
                stream.flush()


def log_asked(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``FLEXPLAN_LOG`` asks for the request log (``debug`` or ``trace``)."""
    env = os.environ if env is None else env
    return env.get("FLEXPLAN_LOG", "").strip().lower() in LEVELS


def request_log(env: Mapping[str, str] | None = None) -> RequestLog | None:
    """The log ``FLEXPLAN_LOG`` asks for (``debug`` or ``trace``), else ``None``."""
    env = os.environ if env is None else env
    if not log_asked(env):
        return None
    return RequestLog(env.get("FLEXPLAN_LOG_PATH") or None)


def _pairs(params: Any) -> list[tuple[str, str]]:
    if isinstance(params, Mapping):
        return [(str(k), str(v)) for k, v in params.items() if v is not None]
    return []


def _clean(text: str) -> str:
    return str(scrub(text))


def _clean_body(body: Any) -> str:
    return json.dumps(scrub(body), ensure_ascii=False, sort_keys=True, default=str)


def _clean_text(text: str) -> str:
    """An answer's body: scrubbed as JSON data when it is JSON, else as text."""
    try:
        data = json.loads(text)
    except ValueError:
        return _clean(text)
    return _clean_body(data)
