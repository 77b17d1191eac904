"""``flexplan force-unlock LOCK_ID``: break the account lock a run left behind.

Only the lease with that ID is deleted (the ID is in the message of every run
that waited for or was refused the lock), so a lock someone has taken since is
never broken by mistake. As with ``terraform force-unlock``, it asks first
unless ``--force``: breaking the lock of a run that is still writing lets two
runs write at once. The lock is the account's, so without DIR (and without a
``flexplan.yaml`` in the current directory) it is the account the credentials
reach (the TWILIO_* variables or a twilio CLI profile).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flexplan.cli.options import account_context, account_options, manifest_options
from flexplan.connect import connect, connect_for
from flexplan.engine.lock import force_unlock
from flexplan.errors import FlexplanError
from flexplan.manifest import load_manifest


@click.command(name="force-unlock")
@click.argument("lock_id")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@manifest_options
@account_options
@click.option("--force", is_flag=True, help="Do not ask for confirmation.")
def command(
    lock_id: str,
    directory: Path | None,
    env: str | None,
    variables: dict[str, str],
    file_root: Path | None,
    sandbox: bool,
    api_base: str | None,
    parallelism: int,
    force: bool,
) -> None:
    """Delete the account lock LOCK_ID (of the account the manifest in DIRECTORY names).

    With no DIRECTORY and no flexplan.yaml here: of the account the credentials reach.
    """
    if directory is None and not Path("flexplan.yaml").exists():
        if env is not None or variables:
            raise FlexplanError(
                "--env and --var need a manifest: there is no flexplan.yaml here",
                hint="give the configuration directory: `flexplan force-unlock LOCK_ID DIR`",
            )
        if not force:
            _confirm(lock_id)
        opened = connect(
            Path("."), sandbox=sandbox, api_base=api_base, parallelism=parallelism,
            **account_context(),
        )  # fmt: skip
    else:
        directory = directory or Path(".")
        manifest = load_manifest(directory, env=env, variables=variables, file_root=file_root)
        if not force:
            _confirm(lock_id)
        opened = connect_for(
            directory, manifest, sandbox=sandbox, api_base=api_base, parallelism=parallelism,
            **account_context(),
        )  # fmt: skip
    with opened as conn:
        holder = force_unlock(conn.client, lock_id)
    who = f" (held by {holder.who}@{holder.host} since {holder.started_at})" if holder else ""
    click.echo(f"The account lock {lock_id} was deleted{who}. The account is unlocked.")


def _confirm(lock_id: str) -> None:
    if not sys.stdin.isatty():
        raise FlexplanError(
            "refusing to force-unlock without confirmation: standard input is not a terminal",
            hint=f"make sure the run holding it is gone, then `flexplan force-unlock {lock_id} "
            "--force`",
        )
    click.echo(
        "Do you really want to force-unlock the account?\n"
        "  If the run holding the lock is still writing, two runs will write at once.\n"
        "  Only 'yes' will be accepted to confirm.\n"
    )
    if click.prompt("  Enter a value", default="", show_default=False).strip() != "yes":
        raise FlexplanError("Force-unlock cancelled.")
