"""The All Orders grid's sorts read their page off an index instead of sorting every Amazon order that shares a
value (at 3.3M Amazon orders sorting by marketplace took 2 s)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from admin_ui.grid import Grid
from amazon_channel.amazon_orders import selectors
from amazon_channel.amazon_orders.grids import AmazonOrderGrid
from amazon_channel.models import AmazonOrder
from amazon_channel.testing.factories import AmazonStoreFactory
from dbtools import plan_without_sorting

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plans"),
]

# Not in the grid's one sorted query: the store's name is in another table, so a page sorted by store is picked
# store by store (AmazonOrderGrid.rows, tested below). Order notes sort by their first 100 characters.
UNINDEXED = {"store"}


def full_sorts(sort: str, ordering: tuple[str, ...] = ()) -> list[str]:
    """The Sort nodes of the plan for the grid's page of ids (or for the same rows in `ordering`), sorting and
    sequential scans made prohibitively dear. An Incremental Sort over an index's order is allowed: purchase dates and
    order numbers hardly repeat."""
    grid = AmazonOrderGrid(QueryDict(f"sort={sort}"), selectors.amazon_orders(store_id=None), path="/amazon/orders/")
    rows = grid.filtered().order_by(*ordering) if ordering else grid.sorted()
    plan = plan_without_sorting(*rows.values("pk")[:21].query.sql_with_params())
    return [line for line in plan if "Sort  (" in line and "Incremental Sort" not in line]


@pytest.mark.parametrize(
    "column", [c for c in AmazonOrderGrid.columns if c.sort and c.key not in UNINDEXED], ids=lambda c: c.key
)
@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
def test_each_indexed_sort_pages_off_an_index(column, direction):
    assert full_sorts(direction + column.key) == []


def test_a_sort_without_an_index_is_caught():
    # The whole note (what the column sorted by before), and a column no grid sorts by.
    assert full_sorts("", ("order_notes", "id")) != []
    assert full_sorts("", ("ship_service_level", "id")) != []


def _store_grid(sort: str) -> AmazonOrderGrid:
    return AmazonOrderGrid(QueryDict(f"sort={sort}"), selectors.amazon_orders(store_id=None), path="/amazon/orders/")


def _stores_with_orders(names: list[str]) -> None:
    stores = [AmazonStoreFactory(name=name, seller_id=f"SELLER{n}") for n, name in enumerate(names)]
    now = timezone.now()
    for n in range(30):
        AmazonOrder.objects.create(
            store=stores[n % len(stores)],
            amazon_order_id=f"113-{n:07d}-0000001",
            purchase_date=now,
            amazon_updated_at=now,
        )


# Name order differs from creation order, and two stores share a name; or the one store most merchants have.
STORES = pytest.mark.parametrize("names", [["Zeta", "Alpha", "Zeta"], ["Only"]], ids=["three stores", "one store"])


@STORES
@pytest.mark.parametrize("sort", ["store", "-store"])
def test_sorted_by_store_each_page_is_the_one_the_plain_sort_gives(names, sort):
    _stores_with_orders(names)
    grid = _store_grid(sort)
    for offset in (0, 7, 20, 28, 30):
        picked = [order.pk for order in grid.rows(offset, 8)]
        plain = [order.pk for order in Grid.rows(grid, offset, 8)]  # ORDER BY the store's name, then id
        assert picked == plain
    names_shown = [order.store.name for order in grid.rows(0, 30)]
    assert names_shown == sorted(names_shown, reverse=sort.startswith("-"))


@STORES
def test_sorted_by_store_no_order_is_sorted_but_the_page(names):
    _stores_with_orders(names)
    with CaptureQueriesContext(connection) as ctx:
        _store_grid("store").rows(0, 21)
    page = next(
        q["sql"]
        for q in ctx.captured_queries
        if '"amazon_channel_amazonorder"."id" IN' not in q["sql"] and "amazon_channel_amazonorder" in q["sql"]
    )
    plan = plan_without_sorting(page)
    # Several stores: one sort of the few rows their parts gave (at most 21 each), none inside a part; one store:
    # its index gives the page in order.
    assert sum("Sort  (" in line for line in plan) == (1 if len(names) > 1 else 0), plan
    assert not any("Seq Scan" in line for line in plan), plan
    assert any("amazon_order_grid_store" in line for line in plan), plan


@pytest.mark.parametrize("sort", ["order_notes", "-order_notes"])
def test_sorted_by_order_notes_the_notes_come_in_text_order(sort):
    store = AmazonStoreFactory()
    now = timezone.now()
    for n, notes in enumerate(["Cancel requested", "", "Address changed", "Cancel requested"]):
        AmazonOrder.objects.create(
            store=store,
            amazon_order_id=f"113-{n:07d}-0000002",
            purchase_date=now,
            amazon_updated_at=now,
            order_notes=notes,
        )
    grid = AmazonOrderGrid(QueryDict(f"sort={sort}"), selectors.amazon_orders(store_id=None), path="/amazon/orders/")
    shown = [(order.order_notes, order.pk) for order in grid.page().rows]
    descending = sort.startswith("-")
    assert shown == sorted(shown, reverse=descending)
