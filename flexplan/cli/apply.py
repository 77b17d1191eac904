"""``flexplan apply``: make the account match the manifest, or carry out a saved plan.

The account lock is taken before the plan is read and given back at the end
(``flexplan.cli.locking``), so two applies never interleave; a first interrupt
finishes what is in flight and reports, a second exits at once.

Retries and deadlines are the HTTP client's (``flexplan.throttle``, set by the
``FLEXPLAN_*`` variables the README lists); writes whose outcome is unknown are
resolved by the apply engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import click

from flexplan.cli.locking import Interrupts, account_lock, interrupts
from flexplan.cli.options import (
    account_context,
    account_options,
    cache_option,
    echo_warnings,
    lock_options,
    manifest_options,
    target_option,
    use_color,
)
from flexplan.connect import connect, connect_for
from flexplan.engine import compute_settled_plan
from flexplan.engine.apply import ActionResult, ApplyResult, apply_plan
from flexplan.engine.consistency import Windows
from flexplan.engine.defcache import DigestCache, remember_written
from flexplan.engine.journal import (
    Write,
    keep_shared,
    merged,
    read_shared,
    recent_writes,
    record_writes,
    writes_of,
)
from flexplan.engine.lock import AccountLock
from flexplan.engine.model import Plan, ResourceChange
from flexplan.engine.saved import (
    read_saved_plan,
    refuse_overrides,
    refuse_targets,
    saved_targets,
    saved_variables,
)
from flexplan.engine.stale import check_account as check_saved_account
from flexplan.engine.stale import check_digest, check_fresh
from flexplan.engine.targeting import resolve_targets
from flexplan.errors import FlexplanError
from flexplan.manifest import load_manifest
from flexplan.render.apply_report import event_line, final_report, progress_bar
from flexplan.render.common import incomplete_apply_warning, no_changes_line
from flexplan.render.escape import visible
from flexplan.render.text import render_text, warning_lines
from flexplan.resources import KINDS

PROGRESS_FROM = 10  # actions: a shorter apply needs no progress bar


@click.command(name="apply")
@click.argument("target", default=".", type=click.Path(path_type=Path))
@manifest_options
@account_options
@lock_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option("--message", metavar="TEXT", help="Commit message for Studio flow revisions.")
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR; FORCE_COLOR forces it).")
@target_option
@cache_option
def command(
    target: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    lock: bool,
    lock_timeout: float,
    auto_approve: bool,
    message: str | None,
    no_color: bool,
    targets: tuple[str, ...],
    no_cache: bool,
) -> None:
    """Make the account match the manifest in TARGET (a directory), or apply a saved plan file."""
    with interrupts() as handling:
        locking = _Locking(lock, lock_timeout, handling)
        if target.is_file():
            result = _apply_saved(target, env, variables, file_root, sandbox, api_base,
                                  parallelism, message, locking, targets)  # fmt: skip
        else:
            result = _apply_directory(
                target, env, variables, file_root, sandbox, api_base, parallelism, auto_approve,
                message, no_color, locking, no_cache, targets,
            )  # fmt: skip
    if handling.signum is not None:
        raise click.exceptions.Exit(handling.exit_code)
    if result is not None and not result.ok:
        raise click.exceptions.Exit(1)


class _Locking:
    """The lock settings and the interrupt handling of one apply."""

    def __init__(self, enabled: bool, timeout: float, handling: Interrupts) -> None:
        self.enabled, self.timeout, self.handling = enabled, timeout, handling

    def hold(self, client: object) -> Any:
        return account_lock(
            client, "apply", enabled=self.enabled, timeout=self.timeout, handling=self.handling
        )


def _apply_directory(
    directory: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    auto_approve: bool,
    message: str | None,
    no_color: bool,
    locking: _Locking,
    no_cache: bool,
    targets: tuple[str, ...] = (),
) -> ApplyResult | None:
    if not directory.exists():
        raise FlexplanError(
            f"{directory} does not exist", hint="give a config directory or a plan file"
        )
    manifest = load_manifest(directory, env=env, variables=variables, file_root=file_root)
    echo_warnings(manifest)
    resolve_targets(manifest, KINDS, targets)  # an unknown address stops before any request
    with (
        connect_for(
            directory,
            manifest,
            sandbox=sandbox,
            api_base=api_base,
            parallelism=parallelism,
            **account_context(),
        ) as conn,
        locking.hold(conn.client) as held,
    ):
        cache = None if no_cache else DigestCache.load(directory)
        shared = _shared(held, conn.account_sid)
        plan = _settled_plan(conn, manifest, directory, cache, targets, shared)
        color = use_color(no_color)
        click.echo(render_text(plan, color=color), nl=False, color=color)
        if not plan.has_changes:
            if cache is not None:
                cache.save()
            return None
        if not auto_approve:
            _confirm()
        return _run(conn.client, plan, message, directory, locking.handling, held, shared, cache)


def _apply_saved(
    path: Path,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    message: str | None,
    locking: _Locking,
    targets: tuple[str, ...] = (),
) -> ApplyResult | None:
    saved = read_saved_plan(path)
    refuse_targets(saved, targets)
    refuse_overrides(saved, env, variables)
    directory = Path(saved.get("directory") or ".")
    if not directory.is_dir():
        raise FlexplanError(
            f"the plan was made from {directory}, which is not a directory here",
            hint="run apply from the directory where `flexplan plan --out` ran",
        )
    manifest = load_manifest(
        directory,
        env=saved.get("environment"),
        variables=saved_variables(saved, variables),
        file_root=file_root,
    )
    check_digest(saved, manifest.digest)
    with connect(
        directory,
        sandbox=sandbox,
        api_base=api_base,
        parallelism=parallelism,
        **account_context(),
        account_sid=manifest.account_sid,
    ) as conn:
        check_saved_account(saved, conn.account_sid)
        return _apply_fresh(conn, saved, manifest, path, message, locking)


def _apply_fresh(
    conn: Any,
    saved: dict[str, Any],
    manifest: Any,
    path: Path,
    message: str | None,
    locking: _Locking,
) -> ApplyResult | None:
    """Under the lock: plan again, refuse when the saved plan is stale, apply."""
    directory = Path(saved.get("directory") or ".")
    with locking.hold(conn.client) as held:
        shared = _shared(held, conn.account_sid)
        fresh = _settled_plan(
            conn, manifest, directory, targets=saved_targets(saved), shared=shared
        )
        horizon = Windows.from_env(os.environ).horizon
        local = recent_writes(directory, conn.account_sid, horizon=horizon)
        check_fresh(saved, fresh, merged(local, shared))
        if not fresh.has_changes:
            click.echo(no_changes_line(fresh))
            return None
        click.echo(f"Applying the saved plan {path} ({len(fresh.actionable)} actions).")
        return _run(conn.client, fresh, message, directory, locking.handling, held, shared)


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise FlexplanError(
            "refusing to apply without confirmation: standard input is not a terminal",
            hint="review the plan, then run again with --auto-approve (or apply a saved plan file)",
        )
    click.echo(
        "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n"
    )
    answer = click.prompt("  Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        raise FlexplanError("Apply cancelled.")


def _run(
    client: object,
    plan: Plan,
    message: str | None,
    directory: Path,
    handling: Interrupts,
    held: AccountLock | None,
    shared: dict[str, Write],
    cache: DigestCache | None = None,
) -> ApplyResult:
    steps = len(plan.actionable) + sum(c.staged for c in plan.actionable)  # staged: two writes
    progress = _Progress(steps, enabled=_on_terminal())
    click.echo("")

    def stop() -> str | None:
        if handling.reason:
            return handling.reason
        return "the account lock was lost" if held is not None and held.lost.is_set() else None

    handling.writing = True
    try:
        result = _carry_out(client, plan, message, directory, progress, stop)
    finally:
        handling.writing = False
    progress.close()
    _journal(directory, plan, result, held, shared)
    if cache is not None:
        _remember_written(cache, plan, result)
    click.echo("")
    click.echo(final_report(result, plan.targets), nl=False)
    if plan.targets:
        click.echo("\n" + "\n".join(warning_lines(incomplete_apply_warning())), nl=False)
    if result.stopped and handling.signum is None:  # the lock was lost, not an interrupt
        click.echo(
            "error: the account lock was lost (its lease could not be renewed), so nothing new "
            "was started: another run may now hold it",
            err=True,
        )
    return result


def _carry_out(
    client: object,
    plan: Plan,
    message: str | None,
    directory: Path,
    progress: _Progress,
    stop: Any,
) -> ApplyResult:
    return apply_plan(
        client,
        plan,
        KINDS,
        commit_message=_commit_message(message, directory),
        message_given=message is not None,
        on_event=progress.event,
        stop=stop,
        windows=Windows.from_env(os.environ),
    )


def _settled_plan(
    conn: Any,
    manifest: Any,
    directory: Path,
    cache: DigestCache | None = None,
    targets: tuple[str, ...] | list[str] = (),
    shared: dict[str, Write] | None = None,
) -> Plan:
    """The plan, read again while only lag behind a recent apply explains its changes."""
    return compute_settled_plan(
        conn.client,
        manifest,
        account_sid=conn.account_sid,
        directory=directory,
        windows=Windows.from_env(os.environ),
        cache=cache,
        targets=targets,
        shared=shared,
    )


def _remember_written(cache: DigestCache, plan: Plan, result: ApplyResult) -> None:
    """What the write answers returned, so that the next plan need not fetch it again."""
    sections = {c.address: c.section for c in plan.actionable}
    done = [r for r in result.results if r.status == "done" and r.address in sections]
    written = [(sections[r.address], r.answer) for r in done if r.answer is not None]
    remember_written(cache, plan.account_sid, {k.section: k for k in KINDS}, written)
    cache.save()


def _shared(held: AccountLock | None, account_sid: str) -> dict[str, Write]:
    """What recent applies from any checkout wrote, as the account keeps it (under the lock)."""
    return read_shared(held, account_sid, horizon=Windows.from_env(os.environ).horizon)


def _journal(
    directory: Path,
    plan: Plan,
    result: ApplyResult,
    held: AccountLock | None,
    shared: dict[str, Write],
) -> None:
    """Record what the write answers said, here and in the account (for an apply from
    another checkout), so that the next plan can tell lag from change."""
    by_address = {c.address: c for c in plan.actionable}
    done = [r for r in result.results if r.status == "done" and r.address in by_address]
    created = {r.address: r.sid for r in done if r.sid and r.action in ("create", "replace")}
    writes = writes_of(
        plan.account_sid,
        [(by_address[r.address], r.sid, _fingerprint(r.answer)) for r in done],
        created,
        removed=[(address, sid) for address, sid, _ in result.verification.removed],
    )
    horizon = Windows.from_env(os.environ).horizon
    record_writes(directory, writes, horizon=horizon)
    try:
        keep_shared(held, plan, shared, writes, horizon=horizon)
    except Exception as exc:  # the apply is done; only the next one from elsewhere loses
        reason = visible(exc.message) if isinstance(exc, FlexplanError) else type(exc).__name__
        click.echo(
            f"warning: could not keep this apply's writes in the account ({reason}): for a "
            "minute an apply from another checkout may take Twilio's lagging reads for changes",
            err=True,
        )


def _fingerprint(live: object) -> str | None:
    value = getattr(live, "fingerprint", None)
    return value if isinstance(value, str) else None


class _Progress:
    """One line per action as it starts and ends; on a terminal, a status line below them."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.done, self.running = total, 0, 0
        self.enabled = enabled and total >= PROGRESS_FROM
        self._lock = threading.Lock()

    def event(self, event: str, change: ResourceChange, result: ActionResult | None) -> None:
        with self._lock:
            if event == "start":
                self.running += 1
            else:
                self.running, self.done = self.running - 1, self.done + 1
            self._clear()
            click.echo(event_line(event, change, result))
            if self.enabled:
                click.echo(progress_bar(self.done, self.total, self.running), nl=False)

    def close(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        if self.enabled:
            click.echo("\r\x1b[K", nl=False, color=True)  # back to the line start, clear it


def _on_terminal() -> bool:
    return sys.stdout.isatty()


def _commit_message(message: str | None, directory: Path) -> str:
    if message:
        return message
    sha = os.environ.get("GITHUB_SHA") or _git_head(directory)
    return f"flexplan apply ({sha[:12]})" if sha else "flexplan apply"


def _git_head(directory: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None
