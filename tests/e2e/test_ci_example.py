"""The CI example (examples/ci) runs: its workflow's shell steps, against the sandbox.

The hosted services are not involved: the test reads the `run:` steps out of
the GitHub Actions workflows (and the `script:` of the GitLab jobs), fills the
`${{ … }}` expressions the way the runner would (matrix value, secrets from
the sandbox), and runs them with bash in a scratch checkout. A changed
manifest plans with exit code 2 and a markdown plan file, apply carries out
the saved plan, and then the plan (and the drift check) exit 0 — until the
account drifts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "examples" / "ci"
ENVIRONMENT = "staging"


def _steps(workflow: str, job: str) -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((CI / "github" / workflow).read_text())
    return {s["id"]: s for s in document["jobs"][job]["steps"] if "id" in s}


def _workflow_env(workflow: str) -> dict[str, str]:
    return dict(yaml.safe_load((CI / "github" / workflow).read_text()).get("env", {}))


def _expand(value: str, secrets: dict[str, str]) -> str | None:
    """`${{ matrix.environment }}`, `${{ secrets.X }}`; other contexts are the runner's."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr == "matrix.environment":
            return ENVIRONMENT
        if expr.startswith("secrets."):
            return secrets.get(expr.removeprefix("secrets."), "")
        return ""

    expanded = re.sub(r"\$\{\{(.*?)\}\}", one, str(value))
    return expanded or None


class Checkout:
    """A scratch working directory with the manifest, and the environment of a runner."""

    def __init__(self, root: Path, sandbox_env: dict[str, str]):
        self.root = root
        self.secrets = dict(sandbox_env)
        self.output = root / "github_output"
        self.summary = root / "step_summary.md"
        bin_dir = str(Path(sys.executable).parent)
        self.base = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(root),
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            **sandbox_env,  # the runner's credentials, and FLEXPLAN_API_BASE for the sandbox
        }

    def run_step(self, workflow: str, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        env = {**self.base, **_workflow_env(workflow), "FLEXPLAN_SCRIPTS": str(CI / "scripts")}
        for name, value in (step.get("env") or {}).items():
            expanded = _expand(value, self.secrets)
            if expanded is not None:
                env[name] = expanded
        assert "${{" not in step["run"], "run: steps take values through env: only"
        return self.bash(step["run"], env)

    def bash(self, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        self.output.write_text("")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines())


def _checkout(tmp_path: Path, sandbox_env: dict[str, str]) -> Checkout:
    checkout = Checkout(tmp_path, sandbox_env)
    shutil.copytree(ROOT / "examples" / "quickstart", tmp_path / "config")
    manifest = tmp_path / "config" / "flexplan.yaml"
    manifest.write_text(manifest.read_text() + "\nenvironments:\n  staging: {}\n  production: {}\n")
    return checkout


def test_github_workflow_steps_plan_comment_apply_and_drift(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str]
) -> None:
    checkout = _checkout(tmp_path, sandbox_env)
    plan_job = _steps("flexplan.yml", "plan")
    out = tmp_path / "flexplan-out" / f"plan-{ENVIRONMENT}"

    validated = checkout.run_step("flexplan.yml", plan_job["validate"])
    assert validated.returncode == 0, validated.stderr

    planned = checkout.run_step("flexplan.yml", plan_job["plan"])
    assert planned.returncode == 0, planned.stderr  # exit 2 (changes) does not fail the job
    assert checkout.outputs() == {"exitcode": "2"}
    assert (out / "exitcode").read_text().strip() == "2"
    markdown = (out / "plan.md").read_text()
    assert "4 to add" in markdown and "studio_flow.web-chat" in markdown
    assert "4 to add" in checkout.summary.read_text()  # the job summary
    assert (out / "plan.json").is_file()

    comment = _steps("flexplan.yml", "comment")["comment"]
    commented = checkout.run_step("flexplan.yml", comment)
    assert commented.returncode == 0, commented.stderr
    assert "not posted" in commented.stdout
    body = (tmp_path / "flexplan-comment.md").read_text()
    assert body.startswith("<!-- flexplan plan -->") and "### `staging`: changes" in body
    assert body.count("### ") == 1  # one heading per environment (the plan's own is replaced)
    assert "**Next:** Merging this pull request applies these plans" in body
    assert "<!-- flexplan:" not in body  # the plan's block marks are not in the comment

    applied = checkout.run_step("flexplan.yml", _steps("flexplan.yml", "apply")["apply"])
    assert applied.returncode == 0, applied.stderr
    names = {f["friendly_name"] for f in sandbox.store.items("studio_flows")}
    assert {"Quickstart SMS Flow", "Quickstart Web Chat Flow"} <= names

    again = checkout.run_step("flexplan.yml", plan_job["plan"])
    assert again.returncode == 0 and checkout.outputs() == {"exitcode": "0"}, again.stderr
    assert "No changes" in (out / "plan.md").read_text()
    noop = checkout.run_step("flexplan.yml", _steps("flexplan.yml", "apply")["apply"])
    assert noop.returncode == 0 and "No changes to apply" in noop.stdout

    drift = _steps("drift.yml", "drift")["drift"]
    assert checkout.run_step("drift.yml", drift).returncode == 0
    address = next(a for a in sandbox.store.items("addresses") if a["address"] == "+15550001111")
    address["friendly_name"] = "Changed in the Console"
    drifted = checkout.run_step("drift.yml", drift)
    assert drifted.returncode == 2, drifted.stderr
    assert "Changed in the Console" in drifted.stdout  # the log shows what drifted


