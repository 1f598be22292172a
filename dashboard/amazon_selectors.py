"""Reads for the Amazon store dashboard: one store's revenue and lists, each a single query whatever the number of
orders. The sync status card reads dashboard.sync_status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Func, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonSalesHour, AmazonStore, OutboundUpdate
from amazon_channel.sync import FATE_CONDITIONS, FATE_LABELS, ship_by_condition

from . import caching
from .periods import ceil_utc, floor_utc

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
AWAITING_SHIPMENT = [AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED]
# An update still on its way to Amazon (queued, being sent, or its feed waiting for Amazon's processing report).
IN_FLIGHT = [OutboundUpdate.State.PENDING, OutboundUpdate.State.SENDING, OutboundUpdate.State.AWAITING_RESULT]


def amazon_store(store_id: int) -> AmazonStore:
    return get_object_or_404(
        AmazonStore.objects.select_related("commerce_store", "periodic_task__interval", "periodic_task__crontab"),
        pk=store_id,
    )


def amazon_stores() -> QuerySet[AmazonStore]:
    return AmazonStore.objects.filter(is_active=True).only("id", "name", "marketplace_id", "last_sync_ok")


@dataclass(frozen=True)
class AmazonRevenue:
    currency: str
    last_7_days: Decimal
    last_30_days: Decimal
    orders_7_days: int
    orders_30_days: int
    # The last 30 days' proceeds before Amazon's fees (grand total less tax): v2026-01-01 orders carry no fees,
    # Amazon reports those in its Finances API.
    net_30_days: Decimal = Decimal("0.00")


def amazon_revenue(*, store: AmazonStore, now: datetime | None = None) -> list[AmazonRevenue]:
    """Revenue by purchase date over the last 7 and 30 days, cancelled orders excluded; one row per currency
    (a store sells in one marketplace, so normally one). Orders Amazon has not priced yet (Pending) add nothing.

    Like the store dashboard's figures, computed at most every DASHBOARD_CACHE_SECONDS per store when that is set
    (dashboard.caching); read from the hourly statistics it costs a few milliseconds whatever the number of orders.
    """
    return caching.cached(amazon_revenue_cache_key(store.pk), lambda: _amazon_revenue(store=store, now=now))


# The columns each part of the revenue's query gives per currency: orders, priced orders, grand total and tax of
# those priced, for the month then the week.
_REVENUE_COLUMNS = [f"{p}_{n}" for p in ("month", "week") for n in ("orders", "priced", "total", "tax")]
ZERO_SUM = Decimal("0.00")


def amazon_revenue_cache_key(store_id: int) -> str:
    return f"dashboard:amazon-revenue:v2:{store_id}"


def _amazon_revenue(*, store: AmazonStore, now: datetime | None = None) -> list[AmazonRevenue]:
    """The store's Amazon orders purchased in [now - 30 days, now] (and [now - 7 days, now]) not Cancelled, per
    currency: whole UTC hours from the hourly statistics (AmazonSalesHour), the partial hours at the edges (from
    each range's start to the next whole hour, the current hour up to `now`) from the orders through their (store,
    purchase date) index. One UNION ALL query, exact to the microsecond; it reads 720 hourly rows and at most three
    hours of orders instead of a month of orders (277,000 at 10,000,000 orders)."""
    now = now or timezone.now()
    month_start, week_start = now - timedelta(days=30), now - timedelta(days=7)
    first_month_hour, first_week_hour, this_hour = (
        ceil_utc(month_start, "hour"),
        ceil_utc(week_start, "hour"),
        floor_utc(now, "hour"),
    )
    month_edge = Q(purchase_date__gte=month_start, purchase_date__lt=first_month_hour)
    week_edge = Q(purchase_date__gte=week_start, purchase_date__lt=first_week_hour)
    current = Q(purchase_date__gte=this_hour, purchase_date__lte=now)
    in_month, in_week, priced = month_edge | current, week_edge | current, Q(grand_total__isnull=False)
    edges = (
        AmazonOrder.objects.filter(month_edge | week_edge | current, store=store)
        .exclude(status=AmazonOrderStatus.CANCELLED)
        .values("currency")
        .annotate(
            **{
                f"{prefix}_{name}": aggregate
                for prefix, inside in (("month", in_month), ("week", in_week))
                for name, aggregate in (
                    ("orders", Count("pk", filter=inside)),
                    ("priced", Count("pk", filter=inside & priced)),
                    ("total", Sum("grand_total", filter=inside)),
                    ("tax", Sum("tax_total", filter=inside & priced)),
                )
            }
        )
        .values_list("currency", *_REVENUE_COLUMNS)
        .order_by()
    )
    week_hours = Q(hour__gte=first_week_hour)
    hours = (
        AmazonSalesHour.objects.filter(store=store, hour__gte=first_month_hour, hour__lt=this_hour)
        .values("currency")
        .annotate(
            **{
                f"{prefix}_{name}": Sum(name_column, filter=inside)
                for prefix, inside in (("month", None), ("week", week_hours))
                for name, name_column in (
                    ("orders", "orders"),
                    ("priced", "priced"),
                    ("total", "grand_total"),
                    ("tax", "tax_total"),
                )
            }
        )
        .values_list("currency", *_REVENUE_COLUMNS)
        .order_by()
    )
    sums: dict[str, list] = {}
    for currency, *values in hours.union(edges, all=True):
        row = sums.setdefault(currency, [0, 0, ZERO_SUM, ZERO_SUM, 0, 0, ZERO_SUM, ZERO_SUM])
        for n, value in enumerate(values):
            row[n] += value or 0
    revenue = []
    for currency, (orders_month, priced_month, month, tax_month, orders_week, priced_week, week, _) in sums.items():
        if not orders_month:
            continue  # an hour whose orders all left since (cancelled): no order of this currency in the range
        if not currency and not (priced_month and month):
            continue  # orders without a currency nor a total (Pending, set aside): nothing to show
        figures = AmazonRevenue(
            currency=currency,
            last_7_days=week if priced_week else ZERO_SUM,
            last_30_days=month if priced_month else ZERO_SUM,
            orders_7_days=orders_week,
            orders_30_days=orders_month,
            net_30_days=month - tax_month if priced_month else ZERO_SUM,
        )
        # Largest month first, as the orders' sum was ordered; a currency of only unpriced orders (a NULL sum) before
        # the others, where PostgreSQL sorts it; then by currency.
        revenue.append(((bool(priced_month), -figures.last_30_days, currency), figures))
    return [figures for _, figures in sorted(revenue)]


def recent_amazon_orders(*, store: AmazonStore, limit: int = 10) -> QuerySet[AmazonOrder]:
    return (
        AmazonOrder.objects.filter(store=store)
        .select_related("commerce_order")
        .only(
            "id",
            "amazon_order_id",
            "status",
            "fulfilled_by",
            "purchase_date",
            "buyer_name",
            "grand_total",
            "currency",
            "import_error",
            "commerce_order__id",
            "commerce_order__increment_id",
        )
        .order_by("-purchase_date", "-id")[:limit]
    )


# The lists show an order's number and status (and link to it): its raw payload and address stay in the database.
_LIST_FIELDS = ("id", "store_id", "amazon_order_id", "status")
_UPDATE_DEFERRED = (
    "payload",
    *(f"amazon_order__{name}" for name in ("raw", "shipping_address", "packages", "order_notes", "import_error")),
)


def awaiting_shipment(*, store: AmazonStore) -> QuerySet[AmazonOrder]:
    """Merchant-fulfilled orders Amazon still expects us to ship, the most urgent first."""
    return (
        AmazonOrder.objects.filter(
            store=store, status__in=AWAITING_SHIPMENT, fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT
        )
        .select_related("commerce_order")
        .only(*_LIST_FIELDS, "latest_ship_date", "commerce_order__id", "commerce_order__increment_id")
        .order_by("latest_ship_date", "purchase_date", "id")
    )


def late_orders(*, store: AmazonStore, now: datetime | None = None) -> QuerySet[AmazonOrder]:
    """Orders still to ship whose ship-by window has ended (counted by `list_counts`)."""
    return AmazonOrder.objects.filter(ship_by_condition("late", now), store=store)


def due_today_orders(*, store: AmazonStore, now: datetime | None = None) -> QuerySet[AmazonOrder]:
    """Orders still to ship whose ship-by window ends today."""
    return AmazonOrder.objects.filter(ship_by_condition("due_today", now), store=store)


def failed_imports(*, store: AmazonStore) -> QuerySet[AmazonOrder]:
    return (
        AmazonOrder.objects.filter(store=store)
        .exclude(import_error="")
        .only(*_LIST_FIELDS, "import_error", "amazon_updated_at")
        .order_by("-amazon_updated_at", "-id")
    )


def updates_in_flight(*, store: AmazonStore) -> QuerySet[OutboundUpdate]:
    return (
        OutboundUpdate.objects.filter(store=store, state__in=IN_FLIGHT)
        .select_related("amazon_order")
        .defer(*_UPDATE_DEFERRED)
        .order_by("created_at", "id")
    )


def failed_updates(*, store: AmazonStore) -> QuerySet[OutboundUpdate]:
    return (
        OutboundUpdate.objects.filter(store=store, state=OutboundUpdate.State.FAILED)
        .select_related("amazon_order")
        .defer(*_UPDATE_DEFERRED)
        .order_by("-created_at", "-id")
    )


# The orders to ship (and of them the late and due today) are counted up to this and shown as "10,000+" beyond it,
# like the order grid's "More than 10,000 records": counting 400,000 orders to ship took 250 ms at 10M orders.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Capped:
    """A list for `list_counts` to count up to COUNT_CAP + 1 only."""

    queryset: QuerySet


class _CappedCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped_count)"


def list_counts(*, store: AmazonStore, **lists: QuerySet | Capped) -> dict[str, int]:
    """The full size of each of the page's lists in one query (one COUNT subquery each, on its own index), instead
    of a round trip per count: on a busy database server every round trip costs milliseconds. A `Capped` list is
    counted up to COUNT_CAP + 1 (more than COUNT_CAP: shown as "COUNT_CAP+")."""
    counts = {}
    for name, qs in lists.items():
        if isinstance(qs, Capped):
            rows = qs.queryset.order_by().values("pk")[: COUNT_CAP + 1]
            counts[name] = _CappedCount(rows, output_field=IntegerField())
        else:
            counts[name] = Subquery(
                qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n"), output_field=IntegerField()
            )
    return AmazonStore.objects.filter(pk=store.pk).values(**counts).get()


def not_imported_by_reason(*, store: AmazonStore) -> dict[str, QuerySet[AmazonOrder]]:
    """Every Amazon order of the store without a Commerce order, one list per reason (counted by `list_counts`)."""
    return {
        f"not_imported_{kind}": AmazonOrder.objects.filter(condition, store=store)
        for kind, condition in FATE_CONDITIONS.items()
    }


def not_imported_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(kind, label, count) of each reason with orders, from `list_counts` over `not_imported_by_reason`."""
    return [
        (kind, str(label), counts[f"not_imported_{kind}"])
        for kind, label in FATE_LABELS.items()
        if counts.get(f"not_imported_{kind}")
    ]
