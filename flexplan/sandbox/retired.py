"""Retired APIs: a switch that makes the sandbox answer as Twilio does for an API past its
end of life (Programmable Chat for Flex, and with it the Flex Flow API, on 2026-06-01).

Twilio has not documented what a retired API answers. The sandbox answers what Twilio
answers for any path it does not serve: HTTP 404 with code 20404 "The requested resource
… was not found" (docs/sandbox.md says why). Every method on every path of the API is
answered so, after authentication (bad credentials still get 401 first).
"""

from __future__ import annotations

from collections.abc import Iterable

from flexplan.sandbox.errors import ApiError, not_found

# switch name -> (API host label, path prefix)
RETIRABLE: dict[str, tuple[str, str]] = {
    "flex_flows": ("flex-api", "/v1/FlexFlows"),
}


def check_names(names: Iterable[str]) -> frozenset[str]:
    """The switches named, refusing an unknown one."""
    chosen = frozenset(names)
    unknown = sorted(chosen - set(RETIRABLE))
    if unknown:
        raise ValueError(
            f"cannot retire {', '.join(unknown)}: choose from {', '.join(sorted(RETIRABLE))}"
        )
    return chosen


def retired_answer(retired: frozenset[str], api: str | None, path: str) -> ApiError | None:
    """Twilio's answer for ``path`` of ``api`` when that API is retired, else ``None``."""
    for name in retired:
        host, prefix = RETIRABLE[name]
        if api == host and (path == prefix or path.startswith(prefix + "/")):
            return not_found(path)
    return None
