"""Read-only look-ups: TaskRouter workspaces and Chat services.

flexplan never changes these; it lists them to resolve names to SIDs. The
workspace list takes Twilio's ``FriendlyName`` filter (twilio_taskrouter_v1.json);
what lives inside a workspace is served by ``api_taskrouter``.
"""

from __future__ import annotations

from collections.abc import Callable

from flexplan.sandbox.errors import not_found
from flexplan.sandbox.ids import url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import Body

WORKSPACES = "/v1/Workspaces"


def _named(
    req: Request, *, workspace: str | None = None
) -> tuple[Callable[[Body], bool], list[tuple[str, str]]]:
    """The list's filter (``FriendlyName``, the workspace) and the filters its URLs carry."""
    name = req.query.text("FriendlyName")

    def keep(item: Body) -> bool:
        return (name is None or item["friendly_name"] == name) and (
            workspace is None or item.get("workspace_sid") == workspace
        )

    return keep, ([("FriendlyName", name)] if name is not None else [])


def _workspace(req: Request, key: str) -> Body:
    found = req.store.get("workspaces", req.path_params[key])
    if found is None:
        raise not_found(f"{WORKSPACES}/{req.path_params[key]}")
    return found


def list_workspaces(req: Request) -> Response:
    keep, filters = _named(req)
    page = page_of(req.query, req.store.listing("workspaces"), base=url("taskrouter", WORKSPACES),
                   key="workspaces", max_size=1000, filters=filters, keep=keep)  # fmt: skip
    return Response(200, page)


def fetch_workspace(req: Request) -> Response:
    return Response(200, _workspace(req, "Sid"))


def list_chat_services(req: Request) -> Response:
    items = req.store.listing("chat_services")
    return Response(
        200,
        page_of(req.query, items, base=url("chat", "/v2/Services"), key="services", max_size=100),
    )


def fetch_chat_service(req: Request) -> Response:
    found = req.store.get("chat_services", req.path_params["Sid"])
    if found is None:
        raise not_found(f"/v2/Services/{req.path_params['Sid']}")
    return Response(200, found)


def register(router: Router) -> None:
    router.add("GET", "taskrouter", WORKSPACES, list_workspaces)
    router.add("GET", "taskrouter", WORKSPACES + "/{Sid}", fetch_workspace)
    router.add("GET", "chat", "/v2/Services", list_chat_services)
    router.add("GET", "chat", "/v2/Services/{Sid}", fetch_chat_service)
