"""SIGINT / SIGTERM during apply, as Terraform handles them (issue 9, item 8).

The first signal is reported at once; the changes in flight finish, nothing
new starts, the done / failed / not attempted report is printed, the account
lock is given back and the exit code is 130 (SIGINT) or 143 (SIGTERM). A
second signal exits at once and says the report may be incomplete. The
quickstart's two addresses wait for its two flows, so an interrupt while the
flows are being created leaves the addresses not attempted.

An interrupt while the account is read (plan, or apply before its writes) ends
the read at once: the requests in flight are not waited for and the next request
of a chain is never sent. The look-ups are such a chain (workspaces, then each
workspace's workflows), so the workflows list is what a read that went on after
the interrupt would still have sent.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from applykit import copy_example, duplicates
from lockkit import cli_env, finish, lock_documents, read_line_with, start, wait_until

SLOW_WRITES = pytest.mark.sandbox_knobs(latency_ms=300)
SLOW_READS = pytest.mark.sandbox_knobs(latency_ms=1000)
WORKSPACES = "GET /taskrouter/v1/Workspaces"
WORKFLOWS = "GET /taskrouter/v1/Workspaces/{WorkspaceSid}/Workflows"
VALIDATE = "POST /studio/v2/Flows/Validate"


def _apply_until_first_create(sandbox, config: Path):
    process = start(["apply", str(config), "--auto-approve"], cli_env(sandbox))
    before = read_line_with(process, ": Creating...")
    return process, before


@SLOW_WRITES
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_first_signal_finishes_what_is_in_flight_and_reports(
    signum: int, code: int, tmp_path: Path, sandbox, sandbox_env, run_flexplan
) -> None:
    config = copy_example(tmp_path, "quickstart")
    process, before = _apply_until_first_create(sandbox, config)
    process.send_signal(signum)
    status, out, err = finish(process)
    out = "".join(before) + out
    name = signal.Signals(signum).name
    assert status == code, (out, err)
    assert f"Interrupt received ({name}): starting nothing new, finishing the changes" in err
    assert f"Apply stopped (interrupted by {name}): 0 action(s) failed, 2 not attempted; " \
        "done: 2 added" in out, out  # fmt: skip
    assert "Not attempted:\n  - create conversations_address." in out
    assert out.count("Creation complete") == 2  # the two flows in flight finished
    assert lock_documents(sandbox) == []  # the lock was given back
    assert "Traceback" not in out + err
    rerun = run_flexplan("apply", str(config), "--auto-approve", env=sandbox_env)
    assert rerun.exit_code == 0 and "Apply complete: 2 added" in rerun.stdout, rerun
    assert duplicates(sandbox) == {}


@SLOW_WRITES
def test_second_signal_exits_at_once(tmp_path: Path, sandbox) -> None:
    config = copy_example(tmp_path, "quickstart")
    process, _ = _apply_until_first_create(sandbox, config)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    status, out, err = finish(process)
    assert status == 143, (out, err)
    assert "Second interrupt (SIGTERM): exiting at once. The report of this apply may be " \
        "incomplete" in err, err  # fmt: skip
    assert "flexplan force-unlock" in err  # the lease it leaves behind, and how to break it
    assert "Apply stopped" not in out


def _interrupt_while_reading(sandbox, args: list[str]) -> tuple[int, str, str]:
    """Run flexplan until the look-ups' first request reached the account, interrupt it
    there (its answer is a second away), and let it end."""
    process = start(args, cli_env(sandbox))
    wait_until(lambda: WORKSPACES in sandbox.stats()["arrived"], "the look-ups' first request")
    process.send_signal(signal.SIGINT)
    return finish(process)


@SLOW_READS
def test_ctrl_c_during_a_plan_ends_its_read_at_once_with_130(tmp_path: Path, sandbox) -> None:
    config = copy_example(tmp_path, "quickstart")
    status, out, err = _interrupt_while_reading(sandbox, ["plan", str(config)])
    assert status == 130, (out, err)
    assert "Interrupted (SIGINT)." in err, err
    assert "Aborted" not in err and "Traceback" not in err
    assert "Plan:" not in out  # no plan from a read cut short
    assert WORKFLOWS not in sandbox.stats()["arrived"]  # the chain's next request: never sent


@SLOW_READS
def test_ctrl_c_while_apply_reads_stops_the_read_and_gives_the_lock_back(
    tmp_path: Path, sandbox
) -> None:
    config = copy_example(tmp_path, "quickstart")
    status, out, err = _interrupt_while_reading(sandbox, ["apply", str(config), "--auto-approve"])
    assert status == 130, (out, err)
    assert "Interrupt received (SIGINT): stopping before any change was made." in err
    assert "Nothing was changed." in err and "Traceback" not in err
    arrived = sandbox.stats()["arrived"]
    assert WORKFLOWS not in arrived
    assert not [r for r in arrived if r.startswith("POST /") and "/sync/" not in r]  # no write
    assert lock_documents(sandbox) == []  # the lock was given back


@SLOW_READS
def test_ctrl_c_during_an_export_writes_nothing_and_sends_no_more(
    tmp_path: Path, sandbox
) -> None:
    out_dir = tmp_path / "exported"
    status, out, err = _interrupt_while_reading(sandbox, ["export", "--out", str(out_dir)])
    assert status == 130, (out, err)
    assert "Interrupted (SIGINT)." in err and "Traceback" not in err
    assert WORKFLOWS not in sandbox.stats()["arrived"]
    assert not out_dir.exists()


@pytest.mark.sandbox_knobs(latency_ms=2000)
def test_ctrl_c_during_studios_own_check_does_not_wait_for_its_answers(
    tmp_path: Path, sandbox
) -> None:
    """After the reads, plan asks Studio to check each changed definition (read-only
    POSTs); an interrupt there ends the plan without their answers."""
    config = copy_example(tmp_path, "quickstart")
    process = start(["plan", str(config)], cli_env(sandbox))
    wait_until(lambda: VALIDATE in sandbox.stats()["arrived"], "Studio's check of a flow")
    process.send_signal(signal.SIGINT)
    status, out, err = finish(process)
    assert status == 130, (out, err)
    assert "Interrupted (SIGINT)." in err and "Traceback" not in err
    assert VALIDATE not in sandbox.stats()["requests"]  # none answered before the exit
