"""The one place that builds the twilio ``Client``: credentials, base URL, the one retry layer.

Credentials come from where the twilio CLI finds them, with its precedence
(``resolve_credentials``; ``flexplan.twilio_profiles`` has the details):
``--profile NAME``, else the variables — an API key (``TWILIO_API_KEY`` +
``TWILIO_API_SECRET``) wins over ``TWILIO_AUTH_TOKEN``, ``TWILIO_ACCOUNT_SID``
is always needed — else the twilio CLI's active profile (``twilio login``).
``TWILIO_REGION`` / ``TWILIO_EDGE`` pick the host as the SDK does. Secrets are
registered with ``flexplan.redact`` and never shown.

``FlexplanHttpClient`` is a ``TwilioHttpClient`` (the SDK's own hook,
``Client(http_client=...)``), so real accounts and the sandbox share one code
path. With a base-URL override (``--api-base`` / ``FLEXPLAN_API_BASE``) it
sends ``https://flex-api.twilio.com/v1/FlexFlows?...`` to
``{base}/flex-api/v1/FlexFlows?...``: the first host label becomes the first path segment,
path and query stay as they are. Every thread shares one connection pool (one
``HTTPAdapter``, ``--parallelism`` connections per host), each wrapped in the
thread's own ``requests.Session`` (sessions are not documented thread-safe),
and it is the only layer that retries (``flexplan.throttle``): every request
passes its adaptive gate (``--parallelism`` is the ceiling; the window finds
the account's limit, list pages first), is retried until its deadline with
backoff and full jitter or ``Retry-After`` — GETs on 429, 5xx, lost connections
and unusable answers; writes only on 429 and when the connection was never
made, because only then is it certain that nothing was done — and every try,
body included, is cut off at its timeout. A 2xx or 3xx answer the SDK cannot
use (a redirect, an empty or non-JSON body, a list page without its list) is
one ``TransportError`` naming the request; for a write it says the request may
have been carried out (``may_have_happened``), and the apply engine resolves it
by looking the resource up. An error answer that was retried is raised as
``RetriedAnswer`` (Twilio's status, code and message, and how often and how
long it was tried); when the request's deadline cuts a retry short, the answer
before it is the one reported, not the cut try's timeout.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from flexplan.errors import FlexplanError
from flexplan.redact import CREDENTIAL_VARIABLES, redact, register_secret, url_has_credentials
from flexplan.request_log import request_log
from flexplan.throttle import (
    LIST_PAGE,
    PARALLELISM,
    SINGLE,
    Deadline,
    RequestGate,
    RetryPolicy,
    policy_from_env,
)
from flexplan.twilio_profiles import CONFIG_FILE, CliConfig, Profile, config_dir, read_config

__all__ = [
    "RetriedAnswer",
    "RetryPolicy",
    "TransportError",
    "build_client",
    "client_stats",
    "credentials_from_env",
    "resolve_credentials",
]

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_API_KEY = re.compile(r"SK[0-9a-fA-F]{32}")
_HINT = (
    "set TWILIO_ACCOUNT_SID with TWILIO_API_KEY and TWILIO_API_SECRET (preferred), "
    "or TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN; or log in with the twilio CLI "
    "(`twilio login`, then flexplan uses its active profile, or --profile NAME); "
    "or try flexplan with --sandbox"
)


class TransportError(FlexplanError):
    """No usable answer from Twilio (or the sandbox) within the request's deadline.

    ``may_have_happened``: a write that reached the server and whose outcome is
    unknown (lost or unusable answer); the caller must look before writing again.
    """

    def __init__(self, message: str, *, hint: str | None = None, may_have_happened: bool = False):
        super().__init__(message, hint=hint)
        self.may_have_happened = may_have_happened


class RetriedAnswer(TwilioRestException):  # type: ignore[misc]
    """Twilio's error answer after the retry layer gave up: its status, code and message,
    and ``retried`` (how often and how long it was tried, in words).

    Raised instead of handing the answer to the SDK, which would drop the retries.
    """

    def __init__(self, method: str, uri: str, response: Response, retried: str) -> None:
        body = _json_object(response.text)
        code = body.get("code")
        message = body.get("message") or body.get("detail") or body.get("title") or ""
        super().__init__(
            response.status_code, uri, str(message),
            code if isinstance(code, int) else None, method, body.get("details"),
        )  # fmt: skip
        self.retried = retried


def _json_object(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class Credentials:
    """What the client authenticates with. ``repr``/``str`` never show the secret."""

    account_sid: str
    username: str
    """The account SID (auth token) or the API key SID (``SK…``)."""
    secret: str = field(repr=False)
    region: str | None = None
    edge: str | None = None
    source: str = "the environment"
    """Where they came from: ``TWILIO_API_KEY/TWILIO_API_SECRET``, a profile."""

    @property
    def uses_api_key(self) -> bool:
        return self.username.startswith("SK")

    def __str__(self) -> str:
        kind = "API key " + self.username if self.uses_api_key else "auth token"
        return f"{self.account_sid} ({kind}, secret (sensitive))"

    def describe(self) -> str:
        """Which credential is in use, never its secret."""
        kind = f"API key {self.username}" if self.uses_api_key else "the auth token"
        return f"{kind} from {self.source}, account {self.account_sid}"


@dataclass(frozen=True)
class Resolved:
    """The credentials to use, and what to tell the user about the choice."""

    credentials: Credentials
    warnings: tuple[str, ...] = ()


def _malformed(name: str, expected: str) -> FlexplanError:
    # The value itself is never echoed: it may be a secret pasted in the wrong place.
    return FlexplanError(f"{name} is malformed: expected {expected}", hint=_HINT)


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from the twilio CLI's variables (API key wins over auth token)."""
    env = os.environ if env is None else env
    found = _from_env(env)
    if found is None:
        raise FlexplanError(
            f"Twilio credentials are missing: {', '.join(_missing(env))} not set", hint=_HINT
        )
    return found


