"""The limits and the file-access rule, in process: the parts a child process cannot reach.

Limits are lowered with monkeypatch where the real ones would need large inputs;
the rule for ``include:`` globs is checked against Python's glob on trees without
symlinks (the same files, in the same order).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.manifest import limits, validate_directory
from flexplan.manifest.files import AccessError, FileAccess, expand_include
from flexplan.manifest.source import Budget, parse_json, parse_yaml

from .harness import STUDIO_FLOW, flow_manifest


def messages(directory: Path, **kwargs: object) -> list[str]:
    _, diagnostics = validate_directory(directory, **kwargs)  # type: ignore[arg-type]
    return [f"{d.location}: {d.message}" for d in diagnostics]


def test_the_value_budget_is_shared_by_every_file_and_counts_keys() -> None:
    budget = Budget(values=10)
    first = parse_yaml("a: 1\nb: 2\n", "one.yaml", budget)  # 2 keys + 2 values + the mapping
    assert first[2] == [] and budget.values == 5
    _, _, problems = parse_yaml("c: [1, 2, 3]\n", "two.yaml", budget)
    assert [(str(p.location), p.message) for p in problems] == [
        ("two.yaml:1:1", "the YAML expands to more than 500,000 values")
    ]


def test_an_alias_repeated_within_the_budget_loads(tmp_path: Path) -> None:
    (tmp_path / "flexplan.yaml").write_text(
        "channel_configs:\n"
        "  sms: {attachments: &att {enabled: true, accepted_extensions: [jpg]}}\n"
        "  web: {attachments: *att}\n"
        "  whatsapp: {attachments: {<<: *att, number_of_attachments: 1}}\n"
    )
    assert messages(tmp_path) == []


def test_variables_keep_the_text_of_numbers_and_settings_do_not(tmp_path: Path) -> None:
    (tmp_path / "flexplan.yaml").write_text("version: 0x1\nvars: {code: 010, hex: 0x10}\n")
    assert messages(tmp_path) == [f"{tmp_path}/flexplan.yaml:1:10: YAML reads 0x1 as the number 1"]


def test_decimal_forms_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "flexplan.yaml").write_text(
        "channel_configs:\n  sms:\n"
        "    attachments: {number_of_attachments: +1, max_file_size: 1_000}\n"
    )
    assert messages(tmp_path) == []


def test_a_json_key_repeated_deep_inside_is_reported_at_its_line() -> None:
    text = '{\n  "a": {\n    "b": 1,\n    "b": 2\n  }\n}\n'
    value, problem = parse_json(text, "flow.json")
    assert value is None and problem is not None
    assert (str(problem.location), problem.message) == (
        "flow.json:4:5",
        "duplicate key 'b' (first at line 3)",
    )


def test_the_total_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "TOTAL_BYTES", 300)
    (tmp_path / "flexplan.yaml").write_text("include: ['parts/*.yaml']\n")
    (tmp_path / "parts").mkdir()
    for name in ("a", "b"):
        (tmp_path / "parts" / f"{name}.yaml").write_text("# padding\n" * 15)
    assert messages(tmp_path) == [
        f"{tmp_path}/flexplan.yaml:1:11: reading included file 'parts/b.yaml' would take "
        "the manifest over 300 bytes of files in all"
    ]


def test_a_wide_glob_search_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "INCLUDE_SCAN", 50)
    for i in range(60):
        (tmp_path / f"d{i}").mkdir()
    with pytest.raises(AccessError, match=r"include '\*\*/\*.yaml' looks at more than 50 "):
        expand_include(FileAccess.at(tmp_path), tmp_path, "**/*.yaml")


def test_file_root_lets_a_monorepo_share_files(tmp_path: Path) -> None:
    config = tmp_path / "teams" / "support"
    config.mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "flow.json").write_text(STUDIO_FLOW)
    (config / "flexplan.yaml").write_text(flow_manifest("../../shared/flow.json"))
    assert messages(config, file_root=tmp_path) == []
    assert messages(config) == [
        f"{config}/flexplan.yaml:4:22: definition_file '../../shared/flow.json' "
        "resolves outside the configuration directory"
    ]


def test_file_root_must_hold_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "config" / "flexplan.yaml").write_text("vars: {}\n")
    assert messages(tmp_path / "config", file_root=tmp_path / "elsewhere") == [
        f"{tmp_path}/config: --file-root {tmp_path}/elsewhere is not a directory that "
        "holds the configuration"
    ]


def test_a_symlink_that_stays_inside_is_followed(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "real.json").write_text(STUDIO_FLOW)
    (tmp_path / "flow.json").symlink_to("flows/real.json")
    (tmp_path / "flexplan.yaml").write_text(flow_manifest("flow.json"))
    assert messages(tmp_path) == []


TREE = ["a.yaml", "b.yml", ".hidden.yaml", "x/c.yaml", "x/y/d.yaml", "x/.h/e.yaml", "z/f.txt"]
PATTERNS = st.sampled_from(
    ["*.yaml", "**/*.yaml", "x/*.yaml", "x/**/*.yaml", "**", "*/*", "x/y/d.yaml",
     "[ab].y*ml", "?.yaml", "**/y/*", ".*.yaml", "x/**", "nothing/*.yaml"]
)  # fmt: skip


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for rel in TREE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("{}\n")
    return root


@settings(max_examples=40, deadline=None)
@given(pattern=PATTERNS)
def test_include_globs_match_what_glob_matches(tree: Path, pattern: str) -> None:
    expected = sorted(
        Path(p) for p in glob.glob(os.path.join(tree, pattern), recursive=True)
        if os.path.isfile(p)
    )  # fmt: skip
    assert expand_include(FileAccess.at(tree), tree, pattern) == expected
