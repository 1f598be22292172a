"""Reads for the store dashboard: every figure is one aggregate query over the sales statistics that the orders
services keep (orders.models.SalesHour, BestsellerDay, BestsellerMonth) plus the orders at the two partial edges of
its range, so a page costs the same with 50 orders or 1,000,000 and the figures are exact to the second. Python only
adds the parts up and fills the empty buckets of a chart. See docs/DASHBOARD.md."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import CharField, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncHour, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import ZERO, BestsellerDay, BestsellerMonth, Order, OrderItem, OrderState, SalesHour, Store

logger = logging.getLogger(__name__)

NOT_CANCELED = ~Q(state=OrderState.CANCELED)


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    # How far back from now, and the width of one chart bucket.
    back: relativedelta
    bucket: str  # "hour" | "day" | "month"


RANGES: dict[str, Range] = {
    r.key: r
    for r in (
        Range("24h", _("Last 24 Hours"), relativedelta(hours=24), "hour"),
        Range("7d", _("Last 7 Days"), relativedelta(days=7), "day"),
        Range("1m", _("Last Month"), relativedelta(months=1), "day"),
        Range("1y", _("Last Year"), relativedelta(years=1), "month"),
    )
}
DEFAULT_RANGE = "7d"
BUCKET_NAMES = {"hour": _("hour"), "day": _("day"), "month": _("month")}

_TRUNC = {"hour": TruncHour, "day": TruncDay, "month": TruncMonth}


def get_range(key: str | None) -> Range:
    return RANGES.get(key or "", RANGES[DEFAULT_RANGE])


def range_bounds(period: Range, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end]: the last 24 hours / 7 days / month / year up to now, both ends included."""
    end = now or timezone.now()
    return end - period.back, end


def dashboard_currency() -> str:
    """Figures are sums of base grand totals, so they are in the base currency (Magento's global base currency)."""
    store = Store.objects.order_by("pk").only("base_currency").first()
    return store.base_currency if store else "USD"


# --- Recent orders and quick search ---------------------------------------------------------------------------------


def recent_orders(*, limit: int = 10) -> QuerySet[Order]:
    """The newest orders with their item count. The count is a correlated subquery, evaluated for the few rows the
    index on created_at returns, not a GROUP BY over every order."""
    qty = (
        OrderItem.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("qty_ordered"))
        .values("total")[:1]
    )
    return (
        Order.objects.order_by("-created_at", "-id")
        .annotate(items_qty=Coalesce(Subquery(qty, output_field=IntegerField()), Value(0)))
        .only(
            "id",
            "increment_id",
            "channel",
            "external_order_number",
            "customer_first_name",
            "customer_last_name",
            "customer_email",
            "billing_name",
            "grand_total",
            "order_currency",
            "state",
            "status",
            "created_at",
        )[:limit]
    )


