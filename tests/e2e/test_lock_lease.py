"""The lease itself (flexplan.engine.lock) against the sandbox's Sync API: duplicate
services, a lease taken over after expiry, a lost lease, faults on the way."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flexplan.engine.lock import (
    DOCUMENT_NAME,
    EXPIRY_MARGIN,
    SERVICE_NAME,
    AccountLock,
    LockHeld,
    SyncStore,
    _expired,
    new_holder,
)
from flexplan.sandbox import SandboxServer


def _lock(client: Any, ttl: int = 60) -> AccountLock:
    return AccountLock(client, new_holder("apply", {}), ttl=ttl)


def _documents(sandbox: SandboxServer) -> list[dict[str, Any]]:
    with sandbox.store.lock:
        return list(sandbox.store.items("sync_documents"))


def test_a_second_lock_is_refused_and_the_first_release_frees_it(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    first, second = _lock(sandbox_client), _lock(sandbox_client)
    first.acquire()
    with pytest.raises(LockHeld) as refused:
        second.acquire()
    assert refused.value.holder is not None
    assert refused.value.holder.lock_id == first.holder.lock_id
    assert first.release() is True
    second.acquire()
    assert second.held and len(_documents(sandbox)) == 1
    second.release()
    services = sandbox.store.items("sync_services")
    assert [s["friendly_name"] for s in services] == [SERVICE_NAME]  # made once, kept


def test_a_lease_in_a_duplicate_service_is_respected(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    """Two runs that created the service at once: the later lease gives itself back."""
    sync = sandbox_client.sync.v1
    older = sync.services.create(friendly_name=SERVICE_NAME)
    newer = sync.services.create(friendly_name=SERVICE_NAME)
    other = new_holder("apply", {})
    sync.services(newer.sid).documents.create(unique_name=DOCUMENT_NAME, data=other.data(), ttl=60)
    with pytest.raises(LockHeld) as refused:
        _lock(sandbox_client).acquire()
    assert refused.value.holder is not None and refused.value.holder.lock_id == other.lock_id
    assert [d["service_sid"] for d in _documents(sandbox)] == [newer.sid]  # ours given back
    assert older.sid != newer.sid


def test_releasing_an_expired_lease_never_deletes_the_next_holders(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    stale = _lock(sandbox_client, ttl=1)
    stale.acquire()
    stale._stop.set()  # stops renewing, like a frozen process
    time.sleep(2.2)
    fresh = _lock(sandbox_client)
    fresh.acquire()
    assert stale.release() is False  # its own document was gone: nothing deleted
    assert [d["data"]["lock_id"] for d in _documents(sandbox)] == [fresh.holder.lock_id]
    fresh.release()


def test_a_lease_deleted_behind_the_holders_back_is_reported_lost(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    lock = _lock(sandbox_client, ttl=1)
    lock.acquire()
    with sandbox.store.lock:
        for doc in sandbox.store.items("sync_documents"):
            sandbox.store.delete("sync_documents", doc["sid"])
    assert lock.lost.wait(timeout=10)
    assert lock.release() is False


@pytest.mark.sandbox_knobs(fail_rate=0.3, seed=7)
def test_taking_and_giving_back_survive_faults(sandbox: SandboxServer, sandbox_client: Any) -> None:
    for _ in range(10):
        lock = _lock(sandbox_client)
        lock.acquire(timeout=5)
        docs = _documents(sandbox)
        assert [d["data"]["lock_id"] for d in docs] == [lock.holder.lock_id]
        assert lock.release() in (True, False)  # False: a retried delete after a lost answer
        assert _documents(sandbox) == []


def test_a_document_past_its_expiry_is_no_lease_even_if_not_deleted_yet() -> None:
    now = time.time()

    def at(offset: float) -> dict[str, str]:
        moment = time.gmtime(now + offset)
        return {"date_expires": time.strftime("%Y-%m-%dT%H:%M:%SZ", moment)}

    assert _expired(at(-EXPIRY_MARGIN - 5))
    assert not _expired(at(-1))  # within the margin for clock skew
    assert not _expired(at(60))
    assert not _expired({"date_expires": None})


def test_a_tie_between_duplicate_services_is_tried_again_not_refused(
    sandbox: SandboxServer, sandbox_client: Any
) -> None:
    """Two first runs made a service each and both gave their leases back (a tie): the
    one still trying takes the lock once the other's lease is gone, even with no
    --lock-timeout, instead of failing while blaming a lease that was given back."""
    sync = sandbox_client.sync.v1
    for _ in range(2):
        sync.services.create(friendly_name=SERVICE_NAME)
    # the order the lock uses ("oldest" first; one second's services by SID)
    older, newer = (s["sid"] for s in SyncStore(sandbox_client).services())
    other = new_holder("apply", {})  # the other run, about to give its lease back (TTL 1 s)
    sync.services(newer).documents.create(unique_name=DOCUMENT_NAME, data=other.data(), ttl=1)
    mine = _lock(sandbox_client)
    mine.acquire()  # timeout 0, as a CI job without --lock-timeout
    try:
        assert mine.held
        assert [d["service_sid"] for d in _documents(sandbox)] == [older]
    finally:
        mine.release()
