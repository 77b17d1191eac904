"""List pages the way Twilio's v1/v2 APIs build them.

A page answers ``{"meta": {...}, "<key>": [...]}``. ``PageSize`` defaults to 50
and is capped at the endpoint's maximum (Conversations Addresses 50,
Services 100, most others 1000 — the OpenAPI specs' ``maximum``). Pages after
the first are addressed by ``PageToken``: ``PA<sid>`` means "items after
<sid>", ``PB<sid>`` "items before <sid>", so a chain of pages stays consistent
while items are added or removed. ``url``/``next_page_url`` use the public
Twilio host, as Twilio does; the SDK follows ``next_page_url`` as given.

A page costs the items it holds, not the length of the list: a ``Listing``
knows each item's position (the store keeps one per collection until the
collection changes), a page token is found by that position, and a filter is
tested only on the items a page walks over.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flexplan.sandbox.errors import invalid
from flexplan.sandbox.params import Params

DEFAULT_PAGE_SIZE = 50

Item = dict[str, Any]


class Listing:
    """Items in list order, each found by its SID in constant time."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self._position = {str(item.get("sid", index)): index for index, item in enumerate(items)}

    def __len__(self) -> int:
        return len(self.items)

    def position(self, sid: str) -> int | None:
        return self._position.get(sid)

    def forward(self, start: int, keep: Callable[[Item], bool]) -> Iterator[int]:
        """Positions from ``start`` on whose item ``keep`` accepts."""
        return (i for i in range(start, len(self.items)) if keep(self.items[i]))

    def backward(self, before: int, keep: Callable[[Item], bool]) -> Iterator[int]:
        """Positions before ``before``, nearest first, whose item ``keep`` accepts."""
        return (i for i in range(before - 1, -1, -1) if keep(self.items[i]))


def _everything(item: Item) -> bool:
    return True


@dataclass(frozen=True)
class Window:
    size: int
    page: int
    positions: list[int]  # the positions of this page's items
    more: bool  # items after this page


def _take(positions: Iterator[int], count: int) -> list[int]:
    return list(itertools.islice(positions, count))


def _first_position(
    listing: Listing, query: Params, size: int, page: int, keep: Callable[[Item], bool]
) -> int:
    """Where the page starts: after/before the token's item, else ``page`` pages in."""
    token = query.text("PageToken") or ""
    found = listing.position(token[2:]) if token[:2] in ("PA", "PB") else None
    if found is not None and token.startswith("PA"):
        return found + 1
    if found is not None:
        earlier = _take(listing.backward(found, keep), size)
        return earlier[-1] if earlier else 0
    skipped = _take(listing.forward(0, keep), page * size + 1)
    return skipped[page * size] if len(skipped) > page * size else len(listing)


def _window(query: Params, listing: Listing, max_size: int, keep: Callable[[Item], bool]) -> Window:
    size = query.integer("PageSize") or DEFAULT_PAGE_SIZE
    if size < 1:
        raise invalid(f"PageSize must be at least 1, got {size}")
    size = min(size, max_size)  # Twilio answers with at most the maximum page size.
    page = query.integer("Page", low=0) or 0
    start = _first_position(listing, query, size, page, keep)
    walked = _take(listing.forward(start, keep), size + 1)
    return Window(size, page, walked[:size], len(walked) > size)


def _page_url(base: str, filters: list[tuple[str, str]], size: int, page: int, token: str) -> str:
    query: list[tuple[str, str]] = [*filters, ("PageSize", str(size)), ("Page", str(page))]
    if token:
        query.append(("PageToken", token))
    return f"{base}?{urlencode(query)}"


def page_of(
    query: Params,
    items: Listing | Sequence[Item],
    *,
    base: str,
    key: str,
    max_size: int,
    filters: list[tuple[str, str]] | None = None,
    keep: Callable[[Item], bool] = _everything,
    shape: Callable[[Item], Item] | None = None,
) -> dict[str, Any]:
    """One page of ``items`` (in list order) with Twilio's ``meta``: only the items
    ``keep`` accepts, each passed through ``shape`` (what a list answer shows of it)."""
    filters = filters or []
    listing = items if isinstance(items, Listing) else Listing(items)
    win = _window(query, listing, max_size, keep)
    chunk = [listing.items[i] for i in win.positions]
    sids = [str(listing.items[i].get("sid", i)) for i in win.positions]
    this_token = query.text("PageToken") or ""
    meta = {
        "page": win.page,
        "page_size": win.size,
        "first_page_url": _page_url(base, filters, win.size, 0, ""),
        "previous_page_url": (
            _page_url(base, filters, win.size, win.page - 1, f"PB{sids[0]}")
            if win.page > 0 and chunk
            else None
        ),
        "url": _page_url(base, filters, win.size, win.page, this_token),
        "next_page_url": (
            _page_url(base, filters, win.size, win.page + 1, f"PA{sids[-1]}") if win.more else None
        ),
        "key": key,
    }
    return {"meta": meta, key: [shape(item) for item in chunk] if shape else chunk}
