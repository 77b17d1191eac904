"""Studio flows and their revisions: what Twilio accepts and stores (no HTTP).

Behaviour reproduced (sources: twilio_studio_v2.json, Twilio docs "Flow
Resource", "Flow Revision"):
- create requires FriendlyName, Status (draft|published), Definition; update
  requires Status; the definition is checked (``studio_check``) and a broken
  one is a 400 with code 81022 and the failures in ``details``;
- every create and update makes a new revision: ``revision`` increments by one
  and a revision record is kept (``/Revisions``, ``/Revisions/{n}``).
"""

from __future__ import annotations

from typing import Any

from flexplan.sandbox.errors import missing
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.state import AccountState, Body
from flexplan.sandbox.studio_check import parse_definition

STATUSES = ("draft", "published")
FLOWS = "/v2/Flows"
_REVISION_KEYS = (
    "sid", "account_sid", "author_sid", "friendly_name", "definition", "status", "revision",
    "commit_message", "valid", "errors", "date_created", "date_updated",
)  # fmt: skip


def _links(sid: str) -> dict[str, str]:
    return {
        name: url("studio", f"{FLOWS}/{sid}/{part}")
        for name, part in (
            ("test_users", "TestUsers"),
            ("revisions", "Revisions"),
            ("executions", "Executions"),
        )
    }


def flow_body(account_sid: str, sid: str, fields: dict[str, Any], created: str) -> Body:
    """A flow's first revision as Twilio answers it (``fields``: response names)."""
    return {
        "sid": sid,
        "account_sid": account_sid,
        "author_sid": None,
        "friendly_name": fields["friendly_name"],
        "definition": fields["definition"],
        "status": fields["status"],
        "revision": 1,
        "commit_message": fields.get("commit_message"),
        "valid": True,
        "errors": [],
        "warnings": [],
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{sid}",
        "date_created": created,
        "date_updated": None,
        "url": url("studio", f"{FLOWS}/{sid}"),
        "links": _links(sid),
    }


def revision_of(flow: Body) -> Body:
    """The revision record of a flow as it is now (``/Revisions/{n}``)."""
    revision = {key: flow[key] for key in _REVISION_KEYS}
    revision["url"] = url("studio", f"{FLOWS}/{flow['sid']}/Revisions/{flow['revision']}")
    return revision


def required(fields: dict[str, Any], *names: tuple[str, str]) -> None:
    """Each (field, parameter) pair given, else Twilio's "parameter required" 400."""
    for key, param in names:
        if fields.get(key) in (None, ""):
            raise missing(param)


def create_flow(store: AccountState, fields: dict[str, Any]) -> Body:
    """Validate and store a new Studio flow (response field names)."""
    required(
        fields,
        ("friendly_name", "FriendlyName"),
        ("status", "Status"),
        ("definition", "Definition"),
    )
    fields = {**fields, "definition": parse_definition(fields["definition"])}
    body = flow_body(store.account_sid, store.new_sid("FW"), fields, now_iso())
    store.put("studio_flows", body)
    store.revisions(body["sid"]).append(revision_of(body))
    return body


def update_flow(store: AccountState, current: Body, fields: dict[str, Any]) -> Body:
    """Validate and store the next revision of a flow (response field names)."""
    required(fields, ("status", "Status"))
    if "definition" in fields:
        fields = {**fields, "definition": parse_definition(fields["definition"])}
    fields.setdefault("commit_message", None)
    updated = {**current, **fields, "revision": current["revision"] + 1, "date_updated": now_iso()}
    store.put("studio_flows", updated)
    store.revisions(updated["sid"]).append(revision_of(updated))
    return updated


def delete_flow(store: AccountState, sid: str) -> None:
    store.delete("studio_flows", sid)
    store.state["revisions"].pop(sid, None)
