"""`flexplan comment`: GitHub Actions' variables fill the first line; bad input is one message."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _plan_dir(root: Path, name: str, text: str, code: str | None) -> Path:
    directory = root / f"plan-{name}"
    directory.mkdir()
    (directory / "plan.md").write_text(text)
    if code is not None:
        (directory / "exitcode").write_text(code)
    return directory


def test_context_from_github_actions_and_an_explicit_commit(
    tmp_path: Path, run_flexplan: Any
) -> None:
    directory = _plan_dir(tmp_path, "qa", "", None)  # a plan job that left nothing
    env = {"GITHUB_SHA": "f" * 40, "GITHUB_SERVER_URL": "https://ghe.example.com",
           "GITHUB_REPOSITORY": "acme/cfg", "GITHUB_RUN_ID": "7"}  # fmt: skip
    out = tmp_path / "comment.md"
    result = run_flexplan("comment", str(directory), "--out", str(out), "--commit", "abc", env=env)
    assert result.exit_code == 0, result
    text = out.read_text()
    assert "Commit [`abc`](https://ghe.example.com/acme/cfg/commit/abc)" in text
    assert "[CI run](https://ghe.example.com/acme/cfg/actions/runs/7)" in text
    assert "### `qa`: **error**\n\n_no plan was produced_\n" in text
    assert "**Next:**" not in text  # said only when given


def test_a_run_url_cannot_break_out_of_its_link(tmp_path: Path, run_flexplan: Any) -> None:
    directory = _plan_dir(tmp_path, "qa", "", "0")
    result = run_flexplan(
        "comment", str(directory), "--run-url", "https://x.example/a) <b>[y](z", env={}
    )
    assert "[CI run](https://x.example/a%29%20%3Cb%3E%5By%5D%28z)" in result.stdout
    assert "### `qa`: no changes" in result.stdout


def test_a_missing_plan_directory_is_one_message_and_exit_1(
    tmp_path: Path, run_flexplan: Any
) -> None:
    result = run_flexplan("comment", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