def find_orders_by_number(number: str, *, limit: int = 2) -> list[int]:
    """Ids of orders whose Commerce order number or channel (Amazon) order number is exactly `number`."""
    number = number.strip()
    if not number:
        return []
    return list(
        Order.objects.filter(Q(increment_id=number) | Q(external_order_number=number))
        .order_by("-created_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Figures -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lifetime:
    revenue: Decimal
    orders: int

    @property
    def average(self) -> Decimal:
        if not self.orders:
            return ZERO
        return (self.revenue / self.orders).quantize(Decimal("0.01"))


def lifetime_sales() -> Lifetime:
    """Lifetime sales and the number of orders they come from; cancelled orders count for neither. From the hourly
    statistics (exact: the services keep them in their own transactions), a few thousand rows a year."""
    return _totals()[0]


def _totals() -> tuple[Lifetime, Awaiting]:
    """Lifetime sales and the awaiting counts: one pass over the hourly statistics."""
    row = SalesHour.objects.aggregate(
        revenue=Coalesce(Sum("revenue"), Value(ZERO)),
        orders=Coalesce(Sum(F("orders") - F("canceled")), Value(0)),
        invoice=Coalesce(Sum("awaiting_invoice"), Value(0)),
        shipment=Coalesce(Sum("awaiting_shipment"), Value(0)),
    )
    return (
        Lifetime(revenue=row["revenue"], orders=row["orders"]),
        Awaiting(invoice=row["invoice"], shipment=row["shipment"]),
    )


# --- Ranges read from the statistics ---------------------------------------------------------------------------------
# A range [start, end] is its whole UTC hours (days, months) read from the statistics tables, plus the two partial
# edges read from the orders themselves (through the index on created_at): start up to the next whole hour, and the
# current hour up to `end`. So the figures are exact to the second, and a query reads a few hundred order rows at
# most whatever the store's size.

HOUR = timedelta(hours=1)


def _floor(moment: datetime, unit: str) -> datetime:
    utc = moment.astimezone(UTC)
    if unit == "hour":
        return utc.replace(minute=0, second=0, microsecond=0)
    if unit == "day":
        return utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _ceil(moment: datetime, unit: str) -> datetime:
    floor = _floor(moment, unit)
    if floor == moment:
        return floor
    return floor + (HOUR if unit == "hour" else relativedelta(days=1) if unit == "day" else relativedelta(months=1))


def _split(start: datetime, end: datetime, unit: str) -> tuple[Q, tuple[datetime, datetime] | None]:
    """The orders' part (created_at, a Q) and the statistics' part ([first, last) whole units) of [start, end]."""
    first, last = _ceil(start, unit), _floor(end, unit)
    if first >= last:  # no whole unit inside: all from the orders
        return Q(created_at__gte=start, created_at__lte=end), None
    edges = Q(created_at__gte=start, created_at__lt=first) | Q(created_at__gte=last, created_at__lte=end)
    return edges, (first, last)


def _whole_hour_buckets(starts: list[datetime]) -> bool:
    """Whether every bucket starts on a whole UTC hour, so each hourly row falls in exactly one bucket. Not so in a
    time zone with a half-hour offset (e.g. Asia/Kolkata): there the chart is computed from the orders (exact, slower).
    """
    return all(int(b.utcoffset().total_seconds()) % 3600 == 0 for b in starts)


@dataclass(frozen=True)
class Bucket:
    start: datetime
    orders: int
    revenue: Decimal


@dataclass
class Series:
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


def _bucket_starts(start: datetime, end: datetime, kind: str) -> list[datetime]:
    """Every bucket (in the current time zone) that [start, end] touches, oldest first."""
    tz = timezone.get_current_timezone()
    local = start.astimezone(tz)
    if kind == "hour":
        first = local.replace(minute=0, second=0, microsecond=0)
    elif kind == "day":
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    current = first
    n = 0
    while current <= end:
        starts.append(current)
        n += 1
        if kind == "hour":
            # Step in absolute time so a DST change neither repeats nor skips an hour.
            current = (first.astimezone(UTC) + timedelta(hours=n)).astimezone(tz)
        elif kind == "day":
            day = (first + relativedelta(days=n)).replace(tzinfo=None)
            current = timezone.make_aware(day, tz)
        else:
            month = (first + relativedelta(months=n)).replace(tzinfo=None)
            current = timezone.make_aware(month, tz)
    return starts


def sales_series(period: Range, *, now: datetime | None = None) -> Series:
    """Orders placed and revenue (cancelled orders excluded) per hour / day / month over the range."""
    return _range_figures(period, now=now)[0]


def _range_figures(period: Range, *, now: datetime | None = None) -> tuple[Series, list[ChannelRevenue]]:
    """The chart and revenue by channel in one query: the hourly statistics grouped by local bucket and channel,
    UNION ALL the orders of the two partial edge hours grouped the same way."""
    start, end = range_bounds(period, now=now)
    tz = timezone.get_current_timezone()
    trunc = _TRUNC[period.bucket]
    starts = _bucket_starts(start, end, period.bucket)
    edges, whole = _split(start, end, "hour")
    if not _whole_hour_buckets(starts):
        edges, whole = Q(created_at__gte=start, created_at__lte=end), None
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
    return Series(period=period, start=start, end=end, buckets=buckets), channels


@dataclass(frozen=True)
class ChannelRevenue:
    channel: str
    orders: int
    revenue: Decimal


CHANNEL_LABELS = {"admin": _("Admin"), "web": _("Web Store"), "amazon": _("Amazon")}


def revenue_by_channel(period: Range, *, now: datetime | None = None) -> list[ChannelRevenue]:
    """Orders not cancelled and their revenue per channel over the range, highest revenue first."""
    return _range_figures(period, now=now)[1]


@dataclass(frozen=True)
class Bestseller:
    sku: str
    name: str
    qty: int
    revenue: Decimal


def bestsellers(period: Range, *, now: datetime | None = None, limit: int = 5) -> list[Bestseller]:
    """Products by quantity ordered (less what was cancelled) over the range, cancelled orders left out; one query.

    Whole UTC months and days come from the bestseller statistics, the partial first and last day from the order
    items, each part added or taken away, whichever reads fewer rows: a partial month is its days or the month less
    the days outside the range; the last (current) day is its statistics row less the items placed after `end`
    (hardly any); the first day is its items from `start` on, or its row less the items before `start`. So the
    order items read are at most 12 hours' worth, whatever the range.
    """
    start, end = range_bounds(period, now=now)
    first, last = _ceil(start, "day"), _floor(end, "day")
    items_in: list[Q] = []
    items_out: list[Q] = []
    months: list[date] = []
    days: Counter[date] = Counter()
    if first > last:  # inside one UTC day
        items_in.append(Q(created_at__gte=start, created_at__lte=end))
    else:
        months, days = _months_and_days(first, last)
        if start < first:
            day = _floor(start, "day")
            if first - start <= start - day:
                items_in.append(Q(created_at__gte=start, created_at__lt=first))
            else:
                days[day.date()] += 1
                items_out.append(Q(created_at__gte=day, created_at__lt=start))
        days[last.date()] += 1
        items_out.append(Q(created_at__gt=end, created_at__lt=last + timedelta(days=1)))
    parts = [_item_rows(q, sign) for q, sign in ((_any(items_in), 1), (_any(items_out), -1)) if q is not None]
    if months:
        parts.append(_bestseller_rows(BestsellerMonth.objects.filter(month__in=months)))
    for coefficient in sorted({c for c in days.values() if c}):
        chosen = sorted(d for d, c in days.items() if c == coefficient)
        parts.append(_bestseller_rows(BestsellerDay.objects.filter(day__in=chosen), sign=coefficient))
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sql, params = union.query.sql_with_params()
    # Django can't aggregate over a UNION, so the outer GROUP BY is written by hand around the ORM's SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sku, SUM(q), SUM(r), MAX(nm) FROM ({sql}) u GROUP BY sku HAVING SUM(q) > 0 "  # noqa: S608 - the ORM's SQL
            f"ORDER BY SUM(q) DESC, sku LIMIT %s",
            [*params, limit],
        )
        rows = cursor.fetchall()
    return [Bestseller(sku=sku, name=name, qty=int(qty), revenue=_money(revenue)) for sku, qty, revenue, name in rows]


def _any(conditions: list[Q]) -> Q | None:
    if not conditions:
        return None
    q = Q()
    for condition in conditions:
        q |= condition
    return q


def _item_rows(condition: Q, sign: int) -> QuerySet:
    """Items of orders not cancelled placed under `condition` (on created_at), per SKU, added (1) or taken away (-1).
    A part taken away brings no name (NULL), so the name shown comes from rows that count."""
    return (
        OrderItem.objects.filter(_on_order(condition))
        .exclude(order__state=OrderState.CANCELED)
        .values("sku")
        .annotate(
            q=sign * Sum(F("qty_ordered") - F("qty_canceled")),
            r=sign * Sum("row_total"),
            nm=Max("name") if sign > 0 else Value(None, output_field=CharField()),
        )
        .order_by()
    )


def _on_order(condition: Q) -> Q:
    """The same created_at condition, asked of an item's order."""
    children = [
        _on_order(child) if isinstance(child, Q) else (f"order__{child[0]}", child[1]) for child in condition.children
    ]
    q = Q(*children)
    q.connector, q.negated = condition.connector, condition.negated
    return q


def _bestseller_rows(queryset: QuerySet, *, sign: int = 1) -> QuerySet:
    name = Max("name") if sign > 0 else Value(None, output_field=CharField())
    return queryset.values("sku").annotate(q=sign * Sum("qty"), r=sign * Sum("revenue"), nm=name).order_by()


def _months_and_days(first: datetime, last: datetime) -> tuple[list[date], Counter[date]]:
    """Whole UTC days [first, last) as whole months, plus days to add (+1) or take away (-1).

    A partial month is read as its days or as the month less the days outside the range, whichever is fewer rows:
    the last 22 days of a month cost 1 month + 8 days, not 22 days (a month's range and a year's read about half the
    day rows they would otherwise)."""
    months: list[date] = []
    days: Counter[date] = Counter()
    month = _floor(first, "month")
    while month < last:
        following = month + relativedelta(months=1)
        a, b = max(first, month), min(last, following)
        inside, length = (b - a).days, (following - month).days
        if inside == length:
            months.append(month.date())
        elif inside and 1 + length - inside < inside:
            months.append(month.date())
            for x, y in ((month, a), (b, following)):
                for n in range((y - x).days):
                    days[(x + timedelta(days=n)).date()] -= 1
        else:
            for n in range(inside):
                days[(a + timedelta(days=n)).date()] += 1
        month = following
    return months, days


def _money(value) -> Decimal:
    # Raw SQL: PostgreSQL gives Decimal, SQLite a float (its decimals are floats), rounded back to cents here.
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Awaiting:
    invoice: int
    shipment: int


def orders_awaiting() -> Awaiting:
    """Orders awaiting an invoice / a shipment (the same rules as the order page's buttons: orders.rules
    .set_awaiting). The services keep them counted per hour of placing in the sales statistics, so this is one sum
    over a few thousand rows however many orders are open; the grid behind the links filters on the orders' flags."""
    return _totals()[1]


# --- The figures together (optionally cached) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    lifetime: Lifetime
    series: Series
    by_channel: list[ChannelRevenue]
    bestsellers: list[Bestseller]
    awaiting: Awaiting


def dashboard_figures(period: Range, *, now: datetime | None = None) -> Figures:
    """Lifetime sales, the chart, revenue by channel, bestsellers and the awaiting counts: three queries over the
    sales statistics and the edges of the range (totals; chart and channels; bestsellers), each independent of the
    number of orders.

    Fresh by default (DASHBOARD_CACHE_SECONDS = 0). A positive DASHBOARD_CACHE_SECONDS caches them that long (shared
    through Redis when configured), for a store that would rather save the ~50 ms than show the last second.
    """
    from django.conf import settings
    from django.core.cache import cache

    seconds = int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 0))

    def compute() -> Figures:
        lifetime, awaiting = _totals()
        series, by_channel = _range_figures(period, now=now)
        return Figures(
            lifetime=lifetime,
            series=series,
            by_channel=by_channel,
            bestsellers=bestsellers(period, now=now),
            awaiting=awaiting,
        )

    if seconds <= 0:
        return compute()
    key = figures_cache_key(period)
    try:
        figures = cache.get(key)
    except Exception as exc:  # the cache (Redis) is down or restarting: slower figures beat an error page
        logger.warning("dashboard cache unavailable (%s); computing the figures", exc)
        return compute()
    if figures is None:
        figures = compute()
        try:
            cache.set(key, figures, seconds)
        except Exception as exc:  # went down between the two calls: the next view computes them again
            logger.warning("dashboard cache unavailable (%s); figures not cached", exc)
    return figures


def figures_cache_key(period: Range) -> str:
    from django.utils import translation

    return f"dashboard:figures:v1:{period.key}:{translation.get_language()}:{timezone.get_current_timezone_name()}"
