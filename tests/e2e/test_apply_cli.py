"""``flexplan apply DIR``: confirmation, commit messages, progress, failure reports."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from applykit import CLEAN, assert_sane, copy_example, write_config, writes


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _many_addresses(count: int, prefix: str = "chat") -> str:
    lines = ["version: 1", "conversations_addresses:"]
    for i in range(count):
        lines += [f"  {prefix}-{i}:", "    type: chat", f"    address: {prefix}-{i}"]
    return "\n".join(lines) + "\n"


def test_refuses_without_auto_approve_off_a_terminal(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    result = run_flexplan("apply", str(config), env=sandbox_env)
    assert result.exit_code == 1, result
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in result.stdout  # shown first
    assert "refusing to apply without confirmation: standard input is not a terminal" in (
        result.stderr
    )
    assert "--auto-approve" in result.stderr
    assert writes(sandbox) == []
    assert_sane(result, sandbox_env)


@pytest.mark.parametrize(("answer", "applied"), [("yes", True), ("no", False), ("y", False)])
def test_asks_for_yes_on_a_terminal(
    answer: str, applied: bool, tmp_path: Path, sandbox, sandbox_env, run_flexplan, monkeypatch
) -> None:
    config = copy_example(tmp_path, "quickstart")
    monkeypatch.setattr("sys.stdin", _Terminal(answer + "\n"))
    result = run_flexplan("apply", str(config), env=sandbox_env)
    assert "Only 'yes' will be accepted to approve." in result.stdout
    if applied:
        assert result.exit_code == 0, result
        assert "Apply complete: 4 added" in result.stdout
    else:
        assert result.exit_code == 1, result
        assert "Apply cancelled." in result.stderr
        assert writes(sandbox) == []


def test_no_changes_applies_nothing(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    config = write_config(tmp_path / "cfg", "version: 1\n")
    result = run_flexplan("apply", str(config), env=sandbox_env)  # no prompt needed
    assert result.exit_code == 0, result
    assert result.stdout.rstrip().endswith(CLEAN)
    assert writes(sandbox) == []


def _commit_messages(sandbox) -> dict[str, str]:
    return {f["friendly_name"]: f["commit_message"] for f in sandbox.store.items("studio_flows")}


def test_studio_commit_message_names_the_commit(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    sha = "0123456789abcdef0123456789abcdef01234567"
    result = run_flexplan("apply", str(config), "--auto-approve",
                          env={**sandbox_env, "GITHUB_SHA": sha})  # fmt: skip
    assert result.exit_code == 0, result
    assert _commit_messages(sandbox)["Quickstart SMS Flow"] == "flexplan apply (0123456789ab)"


def test_studio_commit_message_from_git_checkout_and_option(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan, monkeypatch
) -> None:
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    config = copy_example(tmp_path, "quickstart")
    git = ["git", "-C", str(config), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "config"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert _commit_messages(sandbox)["Quickstart SMS Flow"] == (
        f"flexplan apply ({head.stdout.strip()[:12]})"
    )
    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace("An agent will reply", "We will reply"))
    again = run_flexplan("apply", str(config), "--auto-approve", "--message", "CHG-42 new greeting",
                         env=sandbox_env)  # fmt: skip
    assert again.exit_code == 0, again
    assert _commit_messages(sandbox)["Quickstart SMS Flow"] == "CHG-42 new greeting"


def test_studio_commit_message_from_the_manifest_unless_option(
    tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    manifest = config / "flexplan.yaml"
    text = manifest.read_text()
    assert "    friendly_name: Quickstart SMS Flow\n" in text
    manifest.write_text(text.replace(
        "    friendly_name: Quickstart SMS Flow\n",
        "    friendly_name: Quickstart SMS Flow\n    commit_message: SMS greeting v1\n",
    ))  # fmt: skip
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    messages = _commit_messages(sandbox)
    assert messages["Quickstart SMS Flow"] == "SMS greeting v1"
    assert messages["Quickstart Web Chat Flow"].startswith("flexplan apply")
    manifest.write_text(manifest.read_text().replace("An agent will reply", "We will reply"))
    again = run_flexplan("apply", str(config), "--auto-approve", "--message", "CHG-7",
                         env=sandbox_env)  # fmt: skip
    assert again.exit_code == 0, again
    assert _commit_messages(sandbox)["Quickstart SMS Flow"] == "CHG-7"


def test_progress_bar_on_a_terminal_only(
    tmp_path: Path, sandbox_env, run_flexplan, monkeypatch
) -> None:
    config = write_config(tmp_path / "cfg", _many_addresses(12))
    monkeypatch.setattr("flexplan.cli.apply._on_terminal", lambda: True)
    result = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert result.exit_code == 0, result
    assert "\r\x1b[K" in result.stdout
    assert "] 12/12 actions done, 0 running" in result.stdout
    assert re.search(r"\[#{30}\] 12/12", result.stdout)
    # every action still has its start and end line, and the bar is cleared before the summary
    lines = result.stdout.replace("\r\x1b[K", "\n").splitlines()
    assert sum(": Creation complete after" in line for line in lines) == 12
    assert "\r\x1b[K\nApply complete: 12 added" in result.stdout

    monkeypatch.setattr("flexplan.cli.apply._on_terminal", lambda: False)
    write_config(tmp_path / "cfg", _many_addresses(24))
    plain = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert plain.exit_code == 0, plain
    assert "\x1b" not in plain.stdout and "actions done" not in plain.stdout


FAILING = """\
version: 1
flex_flows:
  a-collides:
    friendly_name: Second SMS handler
    channel_type: sms
    contact_identity: "+15005550006"
    chat_service: Flex Chat Service
    enabled: true
    integration: {type: external, url: "https://hooks.example.com/sms"}
  b-fine:
    friendly_name: Custom handler
    channel_type: custom
    contact_identity: custom-1
    chat_service: Flex Chat Service
    enabled: true
    integration: {type: external, url: "https://hooks.example.com/custom"}
