"""Reads for the Amazon order pages: a fixed number of queries per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Left

from orders import rules
from orders.selectors import ReservationLine, order_stock_reservations

from ..core.channel import CHANNEL
from ..models import AmazonOrder, AmazonOrderStatus, AmazonStore, OutboundUpdate

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
    "marketplace_id",
    "order_notes",
    "import_error",
    "import_skipped",
    "fulfilled_by",
    "programs",
    "latest_ship_date",
    "store__id",
    "store__name",
    "store__import_orders",
    "commerce_order__id",
    "commerce_order__increment_id",
)


# The grid sorts order notes by their first characters, which an index can hold (a B-tree refuses a whole note over
# about 2.7 kB): the index amazon_order_grid_notes on (LEFT(order_notes, 100), id).
NOTES_SORT_CHARS = 100


def _with_notes_start(rows: QuerySet[AmazonOrder]) -> QuerySet[AmazonOrder]:
    return rows.alias(notes_start=Left("order_notes", NOTES_SORT_CHARS))


def amazon_orders(*, store_id: int | None = None) -> QuerySet[AmazonOrder]:
    """The grid's rows before its filters and sort: the order table alone, so filters, sort and paging run on it and
    only the page's rows are joined and loaded (`grid_rows`)."""
    rows = _with_notes_start(AmazonOrder.objects.all())
    return rows.filter(store_id=store_id) if store_id else rows


def store_ids_by_name(*, descending: bool = False) -> list[list[int]]:
    """The stores' ids grouped by name, in name order (the All Orders grid's sort by store)."""
    groups: dict[str, list[int]] = {}
    for name, pk in AmazonStore.objects.order_by("name", "pk").values_list("name", "pk"):
        groups.setdefault(name, []).append(pk)
    ordered = list(groups.values())
    return ordered[::-1] if descending else ordered


def grid_rows(page_ids: QuerySet) -> QuerySet[AmazonOrder]:
    """One page of the grid: the orders whose ids `page_ids` (a sliced subquery) picked, with what the rows show."""
    rows = AmazonOrder.objects.filter(pk__in=page_ids).select_related("store", "commerce_order")
    return _with_notes_start(rows).only(*GRID_ROW_FIELDS)


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


@dataclass(frozen=True)
class RelatedOrders:
    """A replacement's original, and an original's replacements or exchanges (associatedOrders), both ways."""

    original_number: str  # the original's Amazon order number; "" when this order replaces none
    original: AmazonOrder | None  # the original, when it is in this store
    replacements: list[AmazonOrder]

    def __bool__(self) -> bool:
        return bool(self.original_number or self.replacements)


def related_orders(amazon_order: AmazonOrder) -> RelatedOrders:
    """Two indexed look-ups in the order's store, however many replacements."""
    number = amazon_order.replaces_amazon_order_id
    linked = AmazonOrder.objects.filter(store_id=amazon_order.store_id).only(
        "id", "store_id", "amazon_order_id", "status", "association_type", "replaces_amazon_order_id"
    )
    original = linked.filter(amazon_order_id=number).first() if number else None
    replacements = list(linked.filter(replaces_amazon_order_id=amazon_order.amazon_order_id).order_by("id"))
    return RelatedOrders(original_number=number, original=original, replacements=replacements)


def is_in_store_pickup(*, order_id: int) -> bool:
    return AmazonOrder.objects.filter(commerce_order_id=order_id, is_in_store_pickup=True).exists()


def pending_cancel_request(amazon_order: AmazonOrder) -> OutboundUpdate | None:
    for update in amazon_order.outbound_updates.all():
        if update.kind == OutboundUpdate.Kind.CANCEL and update.state != OutboundUpdate.State.FAILED:
            return update
    return None


# A shipment in these states is at Amazon or on its way there (push.amazon_state.SHIPMENT_UNDER_WAY).
_SHIPMENT_UNDER_WAY = {
    OutboundUpdate.State.PENDING,
    OutboundUpdate.State.SENDING,
    OutboundUpdate.State.AWAITING_RESULT,
    OutboundUpdate.State.ACCEPTED,
}
# Where the parcel goes can't change once Amazon has it as shipped (or canceled).
_ADDRESS_FINAL = {AmazonOrderStatus.SHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED, AmazonOrderStatus.CANCELLED}


def shipment_under_way(amazon_order: AmazonOrder) -> bool:
    """A shipment was sent to Amazon or is on its way (from the prefetched updates): no cancel is offered then."""
    return any(
        u.kind == OutboundUpdate.Kind.SHIPMENT and u.state in _SHIPMENT_UNDER_WAY
        for u in amazon_order.outbound_updates.all()
    )


def address_can_change(amazon_order: AmazonOrder) -> bool:
    """The shipping address is editable until anything has shipped, on Amazon or on the Commerce order."""
    if amazon_order.status in _ADDRESS_FINAL or shipment_under_way(amazon_order):
        return False
    order = amazon_order.commerce_order
    return order is None or rules.can_change_shipping_address(order)


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


def stock_reservations(amazon_order: AmazonOrder) -> list[ReservationLine]:
    """What the order reserved while Pending, and what became of it, with each SKU's stock now (two queries)."""
    return order_stock_reservations(channel=CHANNEL, external_order_number=amazon_order.amazon_order_id)
