"""A local Twilio-compatible API server: the sandbox.

It serves the subset of Twilio's REST APIs that flexplan uses, the way Twilio
answers them, starting from a fresh Flex account, so that flexplan can be
tried without an account and every test runs the real twilio SDK over real
HTTP. Entry points:

- ``SandboxServer`` — start/stop a server (in memory or on a state file);
- ``running_sandbox(**knobs)`` — the same as a context manager (tests);
- ``embedded_sandbox(directory, **knobs)`` — the server behind ``--sandbox``,
  with its state in ``DIR/.flexplan/sandbox.json``;
- ``sandbox_to_read(directory)`` — the same account, only read (``export --sandbox``).

See docs/sandbox.md for what it reproduces and what it knowingly does not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flexplan.errors import FlexplanError
from flexplan.sandbox import (
    api_conversations,
    api_flex,
    api_readonly,
    api_studio,
    api_sync,
    api_taskrouter,
)
from flexplan.sandbox.faults import AnswerFault, Faults, FaultSettings
from flexplan.sandbox.httpd import App, SandboxHTTPServer, make_server
from flexplan.sandbox.ids import derived_sid, is_sid
from flexplan.sandbox.recorder import Recorder
from flexplan.sandbox.retired import check_names
from flexplan.sandbox.routes import Router
from flexplan.sandbox.state import LAG_LISTS
from flexplan.sandbox.store import Store

DEFAULT_ACCOUNT_SID = derived_sid("AC", "flexplan-sandbox-account")
DEFAULT_AUTH_TOKEN = derived_sid("", "flexplan-sandbox-auth-token")
DEFAULT_API_KEY = derived_sid("SK", "flexplan-sandbox-api-key")
DEFAULT_API_SECRET = derived_sid("", "flexplan-sandbox-api-secret")
STATE_RELATIVE = Path(".flexplan") / "sandbox.json"

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "DEFAULT_AUTH_TOKEN",
    "AnswerFault",
    "SandboxServer",
    "embedded_sandbox",
    "running_sandbox",
    "sandbox_to_read",
]


def build_router() -> Router:
    router = Router()
    for module in (api_flex, api_conversations, api_studio, api_readonly, api_taskrouter, api_sync):
        module.register(router)
    return router


class SandboxServer:
    """One sandbox account behind one HTTP server on loopback."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        latency_ms: float = 0.0,
        fail_rate: float = 0.0,
        drop_rate: float | None = None,
        concurrency_limit: int | None = None,
        seed: int | None = None,
        retry_after: int | None = 1,
        answer_faults: tuple[AnswerFault, ...] | list[AnswerFault] = (),
        trickle_ms: float = 50.0,
        state_file: Path | str | None = None,
        record: bool = False,
        retired: Sequence[str] = (),
        drop_fields: frozenset[str] | set[str] | tuple[str, ...] = (),
        fail_routes: frozenset[str] | set[str] | tuple[str, ...] = (),
        fail_status: int = 500,
        echo_sids: bool = False,
        lag_seconds: float = 0.0,
        lag_lists: str = "stale",
        commit_502_rate: float = 0.0,
        commit_stall_rate: float = 0.0,
        stall_seconds: float = 5.0,
        commit_fault_limit: int | None = None,
        commit_fault_routes: frozenset[str] | set[str] | tuple[str, ...] = (),
    ) -> None:
        if not is_sid(account_sid, "AC") or (api_key and not is_sid(api_key, "SK")):
            raise FlexplanError(
                "the sandbox account SID must be AC + 32 hex digits (API key: SK + 32 hex digits)",
                hint=f"omit --account-sid to use {DEFAULT_ACCOUNT_SID}",
            )
        self.host, self.port = host, port
        self.account_sid, self.auth_token = account_sid, auth_token
        self.api_key, self.api_secret = api_key, api_secret
        path = Path(state_file) if state_file is not None else None
        self.store = Store(account_sid=account_sid, seed=seed, state_file=path)
        # echo_sids: values Twilio accepts by name or SID come back as the SID (a task
        # channel's unique name in a Flex Flow's Integration.Channel); docs/sandbox.md
        self.store.echo_sids = echo_sids
        self.set_lag(lag_seconds, lag_lists)
        settings = FaultSettings(
            latency_ms,
            fail_rate,
            drop_rate,
            concurrency_limit,
            seed,
            drop_fields=frozenset(drop_fields),
            fail_routes=frozenset(fail_routes),
            fail_status=fail_status,
            retry_after=retry_after,
            answer_faults=tuple(answer_faults),
            trickle_ms=trickle_ms,
            commit_502_rate=commit_502_rate,
            commit_stall_rate=commit_stall_rate,
            stall_seconds=stall_seconds,
            commit_fault_limit=commit_fault_limit,
            commit_fault_routes=frozenset(commit_fault_routes),
        )
        users = {account_sid: auth_token, api_key: api_secret}
        self._app = App(
            store=self.store, router=build_router(), faults=Faults(settings), users=users
        )
        self._app.recorder.enabled = record
        self.retire(*retired)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> SandboxServer:
        """Bind (a free port unless one was given) and serve in a background thread."""
        self._server = make_server(self.host, self.port, self._app)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="flexplan-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def bind(self) -> None:
        """Bind without serving yet (so the CLI can print the URL first)."""
        self._server = make_server(self.host, self.port, self._app)
        self.port = self._server.server_address[1]

    def serve_bound(self) -> None:
        """Serve in the calling thread (after ``bind``) until interrupted."""
        if self._server is None:
            self.bind()
        assert self._server is not None
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """Environment variables that point flexplan (and its client) at this sandbox."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "FLEXPLAN_API_BASE": self.base_url,
        }

    @property
    def api_key_credentials(self) -> dict[str, str]:
        """The same, with an API key and secret instead of the auth token."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_API_KEY": self.api_key,
            "TWILIO_API_SECRET": self.api_secret,
            "FLEXPLAN_API_BASE": self.base_url,
        }

    # -- control -------------------------------------------------------------
    def set_lag(self, seconds: float, lists: str = "stale") -> None:
        """Reads see each write ``seconds`` after it; lists ``stale`` or ``empty`` meanwhile."""
        if seconds < 0 or lists not in LAG_LISTS:
            raise ValueError(f"lag must be >= 0 s and lists one of {LAG_LISTS}, got {lists!r}")
        self.store.lag_seconds, self.store.lag_lists = seconds, lists

    def catch_up(self, *, when_read_again: bool = False, after_writes: int = 0) -> None:
        """End the lag of every pending change: now; or once a client asks again for
        something it was answered stale (``when_read_again``: the lag ends as a plan reads
        the account again); with ``after_writes``, from that many writes on (the lag ends
        with the last of them, or then as ``when_read_again`` says). With
        ``lag_seconds=math.inf`` the lag ends only so: the test decides when, not the
        machine's speed."""
        self.store.catch_up(when_read_again=when_read_again, after_writes=after_writes)

    def stats(self) -> dict[str, Any]:
        """``{"total", "requests": {"GET /flex-api/v1/FlexFlows": n}, "by_status", "faults"}``."""
        return self._app.stats.as_dict()

    def clear_stats(self) -> None:
        self._app.stats.clear()

    def reset(self) -> None:
        """Back to the fresh Flex account; request counts cleared."""
        self.store.reset()
        self._app.stats.clear()

    def retire(self, *apis: str) -> None:
        """Answer these APIs as retired (``"flex_flows"``); see flexplan.sandbox.retired."""
        try:
            self._app.retired = self._app.retired | check_names(apis)
        except ValueError as exc:
            raise FlexplanError(str(exc)) from None

    def unretire(self) -> None:
        self._app.retired = frozenset()

    @property
    def recorder(self) -> Recorder:
        return self._app.recorder

    @property
    def faults(self) -> Faults:
        """The fault knobs in force; ``drop_fields`` and ``fail_routes`` can be changed."""
        return self._app.faults


