"""The real-account run says why it is skipped, and runs only when asked with credentials."""

from __future__ import annotations

from accounts import real_account_reason

SID = "AC" + "1" * 32


def test_not_asked() -> None:
    reason = real_account_reason({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "t" * 32})
    assert reason is not None and "FLEXPLAN_ACCEPTANCE=1" in reason


def test_asked_without_credentials() -> None:
    reason = real_account_reason({"FLEXPLAN_ACCEPTANCE": "1", "TWILIO_API_KEY": "SK" + "2" * 32})
    assert reason is not None and "credentials are missing" in reason


def test_asked_with_credentials() -> None:
    environ = {"FLEXPLAN_ACCEPTANCE": "1", "TWILIO_ACCOUNT_SID": SID}
    assert real_account_reason({**environ, "TWILIO_AUTH_TOKEN": "t" * 32}) is None
    key = {"TWILIO_API_KEY": "SK" + "2" * 32, "TWILIO_API_SECRET": "s" * 32}
    assert real_account_reason({**environ, **key}) is None
