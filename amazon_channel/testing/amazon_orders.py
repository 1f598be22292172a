"""Amazon orders for tests: built the way the SP-API client returns them (types.*), and stored the way the import
stores them, through the real importer (sync.process_orders), so a test's Amazon order and its Commerce order are
exactly what an import leaves. Shipments and credit memos go through the orders services, so the outbox rows come
from the real event listeners.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from amazon_channel import sync
from amazon_channel.core import client as clients
from amazon_channel.core import statistics
from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonStore, OutboundUpdate
from amazon_channel.spapi import SpApiClient, types
from amazon_channel.spapi.ratelimit import NoPacing
from orders.models import CreditMemo, Order, OrderComment, Shipment
from orders.services import TrackInput, create_orders, refund_order, ship_order
from orders.tests.factories import ProductFactory

_numbers = itertools.count(1)


def money(amount: str | Decimal | None, currency: str = "USD") -> types.Money | None:
    return None if amount is None else types.Money(Decimal(amount), currency)


def amazon_item(
    *,
    sku: str = "SKU-A",
    qty: int = 1,
    unit_price: str | None = "10.00",
    tax: str = "0.80",
    shipping: str = "4.00",
    shipping_tax: str = "0.00",
    discount: str = "0.00",
    shipped: int = 0,
    order_item_id: str | None = None,
    title: str | None = None,
) -> types.OrderItem:
    return types.OrderItem(
        order_item_id=order_item_id or f"{next(_numbers):014d}",
        seller_sku=sku,
        asin=f"B0{sku[-6:]:0>8}"[:10],
        title=title or f"Product {sku}",
        quantity_ordered=qty,
        quantity_shipped=shipped,
        unit_price=money(unit_price),
        item_price=money(None if unit_price is None else Decimal(unit_price) * qty),
        item_tax=money(tax),
        shipping_price=money(shipping),
        shipping_tax=money(shipping_tax),
        promotion_discount=money(discount),
        shipping_discount=money("0.00"),
    )


def amazon_order(
    *,
    order_id: str | None = None,
    status: str = "UNSHIPPED",
    fulfilled_by: str = "MERCHANT",
    items: list[types.OrderItem] | None = None,
    updated: datetime | None = None,
    purchased: datetime | None = None,
    buyer: types.Buyer | str | None = "default",
    recipient: types.Address | str | None = "default",
    packages: list[types.Package] | None = None,
    cancellation_reason: str | None = None,
    ship_service_level: str = "Std US D2D Dom",
    marketplace_id: str = "ATVPDKIKX0DER",
    is_prime: bool = False,
) -> types.Order:
    n = next(_numbers)
    order_id = order_id or f"111-{n:07d}-{n * 7 % 10_000_000:07d}"
    items = items if items is not None else [amazon_item()]
    now = timezone.now()
    if buyer == "default":
        buyer = types.Buyer(name="Jane Buyer", email=f"buyer{n}@marketplace.amazon.com", company=None)
    if recipient == "default":
        recipient = types.Address(
            name="Jane Recipient",
            address_lines=["1 Main Street", "Apt 2"],
            city="Seattle",
            state_or_region="WA",
            postal_code="98101",
            country_code="US",
            phone="+1 206 555 0100",
        )
    total = sum(
        (
            (i.unit_price.amount * i.quantity_ordered if i.unit_price else Decimal(0))
            + (i.item_tax.amount if i.item_tax else 0)
            + (i.shipping_price.amount if i.shipping_price else 0)
            - (i.promotion_discount.amount if i.promotion_discount else 0)
            for i in items
        ),
        Decimal(0),
    )
    return types.Order(
        order_id=order_id,
        marketplace_id=marketplace_id,
        purchase_date=purchased or now - timedelta(hours=2),
        last_updated_time=updated or now - timedelta(minutes=10),
        fulfillment_status=status,
        fulfilled_by=fulfilled_by,
        ship_service_level=ship_service_level,
        latest_ship_date=now + timedelta(days=2),
        is_prime=is_prime,
        is_business=False,
        is_premium=False,
        buyer=buyer,
        recipient=recipient,
        items=items,
        order_total=money(str(total)) if status != "PENDING" else None,
        packages=packages or [],
        cancellation=types.Cancellation(reason=cancellation_reason) if cancellation_reason else None,
        raw={"orderId": order_id},
    )


def package(*, carrier: str = "UPS", number: str = "1Z999", items: list[tuple[str, int]] = ()) -> types.Package:
    return types.Package(
        package_reference_id=f"pkg-{number}",
        carrier=carrier,
        tracking_number=number,
        ship_date=timezone.now(),
        items=[types.PackageItem(order_item_id=i, quantity=q) for i, q in items],
    )


def with_changes(order: types.Order, **changes) -> types.Order:
    """The same order as Amazon returns it later (a new status, later update time)."""
    changes.setdefault("last_updated_time", order.last_updated_time + timedelta(minutes=1))
    return replace(order, **changes)


def imported(store: AmazonStore, *orders: types.Order, actor=None) -> list[AmazonOrder]:
    """Store Amazon orders as one import page does, through the real importer; their rows, in order."""
    with transaction.atomic():
        sync.process_orders(store=store, orders=list(orders), actor=actor, result=sync.ImportResult(store_id=store.pk))
    ids = [order.order_id for order in orders]
    found = {row.amazon_order_id: row for row in AmazonOrder.objects.filter(store=store, amazon_order_id__in=ids)}
    return [found[order_id] for order_id in ids]


@dataclass
class Line:
    sku: str
    qty: int
    price: Decimal
    tax: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    order_item_id: str = ""
    discount: Decimal = Decimal("0.00")  # Amazon's promotion on the line, a positive amount


_order_numbers = itertools.count(1)


def make_amazon_order(
    *,
    store: AmazonStore,
    lines: list[Line],
    amazon_order_id: str | None = None,
    status: str = AmazonOrderStatus.UNSHIPPED,
    invoiced: bool = True,
    shipping_tax: Decimal = Decimal("0.00"),
) -> AmazonOrder:
    """An Amazon order with these lines, as the import leaves it: Amazon's order + items, and its Commerce order
    (invoiced offline, as every imported order is).

    `invoiced=False` stands for an Amazon order whose Commerce order was placed but not invoiced (the importer never
    leaves one so, but a Commerce cancel of an Amazon order needs one): the importer's own Commerce order
    (sync.build_new_order), placed without its invoice."""
    n = next(_order_numbers)
    amazon_order_id = amazon_order_id or f"113-{n:07d}-{n:07d}"
    for line in lines:
        ProductFactory(sku=line.sku, price=line.price)
    items = [
        amazon_item(
            sku=line.sku,
            qty=line.qty,
            unit_price=str(line.price),
            tax=str(line.tax),
            shipping=str(line.shipping),
            shipping_tax=str(shipping_tax if index == 0 else Decimal("0.00")),
            discount=str(line.discount),
            order_item_id=line.order_item_id or f"{n:06d}{index + 1:06d}",
        )
        for index, line in enumerate(lines)
    ]
    # The store's own marketplace: the import keeps only those.
    order = amazon_order(order_id=amazon_order_id, status=status, items=items, marketplace_id=store.marketplace_id)
    if invoiced:
        return imported(store, order)[0]
    importing = store.import_orders
    store.import_orders = False  # the Amazon order alone; its Commerce order follows, without the invoice
    try:
        (row,) = imported(store, order)
    finally:
        store.import_orders = importing
    new = sync.build_new_order(store=store, row=row, items=list(row.items.all()))
    (placed,) = create_orders(orders=[new], actor=None, invoice_offline=False)
    AmazonOrder.objects.filter(pk=row.pk).update(commerce_order=placed, order_notes="")
    row.refresh_from_db()
    return row


def import_from_sandbox(*, store: AmazonStore, order_id: str, client: SpApiClient | None = None) -> AmazonOrder:
    """One sandbox order imported over HTTP (getOrder), as *Recover order* imports it. A test's set-up: without a
    client of its own it is not paced (the sandbox's quotas are off unless a test turns them on, and getOrder's
    0.5/s would make a few hundred orders of set-up take minutes, the bucket shared with every other test)."""
    if client is None:
        client = clients.client_for_store(store, rate_limiter=NoPacing())
    return sync.recover_order(store=store, amazon_order_id=order_id, actor=None, client=client)


def _item_quantities(order: Order, quantities: dict[str, int] | None) -> dict[int, int] | None:
    if quantities is None:
        return None
    by_sku = {item.sku: item.pk for item in order.items.all()}
    return {by_sku[sku]: qty for sku, qty in quantities.items()}


def ship(
    *,
    order: Order,
    quantities: dict[str, int] | None = None,
    tracks: list[tuple] = (),
    actor=None,
    origin: str = "admin",
) -> Shipment:
    """Ship through orders' ship_order: quantities by SKU (None = everything), tracks as (carrier, title, number)
    or (carrier, title, number, {sku: qty in that package})."""
    return ship_order(
        order=order,
        actor=actor,
        quantities=_item_quantities(order, quantities),
        tracks=[
            TrackInput(
                carrier_code=t[0], title=t[1], number=t[2], items=_item_quantities(order, t[3] if len(t) > 3 else {})
            )
            for t in tracks
        ],
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


def charged_by_amazon(amazon_order: AmazonOrder) -> AmazonOrder:
    """As Amazon has it once the order shipped (and the buyer was charged): only then can a refund be sent
    (Amazon's 18090), so a credit memo of an Amazon order needs it. Only Amazon's side moves: the Commerce order is
    left as it was, for tests about refunds rather than shipments."""
    with transaction.atomic():
        before = AmazonOrder.objects.select_for_update().get(pk=amazon_order.pk)
        AmazonOrder.objects.filter(pk=amazon_order.pk).update(status=AmazonOrderStatus.SHIPPED)
        amazon_order.status = AmazonOrderStatus.SHIPPED
        statistics.record_changes([(before, amazon_order)])  # as every writer of a status does
    return amazon_order


def update_for(obj: Shipment | CreditMemo) -> OutboundUpdate:
    if isinstance(obj, Shipment):
        return OutboundUpdate.objects.get(shipment_id=obj.pk)
    return OutboundUpdate.objects.get(credit_memo_id=obj.pk)


def comment_texts(order: Order) -> list[str]:
    """The Commerce order's comments history, oldest first."""
    return list(OrderComment.objects.filter(order=order).order_by("id").values_list("comment", flat=True))
