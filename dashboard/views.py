"""Dashboard pages: thin views that ask for the figures and the lists and render them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from admin_ui.formatting import format_datetime
from admin_ui.permissions import page_permission_required, permission_required
from amazon_channel.core.permissions import SYNC_STORE, VIEW_ORDER, VIEW_STORE

from . import amazon_selectors, charts, figures, periods, selectors, sync_status

# The store dashboard shows orders (Recent Orders, figures): the Commerce order's view permission. The Amazon store
# dashboard: the Amazon store's and its orders' view permissions; Sync now also the sync permission.
orders_page = page_permission_required("orders.view_order")
amazon_store_page = page_permission_required(VIEW_STORE, change=SYNC_STORE)
LIST_LIMIT = 20  # rows shown in each list of the Amazon store dashboard; the heading gives the full count


def order_grid_url(**params: str) -> str:
    url = reverse("orders:order_grid")
    return f"{url}?{urlencode(params)}" if params else url


@orders_page
def index(request: HttpRequest) -> HttpResponse:
    period = periods.get_range(request.GET.get("range"))
    now = timezone.now()
    currency = selectors.dashboard_currency()
    shown = figures.dashboard_figures(period, now=now)
    series = shown.series
    chart = charts.revenue_chart(
        series,
        title=_("Revenue, %(range)s") % {"range": period.label},
        description=_("Revenue per %(bucket)s of orders not cancelled, %(start)s to %(end)s.")
        % {
            "bucket": periods.BUCKET_NAMES[period.bucket],
            "start": format_datetime(series.start),
            "end": format_datetime(series.end),
        },
        currency=currency,
    )
    context = {
        "period": period,
        "ranges": periods.RANGES.values(),
        "currency": currency,
        "recent_orders": selectors.recent_orders(),
        "lifetime": shown.lifetime,
        "series": series,
        "chart": chart,
        "by_channel": shown.by_channel,
        "channel_labels": figures.CHANNEL_LABELS,
        "bestsellers": shown.bestsellers,
        "awaiting": shown.awaiting,
        "awaiting_invoice_url": order_grid_url(awaiting="invoice"),
        "awaiting_shipment_url": order_grid_url(awaiting="shipment"),
        "amazon_stores": amazon_selectors.amazon_stores(),
        "search": request.GET.get("q", ""),
    }
    return render(request, "dashboard/index.html", context)


@orders_page
def order_search(request: HttpRequest) -> HttpResponse:
    """Straight to the order when exactly one has this number (Commerce or Amazon); else the grid searched by it."""
    number = request.GET.get("q", "").strip()
    ids = selectors.find_orders_by_number(number)
    if len(ids) == 1:
        return HttpResponseRedirect(reverse("orders:order_view", args=[ids[0]]))
    return HttpResponseRedirect(order_grid_url(q=number) if number else order_grid_url())


def _amazon_status_context(store, now) -> dict:
    return {"store": store, "sync": sync_status.sync_status(store=store, now=now), "now": now}


@amazon_store_page
@permission_required(VIEW_ORDER)
def amazon_store(request: HttpRequest, store_id: int) -> HttpResponse:
    store = amazon_selectors.amazon_store(store_id)
    now = timezone.now()
    awaiting = amazon_selectors.awaiting_shipment(store=store)
    failed_imports = amazon_selectors.failed_imports(store=store)
    in_flight = amazon_selectors.updates_in_flight(store=store)
    failed_updates = amazon_selectors.failed_updates(store=store)
    counts = amazon_selectors.list_counts(
        store=store,
        awaiting_count=amazon_selectors.Capped(awaiting),
        failed_imports_count=failed_imports,
        in_flight_count=in_flight,
        failed_updates_count=failed_updates,
        late_count=amazon_selectors.Capped(amazon_selectors.late_orders(store=store, now=now)),
        due_today_count=amazon_selectors.Capped(amazon_selectors.due_today_orders(store=store, now=now)),
        **amazon_selectors.not_imported_by_reason(store=store),
    )
    not_imported = amazon_selectors.not_imported_summary(counts)
    context = {
        **_amazon_status_context(store, now),
        **counts,
        "count_cap": amazon_selectors.COUNT_CAP,
        "revenue": amazon_selectors.amazon_revenue(store=store, now=now),
        "recent_orders": amazon_selectors.recent_amazon_orders(store=store),
        "awaiting": awaiting[:LIST_LIMIT],
        "failed_imports": failed_imports[:LIST_LIMIT],
        "in_flight": in_flight[:LIST_LIMIT],
        "failed_updates": failed_updates[:LIST_LIMIT],
        "not_imported": not_imported,
        "not_imported_count": sum(n for _kind, _label, n in not_imported),
    }
    return render(request, "dashboard/amazon_store.html", context)


@amazon_store_page
@permission_required(VIEW_ORDER)
def amazon_store_sync_status(request: HttpRequest, store_id: int) -> HttpResponse:
    """The sync status card alone: the page polls it with htmx every few seconds."""
    store = amazon_selectors.amazon_store(store_id)
    return render(request, "dashboard/_amazon_sync_status.html", _amazon_status_context(store, timezone.now()))


@require_POST
@amazon_store_page
def amazon_store_sync(request: HttpRequest, store_id: int) -> HttpResponse:
    """*Sync now*: queue the store's import (it runs in a worker, never inside this request)."""
    from amazon_channel.sync import request_store_sync

    store = amazon_selectors.amazon_store(store_id)
    request_store_sync(store=store, actor=request.user)
    messages.success(request, _("A sync of %(name)s is queued; new orders appear in a moment.") % {"name": store})
    return redirect("dashboard:amazon_store", store_id=store.pk)
