"""The store dashboard's bestsellers (dashboard.bestsellers); test_figures_exact.py holds them to the orders at every
edge of every range."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.bestsellers import bestsellers
from dashboard.periods import RANGES
from orders.models import OrderItem
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


@pytest.mark.parametrize("minute", [0, 10, 30, 31, 59])
@pytest.mark.parametrize("hour", [0, 5, 11, 12, 13, 23])
def test_the_first_day_is_exact_wherever_the_range_starts(staff, hour, minute):
    """The partial first day is whole hours (added, or taken from the day's row) plus the items of the half hour
    around `start`: every start in the day and in the hour gives what the orders add up to."""
    now = datetime(2026, 3, 18, hour, minute, 20, tzinfo=ZoneInfo("UTC"))
    start = now - timedelta(days=1)
    moments = [start + timedelta(minutes=m) for m in (-95, -61, -31, -1, 0, 1, 29, 31, 59, 61, 200, 700)]
    for n, moment in enumerate(moments):
        make_order(items=[("TEE", 1 + n % 3, "10.00"), (f"S{n % 4}", 1, "1.00")], created_at=moment)
    # In the first day's row but before `start`: never in the range.
    make_order(items=[("TEE", 7, "10.00")], created_at=start.replace(hour=0, minute=0, second=0))

    rows = bestsellers(RANGES["24h"], now=now, limit=10)

    expected: dict[str, int] = {}
    for n, moment in enumerate(moments):
        if moment >= start:
            expected["TEE"] = expected.get("TEE", 0) + 1 + n % 3
            expected[f"S{n % 4}"] = expected.get(f"S{n % 4}", 0) + 1
    assert sorted((r.sku, r.qty) for r in rows) == sorted(expected.items())


def test_the_whole_hours_of_the_first_day_come_from_the_hourly_statistics(staff):
    """Items changed behind the services' back (as a bulk import would) are not seen in the whole hours of the
    range's first day, only in the half hour of items around its start: the hours are read from the statistics."""
    now = NOW + timedelta(minutes=10)
    start = now - timedelta(days=7)  # 2026-03-11 15:40: the items from 15:40 to 16:00, then 8 whole hours
    inside = make_order(items=[("TEE", 2, "10.00")], created_at=start + timedelta(hours=2))
    edge = make_order(items=[("MUG", 2, "5.00")], created_at=start + timedelta(minutes=10))
    OrderItem.objects.filter(order__in=[inside, edge]).update(qty_ordered=5)

    rows = bestsellers(RANGES["7d"], now=now)

    assert sorted((r.sku, r.qty) for r in rows) == [("MUG", 5), ("TEE", 2)]
