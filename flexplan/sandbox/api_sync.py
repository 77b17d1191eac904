"""sync v1: Sync Services and Sync Documents (what flexplan's account lock uses).

Behaviour reproduced (sources: the OpenAPI spec twilio_sync_v1.json from
twilio/twilio-oai; Twilio docs "Document Resource" and the error pages
54100, 54300, 54301, 54302):
- a Service is created with an optional ``FriendlyName`` and listed oldest
  first (key ``services``, at most 100 a page); deleting it deletes its documents;
- a Document is created with optional ``UniqueName``, ``Data`` (a JSON object,
  at most 16 KiB) and ``Ttl`` (seconds; 0 or absent: never expires). A second
  document with a unique name already used in the service is refused with
  error 54301 "Unique name already exists" (HTTP 409: the error page gives no
  status; 409 is our assumption, Twilio's usual one for a conflict);
- a Document is addressed by its SID (``ET…``) or its unique name; an unknown
  one is 404 with error 54100 "Document not found";
- update takes ``Data`` and/or ``Ttl``; a new ``Ttl`` counts from now;
  ``revision`` grows on every change;
- a Document whose ``date_expires`` has passed is gone: it is deleted the next
  time the service is touched (Twilio says it "might not be deleted
  immediately after it expires"; flexplan's lock treats a document past its
  ``date_expires`` as expired either way).
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Any

from flexplan.sandbox.errors import ApiError, invalid, not_found
from flexplan.sandbox.ids import now_iso, url
from flexplan.sandbox.paging import page_of
from flexplan.sandbox.routes import Request, Response, Router
from flexplan.sandbox.state import AccountState, Body

SERVICES = "/v1/Services"
MAX_TTL = 31_536_000  # one year: Sync's largest TTL (assumption, docs/sandbox.md)
MAX_DATA = 16 * 1024
_SID_LIKE = re.compile(r"[A-Z]{2}[a-f0-9]{32}")


# -- Services ------------------------------------------------------------------------
def _service_body(store: AccountState, sid: str, friendly_name: str | None) -> Body:
    created = now_iso()
    base = f"{SERVICES}/{sid}"
    return {
        "sid": sid,
        "unique_name": None,
        "account_sid": store.account_sid,
        "friendly_name": friendly_name,
        "date_created": created,
        "date_updated": created,
        "url": url("sync", base),
        "webhook_url": None,
        "webhooks_from_rest_enabled": False,
        "reachability_webhooks_enabled": False,
        "acl_enabled": False,
        "reachability_debouncing_enabled": False,
        "reachability_debouncing_window": 5000,
        "links": {
            name: url("sync", f"{base}/{name.capitalize()}")
            for name in ("documents", "lists", "maps", "streams")
        },
    }


def _service(req: Request, key: str) -> Body:
    sid = req.path_params[key]
    found = req.store.get("sync_services", sid)
    if found is None:
        raise not_found(f"{SERVICES}/{sid}")
    return found


def list_services(req: Request) -> Response:
    items = req.store.listing("sync_services")
    return Response(
        200, page_of(req.query, items, base=url("sync", SERVICES), key="services", max_size=100)
    )


def create_service(req: Request) -> Response:
    body = _service_body(req.store, req.store.new_sid("IS"), req.form.text("FriendlyName"))
    return Response(201, req.store.put("sync_services", body))


def fetch_service(req: Request) -> Response:
    return Response(200, _service(req, "Sid"))


def delete_service(req: Request) -> Response:
    sid = _service(req, "Sid")["sid"]
    for doc in _documents(req.store, sid):
        req.store.delete("sync_documents", doc["sid"])
    req.store.delete("sync_services", sid)
    return Response(204, None)


# -- Documents -----------------------------------------------------------------------
def _expires_at(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def _expiry(ttl: int) -> str | None:
    if ttl == 0:
        return None
    moment = datetime.fromtimestamp(math.ceil(time.time() + ttl), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _documents(store: AccountState, service_sid: str) -> list[Body]:
    """The service's documents, oldest first, after deleting the expired ones."""
    now = time.time()
    kept = []
    for doc in store.items("sync_documents"):
        if doc["service_sid"] != service_sid:
            continue
        expires = _expires_at(doc.get("date_expires"))
        if expires is not None and expires <= now:
            store.delete("sync_documents", doc["sid"])
            continue
        kept.append(doc)
    return kept


