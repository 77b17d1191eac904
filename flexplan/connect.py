"""Reaching an account: real Twilio credentials, an API base override, or ``--sandbox``.

The commands that talk to an account (plan, apply, export, output) open a
``Connection`` here; the twilio client itself is only ever built by
``flexplan.twilio_client``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexplan.errors import FlexplanError
from flexplan.learned_limit import LimitMemory, learned_limit, remember_limit
from flexplan.recording import record_if_asked, recording_asked
from flexplan.request_log import log_asked
from flexplan.throttle import PARALLELISM


@dataclass
class Connection:
    client: Any
    account_sid: str
    sandbox: bool = False


@contextlib.contextmanager
def connect(
    directory: Path,
    *,
    sandbox: bool = False,
    api_base: str | None = None,
    parallelism: int = PARALLELISM.default,
    account_sid: str | None = None,
    read_only: bool = False,
    profile: str | None = None,
    notify: Callable[[str], None] | None = None,
    limit_memory: LimitMemory | None = None,
) -> Iterator[Connection]:
    """A twilio client for the account the command works on, for the ``with`` block.

    ``account_sid`` (the environment's) only matters with ``sandbox``: the local
    sandbox then plays that account. ``read_only`` (export): the sandbox of
    ``directory`` is only read, and nothing is written there. ``profile``: the
    twilio CLI profile to use (``--profile``); ``notify`` is told which
    credential is in use (never its secret) and about variables set by half.
    ``limit_memory``: start from, and keep, the account's concurrency limit as learned
    in ``directory`` (flexplan.learned_limit).
    """
    from flexplan.twilio_client import credentials_from_env, resolve_credentials

    if sandbox:
        from flexplan.sandbox import embedded_sandbox, sandbox_to_read

        knobs = {"account_sid": account_sid} if account_sid else {}
        opened = sandbox_to_read(directory) if read_only else embedded_sandbox(directory, **knobs)
        with opened as server:
            creds = credentials_from_env(server.credentials)
            with _client(creds, directory, limit_memory, server.base_url, parallelism) as client:
                yield Connection(client, creds.account_sid, sandbox=True)
        return
    resolved = resolve_credentials(os.environ, profile)
    creds = resolved.credentials
    if notify is not None:
        for warning in resolved.warnings:
            notify(f"warning: {warning}")
        notify(f"Using {creds.describe()}.")
    with _client(creds, directory, limit_memory, api_base, parallelism) as client:
        yield Connection(client, creds.account_sid)


@contextlib.contextmanager
def _client(
    creds: Any,
    directory: Path,
    memory: LimitMemory | None,
    api_base: str | None,
    parallelism: int,
) -> Iterator[Any]:
    """The client, started from the learned limit and keeping what it learns (``memory``)."""
    from flexplan.twilio_client import build_client, request_gate

    start = memory is not None and memory.start
    learned = learned_limit(directory, creds.account_sid) if start else None
    client = build_client(creds, api_base=api_base, parallelism=parallelism, learned_limit=learned)
    record_if_asked(client)  # FLEXPLAN_RECORD=DIR (docs/acceptance.md)
    try:
        yield client
    finally:
        if memory is not None:
            remember_limit(directory, creds.account_sid, request_gate(client))


@contextlib.contextmanager
def connect_for(
    directory: Path,
    manifest: Any,
    *,
    sandbox: bool = False,
    api_base: str | None = None,
    parallelism: int = PARALLELISM.default,
    profile: str | None = None,
    notify: Callable[[str], None] | None = None,
    limit_memory: LimitMemory | None = None,
) -> Iterator[Connection]:
    """``connect`` to the account the manifest's environment names, refusing another."""
    with connect(
        directory,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        account_sid=manifest.account_sid,
        profile=profile,
        notify=notify,
        limit_memory=limit_memory,
    ) as conn:
        check_account(conn, manifest.account_sid, manifest.environment)
        yield conn


def exchanges_written(environ: Mapping[str, str] | None = None) -> bool:
    """Whether every answer is written down as it arrives (``FLEXPLAN_RECORD``,
    ``FLEXPLAN_LOG``), scrubbed of the secrets registered by then: a manifest registers
    its ``${env:…}`` values while it loads, so such a run reads only once it has loaded."""
    return recording_asked(environ) is not None or log_asked(environ)


def check_account(connection: Connection, expected: str | None, environment: str | None) -> None:
    """Refuse to plan or apply against another account than the environment names."""
    if expected and expected != connection.account_sid:
        env = f"environment {environment!r}" if environment else "the manifest"
        raise FlexplanError(
            f"the credentials reach account {connection.account_sid}, but {env} is for "
            f"account {expected}",
            hint="set TWILIO_ACCOUNT_SID and its credentials for that account (or --profile "
            "NAME, a twilio CLI profile of that account), or choose the matching --env",
        )
