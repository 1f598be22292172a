"""Test data for the push (outbox) tests: an Amazon store, an Amazon order as the import leaves it (with its invoiced
Commerce order, built through the real orders services), and shipments / credit memos through those services too, so
the outbox rows come from the real event listeners."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonOrderItem, AmazonOrderStatus, AmazonStore, OutboundUpdate
from orders.models import CreditMemo, Order, Shipment
from orders.services import NewItem, NewOrder, TrackInput, create_orders, refund_order, ship_order
from orders.tests.factories import ProductFactory, StoreFactory, make_address

_numbers = itertools.count(1)

SANDBOX_CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.sandbox",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "Atzr|sandbox-refresh-token",
    "seller_id": "A2SANDBOXSELLER",
    "marketplace_id": "ATVPDKIKX0DER",
}


def make_store(**overrides) -> AmazonStore:
    data = {"name": "US Store", "commerce_store": StoreFactory(), **SANDBOX_CREDENTIALS, **overrides}
    return AmazonStore.objects.create(**data)


@dataclass
class Line:
    sku: str
    qty: int
    price: Decimal
    tax: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    order_item_id: str = ""
    discount: Decimal = Decimal("0.00")  # Amazon's promotion on the line, a positive amount


def make_amazon_order(
    *,
    store: AmazonStore,
    lines: list[Line],
    amazon_order_id: str | None = None,
    status: str = AmazonOrderStatus.UNSHIPPED,
    invoiced: bool = True,
    shipping_tax: Decimal = Decimal("0.00"),
) -> AmazonOrder:
    """An Amazon order as the import leaves it: Amazon's order + items, and its (invoiced) Commerce order."""
    n = next(_numbers)
    amazon_order_id = amazon_order_id or f"113-{n:07d}-{n:07d}"
    item_ids = [line.order_item_id or f"{n:06d}{index:06d}" for index, line in enumerate(lines, start=1)]
    shipping = sum((line.shipping for line in lines), Decimal(0))
    for line in lines:
        ProductFactory(sku=line.sku, price=line.price)
    (order,) = create_orders(
        orders=[
            NewOrder(
                store=store.commerce_store,
                items=[
                    NewItem(
                        sku=line.sku,
                        name=f"Product {line.sku}",
                        qty=line.qty,
                        price=line.price,
                        tax_amount=line.tax,
                        discount_amount=line.discount,
                        external_item_id=item_id,
                    )
                    for line, item_id in zip(lines, item_ids, strict=True)
                ],
                billing_address=make_address(email="buyer@marketplace.amazon.com"),
                channel="amazon",
                external_order_number=amazon_order_id,
                customer_email="buyer@marketplace.amazon.com",
                customer_first_name="Amazon",
                customer_last_name="Buyer",
                shipping_amount=shipping,
                shipping_tax_amount=shipping_tax,
                payment_method="amazon",
                payment_method_title="Amazon Channel Payment",
                shipping_method="amazon_standard",
                shipping_description="Amazon Standard",
            )
        ],
        actor=None,
        invoice_offline=invoiced,
    )
    order = Order.objects.get(pk=order.pk)
    now = timezone.now()
    amazon_order = AmazonOrder.objects.create(
        store=store,
        amazon_order_id=amazon_order_id,
        marketplace_id=store.marketplace_id,
        status=status,
        fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT,
        ship_service_level="Std US D2D Dom",
        purchase_date=now,
        amazon_updated_at=now,
        currency=order.order_currency,
        grand_total=order.grand_total,
        commerce_order=order,
    )
    AmazonOrderItem.objects.bulk_create(
        AmazonOrderItem(
            amazon_order=amazon_order,
            order_item_id=item_id,
            seller_sku=line.sku,
            title=f"Product {line.sku}",
            quantity_ordered=line.qty,
            unit_price=line.price,
            item_price=line.price * line.qty,
            item_tax=line.tax,
            shipping_price=line.shipping,
            promotion_discount=line.discount,
        )
        for line, item_id in zip(lines, item_ids, strict=True)
    )
    return amazon_order


def _item_quantities(order: Order, quantities: dict[str, int] | None) -> dict[int, int] | None:
    if quantities is None:
        return None
    by_sku = {item.sku: item.pk for item in order.items.all()}
    return {by_sku[sku]: qty for sku, qty in quantities.items()}


def ship(
    *,
    order: Order,
    quantities: dict[str, int] | None = None,
    tracks: list[tuple[str, str, str]] = (),
    actor=None,
    origin: str = "admin",
) -> Shipment:
    """Ship through orders' ship_order: quantities by SKU (None = everything), tracks as (carrier, title, number)."""
    return ship_order(
        order=order,
        actor=actor,
        quantities=_item_quantities(order, quantities),
        tracks=[TrackInput(carrier_code=c, title=t, number=n) for c, t, n in tracks],
        origin=origin,
    )


def refund(
    *,
    order: Order,
    quantities: dict[str, int] | None,
    shipping: Decimal | None = Decimal("0.00"),
    adjustment_refund: Decimal = Decimal("0.00"),
    adjustment_fee: Decimal = Decimal("0.00"),
    channel_data: dict | None = None,
    actor=None,
    origin: str = "admin",
) -> CreditMemo:
    return refund_order(
        order=order,
        actor=actor,
        quantities=_item_quantities(order, quantities),
        refund_shipping=shipping,
        adjustment_refund=adjustment_refund,
        adjustment_fee=adjustment_fee,
        channel_data=channel_data,
        origin=origin,
    )


def update_for(obj: Shipment | CreditMemo) -> OutboundUpdate:
    if isinstance(obj, Shipment):
        return OutboundUpdate.objects.get(shipment_id=obj.pk)
    return OutboundUpdate.objects.get(credit_memo_id=obj.pk)


def amazon_order_from_sandbox(*, store: AmazonStore, control, order_id: str) -> AmazonOrder:
    """Mirror one sandbox order in the database the way the import would (Amazon's ids, prices, taxes)."""
    data = control.order(order_id)
    lines = [
        Line(
            sku=item["seller_sku"],
            qty=item["quantity"],
            price=Decimal(item["unit_price"]),
            tax=Decimal(item["item_tax"]),
            shipping=Decimal(item["shipping"]),
            order_item_id=item["order_item_id"],
            discount=Decimal(item["discount"]),
        )
        for item in data["items"]
    ]
    shipping_tax = sum((Decimal(item["shipping_tax"]) for item in data["items"]), Decimal(0))
    amazon_order = make_amazon_order(
        store=store,
        lines=lines,
        amazon_order_id=order_id,
        status=data["status"],
        shipping_tax=shipping_tax,
    )
    AmazonOrder.objects.filter(pk=amazon_order.pk).update(ship_service_level=data["service_level"])
    amazon_order.refresh_from_db()
    return amazon_order
