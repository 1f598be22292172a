"""Test data for the push (outbox) tests: an Amazon store, an imported Amazon order and its Commerce order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonOrderItem, AmazonOrderStatus, AmazonStore
from orders.models import CreditMemo, CreditMemoItem, Order, OrderItem, Shipment, ShipmentItem, ShipmentTrack, Store

_numbers = itertools.count(1)

SANDBOX_CREDENTIALS = {
    "client_id": "amzn1.application-oa2-client.sandbox",
    "client_secret": "sandbox-client-secret",
    "refresh_token": "Atzr|sandbox-refresh-token",
    "seller_id": "A2SANDBOXSELLER",
    "marketplace_id": "ATVPDKIKX0DER",
}


def make_store(**overrides) -> AmazonStore:
    commerce_store, _ = Store.objects.get_or_create(code="default", defaults={"name": "Default Store View"})
    data = {"name": "US Store", "commerce_store": commerce_store, **SANDBOX_CREDENTIALS, **overrides}
    return AmazonStore.objects.create(**data)


@dataclass
class Line:
    sku: str
    qty: int
    price: Decimal
    tax: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    order_item_id: str = ""


def make_amazon_order(
    *,
    store: AmazonStore,
    lines: list[Line],
    amazon_order_id: str | None = None,
    status: str = AmazonOrderStatus.UNSHIPPED,
    currency: str = "USD",
) -> AmazonOrder:
    """An Amazon order as the import leaves it: Amazon's order + items, and its invoiced Commerce order."""
    n = next(_numbers)
    amazon_order_id = amazon_order_id or f"113-{n:07d}-{n:07d}"
    now = timezone.now()
    subtotal = sum((line.price * line.qty for line in lines), Decimal(0))
    tax = sum((line.tax for line in lines), Decimal(0))
    shipping = sum((line.shipping for line in lines), Decimal(0))
    order = Order.objects.create(
        increment_id=f"1{n:08d}",
        store=store.commerce_store,
        channel="amazon",
        external_order_number=amazon_order_id,
        state="processing",
        status="processing",
        order_currency=currency,
        base_currency=currency,
        subtotal=subtotal,
        tax_amount=tax,
        shipping_amount=shipping,
        grand_total=subtotal + tax + shipping,
        base_grand_total=subtotal + tax + shipping,
        total_invoiced=subtotal + tax + shipping,
        total_paid=subtotal + tax + shipping,
        payment_method="amazon",
        payment_method_title="Amazon Channel Payment",
        shipping_description="Amazon Standard",
        customer_email="buyer@marketplace.amazon.com",
        created_at=now,
    )
    amazon_order = AmazonOrder.objects.create(
        store=store,
        amazon_order_id=amazon_order_id,
        marketplace_id=store.marketplace_id,
        status=status,
        fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT,
        ship_service_level="Std US D2D Dom",
        purchase_date=now,
        amazon_updated_at=now,
        currency=currency,
        grand_total=subtotal + tax + shipping,
        commerce_order=order,
    )
    for index, line in enumerate(lines, start=1):
        item_id = line.order_item_id or f"{n:06d}{index:06d}"
        OrderItem.objects.create(
            order=order,
            sku=line.sku,
            name=f"Product {line.sku}",
            external_item_id=item_id,
            qty_ordered=line.qty,
            qty_invoiced=line.qty,
            price=line.price,
            original_price=line.price,
            tax_amount=line.tax,
            row_total=line.price * line.qty,
        )
        AmazonOrderItem.objects.create(
            amazon_order=amazon_order,
            order_item_id=item_id,
            seller_sku=line.sku,
            title=f"Product {line.sku}",
            quantity_ordered=line.qty,
            unit_price=line.price,
            item_price=line.price * line.qty,
            item_tax=line.tax,
            shipping_price=line.shipping,
        )
    return amazon_order


def make_shipment(
    *, order: Order, quantities: dict[str, int] | None = None, tracks: list[tuple[str, str, str]] = ()
) -> Shipment:
    """A Commerce shipment: quantities by SKU (None = everything), tracks as (carrier code, title, number)."""
    n = next(_numbers)
    shipment = Shipment.objects.create(order=order, increment_id=f"5{n:08d}")
    total = 0
    for item in order.items.all():
        qty = item.qty_ordered if quantities is None else quantities.get(item.sku, 0)
        if qty:
            ShipmentItem.objects.create(shipment=shipment, order_item=item, qty=qty)
            item.qty_shipped += qty
            item.save(update_fields=["qty_shipped"])
            total += qty
    shipment.total_qty = total
    shipment.save(update_fields=["total_qty"])
    for carrier, title, number in tracks:
        ShipmentTrack.objects.create(shipment=shipment, carrier_code=carrier, title=title, track_number=number)
    return shipment


def make_credit_memo(
    *,
    order: Order,
    quantities: dict[str, int],
    shipping: Decimal = Decimal("0.00"),
    shipping_tax: Decimal = Decimal("0.00"),
    adjustment_refund: Decimal = Decimal("0.00"),
    adjustment_fee: Decimal = Decimal("0.00"),
    channel_data: dict | None = None,
) -> CreditMemo:
    n = next(_numbers)
    memo = CreditMemo.objects.create(
        order=order,
        increment_id=f"7{n:08d}",
        shipping_amount=shipping,
        adjustment_refund=adjustment_refund,
        adjustment_fee=adjustment_fee,
        channel_data=channel_data or {},
    )
    subtotal = tax = Decimal(0)
    for item in order.items.all():
        qty = quantities.get(item.sku, 0)
        if not qty:
            continue
        item_tax = (item.tax_amount * qty / item.qty_ordered).quantize(Decimal("0.01"))
        CreditMemoItem.objects.create(
            credit_memo=memo,
            order_item=item,
            qty=qty,
            price=item.price,
            tax_amount=item_tax,
            row_total=item.price * qty,
        )
        subtotal += item.price * qty
        tax += item_tax
    memo.subtotal = subtotal
    memo.tax_amount = tax + shipping_tax
    memo.grand_total = subtotal + tax + shipping + shipping_tax + adjustment_refund - adjustment_fee
    memo.save()
    return memo
