"""The shared journal's document: within Sync's 16 KiB, newest first, and whatever is in
it read as entries or as nothing (the account's data, written by any run)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.engine.journal import (
    CLOCK_SKEW,
    FIELDS,
    SHARED_LIMIT,
    SHARED_PARTS,
    Write,
    merged,
    parts_of,
    shared_documents,
    shared_writes,
)

ACCOUNT = "AC" + "1" * 32
NOW = 1_000_000.0


def _write(i: int, at: float, account: str = ACCOUNT) -> Write:
    return Write(account, f"studio_flow.flow-{i}", "create", "FW" + f"{i:032x}", None, at,
                 "a" * 64, "b" * 16, None)  # fmt: skip


def _doc(*writes: Write) -> dict[str, Any]:
    (document,) = shared_documents(list(writes), now=min(w.at for w in writes), horizon=3600)
    return document


def test_a_written_entry_reads_back_as_it_was() -> None:
    write = _write(7, NOW)
    assert shared_writes(_doc(write), ACCOUNT, horizon=60, now=NOW) == {write.address: write}


def test_a_big_apply_is_kept_whole_in_parts_within_syncs_limit() -> None:
    writes = [_write(i, NOW - 0.001 * i) for i in range(500)]
    documents = shared_documents(writes, now=NOW, horizon=60)
    assert 5 < len(documents) < SHARED_PARTS
    assert parts_of(documents[0]) == len(documents)
    assert all(len(json.dumps(d)) <= SHARED_LIMIT < 16 * 1024 for d in documents)
    kept = [row[FIELDS.index("address")] for d in documents for row in d["writes"]]
    assert kept == [f"studio_flow.flow-{i}" for i in range(500)]  # newest first, all of them
    read = merged(*(shared_writes(d, ACCOUNT, horizon=60, now=NOW) for d in documents))
    assert len(read) == 500


def test_past_the_last_part_the_oldest_are_left_out() -> None:
    writes = [_write(i, NOW - 0.0001 * i) for i in range(SHARED_PARTS * 100)]
    documents = shared_documents(writes, now=NOW, horizon=60)
    assert len(documents) == SHARED_PARTS == parts_of(documents[0])
    kept = [row[FIELDS.index("address")] for d in documents for row in d["writes"]]
    assert kept == [f"studio_flow.flow-{i}" for i in range(len(kept))] and len(kept) < len(writes)


@pytest.mark.parametrize(
    ("data", "parts"),
    [(None, 1), ({"parts": 3}, 3), ({"parts": 0}, 1), ({"parts": True}, 1),
     ({"parts": "2"}, 1), ({"parts": 10**9}, SHARED_PARTS), ({"writes": []}, 1)],
)  # fmt: skip
def test_the_number_of_parts_is_believed_within_bounds(data: object, parts: int) -> None:
    assert parts_of(data) == parts


def test_entries_past_the_horizon_are_neither_kept_nor_read() -> None:
    (data,) = shared_documents([_write(1, NOW - 61), _write(2, NOW - 1)], now=NOW, horizon=60)
    assert list(shared_writes(data, ACCOUNT, horizon=60, now=NOW)) == ["studio_flow.flow-2"]
    old = _doc(_write(3, NOW - 60 - CLOCK_SKEW - 1))
    assert shared_writes(old, ACCOUNT, horizon=60, now=NOW) == {}


def test_another_machines_clock_a_little_ahead_is_believed() -> None:
    ahead = _doc(_write(1, NOW + 5))
    assert list(shared_writes(ahead, ACCOUNT, horizon=60, now=NOW)) == ["studio_flow.flow-1"]
    other = _doc(_write(1, NOW, account="AC" + "2" * 32))
    assert shared_writes(other, ACCOUNT, horizon=60, now=NOW) == {}


def test_the_newest_entry_of_an_address_wins() -> None:
    older, newer = _write(1, NOW - 10), _write(1, NOW - 1)
    assert merged({older.address: older}, {newer.address: newer})[older.address] is newer
    assert merged({newer.address: newer}, {older.address: older})[older.address] is newer


@pytest.mark.parametrize(
    "data",
    [None, [], "x", {"format": 2, "fields": FIELDS, "writes": []},
     {"format": 1, "fields": FIELDS, "writes": "x"}, {"format": 1, "writes": []},
     {"format": 1, "fields": [1, 2], "writes": [[1, 2]]},
     {"format": 1, "fields": FIELDS, "writes": [1, "x", None, {"address": "a"}, ["a"]]}],
)  # fmt: skip
def test_a_malformed_document_is_no_entry(data: object) -> None:
    assert shared_writes(data, ACCOUNT, horizon=60, now=NOW) == {}


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=6),
                    max_leaves=20))  # fmt: skip
def test_any_json_in_the_document_reads_without_an_error(data: object) -> None:
    for doc in (
        {"format": 1, "fields": FIELDS, "writes": [data]},
        {"format": 1, "fields": FIELDS, "writes": [[data] * len(FIELDS)]},
        data,
    ):
        assert isinstance(shared_writes(doc, ACCOUNT, horizon=60), dict)


@pytest.mark.parametrize(
    "field, value",
    [("sid", ["FW1"]), ("after_hash", 5), ("action", "drop"), ("at", True), ("at", "1"),
     ("account_sid", None), ("fingerprint", {"x": 1})],
)  # fmt: skip
def test_an_entry_with_a_field_of_the_wrong_type_is_left_out(field: str, value: object) -> None:
    doc = _doc(_write(1, NOW))
    doc["writes"][0][FIELDS.index(field)] = value
    assert shared_writes(doc, ACCOUNT, horizon=60, now=NOW) == {}
