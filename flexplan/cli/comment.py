"""``flexplan comment``: one pull-request comment from the plans of several environments.

Each PLAN_DIR holds what examples/ci/scripts/plan.sh writes: ``plan.md`` (the
markdown plan, or the error report when the plan failed) and ``exitcode``
(0 no changes, 2 changes, anything else an error). The directory's name, less
a ``plan-`` prefix, names the environment. No credentials, no network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from flexplan.render.comment import Context, EnvironmentPlan, render_comment
from flexplan.render.fit import GITHUB_LIMIT


@click.command(name="comment")
@click.argument(
    "plan_dirs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write it here.")
@click.option(
    "--commit",
    envvar="FLEXPLAN_COMMIT",
    help="The commit planned (default: $GITHUB_SHA; on a pull request pass the head's SHA).",
)
@click.option(
    "--run-url",
    envvar="FLEXPLAN_RUN_URL",
    help="The CI run's page (default: built from GitHub Actions' GITHUB_SERVER_URL, "
    "GITHUB_REPOSITORY and GITHUB_RUN_ID).",
)
@click.option(
    "--next",
    "next_step",
    envvar="FLEXPLAN_NEXT",
    help='What happens next, e.g. "Merging applies these plans to staging and production."',
)
@click.option(
    "--limit",
    type=click.IntRange(min=2_000),
    default=GITHUB_LIMIT,
    show_default=True,
    help="Characters the comment may hold.",
)
def command(
    plan_dirs: tuple[Path, ...],
    out: Path | None,
    commit: str | None,
    run_url: str | None,
    next_step: str | None,
    limit: int,
) -> None:
    """Build one comment from the plans in PLAN_DIR..., within GitHub's size limit."""
    plans = [_read(directory) for directory in plan_dirs]
    text = render_comment(plans, github_context(os.environ, commit, run_url, next_step),
                          limit=limit)  # fmt: skip
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write the comment to {out}: {exc.strerror}") from exc


def github_context(
    env: Mapping[str, str], commit: str | None, run_url: str | None, next_step: str | None
) -> Context:
    """The options, completed from GitHub Actions' variables where they are not given."""
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    commit = commit or env.get("GITHUB_SHA") or None
    if run_url is None and server and repository and env.get("GITHUB_RUN_ID"):
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    commit_url = (
        f"{server}/{repository}/commit/{commit}" if commit and server and repository else None
    )
    return Context(commit=commit, commit_url=commit_url, run_url=run_url, next_step=next_step)


def _read(directory: Path) -> EnvironmentPlan:
    name = directory.resolve().name.removeprefix("plan-")
    return EnvironmentPlan(name, _exit_code(directory / "exitcode"), _text(directory / "plan.md"))


def _exit_code(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