def _missing(env: Mapping[str, str]) -> list[str]:
    sid, key, key_secret, token = _variables(env)
    missing = [] if sid else ["TWILIO_ACCOUNT_SID"]
    if key and not key_secret and not token:
        missing.append("TWILIO_API_SECRET")
    elif not (key and key_secret) and not token:
        missing.append("TWILIO_API_KEY and TWILIO_API_SECRET, or TWILIO_AUTH_TOKEN")
    return missing


def _variables(env: Mapping[str, str]) -> tuple[str, str, str, str]:
    names = ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_AUTH_TOKEN")
    sid, key, key_secret, token = (env.get(n, "").strip() for n in names)
    return sid, key, key_secret, token


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    """The variables' credentials, or ``None`` when they do not make a whole set."""
    sid, key, key_secret, token = _variables(env)
    if not sid or not ((key and key_secret) or token):
        return None
    if not _ACCOUNT_SID.fullmatch(sid):
        raise _malformed("TWILIO_ACCOUNT_SID", "AC followed by 32 hex digits")
    region = env.get("TWILIO_REGION") or None
    edge = env.get("TWILIO_EDGE") or None
    if key and key_secret:
        if not _API_KEY.fullmatch(key):
            raise _malformed("TWILIO_API_KEY", "SK followed by 32 hex digits")
        register_secret(key_secret)
        return Credentials(sid, key, key_secret, region, edge, "TWILIO_API_KEY/TWILIO_API_SECRET")
    register_secret(token)
    return Credentials(sid, sid, token, region, edge, "TWILIO_AUTH_TOKEN")


def resolve_credentials(
    env: Mapping[str, str] | None = None, profile: str | None = None
) -> Resolved:
    """The credentials the twilio CLI would use: ``profile`` (``--profile``), else the
    variables, else the twilio CLI's active profile; with warnings about half-set ones."""
    env = os.environ if env is None else env
    warnings = list(_half_set(env))
    from_env = None if profile else _from_env(env)
    config = _read_config(env, lenient=from_env is not None)
    if config is not None and config.require_profile and not profile:
        raise FlexplanError(
            f"the twilio CLI is set to require a profile (requireProfileInput in {config.path})",
            hint="pass --profile NAME, or turn the check off with "
            "`twilio config:set --no-require-profile-input`",
        )
    if from_env is not None:
        return Resolved(from_env, tuple(warnings))
    if profile and _from_env_quietly(env):
        warnings.append(
            "TWILIO_* credentials in the environment are not used: --profile chooses the "
            "twilio CLI profile, as in the twilio CLI"
        )
    chosen, config = _chosen_profile(env, config, profile)
    credentials = _from_profile(chosen, config, env)
    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    if sid and sid != credentials.account_sid and not profile:
        warnings.append(
            f"TWILIO_ACCOUNT_SID is set without its credentials; using profile "
            f"{chosen.name!r} and its account {credentials.account_sid} instead"
        )
    return Resolved(credentials, tuple(warnings))


