"""Every sort the order grid offers reads its page off an index, whatever the table's size: no sort of all the
orders sharing a value (at 10M orders sorting by status took 8-10 s, by purchase point 21 s)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from dbtools import plan_without_sorting
from orders.grids import OrderGrid
from orders.selectors import order_grid_rows
from orders.tests.factories import make_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plans"),
]


def page_plan(sort: str, ordering: tuple[str, ...] = ()) -> str:
    """PostgreSQL's plan for the grid's page of ids (or for the same rows in `ordering`), sorting made prohibitively
    dear: a Sort is left in the plan only when no index yields the rows in that order."""
    grid = OrderGrid(QueryDict(f"sort={sort}"), order_grid_rows(), path="/sales/orders/")
    rows = grid.filtered().order_by(*ordering) if ordering else grid.sorted()
    return "\n".join(plan_without_sorting(*rows.values("pk")[:21].query.sql_with_params()))


@pytest.mark.parametrize("column", [c for c in OrderGrid.columns if c.sort], ids=lambda c: c.key)
@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
def test_each_sortable_column_pages_off_an_index(column, direction):
    make_order()
    plan = page_plan(direction + column.key)
    assert "Sort" not in plan, plan
    assert "Index" in plan, plan


def test_a_column_without_its_index_is_caught():
    # The check itself: the customer's first name is not a sortable column of the grid and has no (name, id) index.
    make_order()
    assert "Sort" in page_plan("", ("customer_first_name", "id"))
