"""Two `flexplan apply` processes started together on one account (issue 9, item 1).

Same manifest: exactly one copy of every resource afterwards. Two manifests
managing different `channel_configs` entries: both changes are in the account
afterwards (no run that exited 0 had its change reverted). Each scenario runs
3 times in the normal suite and 20 times under `-m slow` (FLEXPLAN_SLOW=1);
the lock timeout comes from FLEXPLAN_LOCK_TIMEOUT, so the same test runs
unchanged against a flexplan without the lock (where it fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from applykit import EXAMPLES, duplicates
from lockkit import cli_env, copy_tree, finish, lock_documents, start
from plankit import write_config

from flexplan.sandbox import SandboxServer

LATENCY = pytest.mark.sandbox_knobs(latency_ms=50)
MANIFEST = """
version: 1
channel_configs:
  {kind}:
    attachments: {{enabled: true, max_file_size: {size}}}
"""
SIZES = {"sms": ("1MiB", 1048576), "whatsapp": ("8MiB", 8388608)}


def _race(sandbox: SandboxServer, directories: list[Path]) -> list[tuple[int, str, str]]:
    sandbox.reset()
    env = cli_env(sandbox, FLEXPLAN_LOCK_TIMEOUT="60s")
    processes = [
        start(["apply", str(d), "--auto-approve", "--parallelism", "4"], env) for d in directories
    ]
    return [finish(p) for p in processes]


def _same_manifest(sandbox: SandboxServer, tmp_path: Path, trials: int) -> None:
    config = copy_tree(EXAMPLES / "quickstart", tmp_path / "quickstart")
    names = ("Quickstart Web Chat Flow", "Quickstart SMS Flow")
    for trial in range(trials):
        runs = _race(sandbox, [config, config])
        for code, out, err in runs:
            assert code == 0, f"trial {trial}: {out}\n{err}"
            assert "Traceback" not in out + err
        assert duplicates(sandbox) == {}, f"trial {trial}: {runs}"
        flows = [f["friendly_name"] for f in sandbox.store.items("studio_flows")]
        assert all(flows.count(name) == 1 for name in names), flows
        assert lock_documents(sandbox) == [], "the lock was not given back"


def _different_entries(sandbox: SandboxServer, tmp_path: Path, trials: int) -> None:
    directories = [
        write_config(tmp_path / kind, MANIFEST.format(kind=kind, size=size))
        for kind, (size, _) in SIZES.items()
    ]
    for trial in range(trials):
        runs = _race(sandbox, directories)
        for code, out, err in runs:
            assert code == 0, f"trial {trial}: {out}\n{err}"
        entries = {
            e["address_type"]: e["cbm_attachments"]["max_file_size"]
            for e in sandbox.store.singleton("flex_configuration")["channel_configs"]
        }
        lost = [k for k, (_, size) in SIZES.items() if entries.get(k) != size]
        assert lost == [], f"trial {trial}: the change to {lost} was reverted: {runs}"
        assert duplicates(sandbox) == {}


@LATENCY
def test_two_applies_of_one_manifest_make_no_duplicates(sandbox, tmp_path: Path) -> None:
    _same_manifest(sandbox, tmp_path, trials=2)


@LATENCY
def test_two_applies_of_different_channel_configs_lose_no_write(sandbox, tmp_path: Path) -> None:
    _different_entries(sandbox, tmp_path, trials=2)


@pytest.mark.slow
@LATENCY
def test_twenty_races_of_one_manifest(sandbox, tmp_path: Path) -> None:
    _same_manifest(sandbox, tmp_path, trials=20)


@pytest.mark.slow
@LATENCY
def test_twenty_races_of_different_channel_configs(sandbox, tmp_path: Path) -> None:
    _different_entries(sandbox, tmp_path, trials=20)
