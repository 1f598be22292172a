"""The store dashboard's bestsellers: products by quantity ordered (less what was cancelled) over a range, cancelled
orders left out, in one query over the bestseller statistics (orders.models.BestsellerMonth, BestsellerDay,
BestsellerHour) and the order items at the range's partial edges."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, F, Max, Q, QuerySet, Sum, Value

from orders.models import BestsellerDay, BestsellerHour, BestsellerMonth, OrderItem, OrderState

from . import periods
from .periods import Range


@dataclass(frozen=True)
class Bestseller:
    sku: str
    name: str  # the greatest name the SKU was sold under in the range
    qty: int
    revenue: Decimal


def bestsellers(period: Range, *, now: datetime | None = None, limit: int = 5) -> list[Bestseller]:
    """The range's top `limit` products, most sold first.

    Whole UTC months, days and hours come from the bestseller statistics, the partial hours at the edges from the
    order items, each part added or taken away, whichever reads fewer rows: a partial month is its days or the month
    less the days outside the range; the last (current) day is its statistics row less the items placed after `end`
    (hardly any); the first day is its whole hours from `start` on, or its row less the hours before `start`, and the
    hour `start` falls in is its items from `start` on, or its row less the items before `start`. So the order items
    read are at most half an hour's worth, whatever the range, and at most 12 hours of hour rows.
    """
    start, end = periods.range_bounds(period, now=now)
    first, last = periods.ceil_utc(start, "day"), periods.floor_utc(end, "day")
    items_in: list[Q] = []
    items_out: list[Q] = []
    months: list[date] = []
    days: Counter[date] = Counter()
    hours: Counter[datetime] = Counter()
    if first > last:  # inside one UTC day
        items_in.append(Q(created_at__gte=start, created_at__lte=end))
    else:
        months, days = periods.months_and_days(first, last)
        if start < first:
            whole = _first_day(start, first, days, hours)
            if whole < start:
                items_out.append(Q(created_at__gte=whole, created_at__lt=start))
            elif start < whole:
                items_in.append(Q(created_at__gte=start, created_at__lt=whole))
        days[last.date()] += 1
        items_out.append(Q(created_at__gt=end, created_at__lt=last + timedelta(days=1)))
    parts = [_item_rows(q, sign) for q, sign in ((_any(items_in), 1), (_any(items_out), -1)) if q is not None]
    if months:
        parts.append(_statistics_rows(BestsellerMonth.objects.filter(month__in=months)))
    for table, key, counts in ((BestsellerDay, "day", days), (BestsellerHour, "hour", hours)):
        for coefficient in sorted({c for c in counts.values() if c}):
            chosen = sorted(k for k, c in counts.items() if c == coefficient)
            parts.append(_statistics_rows(table.objects.filter(**{f"{key}__in": chosen}), sign=coefficient))
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


def _first_day(start: datetime, first: datetime, days: Counter[date], hours: Counter[datetime]) -> datetime:
    """Count the whole hours of the range's partial first day [start, first) into `days` / `hours` and return where
    they begin: the hour `start` falls in is taken whole (its items before `start` then taken away) when `start` is
    in its first half, else left to the items from `start` on. The whole hours are read as hour rows, or as the day's
    row less the hours before them, whichever is fewer hours."""
    hour = periods.floor_utc(start, "hour")
    whole = hour if start - hour <= periods.HOUR / 2 else hour + periods.HOUR
    day = periods.floor_utc(start, "day")
    inside, before = _hours(whole, first), _hours(day, whole)
    if inside <= before + 1:  # the day's row counts as one hour more
        for n in range(inside):
            hours[whole + n * periods.HOUR] += 1
    else:
        days[day.date()] += 1
        for n in range(before):
            hours[day + n * periods.HOUR] -= 1
    return whole


def _hours(a: datetime, b: datetime) -> int:
    return int((b - a) / periods.HOUR)


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


def _statistics_rows(queryset: QuerySet, *, sign: int = 1) -> QuerySet:
    name = Max("name") if sign > 0 else Value(None, output_field=CharField())
    return queryset.values("sku").annotate(q=sign * Sum("qty"), r=sign * Sum("revenue"), nm=name).order_by()


def _money(value) -> Decimal:
    # Raw SQL: PostgreSQL gives Decimal, SQLite a float (its decimals are floats), rounded back to cents here.
    return Decimal(str(value)).quantize(Decimal("0.01"))