def test_gitlab_jobs_and_pre_commit_hook(tmp_path: Path, sandbox_env: dict[str, str]) -> None:
    checkout = _checkout(tmp_path, sandbox_env)
    document = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert document[".flexplan"]["parallel"]["matrix"] == [
        {"FLEXPLAN_ENV": ["staging", "production"]}
    ]
    env = {**checkout.base, **document["variables"], "FLEXPLAN_SCRIPTS": str(CI / "scripts")}
    env.pop("GITHUB_ACTIONS")
    env.update(FLEXPLAN_ENV=ENVIRONMENT, FLEXPLAN_OUT=f"flexplan-out/plan-{ENVIRONMENT}")
    for job in ("validate", "plan"):
        done = checkout.bash("\n".join(document[job]["script"]), env)
        assert done.returncode == 0, (job, done.stderr)
    out = tmp_path / "flexplan-out" / f"plan-{ENVIRONMENT}"
    assert (out / "exitcode").read_text().strip() == "2" and (out / "plan.md").is_file()
    assert all("$FLEXPLAN_SCRIPTS/" in line for line in document["drift"]["script"])
    assert any("$FLEXPLAN_SCRIPTS/apply.sh" in line for line in document["apply"]["script"])

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["flexplan-validate"]
    assert hooks[0]["entry"].split()[:2] == ["flexplan", "validate"]


def test_github_apply_step_waits_for_another_runs_account_lock(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], sandbox_client: Any
) -> None:
    """The apply job relies on the account lock (not only on `concurrency:`): another
    run's lock makes it wait (FLEXPLAN_LOCK_TIMEOUT in the workflow), then it applies."""
    from lockkit import lock_documents, release_once_refused

    from flexplan.engine.lock import AccountLock, new_holder

    checkout = _checkout(tmp_path, sandbox_env)
    planned = checkout.run_step("flexplan.yml", _steps("flexplan.yml", "plan")["plan"])
    assert planned.returncode == 0, planned.stderr
    apply_step = _steps("flexplan.yml", "apply")["apply"]
    assert apply_step["env"]["FLEXPLAN_LOCK_TIMEOUT"] == "10m"
    other = AccountLock(sandbox_client, new_holder("apply", {"CI_JOB_URL": "https://ci/job/7"}))
    sandbox.clear_stats()
    other.acquire()
    releaser = release_once_refused(sandbox, other)
    try:
        applied = checkout.run_step("flexplan.yml", apply_step)
    finally:
        releaser.join()
    assert applied.returncode == 0, applied.stderr
    assert "Waiting for the account lock" in applied.stderr
    assert "CI run:    https://ci/job/7" in applied.stderr
    assert "Apply complete: 4 added" in applied.stdout
    assert lock_documents(sandbox) == []


# -- installing flexplan, and the workflows' own rules -----------------------------------

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
WORKFLOWS = sorted((CI / "github").glob("*.yml"))


def _package_requirements() -> list[str]:
    github = [_workflow_env(w.name)["FLEXPLAN_PACKAGE"] for w in WORKFLOWS]
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["variables"]["FLEXPLAN_PACKAGE"]
    return [*github, gitlab]


def test_examples_install_flexplan_under_its_own_name_at_this_release() -> None:
    name, version = PYPROJECT["name"], PYPROJECT["version"]
    assert name == "flexplan-twilio"  # PyPI's "flexplan" is someone else's project
    assert PYPROJECT["scripts"] == {"flexplan": "flexplan.cli:main"}  # the command keeps its name
    for requirement in _package_requirements():
        assert requirement.startswith(f"{name} @ https://"), requirement
        assert requirement.endswith(f"/archive/refs/tags/v{version}.tar.gz"), requirement
    every_text = [p.read_text() for p in CI.rglob("*") if p.is_file()]
    every_text.append((ROOT / "docs" / "ci.md").read_text())
    assert not any(re.search(r"pip install [^\n]*\bflexplan[=\"' ]", t) for t in every_text)


