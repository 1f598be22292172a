"""The store dashboard's lists and quick search (dashboard.selectors)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard import selectors
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=ZoneInfo("UTC"))


def test_recent_orders_newest_first_with_item_quantities():
    older = make_order(items=[("A", 2, "1.00"), ("B", 3, "1.00")], created_at=NOW - timedelta(days=1))
    newer = make_order(items=[("A", 1, "1.00")], created_at=NOW)

    rows = list(selectors.recent_orders(limit=10))

    assert [(o.pk, o.items_qty) for o in rows] == [(newer.pk, 1), (older.pk, 5)]


def test_find_orders_by_commerce_or_amazon_number():
    commerce = make_order()
    amazon = make_order(channel="amazon", external_order_number="113-1234567-7654321")

    assert selectors.find_orders_by_number(commerce.increment_id) == [commerce.pk]
    assert selectors.find_orders_by_number(" 113-1234567-7654321 ") == [amazon.pk]
    assert selectors.find_orders_by_number("113-1234567") == []  # a prefix is not an order number
    assert selectors.find_orders_by_number("") == []
