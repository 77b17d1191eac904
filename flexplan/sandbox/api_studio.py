"""studio v2: Flows (CRUD), Validate, Revisions.

Behaviour reproduced (sources: twilio_studio_v2.json, Twilio docs "Flow
Resource", "Flow Validate", "Flow Revision"):
- create requires FriendlyName, Status (draft|published), Definition; update
  requires Status; the definition is checked (``studio_check``) and a broken
  one is a 400 with code 81022 and the failures in ``details``;
- every update makes a new revision: ``revision`` increments by one and a
  revision record is kept (``/Revisions``, ``/Revisions/{n}``);
- ``GET /v2/Flows`` answers ``"definition": null`` (and null valid/errors/
  warnings) for every flow, as in Twilio's own list example; only fetch (or
  a revision fetch) carries the definition; revision lists carry null too;
- ``POST /v2/Flows/Validate`` answers ``{"valid": true}`` or the same 400.
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import missing, not_found
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.store import Body, Store
from flexplan.sandbox.studio_check import parse_definition

STATUSES = ("draft", "published")
FLOWS = "/v2/Flows"


def _links(sid: str) -> dict[str, str]:
    return {
        name: url("studio", f"{FLOWS}/{sid}/{part}")
        for name, part in (
            ("test_users", "TestUsers"),
            ("revisions", "Revisions"),
            ("executions", "Executions"),
        )
    }


def flow_body(store: Store, sid: str, fields: dict[str, Any], created: str) -> Body:
    return {
        "sid": sid,
        "account_sid": store.account_sid,
        "author_sid": None,
        "friendly_name": fields["friendly_name"],
        "definition": fields["definition"],
        "status": fields["status"],
        "revision": 1,
        "commit_message": fields.get("commit_message"),
        "valid": True,
        "errors": [],
        "warnings": [],
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{store.account_sid}/Flows/{sid}",
        "date_created": created,
        "date_updated": None,
        "url": url("studio", f"{FLOWS}/{sid}"),
        "links": _links(sid),
    }


_REVISION_KEYS = (
    "sid", "account_sid", "author_sid", "friendly_name", "definition", "status", "revision",
    "commit_message", "valid", "errors", "date_created", "date_updated",
)  # fmt: skip


def revision_of(flow: Body) -> Body:
    """The revision record of a flow as it is now (``/Revisions/{n}``)."""
    revision = {key: flow[key] for key in _REVISION_KEYS}
    revision["url"] = url("studio", f"{FLOWS}/{flow['sid']}/Revisions/{flow['revision']}")
    return revision


def _record_revision(store: Store, flow: Body) -> None:
    revision = revision_of(flow)
    store.revisions(flow["sid"]).append(revision)


def _required(fields: dict[str, Any], *names: tuple[str, str]) -> None:
    for key, param in names:
        if fields.get(key) in (None, ""):
            raise missing(param)


def create_flow(store: Store, fields: dict[str, Any]) -> Body:
    """Validate and store a new Studio flow (response field names)."""
    _required(
        fields,
        ("friendly_name", "FriendlyName"),
        ("status", "Status"),
        ("definition", "Definition"),
    )
    fields = {**fields, "definition": parse_definition(fields["definition"])}
    body = flow_body(store, store.new_sid("FW"), fields, now_iso())
    store.put("studio_flows", body)
    _record_revision(store, body)
    return body


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
    nulls = {"definition": None, "valid": None, "errors": None, "warnings": None}
    items = [{**flow, **nulls} for flow in req.store.items("studio_flows")]
    return Response(
        200, page_of(req.query, items, base=url("studio", FLOWS), key="flows", max_size=1000)
    )


def post_flow(req: Request) -> Response:
    return Response(201, create_flow(req.store, _form_fields(req.form)))


def fetch_flow(req: Request) -> Response:
    return Response(200, _flow(req))


def update_flow(req: Request) -> Response:
    current = _flow(req)
    fields = _form_fields(req.form)
    _required(fields, ("status", "Status"))
    if "definition" in fields:
        fields["definition"] = parse_definition(fields["definition"])
    fields.setdefault("commit_message", None)
    updated = {**current, **fields, "revision": current["revision"] + 1, "date_updated": now_iso()}
    req.store.put("studio_flows", updated)
    _record_revision(req.store, updated)
    return Response(200, updated)


def delete_flow(req: Request) -> Response:
    sid = _flow(req)["sid"]
    req.store.delete("studio_flows", sid)
    req.store.state["revisions"].pop(sid, None)
    return Response(204, None)


def validate_flow(req: Request) -> Response:
    fields = _form_fields(req.form)
    _required(
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
    router.add("POST", "studio", FLOWS + "/{Sid}", update_flow)
    router.add("DELETE", "studio", FLOWS + "/{Sid}", delete_flow)
    router.add("GET", "studio", FLOWS + "/{Sid}/Revisions", list_revisions)
    router.add("GET", "studio", FLOWS + "/{Sid}/Revisions/{Revision}", fetch_revision)


__all__ = ["create_flow", "flow_body", "register"]
