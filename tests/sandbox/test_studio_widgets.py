"""The sandbox's Studio refuses the widgets Twilio's widget library says are incomplete.

Each widget type with documented required properties (``flexplan.studio_widgets``)
is sent to ``POST /v2/Flows/Validate`` once per required property, with that
property left out: the answer is 81022 with the property's ``property_path``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from flexplan.studio_widgets import REQUIRED_PROPERTIES

FULL: dict[str, dict[str, Any]] = {
    "send-to-flex": {"workflow": "WW" + "1" * 32, "channel": "TC" + "2" * 32},
    "run-subflow": {"flow_sid": "FW" + "3" * 32, "flow_revision": "LatestPublished"},
    "send-message": {"body": "Hello"},
    "send-and-wait-for-reply": {"body": "Hello?"},
    "make-http-request": {
        "method": "POST",
        "url": "https://example.com/hook",
        "content_type": "application/json",
    },
    "run-function": {"url": "https://example-1234.twil.io/fn"},
    "split-based-on": {"input": "{{trigger.message.Body}}"},
}

CASES = [(kind, name) for kind, names in sorted(REQUIRED_PROPERTIES.items()) for name in names]


def _flow(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "initial_state": "Trigger",
        "states": [
            {
                "name": "Trigger",
                "type": "trigger",
                "transitions": [{"event": "incomingMessage", "next": "widget"}],
                "properties": {},
            },
            {"name": "widget", "type": kind, "transitions": [], "properties": properties},
        ],
    }


def _validate(client: Any, definition: dict[str, Any]) -> Any:
    return client.studio.v2.flow_validate.update(
        friendly_name="w", status="draft", definition=definition
    )


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}.{n}" for k, n in CASES])
def test_a_missing_required_property_is_81022_at_its_path(
    sandbox_client: Any, kind: str, name: str
) -> None:
    assert set(FULL) == set(REQUIRED_PROPERTIES)  # every documented widget has an example
    assert _validate(sandbox_client, _flow(kind, FULL[kind])).valid is True
    for missing in (None, ""):
        properties = copy.deepcopy(FULL[kind])
        properties[name] = missing
        with pytest.raises(TwilioRestException) as caught:
            _validate(sandbox_client, _flow(kind, properties))
        error = caught.value
        assert (error.status, error.code) == (400, 81022)
        paths = [e["property_path"] for e in error.details["errors"]]
        assert paths == [f"#/states/1/properties/{name}"]


def test_set_variables_items_need_a_key(sandbox_client: Any) -> None:
    good = {"variables": [{"key": "queue", "value": "sales"}]}
    assert _validate(sandbox_client, _flow("set-variables", good)).valid is True
    with pytest.raises(TwilioRestException) as caught:
        _validate(sandbox_client, _flow("set-variables", {"variables": [{"value": "x"}]}))
    paths = [e["property_path"] for e in caught.value.details["errors"]]
    assert paths == ["#/states/1/properties/variables/0/key"]


def test_make_outgoing_call_v2_and_start_conversation_are_accepted(sandbox_client: Any) -> None:
    for kind in ("make-outgoing-call-v2", "start-conversation", "connect-virtual-agent"):
        assert _validate(sandbox_client, _flow(kind, {})).valid is True
