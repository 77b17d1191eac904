"""The sandbox account: its state, starting from a fresh Flex account.

``Store`` is ``state.AccountState`` whose fresh state is the Flex account
``seed`` builds, with helpers that add resources the way a create request
does (same validation, no HTTP) for tests and benchmarks.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.addresses import create_address
from flexplan.sandbox.flex_flows import create_flex_flow
from flexplan.sandbox.seed import fresh_account
from flexplan.sandbox.state import LAG_LISTS, AccountState, Body
from flexplan.sandbox.studio_flows import create_flow

__all__ = ["LAG_LISTS", "Body", "Store"]


class Store(AccountState):
    """All resources of one sandbox account, from a freshly provisioned Flex account on."""

    def fresh_state(self) -> dict[str, Any]:
        return fresh_account(self.account_sid)

    def add_address(self, **fields: Any) -> Body:
        """Create an Address Configuration: ``type``, ``address``, optional others."""
        with self.lock:
            body = create_address(self, fields)
            self.save()
            return body

    def add_flex_flow(self, **fields: Any) -> Body:
        """Create a Flex Flow: ``friendly_name``, ``channel_type``, optional others."""
        with self.lock:
            body = create_flex_flow(self, fields)
            self.save()
            return body

    def add_studio_flow(self, **fields: Any) -> Body:
        """Create a Studio flow: ``friendly_name``, ``definition`` (dict), ``status``."""
        with self.lock:
            body = create_flow(self, fields)
            self.save()
            return body
