"""Remove credentials from any text before it is shown, saved or raised.

Twilio credentials (auth tokens, API secrets) and credentials inside URLs
(``https://user:pass@host``) must never reach output, plan files or logs.
Known secret values are registered at start-up (``register_secret``) and
replaced wherever they appear; URL userinfo is masked by pattern.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus, unquote_plus

MASK = "(sensitive)"
# the variables that hold a Twilio secret (the twilio CLI's names): never a manifest value
CREDENTIAL_VARIABLES = ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET")
CREDENTIAL_HINT = (
    "take it out of the manifest; a service that calls Twilio needs a credential of its "
    "own (an API key made for it), set outside flexplan"
)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_secrets: set[str] = set()
_lock = threading.Lock()


MIN_LENGTH = 4  # shorter values are masked where they stand, never by search and replace


def encoded_forms(value: str) -> set[str]:
    """The ways a value can appear in output: as is, JSON-escaped (once, twice, ASCII-only),
    URL-encoded (path, query, form), URL-decoded and HTML-escaped."""
    import html  # here, not at the top: html's entity table is start-up time for every command

    forms = {value, unquote_plus(value), html.escape(value), html.escape(value, quote=False)}
    for text in list(forms):
        forms.add(quote(text, safe=""))
        forms.add(quote(text))
        forms.add(quote_plus(text))
    for text in list(forms):
        for ascii_only in (True, False):
            once = json.dumps(text, ensure_ascii=ascii_only)[1:-1]
            forms.add(once)
            forms.add(json.dumps(once, ensure_ascii=ascii_only)[1:-1])
    return {f for f in forms if len(f) >= MIN_LENGTH}


def register_secret(value: str | None, *, min_length: int = MIN_LENGTH) -> None:
    """Remember a secret value (and its encoded forms) so that ``redact`` masks it everywhere."""
    if value and len(value) >= max(min_length, MIN_LENGTH) and value != MASK:
        forms = encoded_forms(value)
        with _lock:
            _secrets.update(forms)


def url_has_credentials(url: str) -> bool:
    return bool(_URL_USERINFO.search(url))


def redact_url(url: str) -> str:
    """Mask the ``user:password@`` part of a URL, keeping the rest readable."""
    return _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", url)


def redact(text: str) -> str:
    """Mask every registered secret and every credential inside a URL."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return redact_url(text)


def forget_secrets() -> None:
    """Forget every registered secret (tests start each case from none)."""
    with _lock:
        _secrets.clear()
