"""The examples validate (through the real CLI), and the checked-in schema is current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest
import yaml

from flexplan.cli import main
from flexplan.manifest import load_manifest
from flexplan.manifest.schema import (
    INCLUDE_SCHEMA_FILE,
    SCHEMA_FILE,
    include_schema,
    manifest_schema,
    schema_files,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "flexplan.yaml").is_file())
SCHEMA_LINE = "# yaml-language-server: $schema="


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return int(code) if isinstance(code, int) else 1, capsys.readouterr().out


def test_all_three_examples_exist() -> None:
    assert {"quickstart", "contact-center", "multi-env"} <= set(EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_validates(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(["validate", str(REPO / "examples" / example)], capsys)
    assert code == 0, out
    assert "valid" in out


@pytest.mark.parametrize("env", ["staging", "production"])
def test_multi_env_environments(env: str) -> None:
    manifest = load_manifest(REPO / "examples" / "multi-env", env=env)
    sms = manifest.entry("conversations_addresses", "support-sms")
    assert manifest.environment == env
    assert manifest.account_sid and manifest.account_sid.startswith("AC")
    numbers = {"staging": "+15550001111", "production": "+15550002222"}
    assert sms.spec.address == numbers[env]  # type: ignore[attr-defined]


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "flexplan"
    result = subprocess.run(
        [str(exe), "validate", "examples/quickstart"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    broken = subprocess.run(
        [str(exe), "validate", "tests/manifest"], cwd=REPO, capture_output=True, text=True
    )
    assert broken.returncode == 1
    assert "Traceback" not in broken.stdout + broken.stderr


def test_checked_in_schemas_match_models() -> None:
    for name, text in schema_files().items():
        checked_in = (REPO / "schemas" / name).read_text(encoding="utf-8")
        assert checked_in == text, f"run `flexplan schema` to regenerate schemas/{name}"


def test_schema_command_writes_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli(["schema", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [INCLUDE_SCHEMA_FILE, SCHEMA_FILE]
    for name, text in schema_files().items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text


def _example_yaml_files() -> list[Path]:
    return sorted((REPO / "examples").rglob("*.yaml"))


@pytest.mark.parametrize("path", _example_yaml_files(), ids=lambda p: p.name)
def test_example_files_follow_schema(path: Path) -> None:
    """flexplan.yaml follows the manifest schema; an included file, the include schema."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith(SCHEMA_LINE), "examples carry the yaml-language-server line"
    target = (path.parent / text.splitlines()[0][len(SCHEMA_LINE) :]).resolve()
    top = path.name == "flexplan.yaml"
    assert target == REPO / "schemas" / (SCHEMA_FILE if top else INCLUDE_SCHEMA_FILE)
    jsonschema.validate(yaml.safe_load(text), manifest_schema() if top else include_schema())


def test_examples_have_included_files() -> None:
    included = [p for p in _example_yaml_files() if p.name != "flexplan.yaml"]
    assert len(included) >= 2


def test_include_schema_holds_resource_sections_only() -> None:
    validator = jsonschema.Draft202012Validator(include_schema())
    assert validator.is_valid({"studio_flows": {"x": {"friendly_name": "X"}}})
    for settings_key in ("vars", "include", "environments", "prune", "account_sid"):
        assert not validator.is_valid({settings_key: {}}), settings_key
    assert set(include_schema()["properties"]) == set(manifest_schema()["properties"]) - {
        "version",
        "include",
        "vars",
        "environments",
        "prune",
        "account_sid",
    }


def _properties(node: object, path: str = "") -> list[tuple[str, dict[str, object]]]:
    """Every (path, property schema) in a schema, however deep."""
    found: list[tuple[str, dict[str, object]]] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += _properties(item, f"{path}[{i}]")
    elif isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            found.append((f"{path}.{name}", prop))
        for key, value in node.items():
            found += _properties(value, f"{path}/{key}")
    return found


def _null_defaults(node: object, path: str = "") -> list[str]:
    if isinstance(node, list):
        return [p for i, n in enumerate(node) for p in _null_defaults(n, f"{path}[{i}]")]
    if not isinstance(node, dict):
        return []
    here = [path] if "default" in node and node["default"] is None else []
    return here + [p for k, v in node.items() for p in _null_defaults(v, f"{path}/{k}")]


@pytest.mark.parametrize("name", [SCHEMA_FILE, INCLUDE_SCHEMA_FILE])
def test_every_property_has_a_description_and_no_null_default(name: str) -> None:
    schema = json.loads(schema_files()[name])
    properties = _properties(schema)
    assert len(properties) > 60
    undocumented = [path for path, prop in properties if not prop.get("description")]
    assert undocumented == []
    assert _null_defaults(schema) == []  # left out = not managed: editors must not insert null
    state = schema["$defs"]["StudioFlowSpec"]["properties"]["state"]
    assert state["default"] == "present"  # a default that means something stays


def test_schema_is_valid_json_schema() -> None:
    for text in schema_files().values():
        jsonschema.Draft202012Validator.check_schema(json.loads(text))
