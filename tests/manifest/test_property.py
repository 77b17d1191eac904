"""Property: whatever the loader is fed, it returns a manifest or reported errors.

Random manifests (any YAML-able shape under the real section and field names)
and mutations of the examples' text (characters deleted, inserted, lines
swapped) must never raise: every outcome is a valid manifest (valid in every
environment), or at least one diagnostic that names a file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexplan.manifest import environments_of, validate_directory

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [REPO / "examples" / name for name in ("quickstart", "contact-center", "multi-env")]
KEYS = [
    "studio_flows", "flex_flows", "conversations_addresses", "channel_configs", "include",
    "vars", "environments", "prune", "version", "friendly_name", "definition", "type",
    "address", "integration", "auto_creation", "attachments", "max_file_size", "states",
    "initial_state", "name", "next", "studio_flow", "enabled", "state", "sid", "web", "sms",
    "retry_count", "contact_identity", "channel_type", "chat_service", "webhook_filters",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
    st.sampled_from(["${var.x}", "${env:HOME}", "${nope}", "16MiB", "+15550001111",
                     "FW" + "0" * 32, "studio", "web", "sms", "absent", "", "x" * 300]),
    st.text(max_size=20),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=30,
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_outcome(text: str, example: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "m"
        if example is not None:
            shutil.copytree(example, root)
        root.mkdir(exist_ok=True)
        (root / "flexplan.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        manifest, diagnostics = validate_directory(root, all_environments=True)
        if manifest is None and not diagnostics:
            assert environments_of(root), "no manifest and no reported error"
        for diagnostic in diagnostics:
            assert diagnostic.location is not None and diagnostic.location.file
            assert diagnostic.message


@SETTINGS
@given(VALUES)
def test_random_manifests(value: object) -> None:
    check_outcome(yaml.safe_dump(value, allow_unicode=True))


@SETTINGS
@given(
    st.sampled_from(EXAMPLES),
    st.lists(
        st.tuples(st.sampled_from(["delete", "insert", "swap"]), st.integers(0, 10**6),
                  st.sampled_from([*list(":-{}[]\t\n #'\"$&*!|>"), "${", "  ", "x"])),
        min_size=1, max_size=4,
    ),
)  # fmt: skip
def test_mutated_examples(example: Path, mutations: list[tuple[str, int, str]]) -> None:
    text = (example / "flexplan.yaml").read_text(encoding="utf-8")
    for op, at, piece in mutations:
        i = at % (len(text) + 1)
        if op == "delete":
            text = text[:i] + text[i + 1 :]
        elif op == "insert":
            text = text[:i] + piece + text[i:]
        else:
            lines = text.splitlines(keepends=True)
            j = at % max(len(lines) - 1, 1)
            lines[j : j + 2] = lines[j : j + 2][::-1]
            text = "".join(lines)
    check_outcome(text, example)


YAML11_WORDS = ["yes", "no", "on", "off", "true", "false", "y", "n"]


@given(
    word=st.sampled_from(YAML11_WORDS).flatmap(
        lambda w: st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in w)).map("".join)
    ),
    quote=st.sampled_from(["", "'", '"']),
)
@settings(max_examples=150, deadline=None)
def test_yaml11_booleans_error_exactly_where_yaml12_disagrees(word: str, quote: str) -> None:
    """An unquoted scalar is an error iff PyYAML reads a boolean that YAML 1.2 reads as text."""
    from flexplan.manifest.source import parse_yaml

    value, _, problems = parse_yaml(f"vars:\n  x: {quote}{word}{quote}\n", "f.yaml")
    pyyaml_bool = isinstance(yaml.safe_load(f"{quote}{word}{quote}"), bool)
    yaml12_bool = word in ("true", "True", "TRUE", "false", "False", "FALSE")
    assert bool(problems) == (pyyaml_bool and not yaml12_bool and not quote)
    if problems:
        assert [str(p.location) for p in problems] == ["f.yaml:2:6"]
        assert "true" in (problems[0].hint or "") or "false" in (problems[0].hint or "")
    if quote:
        assert value == {"vars": {"x": word}}