def _half_set(env: Mapping[str, str]) -> list[str]:
    """``TWILIO_API_KEY`` without its secret (or the other way round) is ignored: say so."""
    _, key, key_secret, _ = _variables(env)
    if key and not key_secret:
        return ["TWILIO_API_KEY is set without TWILIO_API_SECRET, so it is not used"]
    if key_secret and not key:
        return ["TWILIO_API_SECRET is set without TWILIO_API_KEY, so it is not used"]
    return []


def _from_env_quietly(env: Mapping[str, str]) -> bool:
    sid, key, key_secret, token = _variables(env)
    return bool(sid and ((key and key_secret) or token))


def _read_config(env: Mapping[str, str], *, lenient: bool) -> CliConfig | None:
    """The twilio CLI's config; when the variables suffice, a broken one is ignored."""
    try:
        return read_config(env)
    except FlexplanError:
        if lenient:
            return None
        raise


def _chosen_profile(
    env: Mapping[str, str], config: CliConfig | None, name: str | None
) -> tuple[Profile, CliConfig]:
    if config is None:
        if name:
            raise FlexplanError(
                f"there is no twilio CLI profile {name!r}: the twilio CLI has no profiles here "
                f"({_config_path(env)} does not exist)",
                hint="create it with `twilio login` (or `twilio profiles:create`), or set "
                "TWILIO_CONFIG_DIR to the twilio CLI's configuration directory",
            )
        raise FlexplanError(
            f"Twilio credentials are missing: {', '.join(_missing(env))} not set, and the "
            f"twilio CLI has no profile ({_config_path(env)} does not exist)",
            hint=_HINT,
        )
    found = config.find(name) if name else config.active_profile()
    if found is not None:
        return found, config
    known = ", ".join(repr(n) for n in config.names()) or "none"
    if name:
        raise FlexplanError(
            f"there is no twilio CLI profile {name!r} in {config.path} (profiles: {known})",
            hint="`twilio profiles:list` lists them; `twilio login` creates one",
        )
    raise FlexplanError(
        f"Twilio credentials are missing: {', '.join(_missing(env))} not set, and the twilio "
        f"CLI has no active profile in {config.path} (profiles: {known})",
        hint="choose one with --profile NAME or `twilio profiles:use NAME`, or set the "
        "TWILIO_* variables",
    )


def _config_path(env: Mapping[str, str]) -> str:
    return str(config_dir(env) / CONFIG_FILE)


def _from_profile(profile: Profile, config: CliConfig, env: Mapping[str, str]) -> Credentials:
    where = f"twilio CLI profile {profile.name!r} ({config.path})"
    if not profile.api_key or not profile.api_secret:
        raise FlexplanError(
            f"{where} holds no API key: a twilio CLI before 3.0 kept it in the system "
            "keychain, which flexplan (like current twilio CLIs) does not read",
            hint=f"run `twilio login` again with a current twilio CLI (`twilio profiles:create "
            f"{profile.name}`), which stores the key in config.json, or set the TWILIO_* "
            "variables",
        )
    if not _ACCOUNT_SID.fullmatch(profile.account_sid):
        raise FlexplanError(
            f"{where} has a malformed accountSid: expected AC followed by 32 hex digits",
            hint=f"run `twilio profiles:create {profile.name}` again",
        )
    register_secret(profile.api_secret)
    if profile.api_key == profile.account_sid:  # an auth token stored as the key's secret
        username = profile.account_sid
    elif _API_KEY.fullmatch(profile.api_key):
        username = profile.api_key
    else:
        raise FlexplanError(
            f"{where} has a malformed apiKey: expected SK followed by 32 hex digits",
            hint=f"run `twilio profiles:create {profile.name}` again",
        )
    edge = env.get("TWILIO_EDGE") or profile.edge or config.edge
    return Credentials(
        profile.account_sid, username, profile.api_secret, profile.region, edge, where
    )


