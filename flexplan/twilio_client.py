"""The one place that builds the twilio ``Client``: credentials, base URL, retries.

Credentials come from the twilio CLI's variables with its precedence: an API
key (``TWILIO_API_KEY`` + ``TWILIO_API_SECRET``) wins over
``TWILIO_AUTH_TOKEN``; ``TWILIO_ACCOUNT_SID`` is always needed;
``TWILIO_REGION`` / ``TWILIO_EDGE`` pick the host as the SDK does. Secrets are
registered with ``flexplan.redact`` and never shown.

``FlexplanHttpClient`` is a ``TwilioHttpClient`` (the SDK's own hook,
``Client(http_client=...)``), so real accounts and the sandbox share one code
path. With a base-URL override (``--api-base`` / ``FLEXPLAN_API_BASE``) it
sends ``https://flex-api.twilio.com/v1/FlexFlows?...`` to
``{base}/flex-api/v1/FlexFlows?...``: the first host label becomes the first
path segment, path and query stay as they are. It also keeps one
``requests.Session`` per thread (sessions are not thread-safe), bounds
timeouts, retries with exponential backoff and full jitter (honouring
``Retry-After``) — GETs on 429, 5xx and connection errors; other methods only
on 429 and on errors where the request provably never left (connection
refused, connect timeout) — and counts requests and retries.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from flexplan.errors import FlexplanError
from flexplan.redact import redact, register_secret, url_has_credentials

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_API_KEY = re.compile(r"SK[0-9a-fA-F]{32}")
_HINT = (
    "set TWILIO_ACCOUNT_SID with TWILIO_API_KEY and TWILIO_API_SECRET (preferred), "
    "or TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN; or try flexplan with --sandbox"
)


class TransportError(FlexplanError):
    """Twilio (or the sandbox) could not be reached, even after retries."""


@dataclass(frozen=True)
class Credentials:
    """What the client authenticates with. ``repr``/``str`` never show the secret."""

    account_sid: str
    username: str
    """The account SID (auth token) or the API key SID (``SK…``)."""
    secret: str = field(repr=False)
    region: str | None = None
    edge: str | None = None

    @property
    def uses_api_key(self) -> bool:
        return self.username.startswith("SK")

    def __str__(self) -> str:
        kind = "API key " + self.username if self.uses_api_key else "auth token"
        return f"{self.account_sid} ({kind}, secret (sensitive))"


def account_sid_of(credentials: Credentials) -> str:
    return credentials.account_sid


def _malformed(name: str, expected: str) -> FlexplanError:
    # The value itself is never echoed: it may be a secret pasted in the wrong place.
    return FlexplanError(f"{name} is malformed: expected {expected}", hint=_HINT)


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from the twilio CLI's variables (API key wins over auth token)."""
    env = os.environ if env is None else env
    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    key, key_secret = (
        env.get("TWILIO_API_KEY", "").strip(),
        env.get("TWILIO_API_SECRET", "").strip(),
    )
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    if not sid or not ((key and key_secret) or token):
        missing = [n for n, v in (("TWILIO_ACCOUNT_SID", sid),) if not v]
        if key and not key_secret and not token:
            missing.append("TWILIO_API_SECRET")
        elif not (key and key_secret) and not token:
            missing.append("TWILIO_API_KEY and TWILIO_API_SECRET, or TWILIO_AUTH_TOKEN")
        raise FlexplanError(
            f"Twilio credentials are missing: {', '.join(missing)} not set", hint=_HINT
        )
    if not _ACCOUNT_SID.fullmatch(sid):
        raise _malformed("TWILIO_ACCOUNT_SID", "AC followed by 32 hex digits")
    region = env.get("TWILIO_REGION") or None
    edge = env.get("TWILIO_EDGE") or None
    if key and key_secret:
        if not _API_KEY.fullmatch(key):
            raise _malformed("TWILIO_API_KEY", "SK followed by 32 hex digits")
        register_secret(key_secret)
        return Credentials(sid, key, key_secret, region, edge)
    register_secret(token)
    return Credentials(sid, sid, token, region, edge)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most ``attempts`` tries and ``budget`` seconds of waiting."""

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    budget: float = 30.0


class ClientStats:
    """Thread-safe counts of HTTP attempts, retries and outcomes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.statuses: Counter[str] = Counter()

    def record(self, outcome: str, *, retry: bool) -> None:
        with self._lock:
            self.requests += 1
            self.statuses[outcome] += 1
            if retry:
                self.retries += 1

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "statuses": dict(self.statuses),
            }


