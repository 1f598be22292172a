"""Stock held for Pending Amazon orders (store setting *Reserve Stock for Pending Orders*), through the orders app's
generic channel reservations: reserved when the import first sees an order Pending, converted when it is imported
(orders.create_orders), released at once when Amazon cancels it, or when the reservation days run out (the orders
app's hourly job, and each import run). Inside the page's transaction, a query or two a page, whatever its size."""

from __future__ import annotations

from datetime import datetime, timedelta

from orders.models import StockReservation
from orders.services import ReservedLine, release_stock_reservations, reserve_stock

from ..core.channel import CHANNEL
from ..models import AmazonOrder, AmazonOrderItem, AmazonOrderStatus, AmazonStore

PENDING = frozenset({AmazonOrderStatus.PENDING, AmazonOrderStatus.PENDING_AVAILABILITY})
ENDED_BY_AMAZON = frozenset({AmazonOrderStatus.CANCELLED, AmazonOrderStatus.UNFULFILLABLE})


def reserve_and_release(
    *,
    store: AmazonStore,
    changes: list[tuple[AmazonOrder | None, AmazonOrder]],
    items_of: dict[str, list[AmazonOrderItem]],
    now: datetime,
) -> None:
    """Reserve the stock of the page's orders seen for the first time while Pending, and release what the orders
    Amazon canceled still hold. An order seen again (a later page, an overlapping window) is not first seen, and the
    reservation's unique key makes a second reservation impossible anyway."""
    if store.reserve_pending_stock and store.import_orders:
        first_seen = [row for before, row in changes if before is None and row.status in PENDING]
        if first_seen:
            reserve_stock(
                channel=CHANNEL,
                lines=[
                    ReservedLine(row.amazon_order_id, item.seller_sku, item.quantity_ordered)
                    for row in first_seen
                    for item in items_of[row.amazon_order_id]
                ],
                expires_at=now + timedelta(days=store.stock_reservation_days),
                now=now,
            )
    # Released whatever the setting says now: a reservation made while it was on still ends with the order.
    canceled = [
        row.amazon_order_id
        for before, row in changes
        if before is not None and before.status != row.status and row.status in ENDED_BY_AMAZON
    ]
    if canceled:
        release_stock_reservations(
            channel=CHANNEL, external_order_numbers=canceled, reason=StockReservation.ReleaseReason.CANCELED, now=now
        )
