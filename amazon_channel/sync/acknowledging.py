"""The Commerce order number sent back to Amazon as the seller order id (store setting *Send Order Number to
Amazon*): an outbox row written in the page's own transaction, as the Commerce order is placed.

Written here rather than by a listener of OrderPlaced: when orders announces it, the Amazon order's row does not exist
yet (a new Amazon order's Commerce order is placed first, so its row is inserted once, already linked). The push
outbox delivers it in the store's next order acknowledgement feed (StatusCode Success, MerchantOrderID)."""

from __future__ import annotations

from collections.abc import Sequence

from orders.models import Order

from ..models import AmazonOrder, AmazonStore, OutboundUpdate


def record_order_numbers(*, store: AmazonStore, amazon_orders: Sequence[AmazonOrder]) -> int:
    """Queue one order-number update per Amazon order just linked to its Commerce order; none twice (its
    idempotency key). Returns how many rows were written. Two queries, however many orders."""
    linked = [row for row in amazon_orders if row.commerce_order_id and row.pk]
    if not store.send_merchant_order_id or not linked:
        return 0
    numbers = dict(
        Order.objects.filter(pk__in=[row.commerce_order_id for row in linked]).values_list("pk", "increment_id")
    )
    written = OutboundUpdate.objects.bulk_create(
        [
            OutboundUpdate(
                store=store,
                amazon_order_id=row.pk,
                kind=OutboundUpdate.Kind.ORDER_NUMBER,
                idempotency_key=f"order_number:{row.pk}",
                payload={"amazon_order_id": row.amazon_order_id, "merchant_order_id": numbers[row.commerce_order_id]},
            )
            for row in linked
            if numbers.get(row.commerce_order_id)
        ],
        ignore_conflicts=True,
    )
    return len(written)
