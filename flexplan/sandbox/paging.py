"""List pages the way Twilio's v1/v2 APIs build them.

A page answers ``{"meta": {...}, "<key>": [...]}``. ``PageSize`` defaults to 50
and is capped at the endpoint's maximum (Conversations Addresses 50,
Services 100, most others 1000 — the OpenAPI specs' ``maximum``). Pages after
the first are addressed by ``PageToken``: ``PA<sid>`` means "items after
<sid>", ``PB<sid>`` "items before <sid>", so a chain of pages stays consistent
while items are added or removed. ``url``/``next_page_url`` use the public
Twilio host, as Twilio does; the SDK follows ``next_page_url`` as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flexplan.sandbox.errors import invalid
from flexplan.sandbox.params import Params

DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Window:
    size: int
    page: int
    start: int


def _window(query: Params, sids: list[str], max_size: int) -> Window:
    size = query.integer("PageSize") or DEFAULT_PAGE_SIZE
    if size < 1:
        raise invalid(f"PageSize must be at least 1, got {size}")
    size = min(size, max_size)  # Twilio answers with at most the maximum page size.
    page = query.integer("Page", low=0) or 0
    token = query.text("PageToken") or ""
    start = page * size
    if token[2:] in sids and token.startswith("PA"):
        start = sids.index(token[2:]) + 1
    elif token[2:] in sids and token.startswith("PB"):
        start = max(0, sids.index(token[2:]) - size)
    return Window(size, page, start)


def _page_url(base: str, filters: list[tuple[str, str]], size: int, page: int, token: str) -> str:
    query: list[tuple[str, str]] = [*filters, ("PageSize", str(size)), ("Page", str(page))]
    if token:
        query.append(("PageToken", token))
    return f"{base}?{urlencode(query)}"


def page_of(
    query: Params,
    items: list[dict[str, Any]],
    *,
    base: str,
    key: str,
    max_size: int,
    filters: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """One page of ``items`` (already filtered and ordered) with Twilio's ``meta``."""
    filters = filters or []
    sids = [str(item.get("sid", index)) for index, item in enumerate(items)]
    win = _window(query, sids, max_size)
    chunk = items[win.start : win.start + win.size]
    more = win.start + win.size < len(items)
    this_token = query.text("PageToken") or ""
    meta = {
        "page": win.page,
        "page_size": win.size,
        "first_page_url": _page_url(base, filters, win.size, 0, ""),
        "previous_page_url": (
            _page_url(base, filters, win.size, win.page - 1, f"PB{sids[win.start]}")
            if win.page > 0 and chunk
            else None
        ),
        "url": _page_url(base, filters, win.size, win.page, this_token),
        "next_page_url": (
            _page_url(base, filters, win.size, win.page + 1, f"PA{sids[win.start + win.size - 1]}")
            if more
            else None
        ),
        "key": key,
    }
    return {"meta": meta, key: chunk}