class ClientStats:
    """Thread-safe counts of HTTP attempts, retries, outcomes and waits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.statuses: Counter[str] = Counter()
        self.by_call: Counter[str] = Counter()
        self.retry_after_waits: list[float] = []

    def record(self, call: str, outcome: str, *, retry: bool) -> None:
        with self._lock:
            self.requests += 1
            self.statuses[outcome] += 1
            self.by_call[call] += 1
            if retry:
                self.retries += 1

    def waited(self, seconds: float) -> None:
        with self._lock:
            self.retry_after_waits.append(seconds)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "statuses": dict(self.statuses),
                "retry_after_waits": len(self.retry_after_waits),
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


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The seconds an answer's ``Retry-After`` asks to wait, or None (absent or unusable:
    backoff applies). RFC 9110 section 10.2.3: delay-seconds or an HTTP-date; a negative,
    infinite or NaN number is no delay a server can mean (it was: 0 s, a retry at once)."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(date: str) -> float | None:
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # the asctime and "-0000" forms: an HTTP-date is always GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


def _provably_unsent(exc: BaseException) -> bool:
    """True when the connection was never made, so the request cannot have had effects."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


@dataclass
class _Attempt:
    """What one try gave: a usable answer, or what was wrong with it."""

    response: Response | None = None
    problem: str | None = None  # an unusable answer or a failed exchange, in words
    unsent: bool = False  # the request provably never reached the server
    throttled: bool = False  # 429: not processed (Twilio error 20429)
    headers: Mapping[str, str] | None = None
    cut: bool = False  # ran out of time (the try's timeout or the request's deadline)

    @property
    def status(self) -> str:
        return str(self.response.status_code) if self.response is not None else "unusable"


class _DeadlineCut(Exception):
    """The answer was still arriving when the try's time ran out."""


def _describe_status(status: int) -> str:
    return f"HTTP {status}"


def _check_answer(method: str, status: int, text: str, headers: Mapping[str, str]) -> str | None:
    """What makes a 2xx/3xx answer unusable, or None when the SDK can use it."""
    if 300 <= status < 400:
        where = headers.get("Location")
        return (
            f"answered {_describe_status(status)}, a redirect"
            + (f" to {_origin(where)}" if where else "")
            + " (Twilio's API does not redirect)"
        )
    if not 200 <= status < 300 or method == "DELETE" or status == 204:
        return None
    if not text.strip():
        return f"answered {_describe_status(status)} with an empty body"
    try:
        body = json.loads(text)
    except ValueError:
        return f"answered {_describe_status(status)} with a body that is not JSON"
    if not isinstance(body, dict):
        return f"answered {_describe_status(status)} with JSON that is not an object"
    meta = body.get("meta")
    key = meta.get("key") if isinstance(meta, dict) else None
    if isinstance(key, str) and not isinstance(body.get(key), list):
        return f"answered {_describe_status(status)} with a list page that lacks its {key!r} list"
    return None


_PAGING = ("PageSize", "PageToken", "Page")
POOL_HOSTS = 16  # Twilio's API hosts a run talks to (studio, flex-api, taskrouter, sync…)


# POSTs that change nothing, so they are retried as GETs are. Studio's Validate "validates
# the Flow definition without creating" anything (Twilio's Studio Flow Validate docs).
# Keyed by the API (the host's first label: studio.twilio.com, studio.dublin.ie1.twilio.com).
READ_ONLY_POSTS = frozenset({("studio", "/v2/Flows/Validate")})


def _retried_as(method: str, url: str) -> str:
    """The method whose retry rules apply: ``GET`` for a POST that changes nothing."""
    if method == "POST":
        parts = urlsplit(url)
        api = (parts.hostname or "").split(".", 1)[0]
        if (api, parts.path.rstrip("/")) in READ_ONLY_POSTS:
            return "GET"
    return method


def _is_list_page(method: str, url: str, params: Mapping[str, object] | None) -> bool:
    """A page of a list: the SDK sends the first with ``PageSize`` and follows the
    answer's ``next_page_url`` (paging in its query) for the next."""
    if method != "GET":
        return False
    if params and any(name in params for name in _PAGING):
        return True
    query = urlsplit(url).query
    return any(f"{name}=" in query for name in _PAGING)


