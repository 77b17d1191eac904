"""Flex Configuration UI settings merge: only the written keys change; lists replace whole."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.resources.flex_configuration import deep_merge, merged_keys

_leaf = st.one_of(st.integers(), st.text(max_size=4), st.booleans(), st.lists(st.integers()))
_keys = st.text(alphabet="abcde", min_size=1, max_size=2)
_tree = st.recursive(_leaf, lambda inner: st.dictionaries(_keys, inner, max_size=3), max_leaves=8)
_objects = st.dictionaries(_keys, _tree, max_size=4)


def _leaves(tree: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(tree, dict):  # an empty object merges nothing: it has no leaves
        out: dict[tuple[str, ...], Any] = {}
        for key, value in tree.items():
            out.update(_leaves(value, (*prefix, key)))
        return out
    return {prefix: tree}


def _get(tree: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


@given(_objects, _objects)
@settings(max_examples=200, deadline=None)
def test_every_desired_leaf_is_set_and_every_other_live_leaf_kept(
    live: dict[str, Any], desired: dict[str, Any]
) -> None:
    merged = deep_merge(live, desired)
    wanted = _leaves(desired)
    for path, value in wanted.items():
        assert _get(merged, path) == value
    for path, value in _leaves(live).items():
        covered = any(path[: len(w)] == w or w[: len(path)] == path for w in wanted)
        if not covered:
            assert _get(merged, path) == value


def test_lists_replace_whole_and_objects_merge() -> None:
    live = {"a": {"list": [1, 2, 3], "keep": 1}, "other": True}
    assert deep_merge(live, {"a": {"list": [9]}}) == {
        "a": {"list": [9], "keep": 1},
        "other": True,
    }


def test_a_write_sends_only_the_managed_keys_and_merges_skills_by_name() -> None:
    live = {
        "account_sid": "AC" + "0" * 32,
        "flex_instance_sid": "GO" + "0" * 32,
        "ui_attributes": {"theme": {"isLight": True}},
        "taskrouter_skills": [{"name": "english", "multivalue": False}, {"name": "spanish"}],
    }
    desired = {"taskrouter_skills": {"spanish": {"name": "spanish", "multivalue": True}}}
    assert merged_keys(live, desired) == {
        "taskrouter_skills": [
            {"name": "english", "multivalue": False},
            {"name": "spanish", "multivalue": True},
        ]
    }
