"""Reads for the Amazon order pages: a fixed number of queries per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet

from ..models import AmazonOrder, AmazonOrderStatus, OutboundUpdate

# Columns the All Orders grid may sort by (whitelist: a query string never names an arbitrary field).
GRID_SORTS = {
    "purchase_date": "purchase_date",
    "order_number": "amazon_order_id",
    "status": "status",
    "buyer_name": "buyer_name",
    "grand_total": "grand_total",
    "order_notes": "order_notes",
    "store": "store__name",
}


DEFAULT_GRID_SORT = "-purchase_date"


@dataclass(frozen=True)
class AmazonOrderFilters:
    store_id: int | None = None
    purchase_date_from: datetime | None = None
    purchase_date_to: datetime | None = None
    order_number: str = ""
    status: str = ""
    buyer_name: str = ""
    grand_total_from: Decimal | None = None
    grand_total_to: Decimal | None = None
    order_notes: str = ""
    failed_only: bool = False


# What the All Orders grid shows of each row (and of its store and Commerce order): loading only these keeps the raw
# payload, the addresses and the store's encrypted credentials (decrypted per row otherwise) out of every page.
GRID_ROW_FIELDS = (
    "id",
    "amazon_order_id",
    "purchase_date",
    "status",
    "buyer_name",
    "grand_total",
    "currency",
    "order_notes",
    "import_error",
    "store__id",
    "store__name",
    "commerce_order__id",
    "commerce_order__increment_id",
)


def amazon_orders(*, filters: AmazonOrderFilters, sort: str = DEFAULT_GRID_SORT) -> QuerySet[AmazonOrder]:
    """The grid's filtered, sorted set. Paginate it with `grid_rows` (DeferredRowsPaginator): the filters and the
    sort then run on the order table alone and only the page's rows are joined and loaded."""
    qs = AmazonOrder.objects.all()
    if filters.store_id:
        qs = qs.filter(store_id=filters.store_id)
    if filters.purchase_date_from:
        qs = qs.filter(purchase_date__gte=filters.purchase_date_from)
    if filters.purchase_date_to:
        qs = qs.filter(purchase_date__lte=filters.purchase_date_to)
    if filters.order_number:
        qs = qs.filter(amazon_order_id__icontains=filters.order_number.strip())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.buyer_name:
        qs = qs.filter(buyer_name__icontains=filters.buyer_name.strip())
    if filters.grand_total_from is not None:
        qs = qs.filter(grand_total__gte=filters.grand_total_from)
    if filters.grand_total_to is not None:
        qs = qs.filter(grand_total__lte=filters.grand_total_to)
    if filters.order_notes:
        qs = qs.filter(order_notes__icontains=filters.order_notes.strip())
    if filters.failed_only:
        qs = qs.exclude(import_error="")
    return qs.order_by(*grid_ordering(sort))


def grid_ordering(sort: str) -> list[str]:
    field = sort.lstrip("-")
    if field not in GRID_SORTS:
        sort, field = DEFAULT_GRID_SORT, DEFAULT_GRID_SORT.lstrip("-")
    prefix = "-" if sort.startswith("-") else ""
    # The id tie-breaker keeps pages stable when many orders share a value.
    return [prefix + GRID_SORTS[field], prefix + "id"]


def grid_rows(page_ids: QuerySet, *, sort: str = DEFAULT_GRID_SORT) -> QuerySet[AmazonOrder]:
    """One page of the grid: the orders whose ids `page_ids` (a sliced subquery) picked, with what the rows show."""
    return (
        AmazonOrder.objects.filter(pk__in=page_ids)
        .select_related("store", "commerce_order")
        .only(*GRID_ROW_FIELDS)
        .order_by(*grid_ordering(sort))
    )


def amazon_order_detail(*, pk: int) -> AmazonOrder:
    return (
        AmazonOrder.objects.select_related("store", "commerce_order")
        .prefetch_related(
            "items",
            "status_changes",
            Prefetch("outbound_updates", queryset=OutboundUpdate.objects.order_by("-created_at", "-id")),
        )
        .get(pk=pk)
    )


def amazon_order_for_commerce_order(*, order_id: int) -> AmazonOrder | None:
    return AmazonOrder.objects.select_related("store").filter(commerce_order_id=order_id).first()


def pending_cancel_request(amazon_order: AmazonOrder) -> OutboundUpdate | None:
    for update in amazon_order.outbound_updates.all():
        if update.kind == OutboundUpdate.Kind.CANCEL and update.state != OutboundUpdate.State.FAILED:
            return update
    return None


@dataclass(frozen=True)
class FailedImports:
    store_id: int
    store_name: str
    count: int


def stores_with_failed_imports() -> list[FailedImports]:
    """Stores with Amazon orders that could not be imported (the admin banner): one query on a partial index."""
    rows = (
        AmazonOrder.objects.exclude(import_error="")
        .values("store_id", "store__name")
        .annotate(count=Count("id"))
        .order_by("store__name", "store_id")
    )
    return [FailedImports(row["store_id"], row["store__name"], row["count"]) for row in rows]


def status_choices() -> list[tuple[str, str]]:
    return list(AmazonOrderStatus.choices)
