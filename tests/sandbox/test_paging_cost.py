"""The sandbox's list pages cost their own items, not the length of the list.

A benchmark's account holds thousands of objects; a page that rebuilt the
whole list (or tested a filter on every object) would make the sandbox, not
flexplan, the thing measured.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from flexplan.sandbox.paging import Listing, page_of
from flexplan.sandbox.params import Params
from flexplan.sandbox.store import Store

ACCOUNT = "AC" + "1" * 32


def _items(count: int) -> list[dict[str, Any]]:
    return [{"sid": f"IG{n:032x}", "type": ("sms", "email")[n % 2]} for n in range(count)]


def _query(url: str | None = None, **given: str) -> Params:
    data = parse_qs(urlsplit(url).query) if url else {}
    return Params({**data, **{k: [v] for k, v in given.items()}})


def _page(listing: Listing, query: Params, **options: Any) -> dict[str, Any]:
    return page_of(query, listing, base="https://x/v1/A", key="items", max_size=50, **options)


def test_a_page_after_a_token_tests_only_the_items_it_walks_over() -> None:
    listing = Listing(_items(10_000))
    tested: list[str] = []

    def keep(item: dict[str, Any]) -> bool:
        tested.append(item["sid"])
        return True

    token = f"PA{listing.items[9_000]['sid']}"
    page = _page(listing, _query(PageSize="50", Page="180", PageToken=token), keep=keep)
    assert [i["sid"] for i in page["items"]] == [i["sid"] for i in listing.items[9_001:9_051]]
    assert len(tested) == 51, "its 50 items and one more to know whether a next page exists"


def test_a_list_answer_shapes_only_the_items_of_its_page() -> None:
    listing = Listing(_items(5_000))
    shaped: list[str] = []

    def shape(item: dict[str, Any]) -> dict[str, Any]:
        shaped.append(item["sid"])
        return {**item, "definition": None}

    page = _page(listing, _query(PageSize="20"), shape=shape)
    assert len(shaped) == 20 and all(i["definition"] is None for i in page["items"])
    assert "definition" not in listing.items[0], "the stored objects are not changed"


def test_the_store_keeps_one_listing_until_the_collection_changes() -> None:
    store = Store(account_sid=ACCOUNT, seed=1)
    first = store.listing("addresses")
    assert store.listing("addresses") is first, "two pages in a row share one listing"
    added = store.add_address(type="sms", address="+15550001111")
    after = store.listing("addresses")
    assert after is not first and after.position(added["sid"]) == len(after) - 1
    store.state["addresses"].pop(added["sid"])  # a test editing the state directly
    assert store.listing("addresses").position(added["sid"]) is None


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=120),
    size=st.integers(min_value=1, max_value=60),
    only=st.sampled_from([None, "sms", "email"]),
)
def test_following_next_pages_yields_every_kept_item_once_in_order(
    count: int, size: int, only: str | None
) -> None:
    listing = Listing(_items(count))
    keep = (lambda item: item["type"] == only) if only else (lambda item: True)
    expected = [i["sid"] for i in listing.items if keep(i)]
    seen: list[str] = []
    query = _query(PageSize=str(size))
    while True:
        page = _page(listing, query, keep=keep)
        seen += [i["sid"] for i in page["items"]]
        assert len(page["items"]) <= min(size, 50)
        if page["meta"]["next_page_url"] is None:
            break
        query = _query(page["meta"]["next_page_url"])
    assert seen == expected


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=1, max_value=150), size=st.integers(min_value=1, max_value=50))
def test_a_previous_page_is_the_page_before(count: int, size: int) -> None:
    listing = Listing(_items(count))
    first = _page(listing, _query(PageSize=str(size)))
    if first["meta"]["next_page_url"] is None:
        return
    second = _page(listing, _query(first["meta"]["next_page_url"]))
    back = _page(listing, _query(second["meta"]["previous_page_url"]))
    assert back["items"] == first["items"]


def test_a_taskrouter_page_walks_the_listing_not_the_whole_collection(
    monkeypatch: Any,
) -> None:
    """A workspace's task queues are paged from the store's listing, as every other list
    is: no page copies and filters the whole collection (it once did, for each page)."""
    from flexplan.sandbox import running_sandbox
    from flexplan.sandbox.seed import WORKSPACE

    from .helpers import raw

    with running_sandbox() as server:
        store = server.store
        with store.lock:
            for n in range(300):
                sid = f"WQ{n:032x}"
                store.put("task_queues", {"sid": sid, "workspace_sid": WORKSPACE,
                                          "friendly_name": f"Queue {n}"})  # fmt: skip
            store.put("task_queues", {"sid": "WQ" + "f" * 32, "workspace_sid": "WS" + "e" * 32,
                                      "friendly_name": "Elsewhere"})  # fmt: skip
        whole: list[str] = []
        items = store.items
        monkeypatch.setattr(store, "items", lambda kind: whole.append(kind) or items(kind))
        path = f"/taskrouter/v1/Workspaces/{WORKSPACE}/TaskQueues"
        seen: list[str] = []
        query: dict[str, str] | None = {"PageSize": "100"}
        while query is not None:
            page = raw(server, "GET", path, params=query).json()
            seen += [queue["sid"] for queue in page["task_queues"]]
            following = page["meta"]["next_page_url"]
            query = {k: v[0] for k, v in parse_qs(urlsplit(following).query).items()} \
                if following else None  # fmt: skip
        named = raw(server, "GET", path, params={"FriendlyName": "Queue 7"}).json()
    assert "task_queues" not in whole
    assert len(seen) == len(set(seen)) and "WQ" + "f" * 32 not in seen
    assert {f"WQ{n:032x}" for n in range(300)} <= set(seen)
    assert [queue["friendly_name"] for queue in named["task_queues"]] == ["Queue 7"]
