"""Amazon orders as the SP-API client returns them (types.*), built for tests, and a fake client serving them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from amazon_channel.spapi import types

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
    from dataclasses import replace

    changes.setdefault("last_updated_time", order.last_updated_time + timedelta(minutes=1))
    return replace(order, **changes)


@dataclass
class FakeClient:
    """Serves orders the way searchOrders pages them, and records every call."""

    orders: list[types.Order] = field(default_factory=list)
    page_size: int = 100
    calls: list[dict] = field(default_factory=list)
    window_end: datetime | None = None
    fail_on_call: int | None = None
    error: Exception | None = None

    def search_orders(self, **kwargs) -> types.OrdersPage:
        self.calls.append(kwargs)
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise self.error
        after = kwargs.get("last_updated_after") or kwargs["created_after"]
        matching = sorted(
            (o for o in self.orders if o.last_updated_time >= after), key=lambda o: (o.last_updated_time, o.order_id)
        )
        start = int(kwargs.get("pagination_token") or 0)
        size = min(kwargs.get("max_results_per_page") or 100, self.page_size)
        chunk = matching[start : start + size]
        more = start + size < len(matching)
        return types.OrdersPage(
            orders=chunk,
            next_token=str(start + size) if more else None,
            created_before=None,
            last_updated_before=self.window_end or timezone.now() - timedelta(minutes=2),
        )

    def get_order(self, order_id: str, **kwargs) -> types.Order:
        self.calls.append({"get_order": order_id})
        for order in self.orders:
            if order.order_id == order_id:
                return order
        from amazon_channel.spapi import errors

        raise errors.NotFoundError("getOrder", 404, "NotFound", "Order not found", "req-1", None)
