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

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

FieldPath = tuple[str | int, ...]

# Words that, as the last word of a name, say that its value is a secret.
_SECRET_WORDS = frozenset(
    {
        "token", "secret", "password", "passwd", "pwd", "passphrase", "pass",
        "signature", "sig", "auth", "authorization", "apikey", "credential",
        "credentials", "bearer", "jwt", "cookie", "oauth", "privatekey", "accesstoken",
        "authtoken", "webhookkey", "sas",
    }
)  # fmt: skip
# Alone, only as a query parameter: ``?code=`` (Azure Functions), ``?key=`` (Google).
_QUERY_WORDS = frozenset({"code", "key"})
# Trailing words that still describe the secret itself (``token_value``, ``password2``).
_VALUE_SUFFIXES = frozenset({"value", "val", "str", "string", "b64", "base64", "hash", "hex"})


class _Patterns:
    """The shapes looked for, compiled when first needed: ``validate`` never looks (and
    their compiling was ~1% of its start-up)."""

    def __init__(self) -> None:
        self.word = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
        self.url_userinfo = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://(?P<userinfo>[^/@\s\"'<>]+)@")
        self.param = re.compile(
            r"(?:^|[?&;#\s])(?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&#;\s\"'<>]+)"
        )
        self.webhook_paths = (
            re.compile(
                r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<token>[A-Za-z0-9/_\-]+)"
            ),
            re.compile(r"discord(?:app)?\.com/api/webhooks/(?P<token>[A-Za-z0-9/_\-]+)"),
            re.compile(r"\.webhook\.office\.com/webhookb2/(?P<token>[A-Za-z0-9@/_\-]+)"),
        )
        self.scheme = re.compile(
            r"\b(?:Bearer|Basic|Token|Digest|Bot)\s+(?P<token>[A-Za-z0-9._~+/=\-]{8,})"
        )
        self.header_line = re.compile(
            r"(?:^|[\n\r])\s*(?P<name>[A-Za-z][A-Za-z0-9_\-]*)\s*:\s*(?P<value>\S[^\r\n]*)"
        )
        self.prefixed = re.compile(
            r"\b(?:xox[abposr]-[A-Za-z0-9\-]{8,}|sk_(?:live|test)_[A-Za-z0-9]{8,}|"
            r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|"
            r"eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]+)"
        )
        # A cheap first look: a string with none of these holds none of the shapes above.
        self.suspect = re.compile(
            r"[=@:]|^\s*[\[{]|Bearer|Basic|Token|Digest|Bot|xox|sk_|gh[pousr]_|github_pat_|AKIA|eyJ"
        )
        self.template = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}")
        self.scheme_word = re.compile(r"^\s*(?:Bearer|Basic|Token|Digest|Bot)\b", re.IGNORECASE)


_patterns = functools.cache(_Patterns)

_MASK = "(sensitive)"
_NOT_SECRET_VALUES = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off"})


def secret_name(name: str, *, query: bool = False) -> bool:
    """True when a key, header or parameter name says its value is a secret."""
    return _secret_name(name, query)


@functools.lru_cache(maxsize=8192)
def _secret_name(name: str, query: bool) -> bool:
    words = [w.lower() for w in _patterns().word.findall(name)]
    while words and (words[-1].isdigit() or words[-1] in _VALUE_SUFFIXES):
        words.pop()
    if not words:
        return False
    last = words[-1]
    joined = "".join(words[-2:])
    return (
        last in _SECRET_WORDS
        or joined in _SECRET_WORDS
        or (last == "key" and len(words) > 1)  # api_key, X-Api-Key, private_key; not "key"
        or (query and last in _QUERY_WORDS and len(words) == 1)
    )


def literal(value: str) -> bool:
    """A value worth masking: not empty, a template, a boolean or an existing mask."""
    patterns = _patterns()
    rest = patterns.template.sub("", value).replace(_MASK, "")
    rest = patterns.scheme_word.sub("", rest)
    rest = rest.strip()
    return bool(rest) and rest.lower() not in _NOT_SECRET_VALUES and any(c.isalnum() for c in rest)


def secrets_in_text(text: str, *, key: str | None = None) -> set[str]:
    """The secret substrings of one string (``key``: the name it is stored under)."""
    if not text or not isinstance(text, str):
        return set()
    return set(_text_secrets(text, key is not None and secret_name(key)))