"""


@pytest.mark.sandbox_knobs(latency_ms=40)
def test_failure_report_and_convergence(tmp_path: Path, sandbox, sandbox_env, run_flexplan) -> None:
    """A 4xx is not retried; running actions finish; nothing new starts; the report is exact."""
    config = write_config(tmp_path / "cfg", FAILING + _many_addresses(4).split("\n", 1)[1])
    result = run_flexplan("apply", str(config), "--auto-approve", "--parallelism", "2",
                          env=sandbox_env)  # fmt: skip
    assert result.exit_code == 1, result
    assert_sane(result, sandbox_env)
    # b-fine ran beside the failing action, so it finished; an address may have started in
    # the moment between b-fine's end and the failure; after the failure nothing started
    done = re.findall(r"^(\S+): Creation complete", result.stdout, re.M)
    assert "flex_flow.b-fine" in done
    chats = [f"conversations_address.chat-{i}" for i in range(4)]
    started = [c for c in chats if c in done]
    assert started == chats[: len(started)], done
    report = result.stdout[result.stdout.index("Apply failed") :]
    assert report == (
        f"Apply failed: 1 action(s) failed, {4 - len(started)} not attempted; done: "
        f"{1 + len(started)} added, 0 changed, 0 destroyed.\n\n"
        "Done:\n  - create flex_flow.b-fine\n"
        + "".join(f"  - create {c}\n" for c in started)
        + "\nFailed:\n  - create flex_flow.a-collides: creating flex_flow.a-collides failed: "
        "Twilio error 45212 (HTTP 400): " + _message_45212(result.stdout) + "\n\n"
        "Not attempted:\n"
        + "".join(f"  - create {c}\n" for c in chats[len(started) :])
        + "\nFix the cause and run `flexplan apply` again: it converges from where this "
        "stopped.\n"
    )
    live = {a["address"] for a in sandbox.store.items("addresses")}
    assert {c.split(".")[1] for c in started} == live & {c.split(".")[1] for c in chats}
    posts = [e for e in writes(sandbox) if e.path.endswith("/FlexFlows")]
    assert len(posts) == 2, "a 4xx is never retried"

    manifest = config / "flexplan.yaml"
    manifest.write_text(manifest.read_text().replace('"+15005550006"', '"+15005550009"'))
    again = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert again.exit_code == 0, again
    assert f"Apply complete: {5 - len(started)} added, 0 changed" in again.stdout
    clean = run_flexplan("plan", str(config), env=sandbox_env)
    assert clean.stdout.rstrip().endswith(CLEAN)


def _message_45212(stdout: str) -> str:
    found = re.search(r"Twilio error 45212 \(HTTP 400\): (.*)", stdout)
    assert found, stdout
    assert "Flex Flow creation failed" in found.group(1)
    return found.group(1)


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["missing-dir"], {}, "missing-dir does not exist"),
        (["{config}", "--parallelism", "0"], {}, "Invalid value for '--parallelism'"),
        (["{config}"], {"FLEXPLAN_RETRY_DELAY": "soon"}, "FLEXPLAN_RETRY_DELAY must be a number"),
        (["{config}"], {"TWILIO_AUTH_TOKEN": "wrong-token-123"}, "Twilio error 20003 (HTTP 401)"),
    ],
    ids=["no-dir", "parallelism", "retry-delay", "wrong-token"],
)
def test_bad_input_is_one_clear_message(
    args: list[str], env_extra: dict[str, str], message: str,
    tmp_path: Path, sandbox, sandbox_env, run_flexplan,
) -> None:  # fmt: skip
    config = copy_example(tmp_path, "quickstart")
    argv = [a.replace("{config}", str(config)).replace("missing-dir", str(tmp_path / "missing-dir"))
            for a in args]  # fmt: skip
    env = {**sandbox_env, **env_extra}
    result = run_flexplan("apply", *argv, "--auto-approve", env=env)
    assert result.exit_code != 0, result
    assert message in result.output, result
    assert_sane(result, {**env, "TWILIO_AUTH_TOKEN": "wrong-token-123"})
    assert writes(sandbox) == []
