"""``FLEXPLAN_RECORD=DIR``: write every API exchange a command makes, with every secret removed.

A recording made against a real account is what the sandbox is measured against:
``flexplan sandbox replay DIR`` sends the same requests to a fresh sandbox and lists
where it answers differently (docs/acceptance.md). Each command writes one JSON-lines
file ``DIR/<UTC time>-<pid>-<n>.jsonl``, one exchange a line, in the order the answers
arrived (a request that depends on another's answer always comes after it).

Removed before anything is written: the Authorization header and the credentials
(never recorded at all), every registered secret (auth token, API secret, ``${env:}``
values), ``user:password@`` in URLs, and the value of any field whose name says it is a
secret (token, secret, password, credential, auth). The account SID is replaced by a
placeholder, so that a recording can be shared and replayed on another account.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flexplan.errors import FlexplanError
from flexplan.redact import encoded_forms, redact, register_secret
from flexplan.sensitive import secrets_in

ACCOUNT_PLACEHOLDER = "AC" + "0" * 32
REDACTED = "(redacted)"
FORMAT = "flexplan-recording/1"
_SECRET_NAME = re.compile(r"token|secret|password|passwd|credential|auth|api_?key", re.I)
_files = itertools.count(1)


class RecordingError(FlexplanError):
    pass


def scrub(value: Any, account_sid: str | None = None) -> Any:
    """``value`` (JSON data) with every secret removed and the account SID replaced.

    Secrets nobody registered are found by ``flexplan.sensitive`` (a Studio widget's
    webhook token, a ``?api_key=`` in a URL, a bearer token in a request parameter)."""
    detected = sorted(
        {form for secret in secrets_in(value) for form in encoded_forms(secret)},
        key=len,
        reverse=True,
    )
    return _scrub(value, account_sid, detected)


def _scrub(value: Any, account_sid: str | None, detected: list[str]) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if _secret_name(str(k), v) else _scrub(v, account_sid, detected)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub(v, account_sid, detected) for v in value]
    if isinstance(value, str):
        text = redact(value)
        for secret in detected:
            text = text.replace(secret, REDACTED)
        text = text.replace("(sensitive)", REDACTED)
        return text.replace(account_sid, ACCOUNT_PLACEHOLDER) if account_sid else text
    return value


def _secret_name(name: str, value: Any) -> bool:
    """A field named like a secret, holding a value (not a nested object, not a SID)."""
    if not _SECRET_NAME.search(name) or isinstance(value, (Mapping, list, bool)):
        return False
    return not (name.endswith("_sid") or name.endswith("Sid"))  # auth_sid names, not secrets


def scrub_url(url: str, account_sid: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(
        [(k, REDACTED if _secret_name(k, v) else str(scrub(v, account_sid))) for k, v in pairs]
    )
    path = str(scrub(parts.path, account_sid))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


class Recorder:
    """Wraps a twilio client's ``http_client.request`` and writes each exchange."""

    def __init__(self, directory: Path, account_sid: str, secrets: tuple[str, ...]) -> None:
        self.account_sid = account_sid
        for secret in secrets:
            register_secret(secret)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(
                f"FLEXPLAN_RECORD: cannot create {directory}: {exc.strerror}",
                hint="point FLEXPLAN_RECORD at a writable directory",
            ) from None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        micros = f"{time.time() % 1:.6f}"[2:]
        self.path = directory / f"{stamp}.{micros}-{os.getpid()}-{next(_files)}.jsonl"
        self._lock = threading.Lock()
        self._seq = 0

    def wrap(self, client: Any) -> None:
        http = client.http_client
        original = http.request

        def request(method: str, url: str, params: Any = None, data: Any = None,
                    headers: Any = None, **kwargs: Any) -> Any:  # fmt: skip
            try:
                response = original(method, url, params, data, headers, **kwargs)
            except Exception as exc:
                self.write(method, url, params, data, headers, None, type(exc).__name__)
                raise
            self.write(method, url, params, data, headers, response, None)
            return response

        http.request = request

    def write(
        self, method: str, url: str, params: Any, data: Any, headers: Any,
        response: Any, error: str | None,
    ) -> None:  # fmt: skip
        content_type = (headers or {}).get("Content-Type", "")
        exchange: dict[str, Any] = {
            "format": FORMAT,
            "method": method.upper(),
            "url": scrub_url(url, self.account_sid),
            "params": scrub(dict(params or {}), self.account_sid),
            "content_type": content_type,
            "data": scrub(_plain(data), self.account_sid),
        }
        if response is not None:
            exchange["status"] = int(response.status_code)
            exchange["body"] = scrub(_parsed(response.text), self.account_sid)
        else:
            exchange["transport_error"] = error
        with self._lock:
            self._seq += 1
            exchange["seq"] = self._seq
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(exchange, sort_keys=True) + "\n")


def _plain(data: Any) -> Any:
    if data is None:
        return None
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return dict(data) if isinstance(data, Mapping) else data


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def recording_asked(environ: Mapping[str, str] | None = None) -> str | None:
    """The directory ``FLEXPLAN_RECORD`` names for recording, if any."""
    return (environ if environ is not None else os.environ).get("FLEXPLAN_RECORD") or None


def record_if_asked(client: Any, environ: Mapping[str, str] | None = None) -> Recorder | None:
    """Start recording ``client``'s exchanges when ``FLEXPLAN_RECORD`` names a directory."""
    target = recording_asked(environ)
    if not target:
        return None
    secrets = tuple(s for s in (getattr(client, "password", None),) if isinstance(s, str))
    recorder = Recorder(Path(target), str(getattr(client, "account_sid", "") or ""), secrets)
    recorder.wrap(client)
    return recorder
