"""studio v2 over HTTP: Flows (CRUD), Validate, Revisions.

Behaviour reproduced (sources: twilio_studio_v2.json, Twilio docs "Flow
Resource", "Flow Validate", "Flow Revision"; what a flow accepts and how its
revisions are kept is in ``studio_flows``):
- ``GET /v2/Flows`` answers ``"definition": null`` (and null valid/errors/
  warnings) for every flow, as in Twilio's own list example; only fetch (or
  a revision fetch) carries the definition; revision lists carry null too;
- ``POST /v2/Flows/Validate`` answers ``{"valid": true}`` or the 400 (code
  81022) a broken definition gets on create.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import not_found
from flexplan.sandbox.ids import url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import Body
from flexplan.sandbox.studio_check import parse_definition
from flexplan.sandbox.studio_flows import (
    FLOWS,
    STATUSES,
    create_flow,
    delete_flow,
    required,
    update_flow,
)

LIST_NULLS = {"definition": None, "valid": None, "errors": None, "warnings": None}


def _form_fields(form: Params) -> dict[str, Any]:
    fields = {
        "friendly_name": form.text("FriendlyName"),
        "status": form.enum("Status", STATUSES),
        "definition": form.text("Definition"),
        "commit_message": form.text("CommitMessage"),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _flow(req: Request) -> Body:
    found = req.store.get("studio_flows", req.path_params["Sid"])
    if found is None:
        raise not_found(f"{FLOWS}/{req.path_params['Sid']}")
    return found


def list_flows(req: Request) -> Response:
    page = page_of(
        req.query,
        req.store.listing("studio_flows"),
        base=url("studio", FLOWS),
        key="flows",
        max_size=1000,
        shape=lambda flow: {**flow, **LIST_NULLS},
    )
    return Response(200, page)


def post_flow(req: Request) -> Response:
    return Response(201, create_flow(req.store, _form_fields(req.form)))


def fetch_flow(req: Request) -> Response:
    return Response(200, _flow(req))


def post_flow_update(req: Request) -> Response:
    return Response(200, update_flow(req.store, _flow(req), _form_fields(req.form)))


def delete_flow_request(req: Request) -> Response:
    delete_flow(req.store, _flow(req)["sid"])
    return Response(204, None)


def validate_flow(req: Request) -> Response:
    fields = _form_fields(req.form)
    required(
        fields,
        ("friendly_name", "FriendlyName"),
        ("status", "Status"),
        ("definition", "Definition"),
    )
    parse_definition(fields["definition"])
    return Response(200, {"valid": True})


def list_revisions(req: Request) -> Response:
    sid = _flow(req)["sid"]
    items = [{**rev, "definition": None} for rev in reversed(req.store.revisions(sid))]
    base = url("studio", f"{FLOWS}/{sid}/Revisions")
    return Response(200, page_of(req.query, items, base=base, key="revisions", max_size=1000))


def fetch_revision(req: Request) -> Response:
    sid = _flow(req)["sid"]
    wanted = req.path_params["Revision"]
    for rev in req.store.revisions(sid):
        if str(rev["revision"]) == wanted:
            return Response(200, rev)
    raise not_found(f"{FLOWS}/{sid}/Revisions/{wanted}")


def register(router: Router) -> None:
    router.add("GET", "studio", FLOWS, list_flows)
    router.add("POST", "studio", FLOWS, post_flow)
    router.add("POST", "studio", FLOWS + "/Validate", validate_flow)
    router.add("GET", "studio", FLOWS + "/{Sid}", fetch_flow)
    router.add("POST", "studio", FLOWS + "/{Sid}", post_flow_update)
    router.add("DELETE", "studio", FLOWS + "/{Sid}", delete_flow_request)
    router.add("GET", "studio", FLOWS + "/{Sid}/Revisions", list_revisions)
    router.add("GET", "studio", FLOWS + "/{Sid}/Revisions/{Revision}", fetch_revision)