def _document(req: Request) -> Body:
    service = _service(req, "ServiceSid")
    wanted = req.path_params["Sid"]
    for doc in _documents(req.store, service["sid"]):
        if wanted in (doc["sid"], doc["unique_name"]):
            return doc
    raise ApiError(404, 54100, f"Document not found: {wanted}")


def _data(req: Request) -> dict[str, Any] | None:
    text = req.form.text("Data")
    if text is None:
        return None
    if len(text.encode("utf-8")) > MAX_DATA:
        raise ApiError(413, 54006, "Request entity too large: Data is over 16 KiB")
    try:
        data = json.loads(text)
    except ValueError:
        raise invalid("Invalid Data: not valid JSON") from None
    if not isinstance(data, dict):
        raise invalid("Invalid Data: must be a JSON object")
    return data


def _unique_name(req: Request) -> str | None:
    name = req.form.text("UniqueName")
    if name is None:
        return None
    if not 1 <= len(name) <= 256 or _SID_LIKE.fullmatch(name):
        raise ApiError(400, 54302, f"Invalid unique name: {name!r}")
    return name


def create_document(req: Request) -> Response:
    service = _service(req, "ServiceSid")
    unique_name = _unique_name(req)
    data = _data(req) or {}
    ttl = req.form.integer("Ttl", low=0, high=MAX_TTL) or 0
    existing = _documents(req.store, service["sid"])
    if unique_name is not None and any(d["unique_name"] == unique_name for d in existing):
        raise ApiError(409, 54301, f"Unique name already exists: {unique_name}")
    sid = req.store.new_sid("ET")
    created = now_iso()
    path = f"{SERVICES}/{service['sid']}/Documents/{sid}"
    body = {
        "sid": sid,
        "unique_name": unique_name,
        "account_sid": req.store.account_sid,
        "service_sid": service["sid"],
        "url": url("sync", path),
        "links": {"permissions": url("sync", f"{path}/Permissions")},
        "revision": "0",
        "data": data,
        "date_expires": _expiry(ttl),
        "date_created": created,
        "date_updated": created,
        "created_by": "system",
    }
    return Response(201, req.store.put("sync_documents", body))


def list_documents(req: Request) -> Response:
    service = _service(req, "ServiceSid")
    items = _documents(req.store, service["sid"])
    base = url("sync", f"{SERVICES}/{service['sid']}/Documents")
    return Response(200, page_of(req.query, items, base=base, key="documents", max_size=100))


def fetch_document(req: Request) -> Response:
    return Response(200, _document(req))


def update_document(req: Request) -> Response:
    doc = dict(_document(req))
    data = _data(req)
    ttl = req.form.integer("Ttl", low=0, high=MAX_TTL)
    if data is not None:
        doc["data"] = data
    if ttl is not None:
        doc["date_expires"] = _expiry(ttl)
    doc["revision"] = str(int(doc["revision"]) + 1)
    doc["date_updated"] = now_iso()
    return Response(200, req.store.put("sync_documents", doc))


def delete_document(req: Request) -> Response:
    req.store.delete("sync_documents", _document(req)["sid"])
    return Response(204, None)


def register(router: Router) -> None:
    router.add("GET", "sync", SERVICES, list_services)
    router.add("POST", "sync", SERVICES, create_service)
    router.add("GET", "sync", f"{SERVICES}/{{Sid}}", fetch_service)
    router.add("DELETE", "sync", f"{SERVICES}/{{Sid}}", delete_service)
    docs = f"{SERVICES}/{{ServiceSid}}/Documents"
    router.add("GET", "sync", docs, list_documents)
    router.add("POST", "sync", docs, create_document)
    router.add("GET", "sync", f"{docs}/{{Sid}}", fetch_document)
    router.add("POST", "sync", f"{docs}/{{Sid}}", update_document)
    router.add("DELETE", "sync", f"{docs}/{{Sid}}", delete_document)