def _origin(url: str) -> str:
    """``scheme://host/path`` of a URL, without credentials or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


class FlexplanHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's HTTP client: base-URL rewrite, one shared pool, the request gate,
    the one retry layer (deadlines, backoff, ``Retry-After``), checked answers, stats.

    Every thread calls ``request`` on one instance (the SDK's ``Client.request`` builds
    headers and auth per call and hands them over). Nothing of ``TwilioHttpClient``'s
    per-request state is used (its ``session``, ``_test_only_last_request`` and
    ``_test_only_last_response``): what a request keeps lives on the stack, and what is shared
    (gate, stats, pool) is thread-safe."""

    def __init__(
        self,
        *,
        api_base: str | None = None,
        parallelism: int = PARALLELISM.default,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        learned_limit: int | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        if timeout is not None:
            self.retry = dataclasses.replace(self.retry, attempt_timeout=timeout)
        super().__init__(pool_connections=False, timeout=self.retry.attempt_timeout)
        self.api_base = api_base
        self.gate = RequestGate(parallelism, adaptive=self.retry.adaptive, learned=learned_limit)
        self.stats = ClientStats()
        # One connection pool for every thread: urllib3's pools are thread-safe ("Thread-safe
        # connection pool for one host", urllib3.connectionpool.HTTPConnectionPool), and the
        # gate keeps at most ``ceiling`` requests in flight, so ``ceiling`` connections per
        # host are all that is ever needed. The Session around it is not documented as
        # thread-safe (psf/requests#2766: one Session per thread), so each thread keeps its
        # own, holding nothing but this shared adapter.
        self._adapter = HTTPAdapter(
            pool_connections=POOL_HOSTS, pool_maxsize=self.gate.ceiling, max_retries=0
        )
        self._local = threading.local()
        self._rng = random.Random()
        self._log = request_log()  # FLEXPLAN_LOG=debug

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("https://", self._adapter)
            session.mount("http://", self._adapter)
            self._local.session = session
        return session

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
        call = f"{method} {_origin(url)}"
        priority = LIST_PAGE if _is_list_page(method, url, params) else SINGLE
        target = rewrite_url(url, self.api_base)
        return self._with_retries(method, target, kwargs, call, priority, _retried_as(method, url))

    def _with_retries(
        self,
        method: str,
        target: str,
        kwargs: dict[str, Any],
        call: str,
        priority: int,
        retried_as: str,
    ) -> Response:
        """Try until the answer is usable, not worth retrying, or the deadline is near
        (by the retry rules of ``retried_as``: see ``_retried_as``)."""
        deadline: Deadline | None = None
        tries = 0
        telling: _Attempt | None = None  # the last try that did not merely run out of time
        while True:
            generation = self.gate.acquire(priority)
            deadline = deadline or Deadline(self.retry.deadline)  # queueing is not counted
            try:
                attempt = self._logged_attempt(method, target, kwargs, deadline, tries + 1)
            except BaseException:
                self.gate.release(generation, throttled=False, succeeded=False)
                raise
            tries += 1
            telling = telling if attempt.cut else attempt
            worth = self._worth_retrying(retried_as, attempt)
            asked = _retry_after(attempt.headers) if worth else None
            delay = self._delay(tries - 1, asked) if worth else 0.0
            retry = worth and delay < deadline.remaining
            if not retry and (telling is None or telling.response is None):
                # no answer at all within the deadline: the thread's request group (a
                # plan's reads) sends nothing more, before this slot goes to a waiter
                self.gate.stop_own_group()
            succeeded = attempt.response is not None and attempt.response.status_code < 400
            self.gate.release(generation, throttled=attempt.throttled, succeeded=succeeded)
            self.stats.record(call, attempt.status, retry=retry)
            if not retry:
                return self._outcome(
                    method, call, attempt, tries, deadline, telling, asked, retried_as=retried_as
                )
            if asked is not None:
                self.stats.waited(delay)
            time.sleep(delay)

    def _logged_attempt(
        self, method: str, target: str, kwargs: dict[str, Any], deadline: Deadline, n: int
    ) -> _Attempt:
        """One try, written to the request log when ``FLEXPLAN_LOG=debug`` asks for it."""
        log = self._log
        if log is None:
            return self._attempt(method, target, kwargs, deadline)
        log.request(
            method, target, kwargs.get("params"), kwargs.get("json") or kwargs.get("data"), n
        )
        started = time.monotonic()
        attempt = _Attempt(problem="failed before an answer")
        try:
            attempt = self._attempt(method, target, kwargs, deadline)
            return attempt
        finally:
            answered = attempt.response is not None
            text = attempt.response.text if attempt.response is not None else attempt.problem
            status = attempt.status if answered else "failed"
            log.answer(method, target, status, time.monotonic() - started, text)

    @staticmethod
    def _worth_retrying(method: str, attempt: _Attempt) -> bool:
        """GETs on every transient failure; writes only when provably not processed
        (429: Twilio says such a request is never processed; a connection never made)."""
        if attempt.throttled or attempt.unsent:
            return True
        if method != "GET":
            return False
        if attempt.problem is not None:
            return True
        return attempt.response is not None and attempt.response.status_code >= 500

    def _delay(self, retry: int, asked: float | None) -> float:
        """The server's ``Retry-After`` (``asked``) when it gave one, else backoff."""
        return asked if asked is not None else self.retry.backoff(retry, self._rng)

    def _outcome(
        self,
        method: str,
        call: str,
        attempt: _Attempt,
        tries: int,
        deadline: Deadline,
        telling: _Attempt | None,
        asked: float | None = None,
        *,
        retried_as: str,
    ) -> Response:
        """The answer, or the error that says what the tries got; ``asked``: a Retry-After
        that was not waited for because it lies past the deadline; ``retried_as``: the
        method whose retry rules applied (``_retried_as``)."""
        reads = retried_as == "GET"  # nothing changed, whatever the answer was
        cut_after_answer = attempt.cut and telling is not None and telling.response is not None
        if cut_after_answer and telling is not None and (reads or attempt.unsent):
            attempt = telling  # the deadline cut a retry short: the last answer is the news
        if attempt.problem is None and attempt.response is not None:
            if (tries > 1 or asked is not None) and attempt.response.status_code >= 400:
                note = _retried(tries, deadline, cut=cut_after_answer, asked=asked)
                raise RetriedAnswer(method, call, attempt.response, note)
            return attempt.response
        tried = f"{tries} {'try' if tries == 1 else 'tries'} in {deadline.elapsed:.1f} s"
        if attempt.cut and telling is not None and telling.problem is not None:
            # the deadline cut the last try short: say what the earlier ones got
            tried += "; the last one ran out of time"
            attempt = dataclasses.replace(attempt, problem=telling.problem)
        unknown = not reads and not attempt.unsent
        if unknown:
            message = f"{call} {attempt.problem} ({tried}); the request may have been carried out"
            hint = "run `flexplan plan` to see the account as it is now"
        else:
            message = f"{call} {attempt.problem} ({tried}, request deadline {deadline.seconds:g} s)"
            hint = (
                "check the network, the API address (--api-base / FLEXPLAN_API_BASE) or a proxy "
                "in between, then run the command again (FLEXPLAN_REQUEST_DEADLINE: the deadline)"
            )
        raise TransportError(redact(message), hint=hint, may_have_happened=unknown)

    def _attempt(
        self, method: str, target: str, kwargs: dict[str, Any], deadline: Deadline
    ) -> _Attempt:
        """One try, cut off after ``attempt_timeout`` or at the deadline, body included."""
        budget = max(0.05, min(self.retry.attempt_timeout, deadline.remaining))
        cut_at = time.monotonic() + budget
        try:
            raw = self._session().request(
                method, target, allow_redirects=False, stream=True,
                timeout=(min(10.0, budget), budget), **kwargs,
            )  # fmt: skip
        except requests.RequestException as exc:
            return _Attempt(problem=_failure(exc, budget, target), unsent=_provably_unsent(exc),
                            cut=isinstance(exc, requests.Timeout))  # fmt: skip
        try:
            content = _read_body(raw, cut_at)
        except _DeadlineCut:
            return _Attempt(problem=f"sent no complete answer within {budget:.1f} s "
                            f"(HTTP {raw.status_code}, the body was still arriving)",
                            cut=True)  # fmt: skip
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            return _Attempt(problem=f"answered HTTP {raw.status_code}, then the body broke off "
                            f"({_failure(exc, budget, target)})",
                            cut=isinstance(exc, urllib3.exceptions.ReadTimeoutError))  # fmt: skip
        finally:
            raw.close()
        text = content.decode(raw.encoding or "utf-8", errors="replace")
        response = Response(int(raw.status_code), text, raw.headers)
        problem = _check_answer(method, raw.status_code, text, raw.headers)
        return _Attempt(
            response=None if problem else response,
            problem=problem,
            throttled=raw.status_code == 429,
            headers=raw.headers,
        )


def _retried(tries: int, deadline: Deadline, *, cut: bool, asked: float | None = None) -> str:
    """``retried 3 times for 1.0 s; …`` -- what the retry layer did before giving up."""
    again = tries - 1
    note = f"retried {again} {'time' if again == 1 else 'times'} for {deadline.elapsed:.1f} s"
    if cut:
        note += f"; the request deadline ({deadline.seconds:g} s) cut the last try short"
    if asked is not None:
        waiting = (
            f"Twilio asked to wait {asked:g} s (Retry-After), past the request deadline "
            f"({deadline.seconds:g} s)"
        )
        note = f"{note}; then {waiting}" if again else f"not retried: {waiting}"
    return note


def _read_body(raw: requests.Response, cut_at: float) -> bytes:
    """The whole body, reading what arrives; ``_DeadlineCut`` once ``cut_at`` has passed."""
    chunks: list[bytes] = []
    while True:
        if time.monotonic() > cut_at:
            raise _DeadlineCut()
        chunk = raw.raw.read1(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _failure(exc: BaseException, budget: float, target: str) -> str:
    """A failed exchange in words (never the URL's query or credentials)."""
    parts = urlsplit(target)
    host = f"{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect to {host} within {min(10.0, budget):.1f} s"
    if isinstance(exc, (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError)):
        return f"sent no answer within {budget:.1f} s"
    if _provably_unsent(exc):
        return f"could not connect to {host} (ConnectionError)"
    return f"failed: {type(exc).__name__} (the connection broke off)"


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
    parallelism: int = PARALLELISM.default,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
    learned_limit: int | None = None,
) -> Client:
    """A twilio ``Client`` for ``credentials``.

    ``api_base`` (default: ``FLEXPLAN_API_BASE``) sends its requests elsewhere;
    ``parallelism`` is the most requests in flight (the adaptive gate's ceiling);
    ``retry`` defaults to the ``FLEXPLAN_*`` settings of the environment;
    ``learned_limit``: the account's limit an earlier run learned, where the gate starts.
    """
    base = api_base or os.environ.get("FLEXPLAN_API_BASE") or None
    http_client = FlexplanHttpClient(
        api_base=_check_api_base(base) if base else None,
        parallelism=parallelism,
        timeout=timeout,
        retry=retry or policy_from_env(),
        learned_limit=learned_limit,
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


def credentials_in_reach(client: Any, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Twilio secrets this run holds, each with how a message names it: the one
    ``client`` signs in with, and the environment's auth token and API secret (set
    whether or not they are the ones in use)."""
    env = os.environ if env is None else env
    found = {}
    for name in CREDENTIAL_VARIABLES:
        value = env.get(name, "").strip()
        if len(value) >= 8:
            found[value] = name
    secret = getattr(client, "password", None)
    if isinstance(secret, str) and len(secret) >= 8 and secret not in found:
        found[secret] = "the secret flexplan signs in with"
    return found


def client_stats(client: Client) -> ClientStats:
    """The request/retry counts of a client made by ``build_client``."""
    return _http_client(client).stats


def _http_client(client: Client) -> FlexplanHttpClient:
    http_client = client.http_client
    if not isinstance(http_client, FlexplanHttpClient):
        raise TypeError("client was not built by flexplan.twilio_client.build_client")
    return http_client


def request_slots(client: Client) -> int:
    """The most requests ``client`` keeps in flight (``--parallelism``, its gate's ceiling):
    callers size their thread pools by it; the client's gate does the bounding."""
    return _http_client(client).gate.ceiling


def request_gate(client: Client) -> RequestGate:
    """The adaptive gate of a client made by ``build_client`` (window, cuts)."""
    return _http_client(client).gate


def retry_policy(client: Client) -> RetryPolicy:
    return _http_client(client).retry
