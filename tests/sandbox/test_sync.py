"""Sync Services and Documents in the sandbox, through the real twilio SDK (the lock's API)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from flexplan.sandbox import SandboxServer


def _error(call: Any) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def test_services_and_documents_round_trip(sandbox_client: Any) -> None:
    sync = sandbox_client.sync.v1
    assert sync.services.list() == []
    service = sync.services.create(friendly_name="flexplan")
    assert service.sid.startswith("IS") and service.friendly_name == "flexplan"
    assert [s.sid for s in sync.services.list()] == [service.sid]
    docs = sync.services(service.sid).documents
    doc = docs.create(unique_name="flexplan-lock", data={"who": "ci"}, ttl=60)
    assert doc.sid.startswith("ET") and doc.revision == "0" and doc.data == {"who": "ci"}
    assert doc.date_expires is not None and doc.created_by == "system"
    by_name = docs("flexplan-lock").fetch()
    assert by_name.sid == doc.sid
    updated = docs(doc.sid).update(ttl=0)
    assert updated.revision == "1" and updated.date_expires is None
    assert [d.sid for d in docs.list()] == [doc.sid]
    assert docs(doc.sid).delete() is True
    assert docs.list() == []


def test_a_used_unique_name_is_refused_with_54301(sandbox_client: Any) -> None:
    service = sandbox_client.sync.v1.services.create(friendly_name="flexplan")
    docs = sandbox_client.sync.v1.services(service.sid).documents
    docs.create(unique_name="flexplan-lock", data={})
    error = _error(lambda: docs.create(unique_name="flexplan-lock", data={}))
    assert (error.status, error.code) == (409, 54301)
    missing = _error(lambda: docs("nothing-here").fetch())
    assert (missing.status, missing.code) == (404, 54100)


@pytest.mark.invalid_requests
def test_bad_document_parameters_are_refused(sandbox_client: Any) -> None:
    service = sandbox_client.sync.v1.services.create(friendly_name="flexplan")
    docs = sandbox_client.sync.v1.services(service.sid).documents
    assert _error(lambda: docs.create(unique_name="ET" + "a" * 32)).code == 54302
    assert _error(lambda: docs.create(unique_name="x", ttl=-1)).status == 400
    assert _error(lambda: docs.create(unique_name="x", data="[1]")).status == 400
    too_big = {"blob": "x" * (17 * 1024)}
    assert _error(lambda: docs.create(unique_name="x", data=too_big)).code == 54006
    gone = _error(lambda: sandbox_client.sync.v1.services("IS" + "0" * 32).fetch())
    assert gone.status == 404


def test_an_expired_document_is_gone_and_its_name_free(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    service = sandbox_client.sync.v1.services.create(friendly_name="flexplan")
    docs = sandbox_client.sync.v1.services(service.sid).documents
    docs.create(unique_name="lease", data={}, ttl=1)
    time.sleep(2.1)  # date_expires has whole seconds, rounded up
    assert docs.list() == []
    assert _error(lambda: docs("lease").fetch()).code == 54100
    assert docs.create(unique_name="lease", data={}, ttl=1).unique_name == "lease"


def test_deleting_a_service_deletes_its_documents(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    service = sandbox_client.sync.v1.services.create(friendly_name="flexplan")
    sandbox_client.sync.v1.services(service.sid).documents.create(unique_name="a")
    assert sandbox_client.sync.v1.services(service.sid).delete() is True
    assert sandbox.store.items("sync_documents") == []
