"""Twilio's error details are shown, never dropped (Studio's 81022 ``details.errors[]``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioRestException

from flexplan.resources._sdk import api_failure, error_details
from flexplan.resources.studio.kind import widget_message

WORKFLOW_PATH = "#/states/2/properties/workflow"
DETAILS = {
    "errors": [
        {"message": "null found, string expected", "property_path": WORKFLOW_PATH},
        {"message": "Widget name 'a' is not unique", "property_path": "#/states/1/name"},
    ]
}
DEFINITION = {"states": [{"name": "Trigger"}, {"name": "a"}, {"name": "send_to_agent"}]}


def _refusal(details: object) -> TwilioRestException:
    return TwilioRestException(
        400, "https://studio.twilio.com/v2/Flows", "Flow definition validation failed",
        81022, "POST", details,
    )  # fmt: skip


def test_api_failure_keeps_every_detail() -> None:
    failure = api_failure(_refusal(DETAILS), "creating studio_flow.support")
    assert failure is not None
    text = str(failure)
    assert "Twilio error 81022 (HTTP 400): Flow definition validation failed: " in text
    assert "#/states/2/properties/workflow: null found, string expected" in text
    assert "#/states/1/name: Widget name 'a' is not unique" in text


def test_details_that_are_not_a_list_of_failures_give_nothing() -> None:
    for details in (None, "text", {"errors": "x"}, {"errors": [1, {"property_path": "#/a"}]}):
        assert error_details(_refusal(details)) == []
    assert str(api_failure(_refusal(None), "x")).endswith("Flow definition validation failed")


def test_a_property_path_is_named_by_widget_and_property() -> None:
    paths = [path for path, _ in error_details(_refusal(DETAILS))]
    expected = 'widget "send_to_agent" properties.workflow: m'
    assert widget_message(DEFINITION, paths[0], "m") == expected
    assert widget_message(DEFINITION, paths[1], "m") == 'widget "a" name: m'
    assert widget_message(DEFINITION, "#/states/9/type", "m") == "states[9] type: m"
    assert widget_message(DEFINITION, "#/initial_state", "m") == "initial_state: m"
    assert widget_message(DEFINITION, "#", "m") == "definition: m"


def test_a_widget_name_that_looks_secret_is_masked() -> None:
    definition = {"states": [{"name": "Bearer pastedToken0001"}]}
    message = widget_message(definition, "#/states/0/name", "m")
    assert message == 'widget "Bearer (sensitive)" name: m'


@given(
    path=st.text(alphabet="#/states0123456789propertiesxyz_.-", max_size=40),
    states=st.lists(
        st.one_of(st.none(), st.integers(), st.fixed_dictionaries({"name": st.text(max_size=8)})),
        max_size=4,
    ),
    message=st.text(max_size=20),
)
def test_any_property_path_gives_one_line_and_never_fails(
    path: str, states: list[object], message: str
) -> None:
    """Twilio's answer is open-ended input: any path, any definition, one readable line."""
    text = widget_message({"states": states}, path, message)
    assert text.endswith(f": {message}")
    assert "Traceback" not in text
