"""Every sort the order grid offers reads its page off an index, whatever the table's size: no sort of all the
orders sharing a value (at 10M orders sorting by status took 8-10 s, by purchase point 21 s)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from orders.grids import OrderGrid
from orders.selectors import order_grid_rows
from orders.tests.factories import make_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plans"),
]


def page_plan(sort: str) -> str:
    """PostgreSQL's plan for the grid's page of ids, with sorting and sequential scans made prohibitively dear:
    a Sort is left in the plan only when no index yields the rows in the grid's order."""
    grid = OrderGrid(QueryDict(f"sort={sort}"), order_grid_rows(), path="/sales/orders/")
    sql, params = grid.sorted().values("pk")[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("column", [c for c in OrderGrid.columns if c.sort], ids=lambda c: c.key)
@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
def test_each_sortable_column_pages_off_an_index(column, direction):
    make_order()
    plan = page_plan(direction + column.key)
    assert "Sort" not in plan, plan
    assert "Index" in plan, plan


def test_a_column_without_its_index_is_caught():
    # The check itself: customer_email is not a sortable column of the grid and has no (email, id) order.
    make_order()
    grid = OrderGrid(QueryDict(""), order_grid_rows(), path="/sales/orders/")
    sql, params = grid.filtered().order_by("customer_first_name", "id").values("pk")[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" in plan
