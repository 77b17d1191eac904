"""The secret detector (flexplan.sensitive) and the encoded forms ``redact`` masks."""

from __future__ import annotations

import json
import string
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.redact import MASK, forget_secrets, redact, register_secret
from flexplan.sensitive import looks_secret, secret_name, secret_paths, secrets_in

TOKEN = st.text(string.ascii_letters + string.digits + "_-", min_size=8, max_size=40).filter(
    lambda t: any(c.isalnum() for c in t) and t.lower() not in ("true", "false")
)
SECRET_NAMES = ["token", "api_key", "apiKey", "X-Api-Key", "access_token", "secret",
                "client_secret", "password", "sig", "signature", "auth", "Authorization",
                "apikey", "X-Amz-Signature", "authToken", "webhook_key", "private_key",
                "pwd"]  # fmt: skip
PLAIN_NAMES = ["name", "url", "method", "payment_token_type", "token_type", "key_id",
               "language", "keyword", "monkey", "timeout", "body", "channel", "key"]  # fmt: skip


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_names_that_mean_a_secret(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_names_that_do_not(name: str) -> None:
    assert not secret_name(name)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("https://hooks.slack.com/services/T1/B1/OLDSECRET", "T1/B1/OLDSECRET"),
        ("https://api.example.com/x?api_key=k3y-value&x=1", "k3y-value"),
        ("https://fn.example.net/api/hook?code=azureFunctionKey", "azureFunctionKey"),
        ("https://maps.example.com/v1?key=googleStyleKey1", "googleStyleKey1"),
        ("https://example.com/cb#access_token=frag-token-1", "frag-token-1"),
        ("https://bot:hunter2@hooks.example.com/mail", "bot:hunter2"),
        ("Bearer eyJhbGciOi.payload-1234", "eyJhbGciOi.payload-1234"),
        ("X-Api-Key: abc123secret", "abc123secret"),
        ('{"user": "bot", "password": "p@ss\\"word"}', 'p@ss"word'),
        ("call with xoxb-1234567890-abcdefgh please", "xoxb-1234567890-abcdefgh"),
        ("user=bot&token=form-body-token", "form-body-token"),
    ],
)
def test_secrets_found_in_strings(text: str, secret: str) -> None:
    assert secret in secrets_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "https://hooks.example.com/plain?x=1&page=2",
        "Hello {{trigger.message.Body}}",
        "Bearer {{flow.variables.token}}",
        "WW" + "0" * 32,
        "Basic plan information",
        "https://api.example.com/x?token={{flow.data.token}}",
        '{"name": "{{trigger.message.ChannelAttributes.from}}", "channelType": "sms"}',
    ],
)
def test_ordinary_values_are_not_secrets(text: str) -> None:
    assert secrets_in(text) == set()


def test_pairs_keys_and_nesting() -> None:
    widget = {
        "url": "https://api.example.com/v1",
        "parameters": [{"key": "api_key", "value": "pair-value-1"},
                       {"key": "lang", "value": "en"}],
        "headers": {"Authorization": "Token tok-abcdef123"},
        "add_twilio_auth": True,
        "payment_token_type": "reusable",
    }  # fmt: skip
    assert secret_paths(widget) == {
        ("parameters", 0, "value"): {"pair-value-1"},
        ("headers", "Authorization"): {"Token tok-abcdef123", "tok-abcdef123"},
    }


@settings(max_examples=150, deadline=None)
@given(
    token=TOKEN,
    name=st.sampled_from(SECRET_NAMES),
    shape=st.sampled_from(["query", "pair", "key", "json", "bearer", "userinfo", "header"]),
)
def test_a_secret_is_found_in_every_shape(token: str, name: str, shape: str) -> None:
    value: object = {
        "query": f"https://api.example.com/p?x=1&{name}={token}",
        "pair": [{"key": name, "value": token}],
        "key": {name: token},
        "json": json.dumps({"data": {name: token}}),
        "bearer": f"Bearer {token}1.",
        "userinfo": f"https://user:{token}@example.com/",
        "header": f"{name}: {token}",
    }[shape]
    found = secrets_in(value)
    assert any(token in s for s in found), (value, found)
    assert looks_secret(value)


@settings(max_examples=100, deadline=None)
@given(
    hexes=st.text("0123456789abcdef", min_size=32, max_size=32),
    prefix=st.sampled_from(["FW", "IG", "FO", "WW", "TC", "IS", "AC"]),
    name=st.sampled_from(PLAIN_NAMES),
)
def test_sids_and_plain_fields_are_never_secrets(hexes: str, prefix: str, name: str) -> None:
    assert secrets_in({name: prefix + hexes, "friendly_name": "Support " + hexes[:6]}) == set()


@settings(max_examples=150, deadline=None)
@given(secret=st.text(min_size=4, max_size=30).filter(lambda s: s.strip() and "(" not in s))
def test_redact_masks_encoded_forms(secret: str) -> None:
    forget_secrets()
    register_secret(secret)
    once = json.dumps(secret)[1:-1]
    for form in (secret, once, json.dumps(once)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                 quote(secret, safe=""), quote_plus(secret)):  # fmt: skip
        if len(form) >= 4:
            # The mask itself may contain the form ("sens"), so look past the masks.
            assert form not in redact(f"before {form} after").replace(MASK, "\0"), form
    forget_secrets()
