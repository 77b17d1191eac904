"""Fixtures of the acceptance scenarios: ``account`` is the sandbox or a real Twilio account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from accounts import Account, real_account, real_account_reason, remove_everything, run_prefix


@pytest.fixture(params=["sandbox", "twilio"])
def account(request: pytest.FixtureRequest) -> Iterator[Account]:
    if request.param == "twilio":
        reason = real_account_reason()
        if reason is not None:
            pytest.skip(reason)
        chosen = real_account()
    else:
        sandbox: Any = request.getfixturevalue("sandbox")
        chosen = Account(env=dict(sandbox.credentials), prefix=run_prefix(), real=False)
    try:
        yield chosen
    finally:
        list(remove_everything(chosen))  # also what a scenario that failed midway left
