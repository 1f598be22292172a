"""The dashboard reads statistics for whole hours / days / months and the orders for the edges of a range: every
figure must still equal what the orders themselves add up to, to the second, in any time zone."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import figures
from dashboard.bestsellers import bestsellers
from dashboard.periods import RANGES, range_bounds
from orders.models import Order, OrderState
from orders.services import NewItem, NewOrder, cancel_order, create_orders, invoice_order
from orders.tests.factories import StoreFactory, make_address

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 18, 15, 30, 20, tzinfo=UTC)
EARLY = datetime(2026, 3, 18, 3, 10, 5, tzinfo=UTC)  # before noon: the first day is read as its row less its start
SKUS = ["TEE", "MUG", "CAP", "BAG", "PEN", "HAT", "CUP"]


def scattered_orders(staff, now: datetime = NOW) -> None:
    """Orders on and around every edge a range has (its start, whole hours, days, months, now), and all over the
    year; some canceled wholly, some partly."""
    rng = random.Random(8)
    moments = []
    for period in RANGES.values():
        start = now - period.back
        for edge in (start, now):
            moments += [edge + timedelta(seconds=s) for s in (-3601, -61, -1, 0, 1, 59, 1799, 3599, 3600, 5400)]
    moments += [now.replace(minute=0, second=0) + timedelta(hours=h) for h in range(-30, 2)]
    moments += [now.replace(hour=0, minute=0, second=0) + timedelta(hours=h) for h in (-24, 0, 23)]
    moments += [datetime(2026, month, 1, tzinfo=UTC) + timedelta(seconds=s) for month in (2, 3) for s in (-1, 0)]
    moments += [now - timedelta(seconds=rng.randrange(400 * 86400)) for _ in range(60)]
    store = StoreFactory()
    batch = [
        NewOrder(
            store=store,
            items=[
                NewItem(
                    sku=sku, name=f"Product {sku}", qty=rng.randint(1, 4), price=Decimal(rng.randint(100, 9999)) / 100
                )
                for sku in rng.sample(SKUS, rng.randint(1, 3))
            ],
            billing_address=make_address(),
            channel="amazon" if n % 3 == 0 else "admin",
            external_order_number=f"113-{n:07d}-0000001" if n % 3 == 0 else None,
            created_at=moment,
        )
        for n, moment in enumerate(moments)
    ]
    placed = create_orders(orders=batch)
    for order in rng.sample(placed, 25):
        cancel_order(order=order, actor=staff)
    for order in rng.sample([o for o in placed if len(o.items.all()) > 1], 10):
        order.refresh_from_db()
        if order.state == OrderState.CANCELED:
            continue
        first = order.items.order_by("pk").first()
        invoice_order(order=order, actor=staff, quantities={first.pk: 1})
        cancel_order(order=order, actor=staff)  # the rest of the order is canceled, the order is not


def in_range(period, now: datetime) -> list[Order]:
    start, end = range_bounds(period, now=now)
    return [o for o in Order.objects.prefetch_related("items") if start <= o.created_at <= end]


def expected_series(period, now: datetime) -> list[tuple[int, Decimal]]:
    series_starts = [b.start for b in figures.range_figures(period, now=now).series.buckets]
    found = defaultdict(lambda: [0, Decimal("0.00")])
    for order in in_range(period, now):
        bucket = max(s for s in series_starts if s <= order.created_at)
        found[bucket][0] += 1
        if order.state != OrderState.CANCELED:
            found[bucket][1] += order.base_grand_total
    return [tuple(found[s]) for s in series_starts]


def expected_bestsellers(period, now: datetime) -> list[tuple[str, int, Decimal]]:
    qty, revenue = defaultdict(int), defaultdict(lambda: Decimal("0.00"))
    for order in in_range(period, now):
        if order.state == OrderState.CANCELED:
            continue
        for item in order.items.all():
            qty[item.sku] += item.qty_ordered - item.qty_canceled
            revenue[item.sku] += item.row_total
    rows = sorted(((sku, q, revenue[sku]) for sku, q in qty.items() if q > 0), key=lambda r: (-r[1], r[0]))
    return rows[:5]


def expected_channels(period, now: datetime) -> list[tuple[str, int, Decimal]]:
    found = defaultdict(lambda: [0, Decimal("0.00")])
    for order in in_range(period, now):
        if order.state != OrderState.CANCELED:
            found[order.channel][0] += 1
            found[order.channel][1] += order.base_grand_total
    return sorted(((c, n, r) for c, (n, r) in found.items()), key=lambda r: (-r[2], r[0]))


@pytest.mark.parametrize(
    ("zone", "now"),
    [("UTC", NOW), ("America/New_York", NOW), ("Asia/Kolkata", NOW), ("UTC", EARLY)],  # Kolkata: UTC+05:30
)
def test_every_figure_equals_what_the_orders_add_up_to(staff, zone, now, settings):
    scattered_orders(staff, now)
    settings.TIME_ZONE = zone
    with timezone.override(ZoneInfo(zone)):
        for period in RANGES.values():
            shown = figures.range_figures(period, now=now)
            series = shown.series
            assert [(b.orders, b.revenue) for b in series.buckets] == expected_series(period, now), period.key
            best = bestsellers(period, now=now)
            assert [(b.sku, b.qty, b.revenue) for b in best] == expected_bestsellers(period, now), period.key
            assert all(b.name == f"Product {b.sku}" for b in best)
            channels = shown.by_channel
            assert [(c.channel, c.orders, c.revenue) for c in channels] == expected_channels(period, now), period.key

    live = Order.objects.exclude(state=OrderState.CANCELED)
    lifetime = figures.totals().lifetime
    assert (lifetime.orders, lifetime.revenue) == (live.count(), sum(o.base_grand_total for o in live))


def test_awaiting_counts_equal_the_orders_flags(staff):
    scattered_orders(staff)
    awaiting = figures.totals().awaiting
    assert awaiting.invoice == Order.objects.filter(needs_invoice=True).count() > 0
    assert awaiting.shipment == Order.objects.filter(needs_shipment=True).count() > awaiting.invoice


def test_the_figures_take_three_queries_whatever_the_range(staff):
    scattered_orders(staff)
    for period in RANGES.values():
        with CaptureQueriesContext(connection) as ctx:
            figures.dashboard_figures(period, now=NOW)
        assert len(ctx.captured_queries) == 3, period.key  # totals; chart and channels; bestsellers
