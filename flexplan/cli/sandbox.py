"""`flexplan sandbox serve`: run the local Twilio-compatible API server.

Prints the base URL and the environment variables that point flexplan (or
any twilio SDK through flexplan's client builder) at it, then serves until
interrupted. With ``--state FILE`` every change is saved atomically and the
file is loaded again on the next start.
"""

from __future__ import annotations

from pathlib import Path

import click

from flexplan.errors import FlexplanError
from flexplan.sandbox import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SandboxServer
from flexplan.sandbox.faults import ANSWER_FAULTS, AnswerFault
from flexplan.sandbox.retired import RETIRABLE


@click.group(name="sandbox")
def command() -> None:
    """A local Twilio-compatible API server with a fresh Flex account."""


@command.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=0, help="Port (default: a free one).")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Persist the account to this JSON file (default: in memory).",
)
@click.option("--account-sid", default=DEFAULT_ACCOUNT_SID, show_default=True)
@click.option("--auth-token", default=DEFAULT_AUTH_TOKEN, help="Auth token clients must send.")
@click.option("--latency-ms", type=float, default=0.0, help="Delay added to every request.")
@click.option(
    "--fail-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of 500/503/drops."
)
@click.option("--concurrency-limit", type=click.IntRange(1), help="Answer 429 past this many.")
@click.option("--seed", type=int, help="Seed for SIDs and injected faults (reproducible runs).")
@click.option(
    "--retire",
    "retired",
    multiple=True,
    type=click.Choice(sorted(RETIRABLE)),
    help="Answer this API as past its end of life (404, code 20404). Repeatable.",
)
@click.option(
    "--drop-field",
    "drop_fields",
    multiple=True,
    metavar="NAME",
    help="Remove this field from every object of every GET answer, as a rewriting proxy "
    "would (e.g. friendly_name). Repeatable.",
)
@click.option(
    "--echo-sids",
    is_flag=True,
    help="Answer SIDs for values given by name (a Flex Flow's task channel), as Twilio may.",
)
@click.option(
    "--retry-after", type=click.IntRange(0), default=1, show_default=True,
    help="Seconds sent as Retry-After with each 429.",
)  # fmt: skip
@click.option(
    "--answer-fault", "answer_faults", multiple=True, metavar="KIND[=ROUTE]",
    help=f"Mangle answers ({', '.join(ANSWER_FAULTS)}), of one route such as "
    "'GET /studio/v2/Flows' or of all. Repeatable.",
)  # fmt: skip
@click.option(
    "--lag-seconds",
    type=click.FloatRange(0),
    default=0.0,
    help="Reads see each create, update and delete only this long after it (default: at once).",
)
@click.option(
    "--lag-lists",
    type=click.Choice(["stale", "empty"]),
    default="stale",
    show_default=True,
    help="While a change is pending, lists show the old objects, or come back empty.",
)
@click.option(
    "--commit-502-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of writes carried out and then answered 502.",
)
@click.option(
    "--commit-stall-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of writes carried out and answered only after --stall-seconds.",
)
@click.option(
    "--stall-seconds",
    type=click.FloatRange(0),
    default=40.0,
    show_default=True,
    help="How late a stalled answer comes (past the client's 30 s read timeout).",
)
def serve(
    host: str,
    port: int,
    state_file: Path | None,
    account_sid: str,
    auth_token: str,
    latency_ms: float,
    fail_rate: float,
    concurrency_limit: int | None,
    seed: int | None,
    retired: tuple[str, ...],
    drop_fields: tuple[str, ...],
    echo_sids: bool,
    retry_after: int,
    answer_faults: tuple[str, ...],
    lag_seconds: float,
    lag_lists: str,
    commit_502_rate: float,
    commit_stall_rate: float,
    stall_seconds: float,
) -> None:
    """Serve the sandbox until interrupted (Ctrl-C)."""
    server = SandboxServer(
        host=host,
        port=port,
        state_file=state_file,
        account_sid=account_sid,
        auth_token=auth_token,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        concurrency_limit=concurrency_limit,
        seed=seed,
        retired=retired,
        drop_fields=drop_fields,
        echo_sids=echo_sids,
        retry_after=retry_after,
        answer_faults=[_answer_fault(text) for text in answer_faults],
        lag_seconds=lag_seconds,
        lag_lists=lag_lists,
        commit_502_rate=commit_502_rate,
        commit_stall_rate=commit_stall_rate,
        stall_seconds=stall_seconds,
    )
    try:
        server.bind()
    except OSError as exc:
        raise FlexplanError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="choose another --port (0 picks a free one)",
        ) from None
    click.echo(f"flexplan sandbox listening on {server.base_url}")
    click.echo(f"state: {state_file if state_file else 'in memory'}")
    click.echo("Point flexplan at it with (sandbox credentials, not real ones):")
    for name, value in server.credentials.items():
        click.echo(f"  export {name}={value}")
    click.echo("Control: GET /__sandbox/stats, POST /__sandbox/reset. Stop with Ctrl-C.")
    try:
        server.serve_bound()
    except KeyboardInterrupt:
        click.echo("sandbox stopped")


@command.command(name="replay")
@click.argument("recording", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, help="Seed for the sandbox's SIDs.")
def replay_command(recording: Path, seed: int | None) -> None:
    """Replay RECORDING (a FLEXPLAN_RECORD directory) against a fresh sandbox.

    Lists every exchange where the sandbox answers differently from the recording
    (HTTP status, Twilio error code, the fields of the body and their types); exits 1
    when there is any difference, 0 when there is none (docs/acceptance.md).
    """
    from flexplan.sandbox import running_sandbox
    from flexplan.sandbox.replay import load_recording, replay

    exchanges = load_recording(recording)
    with running_sandbox(seed=seed) as server:
        result = replay(
            exchanges,
            base_url=server.base_url,
            auth=(server.account_sid, server.auth_token),
            account_sid=server.account_sid,
        )
    for difference in result.differences:
        click.echo(str(difference))
    count = len(result.differences)
    click.echo(
        f"Replayed {result.exchanges} exchange(s): "
        + (f"{count} difference(s)." if count else "the sandbox answers as recorded.")
    )
    if count:
        raise click.exceptions.Exit(1)


def _answer_fault(text: str) -> AnswerFault:
    kind, _, route = text.partition("=")
    if kind not in ANSWER_FAULTS:
        raise FlexplanError(
            f"--answer-fault {text!r}: the kind must be one of {', '.join(ANSWER_FAULTS)}"
        )
    return AnswerFault(kind, route.strip() or None)
