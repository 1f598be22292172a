"""Reads for the sales pages. Each returns a queryset (or object) that already joins what its page shows, so a
page's query count does not grow with its rows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules
from .models import (
    CreditMemo,
    CreditMemoItem,
    Invoice,
    InvoiceItem,
    Order,
    OrderAddress,
    OrderComment,
    OrderItem,
    OrderStatus,
    Product,
    Shipment,
    ShipmentItem,
    StockReservation,
)


def status_labels() -> dict[str, str]:
    """Status code -> the label merchants see (one small query)."""
    return {code: _(label) for code, label in OrderStatus.objects.values_list("code", "label")}


def status_label(status: str, labels: dict[str, str] | None = None) -> str:
    labels = status_labels() if labels is None else labels
    return labels.get(status) or status.replace("_", " ").title()


def statuses_for_state(state: str) -> list[OrderStatus]:
    """The statuses a comment may set while the order is in this state."""
    return list(OrderStatus.objects.filter(state=state).order_by("label"))


def order_grid_rows() -> QuerySet[Order]:
    """Orders for the grid: the store joined in, only the columns the grid and the CSV use."""
    return Order.objects.select_related("store").only(
        "id",
        "increment_id",
        "channel",
        "external_order_number",
        "status",
        "state",
        "created_at",
        "billing_name",
        "shipping_name",
        "customer_email",
        "customer_first_name",
        "customer_last_name",
        "grand_total",
        "base_grand_total",
        "order_currency",
        "base_currency",
        "store__id",
        "store__name",
        "store__code",
    )


def order_statuses() -> list[tuple[str, str]]:
    """Statuses to filter by: every defined status plus any code orders carry without a definition."""
    labels = status_labels()
    used = set(_distinct_values("status"))
    codes = sorted(labels, key=lambda c: labels[c]) + sorted(used - set(labels))
    return [(code, status_label(code, labels)) for code in codes]


def order_channels() -> list[tuple[str, str]]:
    used = _distinct_values("channel")
    return [(code, code.replace("_", " ").title()) for code in sorted(used)]


_DISTINCT_COLUMNS = {"status", "channel"}


def _distinct_values(column: str) -> list[str]:
    """The distinct values of an indexed column, one index probe per value (a "loose index scan"): a plain
    SELECT DISTINCT reads every order, which costs tens of milliseconds on each grid page at 100,000 orders."""
    if column not in _DISTINCT_COLUMNS:
        raise ValueError(column)
    table = connection.ops.quote_name(Order._meta.db_table)
    col = connection.ops.quote_name(column)
    sql = (
        f"WITH RECURSIVE seen(v) AS ("  # noqa: S608 - names come from the whitelist above, quoted
        f" SELECT MIN({col}) FROM {table}"
        f" UNION ALL SELECT (SELECT MIN({col}) FROM {table} WHERE {col} > seen.v) FROM seen WHERE seen.v IS NOT NULL"
        f") SELECT v FROM seen WHERE v IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def orders_by_ids(ids: list[int]) -> QuerySet[Order]:
    return Order.objects.filter(pk__in=ids).order_by("pk")


def order_detail(order_id: int) -> Order:
    """One order with everything its page shows: items, addresses, documents, tracks and comments with authors."""
    return (
        Order.objects.select_related("store", "customer")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("id")),
            Prefetch("addresses", queryset=OrderAddress.objects.all()),
            Prefetch("invoices", queryset=Invoice.objects.select_related("created_by").order_by("-created_at", "-id")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("created_by")
                .prefetch_related("tracks")
                .order_by("-created_at", "-id"),
            ),
            Prefetch(
                "credit_memos",
                queryset=CreditMemo.objects.select_related("created_by").order_by("-created_at", "-id"),
            ),
            Prefetch(
                "comments", queryset=OrderComment.objects.select_related("created_by").order_by("-created_at", "-id")
            ),
        )
        .get(pk=order_id)
    )


def invoice_grid_rows() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("order", "order__store")


def shipment_grid_rows() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("order", "order__store")


def creditmemo_grid_rows() -> QuerySet[CreditMemo]:
    return CreditMemo.objects.select_related("order", "order__store")


def invoice_detail(invoice_id: int) -> Invoice:
    return (
        Invoice.objects.select_related("order", "order__store", "created_by")
        .prefetch_related(Prefetch("items", queryset=InvoiceItem.objects.select_related("order_item").order_by("id")))
        .prefetch_related("order__addresses")
        .get(pk=invoice_id)
    )


def shipment_detail(shipment_id: int) -> Shipment:
    return (
        Shipment.objects.select_related("order", "order__store", "created_by")
        .prefetch_related(Prefetch("items", queryset=ShipmentItem.objects.select_related("order_item").order_by("id")))
        .prefetch_related("tracks__items__order_item", "order__addresses")
        .get(pk=shipment_id)
    )


def creditmemo_detail(credit_memo_id: int) -> CreditMemo:
    return (
        CreditMemo.objects.select_related("order", "order__store", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=CreditMemoItem.objects.select_related("order_item").order_by("id"))
        )
        .prefetch_related("order__addresses")
        .get(pk=credit_memo_id)
    )


# Orders with work left. The services keep `needs_invoice` / `needs_shipment` on every order (orders.rules
# .set_awaiting, the same rules as can_invoice / can_ship), each with a partial index, so the grid's *Awaiting*
# filter and the dashboard's counts read only the orders that wait (not every open order joined to its items).
OPEN_STATES = list(rules.OPEN_STATES)


def awaiting_invoice_condition() -> Q:
    return Q(needs_invoice=True)


def awaiting_shipment_condition() -> Q:
    return Q(needs_shipment=True)


# The same conditions computed from the items, as SQL: what the flags are rebuilt from (the migration, the
# refresh_sales_statistics command) and what the tests hold them against. `items`: a migration's historical model.
def awaiting_invoice_by_items(items=OrderItem) -> Q:
    left = items.objects.filter(order=OuterRef("pk"), qty_ordered__gt=F("qty_invoiced") + F("qty_canceled"))
    return Q(state__in=OPEN_STATES) & Q(Exists(left))


def awaiting_shipment_by_items(items=OrderItem) -> Q:
    left = (
        items.objects.filter(order=OuterRef("pk"))
        .annotate(done=Greatest(F("qty_shipped"), F("qty_refunded")) + F("qty_canceled"))
        .filter(qty_ordered__gt=F("done"))
    )
    return Q(state__in=OPEN_STATES) & Q(Exists(left))


# --- order view: history and addresses from the rows order_detail prefetched (no query) -------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: object
    title: str
    comment: str
    by: object
    notified: bool | None = None
    status: str = ""


def order_history(order: Order) -> list[HistoryEntry]:
    """Everything that happened to the order, newest first: comments and status changes, and each document."""
    entries = [
        HistoryEntry(c.created_at, c.get_kind_display(), c.comment, c.created_by, c.is_customer_notified, c.status)
        for c in order.comments.all()
    ]
    entries += [
        HistoryEntry(i.created_at, _("Invoice #%s created") % i.increment_id, "", i.created_by, i.email_sent)
        for i in order.invoices.all()
    ]
    entries += [
        HistoryEntry(s.created_at, _("Shipment #%s created") % s.increment_id, "", s.created_by, s.email_sent)
        for s in order.shipments.all()
    ]
    entries += [
        HistoryEntry(m.created_at, _("Credit Memo #%s created") % m.increment_id, "", m.created_by, m.email_sent)
        for m in order.credit_memos.all()
    ]
    return sorted(entries, key=attrgetter("at"), reverse=True)


def order_addresses(order: Order) -> dict[str, OrderAddress | None]:
    by_type = {a.address_type: a for a in order.addresses.all()}
    return {"billing": by_type.get(OrderAddress.Type.BILLING), "shipping": by_type.get(OrderAddress.Type.SHIPPING)}


# --- Stock: in stock, reserved, salable ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockLevel:
    """A catalogue SKU's stock: `in_stock` is qty_in_stock (moved by placed orders, credit memos, cancels),
    `reserved` what open reservations hold, `salable` what is left to sell."""

    sku: str
    in_stock: int
    reserved: int

    @property
    def salable(self) -> int:
        return self.in_stock - self.reserved


def stock_levels(
    *,
    skus: Collection[str],
    excluding_orders: tuple[str, Collection[str]] | None = None,
    now: datetime | None = None,
) -> dict[str, StockLevel]:
    """The stock of each catalogue SKU among `skus` (unknown SKUs are left out), in one query. `excluding_orders`
    (channel, order numbers) leaves those orders' own reservations out: what is left for them to take."""
    if not skus:
        return {}
    held = StockReservation.objects.filter(StockReservation.held_at(now or timezone.now()), sku=OuterRef("sku"))
    if excluding_orders is not None:
        channel, numbers = excluding_orders
        held = held.exclude(channel=channel, external_order_number__in=list(numbers))
    held_qty = held.order_by().values("sku").annotate(total=Sum("qty")).values("total")
    rows = (
        Product.objects.filter(sku__in=list(skus))
        .annotate(reserved=Coalesce(Subquery(held_qty), 0))
        .values_list("sku", "qty_in_stock", "reserved")
    )
    return {sku: StockLevel(sku=sku, in_stock=in_stock, reserved=reserved) for sku, in_stock, reserved in rows}


@dataclass(frozen=True)
class ReservationLine:
    reservation: StockReservation
    state: str  # StockReservation.state_at: reserved, converted, released, expired
    stock: StockLevel | None  # None: the SKU has left the catalogue since


def order_stock_reservations(
    *, channel: str, external_order_number: str, now: datetime | None = None
) -> list[ReservationLine]:
    """A channel order's stock reservations, whatever became of them, each with its SKU's stock now. Two queries."""
    now = now or timezone.now()
    reservations = list(StockReservation.objects.filter(channel=channel, external_order_number=external_order_number))
    levels = stock_levels(skus={r.sku for r in reservations}, now=now)
    return [ReservationLine(r, r.state_at(now), levels.get(r.sku)) for r in reservations]
