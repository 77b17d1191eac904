"""Export's fast writers give exactly the text of the slow ones (libyaml vs PyYAML, json.dumps)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexplan.engine import textfiles
from flexplan.engine.textfiles import PURE_DUMPER, FlowMapping, json_text, yaml_text

# Strings where libyaml and PyYAML are known to part ways, and YAML's own hazards.
AWKWARD = ["", "\x85", "a\x85b", "🎧", "Support 🎧", "\u2028", "\ufeff", "\t", "\r", "a\\b",
           "? q", "a ? b", "- a", ": b", "#c", "a: b", "yes", "no", "on", "~", "null", "0x1F",
           "1e3", "+15550001111", "'q'", '"d"', "x\n", "\n\nx", " lead", "trail ", "%x", "@a",
           "`b", "!t", "&a", "*b", "|", ">", "<<", "=", "...", "---", "é", "日本"]  # fmt: skip
WORDS = st.lists(st.sampled_from(["word", " ", "  ", "\n", "x" * 60, "é", "- ", ": ", "#", "🎧"]),
                 max_size=120).map("".join)  # fmt: skip
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(AWKWARD), WORDS)
SCALARS = st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())


def _nested(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
            st.dictionaries(keys, inner, max_size=3).map(FlowMapping),
        ),
        max_leaves=30,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(TEXT, _nested(TEXT), max_size=4))
def test_yaml_text_is_the_pure_emitters_text(data: dict[str, Any]) -> None:
    assert yaml_text(data) == yaml_text(data, dumper=PURE_DUMPER)


@settings(max_examples=200, deadline=None)
@given(_nested(st.text(max_size=12)))
def test_json_text_is_json_dumps_indented(data: Any) -> None:
    assert json_text(data) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


WRITTEN = [
    ({"friendly_name": "Support 🎧"}, "friendly_name: Support 🎧\n"),
    ({"a": "x\x85y"}, "a: 'x\x85  y'\n"),
    ({"": 1}, "? ''\n: 1\n"),
    ({"workflow": FlowMapping({"workflow": "Assign to Anyone"})},
     "workflow: {workflow: Assign to Anyone}\n"),
    ({"accepted_extensions": ["jpg", "png"]}, "accepted_extensions: [jpg, png]\n"),
    ({"k" * 128: []}, "? " + "k" * 128 + "\n: []\n"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "text"), WRITTEN)
def test_yaml_text_where_libyaml_would_differ(data: dict[str, Any], text: str) -> None:
    assert yaml_text(data) == text


def test_ordinary_entries_go_through_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    assert textfiles.C_DUMPER is not None, "PyYAML without its C extension"
    used: list[type[Any]] = []
    dump = yaml.dump

    def spy(data: Any, **kwargs: Any) -> Any:
        used.append(kwargs["Dumper"])
        return dump(data, **kwargs)

    monkeypatch.setattr(textfiles.yaml, "dump", spy)
    entry = {"flex_flows": {"support": {"friendly_name": "Support", "enabled": True,
                                        "integration": {"retry_count": 1}}}}  # fmt: skip
    assert yaml_text(entry).startswith("flex_flows:\n  support:\n    friendly_name: Support\n")
    assert used == [textfiles.C_DUMPER]