@contextmanager
def running_sandbox(**knobs: Any) -> Iterator[SandboxServer]:
    """A started sandbox on a free loopback port, in memory unless ``state_file`` is given."""
    server = SandboxServer(**knobs).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def embedded_sandbox(directory: Path | str, **knobs: Any) -> Iterator[SandboxServer]:
    """The sandbox behind ``--sandbox``: state in ``DIR/.flexplan/sandbox.json``.

    An ``account_sid`` other than the default gets a state file of its own
    (``sandbox-AC….json``), so each environment of a manifest is its own account.
    """
    state = Path(directory) / STATE_RELATIVE
    account = knobs.get("account_sid")
    if account and account != DEFAULT_ACCOUNT_SID:
        state = state.with_name(f"sandbox-{account}.json")
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlexplanError(
            f"cannot keep the sandbox account in {state.parent}: {exc.strerror}",
            hint="remove or rename what is in the way, or run from a writable directory",
        ) from None
    with running_sandbox(state_file=state, **knobs) as server:
        yield server


@contextmanager
def sandbox_to_read(directory: Path | str) -> Iterator[SandboxServer]:
    """The sandbox of ``DIR`` for a command that only reads it (``export --sandbox``).

    The account ``plan``/``apply --sandbox DIR`` keep in ``DIR/.flexplan/sandbox.json``
    when there is one, else a fresh account in memory. Nothing is written anywhere: no
    ``.flexplan/`` is created, and reads never save the state file.
    """
    state = Path(directory) / STATE_RELATIVE
    knobs: dict[str, Any] = {"state_file": state} if state.is_file() else {}
    with running_sandbox(**knobs) as server:
        yield server
