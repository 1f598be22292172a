"""The store dashboard's figures: lifetime sales, the awaiting counts, the chart and revenue by channel, each one
aggregate query over the sales statistics that the orders services keep exact (orders.models.SalesHour), plus the
orders at the two partial edges of the range, so a page costs the same with 50 orders or 1,000,000 and the figures
are exact to the second. Python only adds the parts up and fills the empty buckets of a chart. The bestsellers are in
dashboard.bestsellers. See docs/DASHBOARD.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncHour, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from amazon_channel.core.channel import CHANNEL
from orders.models import ZERO, Order, OrderState, SalesHour

from . import caching, periods
from .bestsellers import Bestseller, bestsellers
from .periods import Range

NOT_CANCELED = ~Q(state=OrderState.CANCELED)
CHANNEL_LABELS = {"admin": _("Admin"), "web": _("Web Store"), CHANNEL: _("Amazon")}

_TRUNC = {"hour": TruncHour, "day": TruncDay, "month": TruncMonth}


@dataclass(frozen=True)
class Lifetime:
    """Lifetime sales and the number of orders they come from; cancelled orders count for neither."""

    revenue: Decimal
    orders: int

    @property
    def average(self) -> Decimal:
        if not self.orders:
            return ZERO
        return (self.revenue / self.orders).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Awaiting:
    """Orders awaiting an invoice / a shipment: the same rules as the order page's buttons (orders.rules
    .set_awaiting). The grid behind the dashboard's links filters on the orders' flags."""

    invoice: int
    shipment: int


@dataclass(frozen=True)
class Totals:
    lifetime: Lifetime
    awaiting: Awaiting


def totals() -> Totals:
    """Lifetime sales and the awaiting counts: one pass over the hourly statistics (a few thousand rows a year),
    which the services keep counted per hour of placing, however many orders are open."""
    row = SalesHour.objects.aggregate(
        revenue=Coalesce(Sum("revenue"), Value(ZERO)),
        orders=Coalesce(Sum(F("orders") - F("canceled")), Value(0)),
        invoice=Coalesce(Sum("awaiting_invoice"), Value(0)),
        shipment=Coalesce(Sum("awaiting_shipment"), Value(0)),
    )
    return Totals(
        lifetime=Lifetime(revenue=row["revenue"], orders=row["orders"]),
        awaiting=Awaiting(invoice=row["invoice"], shipment=row["shipment"]),
    )


@dataclass(frozen=True)
class Bucket:
    start: datetime
    orders: int
    revenue: Decimal


@dataclass
class Series:
    """Orders placed (cancelled ones too) and revenue (cancelled ones left out) per bucket of a range."""

    period: Range
    start: datetime
    end: datetime
    buckets: list[Bucket] = field(default_factory=list)

    @property
    def orders(self) -> int:
        return sum(b.orders for b in self.buckets)

    @property
    def revenue(self) -> Decimal:
        return sum((b.revenue for b in self.buckets), ZERO)


@dataclass(frozen=True)
class ChannelRevenue:
    """Orders not cancelled and their revenue in one channel over a range."""

    channel: str
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class RangeFigures:
    series: Series
    by_channel: list[ChannelRevenue]  # highest revenue first


def range_figures(period: Range, *, now: datetime | None = None) -> RangeFigures:
    """The chart and revenue by channel in one query: the hourly statistics of the range's whole UTC hours grouped by
    local bucket and channel, UNION ALL the orders of the two partial edge hours grouped the same way. Where a bucket
    doesn't start on a whole UTC hour (a half-hour time zone) it is all read from the orders: exact, but a scan."""
    start, end = periods.range_bounds(period, now=now)
    tz = timezone.get_current_timezone()
    trunc = _TRUNC[period.bucket]
    starts = periods.bucket_starts(start, end, period.bucket)
    whole = periods.whole_units(start, end, "hour") if periods.on_whole_utc_hours(starts) else None
    if whole:
        edges = Q(created_at__gte=start, created_at__lt=whole[0]) | Q(created_at__gte=whole[1], created_at__lte=end)
    else:
        edges = Q(created_at__gte=start, created_at__lte=end)
    rows = (
        Order.objects.filter(edges)
        .annotate(bucket=trunc("created_at", tzinfo=tz))
        .values("bucket", "channel")
        .annotate(
            n=Count("pk"),
            live=Count("pk", filter=NOT_CANCELED),
            total=Coalesce(Sum("base_grand_total", filter=NOT_CANCELED), Value(ZERO)),
        )
        .order_by()
    )
    if whole:
        hours = (
            SalesHour.objects.filter(hour__gte=whole[0], hour__lt=whole[1])
            .annotate(bucket=trunc("hour", tzinfo=tz))
            .values("bucket", "channel")
            .annotate(n=Sum("orders"), live=Sum(F("orders") - F("canceled")), total=Sum("revenue"))
            .order_by()
        )
        rows = hours.union(rows, all=True)
    by_bucket: dict[datetime, list] = {}
    by_channel: dict[str, list] = {}
    for row in rows:
        acc = by_bucket.setdefault(row["bucket"], [0, ZERO])
        acc[0] += row["n"]
        acc[1] += row["total"]
        acc = by_channel.setdefault(row["channel"], [0, ZERO])
        acc[0] += row["live"]
        acc[1] += row["total"]
    buckets = []
    for bucket_start in starts:
        orders, revenue = by_bucket.get(bucket_start, (0, ZERO))
        buckets.append(Bucket(start=bucket_start, orders=orders, revenue=revenue))
    channels = [ChannelRevenue(channel=c, orders=n, revenue=r) for c, (n, r) in by_channel.items() if n]
    channels.sort(key=lambda r: (-r.revenue, r.channel))
    return RangeFigures(series=Series(period=period, start=start, end=end, buckets=buckets), by_channel=channels)


# --- the figures of a page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    lifetime: Lifetime
    awaiting: Awaiting
    series: Series
    by_channel: list[ChannelRevenue]
    bestsellers: list[Bestseller]


def dashboard_figures(period: Range, *, now: datetime | None = None) -> Figures:
    """Everything the store dashboard shows of its range: three queries (totals; chart and channels; bestsellers),
    each independent of the number of orders. Fresh by default; DASHBOARD_CACHE_SECONDS > 0 caches them, for a store
    that would rather save the ~50 ms than show the last second (dashboard.caching)."""

    def compute() -> Figures:
        total, in_range = totals(), range_figures(period, now=now)
        return Figures(
            lifetime=total.lifetime,
            awaiting=total.awaiting,
            series=in_range.series,
            by_channel=in_range.by_channel,
            bestsellers=bestsellers(period, now=now),
        )

    return caching.cached(figures_cache_key(period), compute)


def figures_cache_key(period: Range) -> str:
    # The buckets and labels depend on the language and the time zone the page is shown in.
    return f"dashboard:figures:v2:{period.key}:{translation.get_language()}:{timezone.get_current_timezone_name()}"