def rewrite_url(url: str, api_base: str | None) -> str:
    """``https://flex-api.twilio.com/v1/X?q`` -> ``{api_base}/flex-api/v1/X?q``.

    Without a base the URL is unchanged (real Twilio).
    """
    if not api_base:
        return url
    parts = urlsplit(url)
    product = (parts.hostname or "").split(".")[0]
    query = f"?{parts.query}" if parts.query else ""
    return f"{api_base.rstrip('/')}/{product}{parts.path}{query}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _provably_unsent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so the request cannot have had effects."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class FlexplanHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's HTTP client with base-URL rewrite, per-thread sessions, retries, stats."""

    def __init__(
        self,
        *,
        api_base: str | None = None,
        parallelism: int = 10,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(pool_connections=False, timeout=timeout)
        self.api_base = api_base
        self.parallelism = max(1, parallelism)
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._local = threading.local()
        self._rng = random.Random()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=self.parallelism, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self._local.session = session
        return session

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        hinted = _retry_after(headers) if headers is not None else None
        if hinted is not None:
            return hinted
        ceiling = min(self.retry.max_delay, self.retry.base_delay * (2**attempt))
        return self._rng.uniform(0, ceiling)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        method = method.upper()
        kwargs: dict[str, Any] = {"params": params, "headers": headers, "auth": auth}
        if headers and headers.get("Content-Type") in ("application/json", "application/scim+json"):
            kwargs["json"] = data
        else:
            kwargs["data"] = data
        read_timeout = timeout or self.timeout or 30.0
        kwargs["timeout"] = (min(10.0, read_timeout), read_timeout)
        target = rewrite_url(url, self.api_base)
        return self._with_retries(method, target, kwargs, allow_redirects)

    def _with_retries(
        self, method: str, target: str, kwargs: dict[str, Any], redirects: bool
    ) -> Response:
        started = time.monotonic()
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            try:
                raw = self._session().request(method, target, allow_redirects=redirects, **kwargs)
            except requests.RequestException as exc:
                retry = not last and (method == "GET" or _provably_unsent(exc))
                self.stats.record(type(exc).__name__, retry=retry)
                if not retry or not self._sleep(attempt, None, started):
                    raise self._transport_error(method, target, exc, attempt + 1) from None
                continue
            response = Response(int(raw.status_code), raw.text, raw.headers)
            retryable = raw.status_code == 429 or (raw.status_code >= 500 and method == "GET")
            retry = retryable and not last
            self.stats.record(str(raw.status_code), retry=retry)
            if not retry or not self._sleep(attempt, raw.headers, started):
                self._test_only_last_response = response
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt: int, headers: Mapping[str, str] | None, started: float) -> bool:
        """Wait before the next try; False when that would exceed the time budget."""
        delay = self._delay(attempt, headers)
        if time.monotonic() - started + delay > self.retry.budget:
            return False
        time.sleep(delay)
        return True

    def _transport_error(
        self, method: str, target: str, exc: Exception, tries: int
    ) -> TransportError:
        parts = urlsplit(target)
        where = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        reason = type(exc).__name__
        return TransportError(
            redact(f"{method} {where}{parts.path} failed after {tries} attempt(s): {reason}"),
            hint="check the network (or the sandbox) and run the command again",
        )


class JsonBody(dict[str, Any]):
    """A JSON body for the SDK's JSON-bodied updates (Flex Configuration).

    twilio-python 9.x calls ``body.to_dict()`` on what it is given.
    """

    def to_dict(self) -> dict[str, Any]:
        return dict(self)


def _check_api_base(api_base: str) -> str:
    if url_has_credentials(api_base):
        raise FlexplanError("the API base URL must not contain credentials", hint=_HINT)
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FlexplanError(
            f"the API base URL {api_base!r} is not an http(s) URL",
            hint="use the URL that `flexplan sandbox serve` prints, e.g. http://127.0.0.1:8080",
        )
    return api_base.rstrip("/")


def build_client(
    credentials: Credentials,
    *,
    api_base: str | None = None,
    parallelism: int = 10,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
) -> Client:
    """A twilio ``Client`` for ``credentials``.

    ``api_base`` (default: ``FLEXPLAN_API_BASE``) sends its requests elsewhere.
    """
    base = api_base or os.environ.get("FLEXPLAN_API_BASE") or None
    http_client = FlexplanHttpClient(
        api_base=_check_api_base(base) if base else None,
        parallelism=parallelism,
        timeout=timeout,
        retry=retry,
    )
    register_secret(credentials.secret)
    return Client(
        username=credentials.username,
        password=credentials.secret,
        account_sid=credentials.account_sid,
        region=credentials.region,
        edge=credentials.edge,
        http_client=http_client,
    )


def client_stats(client: Client) -> ClientStats:
    """The request/retry counts of a client made by ``build_client``."""
    http_client = client.http_client
    if not isinstance(http_client, FlexplanHttpClient):
        raise TypeError("client was not built by flexplan.twilio_client.build_client")
    return http_client.stats
