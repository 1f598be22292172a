"""The store dashboard's bestsellers (dashboard.bestsellers); test_figures_exact.py holds them to the orders at every
edge of every range."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.bestsellers import bestsellers
from dashboard.periods import RANGES
from orders.services import cancel_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=ZoneInfo("UTC"))


def test_bestsellers_by_quantity_without_cancelled_orders(staff):
    make_order(items=[("TEE", 3, "10.00"), ("MUG", 1, "5.00")], created_at=NOW - timedelta(hours=1))
    make_order(items=[("MUG", 1, "5.00")], created_at=NOW - timedelta(hours=2))
    cancelled = make_order(items=[("MUG", 9, "5.00")], created_at=NOW - timedelta(hours=2))
    cancel_order(order=cancelled, actor=staff)
    make_order(items=[("OLD", 50, "1.00")], created_at=NOW - timedelta(days=30))

    rows = bestsellers(RANGES["7d"], now=NOW)

    assert [(r.sku, r.qty) for r in rows] == [("TEE", 3), ("MUG", 2)]
    assert rows[0].name == "Product TEE"
