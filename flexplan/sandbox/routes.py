"""Request and response types shared by the API handlers, and the route table.

A route is (HTTP method, API name, path template). The API name is the first
label of the Twilio host (``flex-api``, ``conversations``, ``studio``,
``taskrouter``, ``chat``); the template uses Twilio's own placeholders
(``/v1/FlexFlows/{Sid}``), which is also how request counts are keyed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flexplan.sandbox.params import Params

if TYPE_CHECKING:
    from flexplan.sandbox.store import Store


@dataclass
class Request:
    method: str
    api: str
    path: str
    query: Params
    form: Params
    json: Any
    store: Store
    path_params: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: dict[str, Any] | None


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    api: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler

    @property
    def key(self) -> str:
        return f"{self.method} /{self.api}{self.template}"


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{regex}$")


class Router:
    """Routes in registration order; literal paths are registered before templates."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, api: str, template: str, handler: Handler) -> None:
        self.routes.append(Route(method, api, template, _compile(template), handler))

    def match(self, method: str, api: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.api != api or route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def path_known(self, api: str, path: str) -> bool:
        return any(r.api == api and r.pattern.match(path) for r in self.routes)
