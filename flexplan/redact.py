"""Remove credentials from any text before it is shown, saved or raised.

Twilio credentials (auth tokens, API secrets) and credentials inside URLs
(``https://user:pass@host``) must never reach output, plan files or logs.
Known secret values are registered at start-up (``register_secret``) and
replaced wherever they appear; URL userinfo is masked by pattern.
"""

from __future__ import annotations

import re
import threading

MASK = "(sensitive)"
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that ``redact`` masks it everywhere."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


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
