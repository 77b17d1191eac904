"""A look-up's SID compares equal to its SID and to its name, and nothing else."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from flexplan.engine.diff import diff_states
from flexplan.plantypes import Named

SIDS = st.from_regex(r"TC[0-9a-f]{32}", fullmatch=True)
NAMES = st.text(min_size=1, max_size=12)


@given(sid=SIDS, name=NAMES, other=st.text(max_size=40))
def test_named_equals_its_sid_and_its_name_only(sid: str, name: str, other: str) -> None:
    named = Named(sid, name, [(sid, name)])
    assert named == sid and sid == named and named == name and name == named
    assert (named == other) == (other in (sid, name))
    assert (named != other) == (other not in (sid, name))
    assert hash(named) == hash(sid) and str(named) == sid and json.dumps(named) == f'"{sid}"'
    assert named.show() == f"{name} ({sid})"


@given(sid=SIDS, name=NAMES, other_sid=SIDS, other_name=NAMES)
def test_a_change_names_both_sides(sid: str, name: str, other_sid: str, other_name: str) -> None:
    candidates = [(sid, name), (other_sid, other_name)]
    desired = {"integration": {"channel": Named(sid, name, candidates)}}
    for live in (sid, name):  # whichever form the account answers: no change
        assert not diff_states(desired, {"integration": {"channel": live}}).changed
    if other_sid != sid and other_name not in (sid, name) and other_sid != name:
        for live in (other_sid, other_name):
            (change,) = diff_states(desired, {"integration": {"channel": live}}).changes
            assert isinstance(change.before, Named) and change.before.show() == (
                f"{other_name} ({other_sid})"
            )
