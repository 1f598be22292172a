"""Reads for the Amazon store dashboard: one store's figures, each a single query whatever the number of orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonStore, OutboundUpdate

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


def amazon_revenue(*, store: AmazonStore, now: datetime | None = None) -> list[AmazonRevenue]:
    """Revenue by purchase date over the last 7 and 30 days, cancelled orders excluded; one row per currency
    (a store sells in one marketplace, so normally one). Orders Amazon has not priced yet (Pending) add nothing.

    Like the store dashboard's heavy figures, computed at most every DASHBOARD_CACHE_SECONDS per store (0 = always
    fresh): summing a month of orders (25,000 at a million orders) costs 30-40 ms, more than the rest of the page.
    """
    from django.conf import settings
    from django.core.cache import cache

    seconds = int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 60))
    if seconds <= 0:
        return _amazon_revenue(store=store, now=now)
    key = amazon_revenue_cache_key(store.pk)
    revenue = cache.get(key)
    if revenue is None:
        revenue = _amazon_revenue(store=store, now=now)
        cache.set(key, revenue, seconds)
    return revenue


def amazon_revenue_cache_key(store_id: int) -> str:
    return f"dashboard:amazon-revenue:v1:{store_id}"


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


def list_counts(*, store: AmazonStore, **lists: QuerySet) -> dict[str, int]:
    """The full size of each of the page's lists in one query (one COUNT subquery each, on its own index), instead
    of a round trip per count: on a busy database server every round trip costs milliseconds."""
    counts = {
        name: Subquery(
            qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n"), output_field=IntegerField()
        )
        for name, qs in lists.items()
    }
    return AmazonStore.objects.filter(pk=store.pk).values(**counts).get()


@dataclass(frozen=True)
class SyncStatus:
    running: bool
    started_at: datetime | None
    finished_at: datetime | None
    ok: bool | None
    message: str
    scheduled: bool
    next_run_at: datetime | None  # None while scheduled = due at beat's next tick


_PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}


def sync_status(*, store: AmazonStore, now: datetime | None = None) -> SyncStatus:
    """The last sync's time and result and when beat runs the next one (from the store's PeriodicTask)."""
    now = now or timezone.now()
    running = bool(store.sync_lease_token) and store.sync_lease_until is not None and store.sync_lease_until > now
    task = store.periodic_task
    scheduled = bool(task and task.enabled)
    next_run_at = None
    if scheduled and task.interval_id:
        interval = task.interval
        every = timedelta(seconds=interval.every * _PERIOD_SECONDS[interval.period])
        if task.last_run_at:
            next_run_at = task.last_run_at + every
        elif task.start_time:
            next_run_at = task.start_time
    elif scheduled:
        # A crontab (or other) schedule: ask celery's own schedule when it is due next.
        last = task.last_run_at or now
        next_run_at = now + task.schedule.remaining_estimate(last)
    return SyncStatus(
        running=running,
        started_at=store.last_sync_started_at,
        finished_at=store.last_sync_finished_at,
        ok=store.last_sync_ok,
        message=store.last_sync_message,
        scheduled=scheduled,
        next_run_at=next_run_at,
    )
