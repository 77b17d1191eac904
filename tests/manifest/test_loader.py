"""Loader behaviour beyond single errors: variables, secrets, digest, locations, Studio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flexplan.cli import main
from flexplan.errors import DiagnosticsError, Location
from flexplan.manifest import load_manifest, validate_directory
from flexplan.redact import redact
from flexplan.resources.fields import Lookup, ResourceRef, parse_size
from flexplan.resources.studio.definition import (
    check_definition,
    fill_placeholders,
    normalize_definition,
)

# three real Studio templates of twilio-professional-services/flex-project-template,
# vendored unchanged with their licence (examples/contact-center/studio/NOTICE)
SHARED_FLOWS = Path(__file__).resolve().parents[2] / "examples" / "contact-center" / "studio"
FLOW = "{initial_state: T, states: [{name: T, type: trigger}]}"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_env_values_are_sensitive_and_registered(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": (
        "conversations_addresses:\n"
        "  hook:\n    type: chat\n    address: web\n"
        "    auto_creation:\n      type: webhook\n"
        "      webhook_url: https://user:${env:FP_TEST_TOKEN}@example.com/hook\n"
    )})  # fmt: skip
    manifest = load_manifest(tmp_path, environ={"FP_TEST_TOKEN": "s3cr3t-token"})
    entry = manifest.entry("conversations_addresses", "hook")
    assert entry.sensitive_paths == {("auto_creation", "webhook_url")}
    assert redact("token s3cr3t-token") == "token (sensitive)"


def test_sensitive_through_a_variable(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": (
        "vars: {secret: '${env:FP_TEST_SECRET2}'}\n"
        "flex_flows:\n  f:\n    friendly_name: F\n    chat_service: C\n    channel_type: web\n"
        "    integration: {type: external, url: 'https://x.example/${var.secret}'}\n"
    )})  # fmt: skip
    entry = load_manifest(tmp_path, environ={"FP_TEST_SECRET2": "abcdef"}).entries[0]
    assert entry.sensitive_paths == {("integration", "url")}


def test_cli_var_overrides_environment(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": (
        "vars: {n: '+15550000000'}\n"
        "environments:\n  dev: {vars: {n: '+15550001111'}}\n"
        "conversations_addresses:\n  a: {type: sms, address: '${var.n}'}\n"
    )})  # fmt: skip
    spec = load_manifest(tmp_path, env="dev").entries[0].spec
    assert spec.address == "+15550001111"  # type: ignore[attr-defined]
    spec = load_manifest(tmp_path, env="dev", variables={"n": "+15550002222"}).entries[0].spec
    assert spec.address == "+15550002222"  # type: ignore[attr-defined]


def test_load_manifest_raises_all_problems(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": "studio_flows:\n  a: {friendly_nam: x}\n  b: {}\n"})
    with pytest.raises(DiagnosticsError) as raised:
        load_manifest(tmp_path)
    messages = [d.message for d in raised.value.diagnostics]
    assert messages == ["unknown field 'friendly_nam'", "missing required field 'friendly_name'"]


def test_typed_references_and_lookups(tmp_path: Path) -> None:
    sid = "WW" + "0" * 32
    write(tmp_path, {"flexplan.yaml": (
        f"studio_flows:\n  m: {{friendly_name: M, definition: {FLOW}}}\n"
        "flex_flows:\n  f:\n    friendly_name: F\n    chat_service: Flex Chat Service\n"
        "    channel_type: web\n"
        f"    integration: {{type: task, workspace: Flex Task Assignment, workflow: {sid},"
        " channel: chat}\n"
        "  g:\n    friendly_name: G\n    chat_service: Flex Chat Service\n    channel_type: web\n"
        "    integration: {type: studio, studio_flow: m}\n"
    )})  # fmt: skip
    manifest = load_manifest(tmp_path)
    f = manifest.entry("flex_flows", "f").spec.integration  # type: ignore[attr-defined]
    assert f.workspace == Lookup("workspace", "friendly_name", "Flex Task Assignment")
    assert f.workflow == Lookup("workflow", "sid", sid)
    assert f.channel == Lookup("task_channel", "unique_name", "chat")
    g = manifest.entry("flex_flows", "g")
    assert g.spec.integration.studio_flow == ResourceRef("studio_flows", name="m")  # type: ignore[attr-defined]
    refs = g.kind.references(g.spec)
    assert [(r.section, r.name, r.path) for r in refs] == [
        ("studio_flows", "m", ("integration", "studio_flow"))
    ]
    dumped = g.spec.model_dump(mode="json", exclude_none=True)
    assert dumped == {
        "state": "present", "protect": False, "friendly_name": "G",
        "chat_service": "Flex Chat Service", "channel_type": "web",
        "integration": {"type": "studio", "studio_flow": "m"},
    }  # fmt: skip


def test_digest_is_stable_and_sensitive_to_changes(tmp_path: Path) -> None:
    text = "channel_configs:\n  web: {attachments: {max_file_size: 16MiB}}\n"
    write(tmp_path, {"flexplan.yaml": text})
    first = load_manifest(tmp_path).digest
    write(tmp_path, {"flexplan.yaml": "# comment\n" + text.replace("16MiB", "16777216")})
    assert load_manifest(tmp_path).digest == first  # same resolved manifest
    write(tmp_path, {"flexplan.yaml": text.replace("16MiB", "15MiB")})
    assert load_manifest(tmp_path).digest != first


def test_location_of_and_entry_order(tmp_path: Path) -> None:
    write(tmp_path, {
        "flexplan.yaml": "include: [b.yaml]\nchannel_configs:\n  web:\n"
        "    attachments:\n      enabled: true\n",
        "b.yaml": "channel_configs:\n  sms: {}\n",
    })  # fmt: skip
    manifest = validate_directory(tmp_path)[0]
    assert manifest is not None
    assert [e.name for e in manifest.entries] == ["web", "sms"]
    web = manifest.entry("channel_configs", "web")
    root = str(tmp_path / "flexplan.yaml")
    assert web.location == Location(root, 3, 3)
    assert web.location_of(("attachments", "enabled")) == Location(root, 5, 16)
    assert web.location_of(("attachments", "max_file_size")) == Location(root, 4, 5)
    assert manifest.files == [tmp_path / "flexplan.yaml", tmp_path / "b.yaml"]


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": (
        "x-common: &common {chat_service: Flex Chat Service, channel_type: web}\n"
    )})  # fmt: skip
    assert validate_directory(tmp_path)[1][0].message == "unknown top-level key 'x-common'"
    write(tmp_path, {"flexplan.yaml": (
        "flex_flows:\n  a: &a {friendly_name: A, chat_service: C, channel_type: web}\n"
        "  b:\n    <<: *a\n    friendly_name: B\n"
    )})  # fmt: skip
    manifest = load_manifest(tmp_path)
    assert manifest.entry("flex_flows", "b").spec.channel_type == "web"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("template_example_callback_flow.json",
         {"SERVERLESS_DOMAIN": "x.twil.io", "WORKFLOW_SID": "WW" + "0" * 32,
          "VOICE_CHANNEL_SID": "TC" + "0" * 32}),
        ("template_example_messaging_with_parking_flow.json",
         {"WORKFLOW_SID": "WW" + "0" * 32, "CHAT_CHANNEL_SID": "TC" + "0" * 32}),
        ("template_example_schedule_flow.json",
         {"SCHEDULE_MANAGER_DOMAIN": "s.twil.io", "SCHEDULE_MANAGER_SID": "ZS1",
          "SCHEDULE_MANAGER_ENV_SID": "ZE1", "FUNCTION_CHECK_SCHEDULE_SID": "ZH1",
          "WORKFLOW_SID": "WW" + "0" * 32, "VOICE_CHANNEL_SID": "TC" + "0" * 32}),
    ],
)  # fmt: skip
def test_real_studio_definitions_load_and_pass(
    tmp_path: Path, name: str, values: dict[str, str]
) -> None:
    (tmp_path / "flow.json").write_text((SHARED_FLOWS / name).read_text(encoding="utf-8"))
    write(tmp_path, {"flexplan.yaml": (
        "studio_flows:\n  flow:\n    friendly_name: Flow\n    status: published\n"
        "    definition_file: flow.json\n"
    )})  # fmt: skip
    manifest = load_manifest(tmp_path, variables=values)
    definition = manifest.entries[0].spec.definition  # type: ignore[attr-defined]
    assert check_definition(definition) == []
    assert "${" not in json.dumps(definition)


def test_normalize_definition() -> None:
    a = {
        "states": [{"type": "trigger", "name": "T", "properties": {"x": 1.0}}],
        "initial_state": "T",
    }
    b = {"initial_state": "T", "states": [{"name": "T", "properties": {"x": 1}, "type": "trigger"}]}
    assert normalize_definition(a) == normalize_definition(b)
    assert list(normalize_definition(a)) == ["initial_state", "states"]
    assert normalize_definition({"a": " x ", "b": 1.5}) == {"a": " x ", "b": 1.5}
    assert fill_placeholders({"w": "${A}-${B}"}, {"A": "1"}) == {"w": "1-${B}"}


@pytest.mark.parametrize(
    ("text", "size"),
    [("16MiB", 16777216), ("2 MB", 2000000), (5, 5), ("1.5 KiB", 1536), ("10 bytes", 10),
     ("64mib", 67108864)],
)  # fmt: skip
def test_sizes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


def test_validate_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"flexplan.yaml": "studio_flows:\n  a: {friendly_nam: x}\n"})
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(tmp_path), "--format", "json"])
    assert exited.value.code == 1
    items = json.loads(capsys.readouterr().out)
    assert items[0] == {
        "file": str(tmp_path / "flexplan.yaml"), "line": 2, "column": 7, "severity": "error",
        "message": "unknown field 'friendly_nam'", "hint": "did you mean 'friendly_name'?",
    }  # fmt: skip
    with pytest.raises(SystemExit):
        main(["validate", str(tmp_path), "--format", "github"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"::error file={tmp_path}/flexplan.yaml,line=2,col=7::unknown field 'friendly_nam'"
        "%0Ahint: did you mean 'friendly_name'?"
    )
    with pytest.raises(SystemExit):
        main(["validate", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{tmp_path}/flexplan.yaml:2:7: error: unknown field 'friendly_nam'"
    assert out[1] == "  hint: did you mean 'friendly_name'?"
    assert out[-1] == "1 error; the manifest is not valid."


def test_validate_all_environments_names_the_one_that_fails(tmp_path: Path) -> None:
    write(tmp_path, {"flexplan.yaml": (
        "environments:\n  a: {vars: {n: '+15550001111'}}\n  b: {}\n"
        "conversations_addresses:\n  s: {type: sms, address: '${var.n}'}\n"
    )})  # fmt: skip
    _, diagnostics = validate_directory(tmp_path, all_environments=True)
    assert [d.message for d in diagnostics] == ["variable 'n' is not defined (in environment b)"]
