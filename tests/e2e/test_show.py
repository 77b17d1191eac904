"""``flexplan show PLANFILE``: a saved plan printed as ``plan`` printed it, offline (issue 14).

Each case plans against the sandbox with ``--out``, then shows the saved file
with no credentials, no account and no manifest, and compares with what plan
printed on stdout, byte for byte, in every format (plan's only other line,
"Saved the plan to …", goes to stderr). The secret registry is emptied
before each show, so that show's output is masked by what the file holds and
by its own guards, never by what plan registered in the same process.

Scenarios: the plan of tests/e2e/test_plan_golden.py (every kind and action,
masks, units, ``(known after apply)``, a migration pair); the Studio review of
tests/e2e/test_studio_golden.py (a widget added, a long string edited, a
keyed-list insert, moves, a look-up's name, the Mermaid picture); the
legacy-helpline example migrated; secrets on the live side.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_plan_golden as golden
import test_studio_golden as studio
from applykit import copy_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plankit import assert_clean_failure, moved, reformatted, studio_flow, write_config
from test_secrets_live import assert_no_secret, seeded  # noqa: F401 (a fixture)
from test_targeting import _config as _targeting_config

from flexplan.redact import forget_secrets
from flexplan.sandbox import SandboxServer

FORMATS = ("text", "json", "markdown")


def _plan_and_show(
    run_flexplan: Any, config: Path, env: dict[str, str], tmp_path: Path, *extra: str
) -> dict[str, tuple[str, str]]:
    """For each format: (what ``plan --format F --out FILE`` printed, what ``show FILE
    --format F`` printed), the show run without credentials or registered secrets."""
    out: dict[str, tuple[str, str]] = {}
    for fmt in FORMATS:
        saved = tmp_path / f"{fmt}.tfplan"
        planned = run_flexplan("plan", str(config), "--format", fmt, "--out", str(saved),
                               *extra, env=env)  # fmt: skip
        assert planned.exit_code in (0, 2), planned
        assert f"Saved the plan to {saved}" in planned.stderr
        out[fmt] = (planned.stdout, _show(run_flexplan, saved, fmt).stdout)
    return out


def _show(run_flexplan: Any, saved: Path, fmt: str, env: dict[str, str] | None = None) -> Any:
    forget_secrets()
    shown = run_flexplan("show", str(saved), "--format", fmt, env=env or {})
    assert shown.exit_code == 0, shown
    assert shown.stderr == "", shown
    return shown


def _golden_config(tmp_path: Path, sandbox: SandboxServer) -> Path:
    values = golden._seed(sandbox)
    sales = moved(studio_flow("Sales here!"))
    sales["states"][1]["properties"]["body"] = "Sales: we answer within the hour."
    return write_config(
        tmp_path / "config",
        golden.MANIFEST % values,
        {
            "studio/support.json": json.dumps(studio_flow("Welcome to support!"), indent=2),
            "studio/sales.json": json.dumps(sales, indent=2),
            "studio/survey.json": reformatted(studio_flow("How did we do?")),
        },
    )


@pytest.mark.sandbox_knobs(seed=2024)
def test_show_prints_what_plan_printed_for_every_kind_and_action(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _golden_config(tmp_path, sandbox)
    env = {**sandbox_env, "HOOK_TOKEN": golden.HOOK_TOKEN}
    outputs = _plan_and_show(run_flexplan, config, env, tmp_path, "--detailed-exitcode")
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
    text, markdown = outputs["text"][1], outputs["markdown"][1]
    assert "Migration: 1 handler(s) replaced" in text and "#### Migration:" in markdown
    assert "(known after apply)" in text and "(sensitive)" in text
    assert "attachments.max_file_size = 2 MiB -> 1 MiB" in text  # the unit, from the view
    assert golden.HOOK_TOKEN not in text + markdown + outputs["json"][1]
    # one saved file shows every format: the plan is one, whatever --format made it
    for fmt in FORMATS:
        assert _show(run_flexplan, tmp_path / "text.tfplan", fmt).stdout == outputs[fmt][0]


@pytest.mark.sandbox_knobs(seed=2024)
def test_show_in_colour_matches_plan_in_colour(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _golden_config(tmp_path, sandbox)
    env = {**sandbox_env, "HOOK_TOKEN": golden.HOOK_TOKEN, "FORCE_COLOR": "1"}
    saved = tmp_path / "plan.tfplan"
    planned = run_flexplan("plan", str(config), "--out", str(saved), env=env)
    assert planned.exit_code == 0 and "\x1b[" in planned.stdout, planned
    assert _show(run_flexplan, saved, "text", env={"FORCE_COLOR": "1"}).stdout == planned.stdout
    no_color = run_flexplan("show", str(saved), "--no-color", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in no_color.stdout


@pytest.mark.sandbox_knobs(seed=2024)
def test_show_prints_the_studio_review_and_its_picture(
    tmp_path: Path, sandbox: SandboxServer, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    sandbox.store.add_studio_flow(
        friendly_name="Support Flow", status="published", definition=studio.live_definition()
    )
    files = {"support.json": json.dumps(studio.manifest_definition(), indent=2)}
    config = write_config(tmp_path / "config", studio.MANIFEST, files)
    outputs = _plan_and_show(run_flexplan, config, sandbox_env, tmp_path)
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
    text, markdown = outputs["text"][1], outputs["markdown"][1]
    assert "from [-10am-]{+9am+} to [-4pm-]{+5pm+}" in text  # the long string's word diff
    assert f'properties.body = "{studio.SORRY}"' in text  # the added widget's message
    assert 'properties.parameters[key="Channel"]: (none) -> ' in text  # keyed-list insert
    assert "layout changed for 2 widgets (greet, send_to_agent)" in text
    assert f"sms ({studio.SMS_CHANNEL}) -> chat ({studio.CHAT_CHANNEL})" in text  # look-up names
    assert markdown.count("```mermaid") == 1 and ":::added" in markdown
    assert "<summary><code>+ widget &quot;goodbye&quot; (send-message)</code>" in markdown
    assert markdown.count("<details>") == markdown.count("</details>") == 5


def test_show_prints_the_migration_of_the_legacy_helpline(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    legacy = copy_example(tmp_path, "legacy-helpline")
    applied = run_flexplan("apply", str(legacy), "--auto-approve", env=sandbox_env)
    assert applied.exit_code == 0, applied
    migrated = tmp_path / "migrated"
    assert run_flexplan("migrate", str(legacy), "--out", str(migrated)).exit_code == 0
    outputs = _plan_and_show(run_flexplan, migrated, sandbox_env, tmp_path / "plans")
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
    assert "Migration: 4 handler(s) replaced" in outputs["text"][1]
    assert "| `flex_flow.helpline-sms` (Flex Flow `Helpline SMS`) | " in outputs["markdown"][1]


def test_show_of_a_plan_without_changes(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = write_config(tmp_path / "config", "version: 1\n")
    outputs = _plan_and_show(run_flexplan, config, sandbox_env, tmp_path)
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
    assert "No changes." in outputs["text"][1]


def test_show_of_a_targeted_plan_keeps_its_warning(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    config = _targeting_config(tmp_path / "config")
    outputs = _plan_and_show(run_flexplan, config, sandbox_env, tmp_path, "--target",
                             "flex_flow.web")  # fmt: skip
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
    assert "Warning: Resource targeting is in effect (flex_flow.web)" in outputs["text"][1]
    assert json.loads(outputs["json"][1])["targets"] == ["flex_flow.web"]


# -- secrets -------------------------------------------------------------------------------


def test_show_prints_no_secret_of_the_live_side(
    seeded: tuple[Path, dict[str, str]],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    run_flexplan: Any,
) -> None:
    config, env = seeded
    outputs = _plan_and_show(run_flexplan, config, env, tmp_path)
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
        assert_no_secret(f"show --format {fmt}", shown, env)
        assert_no_secret(f"the plan file of --format {fmt}", (tmp_path / f"{fmt}.tfplan")
                         .read_text(), env)  # fmt: skip
    assert "properties.url: (sensitive) -> (sensitive)" in outputs["text"][1]


PLACEMENTS: dict[str, Callable[[str], str]] = {
    "a query token": lambda s: f"https://hooks.example.com/in?access_token={s}",
    "a URL password": lambda s: f"https://bot:{s}@hooks.example.com/in",
    "an api_key and a sig": lambda s: f"https://hooks.example.com/in?api_key={s}&sig={s[::-1]}",
    "a Slack webhook path": lambda s: f"https://hooks.slack.com/services/T0/B0/{s}",
}
# "zq" + a SID-free alphabet: no generated secret is a SID, a mask or a word plans print
SECRETS = st.text(alphabet="ghjkmnpqrstvwxyzGHJKMNPQRSTVWXYZ", min_size=10, max_size=24)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=SECRETS, placement=st.sampled_from(sorted(PLACEMENTS)))
def test_show_never_prints_a_secret_placed_in_a_live_value(
    tmp_path_factory: pytest.TempPathFactory,
    sandbox: SandboxServer,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    secret: str,
    placement: str,
) -> None:
    secret = f"zq{secret}"
    tag = hashlib.sha256(f"{placement}{secret}".encode()).hexdigest()[:10]
    sandbox.store.add_address(type="chat", address=f"hyp-{tag}", friendly_name=f"Hyp {tag}",
                              auto_creation={"enabled": True, "type": "webhook",
                                             "webhook_method": "POST",
                                             "webhook_url": PLACEMENTS[placement](secret),
                                             })  # fmt: skip
    manifest = (
        f"conversations_addresses:\n  hyp:\n    type: chat\n    address: hyp-{tag}\n"
        f"    friendly_name: Hyp {tag}\n    auto_creation:\n      enabled: true\n"
        "      type: webhook\n      webhook_url: https://hooks.example.com/new\n"
        "      webhook_method: POST\n"
    )
    tmp_path = tmp_path_factory.mktemp("hyp")
    config = write_config(tmp_path / "config", manifest)
    outputs = _plan_and_show(run_flexplan, config, sandbox_env, tmp_path)
    forms = {secret, secret[::-1], secret.upper()}
    for fmt, (planned, shown) in outputs.items():
        assert shown == planned, fmt
        assert "webhook_url" in shown, shown  # the change, with its live value, is shown
        for form in forms:
            assert form not in shown, f"show --format {fmt} prints {form!r}:\n{shown}"
            assert form not in (tmp_path / f"{fmt}.tfplan").read_text()


# -- errors --------------------------------------------------------------------------------


def _saved(tmp_path: Path, run_flexplan: Any, sandbox_env: dict[str, str]) -> Path:
    """A saved plan with one change (a Flex Flow created)."""
    manifest = (
        "flex_flows:\n  web:\n    friendly_name: Show Test\n    channel_type: web\n"
        "    chat_service: Flex Chat Service\n    enabled: false\n"
        "    integration: {type: external, url: https://hooks.example.com/show}\n"
    )
    config = write_config(tmp_path / "config", manifest)
    saved = tmp_path / "plan.tfplan"
    planned = run_flexplan("plan", str(config), "--out", str(saved), env=sandbox_env)
    assert planned.exit_code == 0, planned
    return saved


def _rewritten(saved: Path, change: Callable[[dict[str, Any]], None], *, digest: bool) -> None:
    """``saved`` edited by ``change``; with ``digest``, its integrity recomputed (a tamperer's
    file that passes the digest)."""
    from flexplan.engine.saved import _digest

    document = json.loads(saved.read_text())
    change(document)
    if digest:
        document["integrity"] = _digest(document["plan"])
    saved.write_text(json.dumps(document))


def _edit_label(d: dict[str, Any]) -> None:
    d["plan"]["resource_changes"][0]["label"] = "edited"


def _drop_view(d: dict[str, Any]) -> None:
    del d["plan"]["resource_changes"][0]["view"]


def _bad_action(d: dict[str, Any]) -> None:
    d["plan"]["resource_changes"][0]["change"]["actions"] = ["explode"]


def _bad_widget(d: dict[str, Any]) -> None:
    d["plan"]["resource_changes"][0]["view"]["details"] = {"x": {"type": "studio_definition",
                                                                 "widgets": 7}}  # fmt: skip


def _format(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["format"] = value

    return change


BAD_FILES: list[tuple[str, Callable[[Path], None], str]] = [
    ("missing", lambda p: p.unlink(), "cannot read the plan file {path}: No such file"),
    ("a directory", lambda p: (p.unlink(), p.mkdir()), "cannot read the plan file {path}"),
    ("not JSON", lambda p: p.write_text("plan: yes\n"),
     "{path} is not a flexplan plan file (not JSON"),
    ("binary", lambda p: p.write_bytes(b"\xff\xfe\x00"), "{path} is not a flexplan plan file"),
    ("JSON, not a plan", lambda p: p.write_text('{"a": 1}'),
     "{path} is not a flexplan plan file (format None"),
    ("a JSON list", lambda p: p.write_text("[]"), "{path} is not a flexplan plan file"),
    ("another format", lambda p: _rewritten(p, _format("terraform-plan/1"), digest=False),
     "{path} is not a flexplan plan file (format 'terraform-plan/1'"),
    ("an older format", lambda p: _rewritten(p, _format("flexplan-saved-plan/1"), digest=False),
     "{path} was written by an older flexplan (saved-plan format 1"),
    ("a newer format", lambda p: _rewritten(p, _format("flexplan-saved-plan/9"), digest=False),
     "{path} was written by a newer flexplan (saved-plan format 9"),
    ("edited", lambda p: _rewritten(p, _edit_label, digest=False),
     "{path} was changed after flexplan wrote it (integrity check failed)"),
    ("truncated", lambda p: p.write_text(p.read_text()[:-40]),
     "{path} is not a flexplan plan file (not JSON"),
    ("tampered: no view", lambda p: _rewritten(p, _drop_view, digest=True),
     "{path} is not a well-formed flexplan plan file (KeyError: 'view')"),
    ("tampered: an unknown action", lambda p: _rewritten(p, _bad_action, digest=True),
     "{path} is not a well-formed flexplan plan file (unknown actions"),
    ("tampered: a broken Studio diff", lambda p: _rewritten(p, _bad_widget, digest=True),
     "{path} is not a well-formed flexplan plan file"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "damage", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_plan_file_is_one_message_and_exit_1(
    tmp_path: Path,
    sandbox_env: dict[str, str],
    run_flexplan: Any,
    case: str,
    damage: Callable[[Path], None],
    message: str,
    fmt: str,
) -> None:
    saved = _saved(tmp_path, run_flexplan, sandbox_env)
    damage(saved)
    result = run_flexplan("show", str(saved), "--format", fmt, env={})
    stderr = assert_clean_failure(result)
    assert stderr.startswith("error: " + message.format(path=saved)), stderr
    assert "hint: " in stderr


def test_apply_refuses_an_older_plan_file_with_the_same_message(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    saved = _saved(tmp_path, run_flexplan, sandbox_env)
    _rewritten(saved, _format("flexplan-saved-plan/1"), digest=False)
    result = run_flexplan("apply", str(saved), env=sandbox_env)
    stderr = assert_clean_failure(result, sandbox_env)
    assert f"{saved} was written by an older flexplan (saved-plan format 1" in stderr
    assert "flexplan plan DIR --out FILE" in stderr


def test_show_needs_no_manifest_directory(
    tmp_path: Path, sandbox_env: dict[str, str], run_flexplan: Any
) -> None:
    saved = _saved(tmp_path, run_flexplan, sandbox_env)
    planned = _show(run_flexplan, saved, "text").stdout
    shutil.rmtree(tmp_path / "config")
    assert _show(run_flexplan, saved, "text").stdout == planned
    assert "+ flex_flow web {" in planned or "flex_flow.web will be created" in planned
