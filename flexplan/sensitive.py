"""Which values look like secrets, even when the manifest does not say so.

A plan shows live values (what the account holds now) and an export writes
them into files meant for git, so flexplan looks for secrets itself instead of
trusting that every one came from ``${env:…}``. The detection is heuristic: it
finds what has a recognisable shape or name, never everything.

A string holds a secret when it has

* credentials in a URL (``https://user:pass@host``);
* a query or form parameter whose name means a secret (``?api_key=…``,
  ``&sig=…``, ``#access_token=…``, ``?code=…``);
* a known webhook token in a URL path (Slack, Discord, Microsoft Teams);
* an ``Authorization``-style scheme with a token (``Bearer …``, ``Basic …``) or a
  ``Name: value`` header line whose name means a secret (``X-Api-Key: …``);
* a well-known token prefix (``xoxb-``, ``sk_live_``, ``ghp_``, ``AKIA…``, a JWT);
* JSON inside the string (a request body) where any of the above holds, or a
  key whose name means a secret;

and a JSON value holds one where a key whose name means a secret (``token``,
``apiKey``, ``Authorization``…) has a literal string under it, including
``{key: NAME, value: …}`` pairs (Studio's request parameters). Liquid
templates (``{{flow.variables.token}}``) and ``${…}`` placeholders are not
literal secrets. Secret values are returned as the substrings to mask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

FieldPath = tuple[str | int, ...]

# Words that, as the last word of a name, say that its value is a secret.
_SECRET_WORDS = frozenset(
    {
        "token", "secret", "password", "passwd", "pwd", "passphrase", "pass",
        "signature", "sig", "auth", "authorization", "apikey", "key", "credential",
        "credentials", "bearer", "jwt", "cookie", "oauth", "privatekey", "accesstoken",
        "authtoken", "webhookkey", "sas",
    }
)  # fmt: skip
# Only as a query parameter: ``?code=`` (Azure Functions keys), ``?k=``.
_QUERY_WORDS = frozenset({"code", "k"})
# Trailing words that still describe the secret itself (``token_value``, ``password2``).
_VALUE_SUFFIXES = frozenset({"value", "val", "str", "string", "b64", "base64", "hash", "hex"})

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_URL_USERINFO = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://(?P<userinfo>[^/@\s\"'<>]+)@")
_PARAM = re.compile(r"(?:^|[?&;#\s])(?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&#;\s\"'<>]+)")
_WEBHOOK_PATHS = (
    re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<token>[A-Za-z0-9/_\-]+)"),
    re.compile(r"discord(?:app)?\.com/api/webhooks/(?P<token>[A-Za-z0-9/_\-]+)"),
    re.compile(r"\.webhook\.office\.com/webhookb2/(?P<token>[A-Za-z0-9@/_\-]+)"),
)
_SCHEME = re.compile(r"\b(?:Bearer|Basic|Token|Digest|Bot)\s+(?P<token>[A-Za-z0-9._~+/=\-]{8,})")
_HEADER_LINE = re.compile(
    r"(?:^|[\n\r])\s*(?P<name>[A-Za-z][A-Za-z0-9_\-]*)\s*:\s*(?P<value>\S[^\r\n]*)"
)
_PREFIXED = re.compile(
    r"\b(?:xox[abposr]-[A-Za-z0-9\-]{8,}|sk_(?:live|test)_[A-Za-z0-9]{8,}|"
    r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|"
    r"eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]+)"
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}")
_MASK = "(sensitive)"
_NOT_SECRET_VALUES = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off"})


def secret_name(name: str, *, query: bool = False) -> bool:
    """True when a key, header or parameter name says its value is a secret."""
    words = [w.lower() for w in _WORD.findall(name)]
    while words and (words[-1].isdigit() or words[-1] in _VALUE_SUFFIXES):
        words.pop()
    if not words:
        return False
    last = words[-1]
    joined = "".join(words[-2:])
    return (
        last in _SECRET_WORDS
        or joined in _SECRET_WORDS
        or (query and last in _QUERY_WORDS and len(words) == 1)
    )


def literal(value: str) -> bool:
    """A value worth masking: not empty, a template, a boolean or an existing mask."""
    rest = _TEMPLATE.sub("", value).replace(_MASK, "")
    rest = re.sub(r"^\s*(?:Bearer|Basic|Token|Digest|Bot)\b", "", rest, flags=re.IGNORECASE)
    rest = rest.strip()
    return bool(rest) and rest.lower() not in _NOT_SECRET_VALUES and any(c.isalnum() for c in rest)


def secrets_in_text(text: str, *, key: str | None = None) -> set[str]:
    """The secret substrings of one string (``key``: the name it is stored under)."""
    if not text or not isinstance(text, str):
        return set()
    found: set[str] = set()
    if key is not None and secret_name(key) and literal(text):
        found.add(text)  # the whole value, and below what is inside it (a bare token)
    if "://" in text and "@" in text:
        found.update(m.group("userinfo") for m in _URL_USERINFO.finditer(text))
    if "=" in text:
        for m in _PARAM.finditer(text):
            if secret_name(m.group("name"), query=True) and literal(m.group("value")):
                found.add(m.group("value"))
    for pattern in _WEBHOOK_PATHS:
        found.update(m.group("token") for m in pattern.finditer(text))
    found.update(m.group("token") for m in _SCHEME.finditer(text) if literal(m.group("token")))
    if ":" in text:
        for m in _HEADER_LINE.finditer(text):
            value = m.group("value").strip()
            if secret_name(m.group("name")) and literal(value) and not value.startswith("//"):
                found.add(value)
    found.update(_PREFIXED.findall(text))
    found.update(_in_json_string(text))
    return {s for s in found if s and s != _MASK}


def _in_json_string(text: str) -> set[str]:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or len(stripped) < 2:
        return set()
    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError):
        return set()
    found: set[str] = set()
    for _path, secrets in _walk(parsed, None, ()):
        found |= secrets
    return found


def secrets_in(value: Any, *, key: str | None = None) -> set[str]:
    """Every secret substring anywhere in a JSON value."""
    found: set[str] = set()
    for _path, secrets in _walk(value, key, ()):
        found |= secrets
    return found


def secret_paths(value: Any, *, key: str | None = None) -> dict[FieldPath, set[str]]:
    """The paths of the strings in a JSON value that hold secrets, with the secrets."""
    return dict(_walk(value, key, ()))


def looks_secret(value: Any, *, key: str | None = None) -> bool:
    return bool(secrets_in(value, key=key))


def _walk(value: Any, key: str | None, path: FieldPath) -> Iterator[tuple[FieldPath, set[str]]]:
    if isinstance(value, str):
        found = secrets_in_text(value, key=key)
        if found:
            yield path, found
    elif isinstance(value, Mapping):
        pair = _pair_name(value)
        for k, v in value.items():
            name: str | None = pair if pair is not None and k == "value" else str(k)
            if pair is not None and k in ("key", "name"):
                name = None  # the pair's name field names the secret, it is not one
            inherited = key if key is not None and secret_name(key) else None
            yield from _walk(v, inherited or name, (*path, k))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, key if key is not None and secret_name(key) else None,
                             (*path, i))  # fmt: skip


def _pair_name(value: Mapping[str, Any]) -> str | None:
    """``{key: api_key, value: …}`` (or ``name``): a named parameter or header."""
    if "value" not in value:
        return None
    for field in ("key", "name"):
        name = value.get(field)
        if isinstance(name, str):
            return name
    return None


def secret_variable(name: str, value: str) -> bool:
    """A ``--var NAME=VALUE`` whose name or value says it is a secret."""
    return (secret_name(name) and literal(value)) or looks_secret(value)
