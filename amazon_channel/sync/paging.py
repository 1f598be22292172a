"""searchOrders, page after page, the next page fetched while the current one is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from ..spapi import SpApiClient, types

PAGE_SIZE = 100


def search_pages(
    client: SpApiClient,
    *,
    after: datetime,
    marketplace_ids: list[str],
    page_token: str | None,
    keep_going: Callable[[int], bool] | None = None,
) -> Iterator[types.OrdersPage]:
    """searchOrders pages in order. While a page is being written, the next one is already being fetched in a
    background thread (Amazon's answer and the database's work overlap); only HTTP happens in that thread: its
    failed exchanges are reported to the communication log from this thread, and a page is used only once every
    page before it is committed. A client that can't defer its error reports (a test fake) is called in turn.

    `keep_going(pages fetched)` is asked before each next page is fetched: False ends the pages there (the last one
    yielded still has its `next_token`, which the caller saved), so a turn of the fair scheduler stops without
    waiting on the quota."""
    more = keep_going or (lambda fetched: True)

    def fetch(token: str | None):
        return client.search_orders(
            last_updated_after=after,
            marketplace_ids=marketplace_ids,  # at most a region's: under the 50 Amazon takes
            max_results_per_page=PAGE_SIZE,
            pagination_token=token,
        )

    fetched = 0
    if not hasattr(client, "errors_deferred"):
        while True:
            page = fetch(page_token)
            fetched += 1
            yield page
            if not page.next_token or not more(fetched):
                return
            page_token = page.next_token

    def fetch_in_background(token: str | None):
        with client.errors_deferred() as notes:
            try:
                return fetch(token), notes, None
            except Exception as exc:  # raised again in the importing thread, after its errors are logged
                return None, notes, exc

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="amazon-import-prefetch") as pool:
        upcoming = pool.submit(fetch_in_background, page_token)
        while True:
            page, notes, exc = upcoming.result()
            client.report_errors(notes)
            if exc is not None:
                raise exc
            fetched += 1
            going_on = bool(page.next_token) and more(fetched)
            if going_on:
                upcoming = pool.submit(fetch_in_background, page.next_token)
            yield page
            if not going_on:
                return
