"""The Amazon store dashboard's revenue, read from the hourly statistics and the edge hours' orders, equals the
direct sum over the orders (the query it replaced) on and around every edge of the 7 and 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.test.utils import CaptureQueriesContext

from amazon_channel.models import AmazonOrder, AmazonOrderStatus
from dashboard import amazon_selectors
from dashboard.amazon_selectors import AmazonRevenue
from dashboard.tests.factories import AmazonOrderFactory, AmazonStoreFactory

pytestmark = pytest.mark.django_db

US = timedelta(microseconds=1)


def direct_sum(store, now: datetime) -> list[AmazonRevenue]:
    """The revenue as the dashboard summed it from the orders before the statistics."""
    week = Q(purchase_date__gte=now - timedelta(days=7))
    rows = (
        AmazonOrder.objects.filter(store=store, purchase_date__gte=now - timedelta(days=30), purchase_date__lte=now)
        .exclude(status=AmazonOrderStatus.CANCELLED)
        .values("currency")
        .annotate(
            month=Sum("grand_total"),
            week=Sum("grand_total", filter=week),
            orders_month=Count("pk"),
            orders_week=Count("pk", filter=week),
            net=Sum(F("grand_total") - F("tax_total")),
        )
        .order_by(F("month").desc(nulls_first=True), "currency")  # PostgreSQL's order of a NULL sum
    )
    return [
        AmazonRevenue(
            currency=r["currency"],
            last_7_days=r["week"] or Decimal("0.00"),
            last_30_days=r["month"] or Decimal("0.00"),
            orders_7_days=r["orders_week"],
            orders_30_days=r["orders_month"],
            net_30_days=r["net"] or Decimal("0.00"),
        )
        for r in rows
        if r["currency"] or r["month"]
    ]


def edges(now: datetime) -> list[datetime]:
    """Moments on and around the ranges' starts, their first whole hours, the current hour and `now`."""
    moments = []
    for start in (now - timedelta(days=30), now - timedelta(days=7)):
        first_hour = (start + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        moments += [start - US, start, start + US, first_hour - US, first_hour, start + timedelta(hours=5)]
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    moments += [this_hour - US, this_hour, this_hour + US, now - US, now, now + US, now + timedelta(hours=2)]
    return moments


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 6, 15, 12, 34, 56, 789012, tzinfo=UTC),
        datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC),  # on the hour: no partial first hours
        datetime(2026, 6, 15, 12, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_revenue_equals_the_direct_sum_on_and_around_every_edge(now):
    store, other = AmazonStoreFactory(), AmazonStoreFactory()
    for n, moment in enumerate(edges(now)):
        total = Decimal(n + 1) * Decimal("1.25")
        AmazonOrderFactory(store=store, purchase_date=moment, grand_total=total, tax_total=Decimal(n) / 10)
        AmazonOrderFactory(store=store, purchase_date=moment, grand_total=total * 100, status="CANCELLED")
        AmazonOrderFactory(store=store, purchase_date=moment, grand_total=None, status="PENDING")  # not priced
        if n % 3 == 0:
            AmazonOrderFactory(store=store, purchase_date=moment, grand_total=total, currency="CAD")
        AmazonOrderFactory(store=other, purchase_date=moment, grand_total=Decimal("1000.00"))
    AmazonOrderFactory(store=store, purchase_date=now - timedelta(days=3), grand_total=None, currency="")
    AmazonOrderFactory(store=store, purchase_date=now - timedelta(days=3), grand_total=None, currency="EUR")

    with CaptureQueriesContext(connection) as ctx:
        revenue = amazon_selectors._amazon_revenue(store=store, now=now)

    assert len(ctx.captured_queries) == 1
    assert revenue == direct_sum(store, now)
    assert [r.currency for r in revenue][1:] == ["USD", "CAD"]  # EUR's only order is unpriced: first, as a NULL sum


def test_an_order_cancelled_after_it_was_counted_leaves_its_hour():
    from amazon_channel.core import statistics

    now = datetime(2026, 6, 15, 12, 34, 56, tzinfo=UTC)
    store = AmazonStoreFactory()
    kept = AmazonOrderFactory(store=store, purchase_date=now - timedelta(days=2), currency="GBP")
    gone = AmazonOrderFactory(store=store, purchase_date=now - timedelta(days=2, minutes=1), currency="JPY")
    before = AmazonOrder.objects.get(pk=gone.pk)
    AmazonOrder.objects.filter(pk=gone.pk).update(status=AmazonOrderStatus.CANCELLED)
    gone.status = AmazonOrderStatus.CANCELLED
    statistics.record_changes([(before, gone)])

    revenue = amazon_selectors._amazon_revenue(store=store, now=now)

    assert revenue == direct_sum(store, now)
    assert [r.currency for r in revenue] == [kept.currency]  # the JPY hour is at zero: no JPY line
