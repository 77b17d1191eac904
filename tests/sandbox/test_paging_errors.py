"""Pagination across pages, page-size maxima, and Twilio's error bodies."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException

from flexplan.sandbox import SandboxServer
from flexplan.sandbox.seed import CHAT_SERVICE
from flexplan.twilio_client import build_client, credentials_from_env

from .helpers import STUDIO_DEFINITION, raw


def test_addresses_page_through_three_pages_of_fifty(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    for n in range(120):
        sandbox.store.add_address(type="sms", address=f"+1555000{n:04d}")
    sandbox.clear_stats()
    listed = sandbox_client.conversations.v1.address_configurations.list(type="sms", page_size=50)
    assert [a.address for a in listed] == [f"+1555000{n:04d}" for n in range(120)]
    assert sandbox.stats()["requests"] == {"GET /conversations/v1/Configuration/Addresses": 3}


def test_next_page_url_uses_twilio_host_and_page_token(sandbox: SandboxServer) -> None:
    for n in range(5):
        sandbox.store.add_flex_flow(
            friendly_name=f"f{n}",
            channel_type="web",
            chat_service_sid=CHAT_SERVICE,
            integration={"flow_sid": "FW" + "0" * 32},
        )
    first = raw(sandbox, "GET", "/flex-api/v1/FlexFlows", params={"PageSize": 4}).json()
    next_url = first["meta"]["next_page_url"]
    assert next_url.startswith(
        "https://flex-api.twilio.com/v1/FlexFlows?PageSize=4&Page=1&PageToken=PA"
    )
    second = raw(sandbox, "GET", "/flex-api" + next_url.split(".com", 1)[1]).json()
    assert second["meta"]["page"] == 1 and second["meta"]["next_page_url"] is None
    assert len(first["flex_flows"]) + len(second["flex_flows"]) == 7
    assert second["meta"]["previous_page_url"] is not None


def test_studio_lists_page_with_page_size(sandbox: SandboxServer, sandbox_client: Any) -> None:
    for n in range(7):
        sandbox.store.add_studio_flow(
            friendly_name=f"s{n}", status="draft", definition=STUDIO_DEFINITION
        )
    sandbox.clear_stats()
    assert len(sandbox_client.studio.v2.flows.list(page_size=3)) == 10
    assert sandbox.stats()["requests"] == {"GET /studio/v2/Flows": 4}


@pytest.mark.invalid_requests
def test_page_size_is_capped_at_the_maximum(sandbox: SandboxServer) -> None:
    for n in range(60):
        sandbox.store.add_address(type="email", address=f"a{n}@example.com")
    body = raw(
        sandbox, "GET", "/conversations/v1/Configuration/Addresses", params={"PageSize": 1000}
    ).json()
    assert body["meta"]["page_size"] == 50 and len(body["address_configurations"]) == 50


def test_unknown_resource_is_twilio_404(sandbox_client: Any) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sandbox_client.flex_api.v1.flex_flow("FO" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_unknown_path_and_method(sandbox: SandboxServer) -> None:
    missing = raw(sandbox, "GET", "/flex-api/v1/Nothing")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": 20404,
        "message": "The requested resource /flex-api/v1/Nothing was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert raw(sandbox, "DELETE", "/studio/v2/Flows").json()["code"] == 20004


def test_wrong_credentials_are_401_20003(sandbox: SandboxServer) -> None:
    env = {**sandbox.credentials, "TWILIO_AUTH_TOKEN": "0" * 32}
    client = build_client(credentials_from_env(env), api_base=sandbox.base_url)
    with pytest.raises(TwilioRestException) as caught:
        client.flex_api.v1.configuration().fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert "0" * 32 not in str(caught.value) + repr(caught.value.__dict__)
    with pytest.raises(TwilioException) as listed:  # lists raise the SDK's plain exception
        client.flex_api.v1.flex_flow.list()
    assert "20003" in str(listed.value) and "0" * 32 not in str(listed.value)


def test_api_key_credentials_work(sandbox: SandboxServer) -> None:
    client = build_client(
        credentials_from_env(sandbox.api_key_credentials), api_base=sandbox.base_url
    )
    assert len(client.flex_api.v1.flex_flow.list()) == 2


def test_host_header_routing(sandbox: SandboxServer) -> None:
    response = raw(sandbox, "GET", "/v2/Flows", headers={"Host": "studio.twilio.com"})
    assert response.status_code == 200 and response.json()["meta"]["key"] == "flows"
