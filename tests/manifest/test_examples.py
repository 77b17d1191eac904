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
from flexplan.manifest.schema import SCHEMA_FILE, manifest_schema, schema_text

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


def test_checked_in_schema_matches_models() -> None:
    checked_in = (REPO / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert checked_in == schema_text(), "run `flexplan schema` to regenerate schemas/"


def test_schema_command_writes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli(["schema", "--out", str(tmp_path)], capsys)
    assert code == 0
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()


def _example_yaml_files() -> list[Path]:
    return sorted((REPO / "examples").rglob("*.yaml"))


@pytest.mark.parametrize("path", _example_yaml_files(), ids=lambda p: p.name)
def test_example_files_follow_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(SCHEMA_LINE), "examples carry the yaml-language-server line"
    target = (path.parent / text.splitlines()[0][len(SCHEMA_LINE) :]).resolve()
    assert target == REPO / "schemas" / SCHEMA_FILE
    jsonschema.validate(yaml.safe_load(text), manifest_schema())


def test_schema_is_valid_json_schema() -> None:
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
