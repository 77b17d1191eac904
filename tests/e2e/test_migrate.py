"""`flexplan migrate` end to end: the legacy helpline example, through the CLI, against the
sandbox: it migrates, validates, plans each delete before its create, applies, converges,
and leaves no Flex Flow for a migrated channel; the pre-flight errors name file:line."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from applykit import CLEAN, assert_sane, copy_example

GOLDEN = Path(__file__).resolve().parent / "golden" / "migrate.txt"
UPDATE = os.environ.get("FLEXPLAN_UPDATE_GOLDEN") == "1"
MIGRATED_CHANNELS = {"sms", "whatsapp", "facebook", "web"}


def _migrate(run_flexplan: Any, source: Path, out: Path, *extra: str) -> Any:
    result = run_flexplan("migrate", str(source), "--out", str(out), *extra)
    assert "Traceback" not in result.output, result
    return result


def _reaches_send_to_flex(definition: dict[str, Any]) -> bool:
    """From the trigger's incomingConversationMessage, some path reaches a Send to Flex."""
    states = {s["name"]: s for s in definition["states"]}
    trigger = next(s for s in definition["states"] if s["type"] == "trigger")
    start = [t.get("next") for t in trigger["transitions"]
             if t["event"] == "incomingConversationMessage"]  # fmt: skip
    seen: set[str] = set()
    todo = [n for n in start if n]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        if states[name]["type"] == "send-to-flex":
            return True
        todo += [t["next"] for t in states[name].get("transitions", []) if t.get("next")]
    return False


def test_the_report_lists_every_change_and_what_cannot_be_migrated(
    tmp_path: Path, run_flexplan: Any
) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    result = _migrate(run_flexplan, source, tmp_path / "out")
    assert result.exit_code == 0, result
    report = result.stdout.replace(str(tmp_path / "out"), "OUT")
    if UPDATE:
        GOLDEN.write_text(report, encoding="utf-8")
    assert report == GOLDEN.read_text(encoding="utf-8"), (
        "the migrate report differs from tests/e2e/golden/migrate.txt; if intended, run "
        "FLEXPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/e2e/test_migrate.py"
    )
    validated = run_flexplan("validate", str(tmp_path / "out"))
    assert validated.exit_code == 0, validated


