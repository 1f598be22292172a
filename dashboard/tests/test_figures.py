"""The store dashboard's figures (dashboard.figures): what a merchant reads must be what the orders add up to."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dashboard import figures
from dashboard.periods import RANGES
from orders.models import OrderState
from orders.services import cancel_order, hold_order, invoice_order, ship_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=ZoneInfo("UTC"))


def order_at(when: datetime, price: str = "100.00", **kw):
    return make_order(items=[("SKU-A", 1, price)], shipping="0.00", created_at=when, **kw)


def test_lifetime_sales_and_average_leave_cancelled_orders_out(staff):
    order_at(NOW - timedelta(days=400), "100.00")
    order_at(NOW - timedelta(days=2), "50.00")
    cancelled = order_at(NOW - timedelta(days=1), "1000.00")
    cancel_order(order=cancelled, actor=staff)

    lifetime = figures.totals().lifetime

    assert lifetime.revenue == Decimal("150.00")
    assert lifetime.orders == 2
    assert lifetime.average == Decimal("75.00")


def test_lifetime_sales_without_orders_is_zero():
    lifetime = figures.totals().lifetime
    assert (lifetime.revenue, lifetime.orders, lifetime.average) == (Decimal("0.00"), 0, Decimal("0.00"))


def test_last_24_hours_includes_its_start_and_not_a_second_before():
    order_at(NOW - timedelta(hours=24), "1.00")  # exactly at the start: in
    order_at(NOW - timedelta(hours=24, seconds=1), "2.00")  # a second older: out
    order_at(NOW - timedelta(minutes=1), "4.00")
    order_at(NOW + timedelta(minutes=1), "8.00")  # after "now" (clock skew): out

    series = figures.range_figures(RANGES["24h"], now=NOW).series

    assert series.revenue == Decimal("5.00")
    assert series.orders == 2
    # Hourly buckets from 15:00 yesterday to 15:00 today: the 25 hours the range touches.
    assert len(series.buckets) == 25
    assert series.buckets[0].start == datetime(2026, 3, 17, 15, tzinfo=ZoneInfo("UTC"))
    # 15:30:00 yesterday is in, 15:29:59 is not (both in the first bucket)
    assert (series.buckets[0].orders, series.buckets[0].revenue) == (1, Decimal("1.00"))
    assert series.buckets[1].orders == 0
    assert series.buckets[-1].start == datetime(2026, 3, 18, 15, tzinfo=ZoneInfo("UTC"))
    assert (series.buckets[-1].orders, series.buckets[-1].revenue) == (1, Decimal("4.00"))


@pytest.mark.parametrize(
    ("key", "inside", "outside", "buckets"),
    [
        ("7d", timedelta(days=6, hours=23), timedelta(days=7, seconds=1), 8),
        ("1m", timedelta(days=27), timedelta(days=29), 29),  # 18 Feb to 18 Mar 2026: February has 28 days
        ("1y", timedelta(days=364), timedelta(days=366), 13),
    ],
)
def test_each_range_counts_what_falls_inside_it(key, inside, outside, buckets):
    order_at(NOW - inside, "10.00")
    order_at(NOW - outside, "20.00")

    series = figures.range_figures(RANGES[key], now=NOW).series

    assert (series.orders, series.revenue) == (1, Decimal("10.00"))
    assert len(series.buckets) == buckets
    assert sum(1 for b in series.buckets if b.orders) == 1


def test_range_counts_cancelled_orders_but_not_their_revenue(staff):
    kept = order_at(NOW - timedelta(hours=3), "30.00")
    cancelled = order_at(NOW - timedelta(hours=3), "70.00")
    cancel_order(order=cancelled, actor=staff)

    series = figures.range_figures(RANGES["24h"], now=NOW).series

    assert series.orders == 2
    assert series.revenue == kept.base_grand_total == Decimal("30.00")


def test_daily_buckets_follow_the_sites_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    with timezone.override(ZoneInfo("America/New_York")):
        # 02:00 UTC on the 18th is still the 17th in New York.
        order_at(datetime(2026, 3, 18, 2, 0, tzinfo=ZoneInfo("UTC")), "10.00")
        series = figures.range_figures(RANGES["7d"], now=NOW).series
    day = next(b for b in series.buckets if b.orders)
    assert (day.start.year, day.start.month, day.start.day) == (2026, 3, 17)


def test_revenue_by_channel_in_range(staff):
    order_at(NOW - timedelta(days=1), "100.00")
    order_at(NOW - timedelta(days=2), "40.00", channel="amazon", external_order_number="113-0000001-0000001")
    order_at(NOW - timedelta(days=2), "60.00", channel="amazon", external_order_number="113-0000002-0000001")
    cancelled = order_at(NOW - timedelta(days=1), "500.00", channel="amazon", external_order_number="113-3")
    cancel_order(order=cancelled, actor=staff)
    order_at(NOW - timedelta(days=9), "900.00", channel="amazon", external_order_number="113-0000004-0000001")

    rows = figures.range_figures(RANGES["7d"], now=NOW).by_channel

    assert [(r.channel, r.orders, r.revenue) for r in rows] == [
        ("admin", 1, Decimal("100.00")),
        ("amazon", 2, Decimal("100.00")),
    ]


def test_orders_awaiting_invoice_and_shipment_match_the_order_rules(staff):
    make_order()  # new: to invoice and to ship
    invoiced = make_order(invoiced=True)  # to ship only
    done = make_order()
    invoice_order(order=done, actor=staff)
    ship_order(order=done, actor=staff)  # complete: neither
    shipped_first = make_order()
    ship_order(order=shipped_first, actor=staff)  # shipped, not paid: to invoice only
    held = make_order()
    hold_order(order=held, actor=staff)  # on hold: nobody may act on it
    cancelled = make_order()
    cancel_order(order=cancelled, actor=staff)

    awaiting = figures.totals().awaiting

    assert invoiced.state == OrderState.PROCESSING
    assert (awaiting.invoice, awaiting.shipment) == (2, 2)
