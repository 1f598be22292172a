"""Amazon's data as the channel's rows: an Amazon order and its items, ready to be written in bulk."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dbtools import EncodedJson, build_row

from ..core.address import AmazonAddress
from ..models import ZERO, AmazonOrder, AmazonOrderItem, AmazonStore
from ..spapi import types


def amount(money) -> Decimal | None:
    """Amazon's money in the database's cents (None stays None: Amazon sent no price)."""
    return None if money is None else Decimal(money.amount).quantize(Decimal("0.01"))


def order_row(store: AmazonStore, order: types.Order, now: datetime) -> AmazonOrder:
    """The AmazonOrder row of an order as the client read it (not saved)."""
    buyer, recipient = order.buyer, order.recipient
    currency = order.order_total.currency if order.order_total else ""
    if not currency:
        currency = next((i.unit_price.currency for i in order.items if i.unit_price is not None), "")
    shipped = sum(item.quantity_shipped or 0 for item in order.items)
    ordered = sum(item.quantity_ordered or 0 for item in order.items)
    address = AmazonAddress.from_recipient(recipient)
    original = order.replaces
    return build_row(
        AmazonOrder,
        store=store,
        amazon_order_id=order.order_id,
        marketplace_id=order.marketplace_id or "",
        status=order.fulfillment_status or "",
        fulfilled_by=order.fulfilled_by or AmazonOrder.FulfilledBy.MERCHANT,
        ship_service_level=order.ship_service_level or "",
        purchase_date=order.purchase_date,
        amazon_updated_at=order.last_updated_time,
        latest_ship_date=order.latest_ship_date,
        is_prime=bool(order.is_prime),
        is_business=bool(order.is_business),
        is_premium=bool(order.is_premium),
        is_in_store_pickup="IN_STORE_PICK_UP" in (order.programs or []),
        buyer_name=(buyer.name or "") if buyer else "",
        buyer_email=(buyer.email or "") if buyer else "",
        buyer_company=(buyer.company or "") if buyer else "",
        purchase_order_number=(buyer.purchase_order_number or "")[:128] if buyer else "",
        programs=list(order.programs),
        latest_delivery_date=order.latest_delivery_date,
        replaces_amazon_order_id=original.order_id[:64] if original else "",
        association_type=original.association_type if original else "",
        shipping_address=address.as_json() if address else {},
        currency=currency,
        grand_total=amount(order.order_total),
        tax_total=sum(((amount(i.item_tax) or ZERO) + (amount(i.shipping_tax) or ZERO) for i in order.items), ZERO),
        items_shipped=shipped,
        items_unshipped=max(ordered - shipped, 0),
        packages=[
            {
                "package_reference_id": p.package_reference_id,
                "carrier": p.carrier or "",
                "tracking_number": p.tracking_number or "",
                "ship_date": p.ship_date.isoformat() if p.ship_date else "",
                "items": [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in p.items],
            }
            for p in order.packages or []
        ],
        cancellation_reason=(order.cancellation.reason or "") if order.cancellation else "",
        buyer_cancel_requested=_buyer_asked_to_cancel(order),
        buyer_cancel_reason=(order.cancellation.reason or "")[:255] if _buyer_asked_to_cancel(order) else "",
        # Encoded once here: the storability check reads that text and the insert writes it.
        raw=EncodedJson(order.raw or {}),
        needs_refetch=False,
        updated_at=now,
    )


def _buyer_asked_to_cancel(order: types.Order) -> bool:
    """A buyer's request Amazon has not executed yet (once executed, the order's status says canceled)."""
    cancellation = order.cancellation
    return bool(cancellation and cancellation.requested_by == "BUYER" and not cancellation.cancelled_by)


def item_row(item: types.OrderItem) -> AmazonOrderItem:
    return build_row(
        AmazonOrderItem,
        order_item_id=item.order_item_id,
        seller_sku=item.seller_sku or "",
        asin=item.asin or "",
        title=(item.title or "")[:512],
        quantity_ordered=item.quantity_ordered or 0,
        quantity_shipped=item.quantity_shipped or 0,
        unit_price=amount(item.unit_price),
        item_price=amount(item.item_price),
        item_tax=amount(item.item_tax) or ZERO,
        shipping_price=amount(item.shipping_price) or ZERO,
        shipping_tax=amount(item.shipping_tax) or ZERO,
        promotion_discount=amount(item.promotion_discount) or ZERO,
        gift_message=(item.gift_message or "").replace("\x00", ""),
    )