def _release_archive(tmp_path: Path) -> Path:
    """What the tag's source archive holds: a top folder with the project's files."""
    archive = tmp_path / "release.tar.gz"
    top = f"flexplan-{PYPROJECT['version']}"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    staged = tmp_path / "staged" / top
    shutil.copytree(ROOT / "flexplan", staged / "flexplan", ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, staged / name)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staged, arcname=top)
    return archive


def test_install_step_resolves_to_flexplan(tmp_path: Path, sandbox_env: dict[str, str]) -> None:
    """The install step's requirement, pointed at a local copy of the release archive.

    `pip` is shimmed to a dry run (no index, no dependencies, nothing installed):
    pip still downloads the archive, builds its metadata and refuses it when the
    name in the requirement is not the distribution's.
    """
    checkout = _checkout(tmp_path, sandbox_env)
    archive, report = _release_archive(tmp_path), tmp_path / "report.json"
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "pip").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m pip "$@" --dry-run --no-deps --no-index '
        f'--no-build-isolation --quiet --report "{report}"\n'
    )
    (shims / "pip").chmod(0o755)
    checkout.base["PATH"] = f"{shims}{os.pathsep}{checkout.base['PATH']}"
    install = _steps("flexplan.yml", "plan")["install"]
    assert install["run"] == 'pip install "$FLEXPLAN_PACKAGE"'
    requirement = _workflow_env("flexplan.yml")["FLEXPLAN_PACKAGE"]
    local = re.sub(r"https://\S+", archive.as_uri(), requirement)
    env = {**checkout.base, "FLEXPLAN_PACKAGE": local}
    done = checkout.bash(install["run"], env)
    assert done.returncode == 0, done.stderr
    [installed] = json.loads(report.read_text())["install"]
    assert installed["metadata"]["name"] == "flexplan-twilio"
    assert installed["metadata"]["version"] == PYPROJECT["version"]

    wrong = {**env, "FLEXPLAN_PACKAGE": local.replace("flexplan-twilio @", "flexplan @")}
    assert checkout.bash(install["run"], wrong).returncode != 0  # the name is checked


def _check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(tool), "--builtin-schema", schema, *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_workflows_pass_the_github_and_gitlab_schemas(tmp_path: Path) -> None:
    """check-jsonschema's vendored schemas (offline: the package ships them)."""
    github = _check_jsonschema("vendor.github-workflows", WORKFLOWS)
    assert github.returncode == 0, github.stdout + github.stderr
    gitlab = _check_jsonschema("vendor.gitlab-ci", [CI / "gitlab-ci.yml"])
    assert gitlab.returncode == 0, gitlab.stdout + gitlab.stderr
    broken = tmp_path / "broken.yml"  # the lint does catch a mistake
    broken.write_text((CI / "github" / "flexplan.yml").read_text().replace("runs-on:", "run-on:"))
    assert _check_jsonschema("vendor.github-workflows", [broken]).returncode == 1


def test_every_job_has_a_timeout_and_the_permissions_it_needs() -> None:
    for workflow in WORKFLOWS:
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            assert 0 < job.get("timeout-minutes", 0) <= 30, (workflow.name, name)
    comment = yaml.safe_load((CI / "github" / "flexplan.yml").read_text())["jobs"]["comment"]
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert gitlab[".flexplan"]["timeout"] == "15 minutes"
    assert gitlab["apply"]["timeout"] == "30 minutes"


def test_plan_and_apply_on_main_cannot_interleave() -> None:
    """Back-to-back merges: the second plan must come after the first apply."""
    document = yaml.safe_load((CI / "github" / "flexplan.yml").read_text())
    # one workflow-wide group on main (no job-level group could let a plan slip in)
    assert all("concurrency" not in job for job in document["jobs"].values())
    group = document["concurrency"]["group"]
    assert "github.event_name == 'push' && 'main'" in group
    assert "github.sha" not in group and "github.run_id" not in group
    assert "github.event_name == 'pull_request'" in document["concurrency"]["cancel-in-progress"]
    # GitLab: the default branch plans inside the apply job, under the resource group
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    script = "\n".join(gitlab["apply"]["script"])
    assert script.index("plan.sh") < script.index("apply.sh")
    assert gitlab["apply"]["resource_group"] == "flexplan-$FLEXPLAN_ENV"
    assert "needs" not in gitlab["apply"]
    assert all("CI_DEFAULT_BRANCH" not in str(rule) for rule in gitlab["plan"]["rules"])
