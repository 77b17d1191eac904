"""The accounts the end-to-end scenarios run against: the sandbox, or a real Twilio account.

A real account is used only when ``FLEXPLAN_ACCEPTANCE=1`` and Twilio credentials are set
(docs/acceptance.md); otherwise its tests are skipped with the reason. Every resource a
scenario makes is named with the run's unique prefix, and everything carrying the prefix
is deleted when the test ends (also after a failure), on the sandbox as on Twilio, so the
clean-up is exercised by every normal test run.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flexplan.twilio_client import build_client, credentials_from_env

ENABLE = "FLEXPLAN_ACCEPTANCE"
CREDENTIALS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET")
PASSED_ON = (*CREDENTIALS, "TWILIO_REGION", "TWILIO_EDGE", "FLEXPLAN_RECORD")


@dataclass
class Account:
    """Where a scenario runs: the environment for ``flexplan`` and the run's name prefix."""

    env: dict[str, str]
    prefix: str
    real: bool

    def client(self) -> Any:
        return build_client(
            credentials_from_env(self.env), api_base=self.env.get("FLEXPLAN_API_BASE")
        )


def run_prefix() -> str:
    """``flexplan-acc-20260601T120000-1a2b3c``: unique per run, sortable, easy to find."""
    return f"flexplan-acc-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def real_account_reason(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """Why the real-account run is skipped, or ``None`` when it can run."""
    if environ.get(ENABLE) != "1":
        return (
            f"acceptance tests against a real Twilio account run only with {ENABLE}=1 and "
            "Twilio credentials set (docs/acceptance.md)"
        )
    has_secret = environ.get("TWILIO_AUTH_TOKEN") or (
        environ.get("TWILIO_API_KEY") and environ.get("TWILIO_API_SECRET")
    )
    if not environ.get("TWILIO_ACCOUNT_SID") or not has_secret:
        return (
            f"{ENABLE}=1 but the credentials are missing: set TWILIO_ACCOUNT_SID with "
            "TWILIO_API_KEY + TWILIO_API_SECRET (or TWILIO_AUTH_TOKEN)"
        )
    return None


def real_account() -> Account:
    env = {name: os.environ[name] for name in PASSED_ON if os.environ.get(name)}
    return Account(env=env, prefix=run_prefix(), real=True)


def leftovers(account: Account) -> list[str]:
    """What carrying the run prefix is still in the account (``kind SID name``)."""
    client = account.client()
    found = [
        f"studio_flow {f.sid} {f.friendly_name}"
        for f in client.studio.v2.flows.stream(page_size=1000)
        if (f.friendly_name or "").startswith(account.prefix)
    ]
    for kind in ("chat", "sms", "whatsapp", "messenger", "gbm", "email"):
        found += [
            f"conversations_address {a.sid} {a.address}"
            for a in client.conversations.v1.address_configurations.stream(type=kind, page_size=50)
            if (a.friendly_name or "").startswith(account.prefix)
            or (a.address or "").startswith(account.prefix)
        ]
    return found


def remove_everything(account: Account) -> Iterator[str]:
    """Delete what carries the run prefix (addresses first: they point at flows)."""
    client = account.client()
    for line in sorted(leftovers(account), key=lambda text: not text.startswith("conv")):
        kind, sid, _ = line.split(" ", 2)
        if kind == "conversations_address":
            client.conversations.v1.address_configurations(sid).delete()
        else:
            client.studio.v2.flows(sid).delete()
        yield line