@functools.lru_cache(maxsize=65536)  # definitions repeat their strings, and plans read both sides
def _text_secrets(text: str, secret_key: bool) -> frozenset[str]:
    found: set[str] = set()
    if secret_key and literal(text):
        found.add(text)  # the whole value, and below what is inside it (a bare token)
    patterns = _patterns()
    if not patterns.suspect.search(text):
        return frozenset(found)
    if "://" in text and "@" in text:
        found.update(m.group("userinfo") for m in patterns.url_userinfo.finditer(text))
    if "=" in text:
        for m in patterns.param.finditer(text):
            if secret_name(m.group("name"), query=True) and literal(m.group("value")):
                found.add(m.group("value"))
    if "hook" in text:
        for pattern in patterns.webhook_paths:
            found.update(m.group("token") for m in pattern.finditer(text))
    schemes = patterns.scheme.finditer(text)
    found.update(m.group("token") for m in schemes if literal(m.group("token")))
    if ":" in text:
        for m in patterns.header_line.finditer(text):
            value = m.group("value").strip()
            if secret_name(m.group("name")) and literal(value) and not value.startswith("//"):
                found.add(value)
    found.update(patterns.prefixed.findall(text))
    found.update(_in_json_string(text))
    return frozenset(s for s in found if s and s != _MASK)


def _in_json_string(text: str) -> set[str]:
    """Secrets inside JSON held in a string (a request body)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or len(stripped) < 2:
        return set()
    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError):
        return set()
    return secrets_in(parsed)


def secrets_in(value: Any, *, key: str | None = None) -> set[str]:
    """Every secret substring anywhere in a JSON value."""
    found: set[str] = set()
    _collect(value, key is not None and secret_name(key), key, found)
    return found


def _collect(value: Any, inherited: bool, key: str | None, found: set[str]) -> None:
    """``_walk`` without paths, for the common question "is there any?" (plans ask it a lot).

    Written for speed: plans ask it of every Studio widget on both sides."""
    below = inherited or (key is not None and _key_is_secret(key))
    kind = type(value)
    if kind is str:
        if value:
            found.update(_text_secrets(value, below))
    elif kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        pair = _pair_name(value) if "value" in value else None
        secret_keys = _KEY_SECRET
        for k, item in value.items():
            if pair is not None:
                if k in ("key", "name"):
                    continue
                name: Any = pair if k == "value" else k
            else:
                name = k
            t = type(item)
            if t is str:
                if item:
                    secret = below or secret_keys.get(name)
                    if secret is None:
                        secret = _key_is_secret(name)
                    hit = _text_secrets(item, secret)
                    if hit:
                        found.update(hit)
            elif t is dict or t is list or isinstance(item, (Mapping, tuple)):
                _collect(item, below, name if type(name) is str else str(name), found)
    elif kind is list or kind is tuple:
        for item in value:
            t = type(item)
            if t is str:
                if item:
                    hit = _text_secrets(item, below)
                    if hit:
                        found.update(hit)
            elif t is dict or t is list or isinstance(item, (Mapping, tuple)):
                _collect(item, below, None, found)


_KEY_SECRET: dict[str, bool] = {}


def _key_is_secret(name: Any) -> bool:
    known = _KEY_SECRET.get(name)
    if known is None:
        known = _secret_name(str(name), False)
        if len(_KEY_SECRET) < 65536:
            _KEY_SECRET[name] = known
    return known


def secret_paths(value: Any, *, key: str | None = None) -> dict[FieldPath, set[str]]:
    """The paths of the strings in a JSON value that hold secrets, with the secrets."""
    found: dict[FieldPath, set[str]] = {}
    _walk(value, key is not None and secret_name(key), key, (), found)
    return found


def looks_secret(value: Any, *, key: str | None = None) -> bool:
    return bool(secrets_in(value, key=key))


def masked_text(text: str) -> str:
    """``text`` for a message, with every secret it holds shown as ``(sensitive)``
    (a token pasted into a Studio widget's name is quoted by many a message)."""
    for secret in sorted(secrets_in_text(text), key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return text


def _walk(
    value: Any, inherited: bool, key: str | None, path: FieldPath, found: dict[FieldPath, set[str]]
) -> None:
    """``inherited``: a key above this value named a secret (everything below is one)."""
    if isinstance(value, str):
        if value:
            secrets = _text_secrets(value, inherited or (key is not None and secret_name(key)))
            if secrets:
                found[path] = set(secrets)
    elif isinstance(value, Mapping):
        below = inherited or (key is not None and secret_name(key))
        pair = _pair_name(value)
        for k, v in value.items():
            name: str | None = pair if pair is not None and k == "value" else str(k)
            if pair is not None and k in ("key", "name"):
                name = None  # the pair's name field names the secret, it is not one
            _walk(v, below, name, (*path, k), found)
    elif isinstance(value, (list, tuple)):
        below = inherited or (key is not None and secret_name(key))
        for i, item in enumerate(value):
            _walk(item, below, None, (*path, i), found)


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
