"""Replay a recording (``FLEXPLAN_RECORD=DIR``) against a fresh sandbox; list the differences.

Every recorded request is sent, in the recorded order, to a sandbox that starts as a
fresh Flex account, and its answer is compared with the recorded one on what a client
relies on: the HTTP status, Twilio's error code, and the shape of the body (each field's
path and JSON type; list items merged). Values are not compared (SIDs, dates and names
differ between accounts); SIDs are mapped instead: a SID the recording got back is
replaced, in every later request, by the SID the sandbox gave back at the same place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from flexplan.errors import FlexplanError

ACCOUNT_PLACEHOLDER = "AC" + "0" * 32
_SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


@dataclass
class Difference:
    seq: str  # "file:line"
    request: str  # "GET studio.twilio.com/v2/Flows"
    what: str

    def __str__(self) -> str:
        return f"{self.seq} {self.request}: {self.what}"


@dataclass
class ReplayResult:
    exchanges: int = 0
    differences: list[Difference] = field(default_factory=list)


def load_recording(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every exchange under ``directory`` (``*.jsonl``, by file name, then line)."""
    files = sorted(directory.glob("*.jsonl")) if directory.is_dir() else []
    if not files:
        raise FlexplanError(
            f"no recording in {directory} (no *.jsonl files)",
            hint="record one with FLEXPLAN_RECORD=DIR flexplan plan …",
        )
    out: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                exchange = json.loads(line)
            except ValueError:
                raise FlexplanError(f"{path}:{number}: not a JSON line") from None
            _check_exchange(exchange, f"{path}:{number}")
            out.append((f"{path.name}:{number}", exchange))
    return out


def _check_exchange(exchange: Any, where: str) -> None:
    """One recorded exchange: ``method`` and ``url`` strings, an integer ``status`` if any."""
    problem = None
    if not isinstance(exchange, dict):
        problem = "not a JSON object"
    elif not isinstance(exchange.get("method"), str) or not isinstance(exchange.get("url"), str):
        problem = "no method and url"
    elif "status" in exchange and not isinstance(exchange["status"], int):
        problem = "status is not a number"
    if problem is not None:
        raise FlexplanError(
            f"{where}: not an exchange of a flexplan recording ({problem})",
            hint="replay the directory FLEXPLAN_RECORD wrote, unedited but for what you test",
        )


def replay(
    exchanges: Iterable[tuple[str, dict[str, Any]]],
    *,
    base_url: str,
    auth: tuple[str, str],
    account_sid: str,
) -> ReplayResult:
    """Send each recorded request to the sandbox at ``base_url``; compare the answers."""
    result = ReplayResult()
    sids: dict[str, str] = {ACCOUNT_PLACEHOLDER: account_sid}
    session = requests.Session()
    for where, exchange in exchanges:
        if "status" not in exchange:
            continue  # a transport error: nothing was answered
        result.exchanges += 1
        method = str(exchange["method"])
        url = _mapped(str(exchange["url"]), sids)
        parts = urlsplit(url)
        label = f"{method} {parts.netloc}{parts.path}"
        answer = _send(session, method, url, exchange, sids, base_url, auth)
        got = _parsed(answer.text)
        result.differences.extend(
            Difference(where, label, what) for what in _compare(exchange, answer.status_code, got)
        )
        _learn(exchange.get("body"), got, sids)
    return result


def _send(
    session: requests.Session,
    method: str,
    url: str,
    exchange: dict[str, Any],
    sids: dict[str, str],
    base_url: str,
    auth: tuple[str, str],
) -> requests.Response:
    data = _mapped(exchange.get("data"), sids)
    params = _mapped(exchange.get("params") or {}, sids)
    kwargs: dict[str, Any] = {"params": params or None, "auth": auth, "timeout": 30}
    if "json" in str(exchange.get("content_type") or ""):
        kwargs["json"] = data
    else:
        kwargs["data"] = data
    return session.request(method, _to_sandbox(url, base_url), **kwargs)


def _to_sandbox(url: str, base_url: str) -> str:
    """``https://studio.twilio.com/v2/Flows`` -> ``{base}/studio/v2/Flows`` (as the client)."""
    parts = urlsplit(url)
    api = parts.netloc.split(".")[0]
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, f"/{api}{parts.path}", parts.query, ""))


def _compare(exchange: dict[str, Any], status: int, got: Any) -> Iterator[str]:
    recorded_status = exchange.get("status")
    if recorded_status != status:
        yield f"status {recorded_status} recorded, {status} from the sandbox"
    want = exchange.get("body")
    code = want.get("code") if isinstance(want, dict) else None
    got_code = got.get("code") if isinstance(got, dict) else None
    if (code is not None or got_code is not None) and code != got_code:
        yield f"Twilio error code {code} recorded, {got_code} from the sandbox"
    if recorded_status != status:
        return  # a different answer altogether: its shape says nothing more
    recorded, answered = shape(want), shape(got)
    for path in sorted(recorded.keys() - answered.keys()):
        yield f"field {path} ({recorded[path]}) is missing from the sandbox's answer"
    for path in sorted(answered.keys() - recorded.keys()):
        yield f"field {path} ({answered[path]}) is in the sandbox's answer only"
    for path in sorted(recorded.keys() & answered.keys()):
        if recorded[path] != answered[path]:
            yield f"field {path} is {recorded[path]} recorded, {answered[path]} from the sandbox"


def shape(value: Any, path: str = "") -> dict[str, str]:
    """Field path -> JSON type name; list items merged under ``[]``."""
    if isinstance(value, dict):
        out: dict[str, str] = {path or ".": "object"}
        for key, item in value.items():
            out.update(shape(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {path or ".": "array"}
        for item in value:
            for sub, kind in shape(item, f"{path}[]").items():
                out[sub] = kind if out.get(sub) in (None, kind, "null") else out[sub]
        return out
    return {path or ".": _type_name(value)}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def _learn(recorded: Any, answered: Any, sids: dict[str, str]) -> None:
    """Map each SID of the recorded answer to the SID at the same place in the sandbox's."""
    if isinstance(recorded, dict) and isinstance(answered, dict):
        for key, value in recorded.items():
            if key in answered:
                _learn(value, answered[key], sids)
    elif isinstance(recorded, list) and isinstance(answered, list):
        for mine, theirs in zip(recorded, answered, strict=False):
            _learn(mine, theirs, sids)
    elif (
        isinstance(recorded, str)
        and isinstance(answered, str)
        and _SID.match(recorded)
        and _SID.match(answered)
        and recorded[:2] == answered[:2]
        and recorded not in sids
    ):
        sids[recorded] = answered


def _mapped(value: Any, sids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for recorded, answered in sids.items():
            if recorded in value:
                value = value.replace(recorded, answered)
        return value
    if isinstance(value, dict):
        return {k: _mapped(v, sids) for k, v in value.items()}
    if isinstance(value, list):
        return [_mapped(v, sids) for v in value]
    return value


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
