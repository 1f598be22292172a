"""The All Orders grid's sorts read their page off an index instead of sorting every Amazon order that shares a
value (at 3.3M Amazon orders sorting by marketplace took 2 s)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from amazon_channel.amazon_orders import selectors
from amazon_channel.amazon_orders.grids import AmazonOrderGrid

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plans"),
]

# Left sorting in the database: the store's name is in another table, and order notes are free text (a B-tree
# refuses values over about 2.7 kB). Both are documented in docs/PERFORMANCE.md.
UNINDEXED = {"store", "order_notes"}


def full_sorts(sort: str) -> list[str]:
    """The Sort nodes of the plan for the grid's page of ids, sorting and sequential scans made prohibitively dear.
    An Incremental Sort over an index's order is allowed: purchase dates and order numbers hardly repeat."""
    grid = AmazonOrderGrid(QueryDict(f"sort={sort}"), selectors.amazon_orders(store_id=None), path="/amazon/orders/")
    sql, params = grid.sorted().values("pk")[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    return [line for line in plan if "Sort  (" in line and "Incremental Sort" not in line]


@pytest.mark.parametrize(
    "column", [c for c in AmazonOrderGrid.columns if c.sort and c.key not in UNINDEXED], ids=lambda c: c.key
)
@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
def test_each_indexed_sort_pages_off_an_index(column, direction):
    assert full_sorts(direction + column.key) == []


def test_a_sort_without_an_index_is_caught():
    assert full_sorts("order_notes") != []