def test_the_legacy_helpline_migrates_on_the_sandbox(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    legacy = copy_example(tmp_path, "legacy-helpline")
    applied = run_flexplan("apply", str(legacy), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    out = tmp_path / "migrated"
    assert _migrate(run_flexplan, legacy, out).exit_code == 0

    plan = run_flexplan("plan", str(out), env=sandbox_env)
    assert plan.exit_code == 0, plan
    assert "Migration: 4 handler(s) replaced, each deleted before its replacement" in plan.stdout
    for name in ("sms", "whatsapp", "facebook", "web"):
        pair = (f"  - flex_flow.helpline-{name} (Flex Flow '", f"    -> conversations_address."
                f"helpline-{name} (Conversations address '")  # fmt: skip
        assert re.search(re.escape(pair[0]) + r".*\n" + re.escape(pair[1]), plan.stdout), name
    markdown = run_flexplan("plan", str(out), "--format", "markdown", env=sandbox_env)
    assert "| `flex_flow.helpline-sms` (Flex Flow `Helpline SMS`) | " in markdown.stdout

    as_json = json.loads(run_flexplan("plan", str(out), "--format", "json", env=sandbox_env).stdout)
    changes = {c["address"]: c for c in as_json["resource_changes"]}
    order = list(changes)
    for name in ("sms", "whatsapp", "facebook", "web"):
        address = changes[f"conversations_address.helpline-{name}"]
        assert f"flex_flow.helpline-{name}" in address["depends_on"], name
        assert order.index(f"flex_flow.helpline-{name}") < order.index(address["address"])

    applied = run_flexplan("apply", str(out), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    assert_sane(applied, sandbox_env)
    again = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0 and again.stdout.rstrip().endswith(CLEAN), again

    handlers = {f["friendly_name"]: f for f in sandbox.store.items("flex_flows")}
    ours = {n: f for n, f in handlers.items() if n.startswith("Helpline")}
    assert {f["channel_type"] for f in ours.values()} == {"line", "custom"}
    flows = {f["sid"]: f for f in sandbox.store.items("studio_flows")}
    addresses = [a for a in sandbox.store.items("addresses")
                 if a.get("friendly_name", "").startswith("Helpline")]  # fmt: skip
    assert sorted(a["type"] for a in addresses) == ["chat", "messenger", "sms", "whatsapp"]
    for address in addresses:
        auto = address["auto_creation"]
        if auto["type"] == "studio":
            definition = flows[auto["studio_flow_sid"]]["definition"]
            assert _reaches_send_to_flex(definition), address["address"]

    # the flow shared with the LINE handler is unchanged; the SMS address runs its copy
    by_name = {f["friendly_name"]: f for f in flows.values()}
    original = by_name["Helpline Messaging Flow"]
    line = handlers["Helpline LINE"]
    assert line["integration"]["flow_sid"] == original["sid"]
    trigger = original["definition"]["states"][0]
    assert {"event": "incomingMessage", "next": "greet"} in trigger["transitions"]
    copy = by_name["Helpline Messaging Flow (Conversations)"]
    sms = next(a for a in addresses if a["type"] == "sms")
    assert sms["auto_creation"]["studio_flow_sid"] == copy["sid"]


def test_in_place_rewrites_the_directory(tmp_path: Path, run_flexplan: Any) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    result = run_flexplan("migrate", str(source), "--in-place", "--only", "helpline-sms")
    assert result.exit_code == 0, result
    text = (source / "channels" / "legacy.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert "helpline-sms:" in text and "conversations_addresses:" in text
    assert "Migrated 1 Flex Flow(s)" in result.stdout
    assert run_flexplan("validate", str(source)).exit_code == 0


def test_a_number_kept_by_a_handler_that_stays_is_an_error_with_file_and_line(
    tmp_path: Path, run_flexplan: Any
) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    out = tmp_path / "out"
    assert _migrate(run_flexplan, source, out).exit_code == 0
    legacy = out / "channels" / "legacy.yaml"
    text = legacy.read_text(encoding="utf-8")
    legacy.write_text(text.replace("    state: absent\n", "", 1), encoding="utf-8")  # sms stays
    result = run_flexplan("validate", str(out))
    assert result.exit_code == 1
    assert re.search(
        r"channels/legacy\.yaml:\d+:\d+: error: Conversations address 'helpline-sms' routes "
        r"\+15550104444 through Conversations, but Flex Flow 'helpline-sms' \(\S*channels/"
        r"legacy\.yaml:\d+:\d+\) routes \+15550104444 through a legacy Flex Flow",
        result.stdout,
    ), result.stdout
    assert "hint: Flex routes a number through one handler only" in result.stdout


def test_migrate_stops_on_the_pre_flight_errors_of_its_result(
    tmp_path: Path, run_flexplan: Any
) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    messaging = source / "studio" / "messaging.json"
    definition = json.loads(messaging.read_text(encoding="utf-8"))
    del definition["states"][2]["properties"]["workflow"]  # the Send to Flex widget
    messaging.write_text(json.dumps(definition), encoding="utf-8")
    result = _migrate(run_flexplan, source, tmp_path / "out")
    assert result.exit_code == 1
    assert "Error: the manifest in" in result.stderr  # refused before writing anything
    assert re.search(r"studio/messaging\.json:\d+:\d+: error: Send to Flex widget 'to_agent' "
                     r"has no workflow", result.stderr), result.stderr  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_an_address_on_a_legacy_only_flow_fails_the_migrated_manifest(
    tmp_path: Path, run_flexplan: Any
) -> None:
    """A flow run by an address the manifest already has, that the rewrite cannot rewire
    (its trigger listens to nothing): migrate writes, reports, and exits 1."""
    source = copy_example(tmp_path, "legacy-helpline")
    webchat = source / "studio" / "webchat.json"
    definition = json.loads(webchat.read_text(encoding="utf-8"))
    definition["states"][0]["transitions"][0].pop("next")
    definition["states"][0]["transitions"][1]["next"] = "to_agent"  # incomingCall only
    webchat.write_text(json.dumps(definition), encoding="utf-8")
    result = _migrate(run_flexplan, source, tmp_path / "out")
    assert result.exit_code == 1, result
    assert (
        "studio_flows.webchat: its trigger's incomingMessage and incomingConversationMessage "
        "lead to no widget" in result.stdout
    )
    assert re.search(
        r"channels/legacy\.yaml:\d+:\d+: error: Studio flow 'webchat' \(\S*flexplan\.yaml:\d+:\d+\)"
        r" does not start on the Incoming Conversation trigger",
        result.stderr,
    ), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --out DIR (a new directory) or --in-place"),
        (["--in-place", "--only", "nobody"], "--only names no Flex Flow of the manifest: nobody"),
    ],
)
def test_usage_mistakes_are_one_message(
    tmp_path: Path, run_flexplan: Any, args: list[str], message: str
) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    result = run_flexplan("migrate", str(source), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_out_must_be_new_or_empty(tmp_path: Path, run_flexplan: Any) -> None:
    source = copy_example(tmp_path, "legacy-helpline")
    busy = tmp_path / "busy"
    shutil.copytree(source, busy)
    result = _migrate(run_flexplan, source, busy)
    assert result.exit_code == 1
    assert "is not empty" in result.stderr


def test_an_exported_account_migrates_and_converges(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """The usual input: `flexplan export` of a fresh Flex account (its default SMS and web
    chat Flex Flows), migrated, planned, applied."""
    exported = tmp_path / "exported"
    assert run_flexplan("export", "--out", str(exported), env=sandbox_env).exit_code == 0
    out = tmp_path / "migrated"
    result = _migrate(run_flexplan, exported, out)
    assert result.exit_code == 0, result
    assert "Migrated 2 Flex Flow(s)" in result.stdout
    plan = run_flexplan("plan", str(out), env=sandbox_env)
    assert "Migration: 2 handler(s) replaced" in plan.stdout, plan
    assert run_flexplan("apply", str(out), "--auto-approve", env=sandbox_env).exit_code == 0
    again = run_flexplan("plan", str(out), "--detailed-exitcode", env=sandbox_env)
    assert again.exit_code == 0 and again.stdout.rstrip().endswith(CLEAN), again
    assert sandbox.store.items("flex_flows") == []
    types = sorted(a["type"] for a in sandbox.store.items("addresses"))
    assert types == ["chat", "chat", "sms"]


def test_an_account_whose_chat_address_runs_a_legacy_flow_exports_then_migrates(
    tmp_path: Path, sandbox: Any, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    """The legacy helpline, applied, plus a chat address (made in the Console) running its
    webchat flow, which starts on the legacy trigger only. Export writes the account as it
    is and says that `flexplan migrate` comes next (exit 0); migrate accepts what export
    wrote and rewires the flow; the result validates and plans."""
    source = copy_example(tmp_path, "legacy-helpline")
    applied = run_flexplan("apply", str(source), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    flow = next(f for f in sandbox.store.items("studio_flows")
                if f["friendly_name"] == "Helpline Webchat Flow")  # fmt: skip
    sandbox.store.add_address(
        type="chat", address="helpline-site", friendly_name="Helpline Site",
        auto_creation={"enabled": True, "type": "studio", "studio_flow_sid": flow["sid"],
                       "studio_retry_count": 3},
    )  # fmt: skip
    out = tmp_path / "exported"
    exported = run_flexplan("export", "--out", str(out), env=sandbox_env)
    assert exported.exit_code == 0, exported
    assert "error:" not in exported.stderr, exported.stderr
    assert re.search(r"conversations_addresses\.yaml:\d+:\d+: warning: Studio flow "
                     r"'helpline-webchat-flow' .* does not start on the Incoming Conversation "
                     r"trigger", exported.stderr), exported.stderr  # fmt: skip
    assert "note: 1 warning(s) above are the account's legacy messaging, which `flexplan " \
        "migrate` resolves" in exported.stderr  # fmt: skip
    assert f"Next: `flexplan migrate {out} --in-place` (docs/migrating.md)" in exported.stderr

    migrated = run_flexplan("migrate", str(out), "--in-place")
    assert migrated.exit_code == 0, migrated
    assert run_flexplan("validate", str(out)).exit_code == 0
    planned = run_flexplan("plan", str(out), env=sandbox_env)
    assert planned.exit_code == 0, planned
    assert "studio_flow.helpline-webchat-flow will be updated in-place" in planned.stdout
