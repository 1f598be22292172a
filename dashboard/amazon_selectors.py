"""Reads for the Amazon store dashboard: one store's revenue and lists, each a single query whatever the number of
orders. The sync status card reads dashboard.sync_status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Func, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonStore, OutboundUpdate
from amazon_channel.sync import FATE_CONDITIONS, FATE_LABELS, ship_by_condition

from . import caching

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
    (dashboard.caching): summing a month of orders (25,000 at a million orders) costs 30-40 ms, more than the rest of
    the page.
    """
    return caching.cached(amazon_revenue_cache_key(store.pk), lambda: _amazon_revenue(store=store, now=now))


def amazon_revenue_cache_key(store_id: int) -> str:
    return f"dashboard:amazon-revenue:v2:{store_id}"


def _amazon_revenue(*, store: AmazonStore, now: datetime | None = None) -> list[AmazonRevenue]:
    now = now or timezone.now()
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
        .order_by("-month")
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
