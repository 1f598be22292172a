"""create_orders: place orders in bulk (the admin's own and a channel's imports), a few queries per batch."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dbtools import build_row, insert_rows, insert_values

from .. import events, rules
from ..models import (
    ZERO,
    Customer,
    Invoice,
    InvoiceItem,
    Order,
    OrderAddress,
    OrderComment,
    OrderItem,
    OrderState,
    Store,
)
from . import statistics
from ._common import OrderActionRefused, actor_id, actor_or_none, money, move_stock, next_increment_ids, share
from .reserving import convert_stock_reservations


@dataclass
class NewAddress:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country_code: str = ""
    telephone: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class NewItem:
    sku: str
    name: str
    qty: int
    price: Decimal  # unit price excluding tax
    tax_amount: Decimal = ZERO  # whole line
    discount_amount: Decimal = ZERO  # whole line, positive
    external_item_id: str = ""
    tax_percent: Decimal = Decimal("0")
    gift_message: str = ""


@dataclass
class NewOrder:
    store: Store
    items: list[NewItem]
    billing_address: NewAddress
    shipping_address: NewAddress | None = None
    channel: str = "admin"
    external_order_number: str | None = None
    increment_id: str | None = None  # None: the store's next order number
    increment_prefix: str = ""  # put before the store's next order number (a channel's, e.g. "AMZ-")
    customer: Customer | None = None
    customer_email: str = ""
    customer_first_name: str = ""
    customer_last_name: str = ""
    customer_group: str = "not_logged_in"
    currency: str | None = None
    shipping_amount: Decimal = ZERO
    shipping_tax_amount: Decimal = ZERO
    payment_method: str = "checkmo"
    payment_method_title: str = "Check / Money order"
    shipping_method: str = ""
    shipping_description: str = ""
    created_at: datetime | None = None
    status: str | None = None  # a custom status for the order's state; None = the state's default
    comment: str = ""
    extra_comments: list[str] = field(default_factory=list)


def _validate(new: NewOrder, n: int) -> None:
    if not new.items:
        raise OrderActionRefused(_("An order needs at least one item."), {f"order_{n}": [_("No items.")]})
    for item in new.items:
        if item.qty <= 0 or item.price < 0 or item.tax_amount < 0 or item.discount_amount < 0:
            raise OrderActionRefused(
                _("Item %(sku)s has a negative or zero quantity or amount.") % {"sku": item.sku},
                {f"order_{n}": [_("Invalid item.")]},
            )
    if new.shipping_amount < 0 or new.shipping_tax_amount < 0:
        raise OrderActionRefused(_("Shipping can't be negative."), {f"order_{n}": [_("Invalid shipping.")]})


def create_orders(
    *,
    orders: list[NewOrder],
    actor: AbstractBaseUser | None = None,
    invoice_offline: bool = False,
    origin: str = "admin",
) -> list[Order]:
    """Place the orders, in one transaction. With `invoice_offline` each is invoiced in full at once (money already
    taken by the channel), so it starts `processing`. A second order for the same channel order number violates the
    database's unique constraint and raises IntegrityError: the caller decides (an importer retries one by one)."""
    if not orders:
        return []
    for n, new in enumerate(orders):
        _validate(new, n)
    user = actor_or_none(actor)
    now = timezone.now()
    with transaction.atomic():
        by_store: dict[int, list[NewOrder]] = defaultdict(list)
        for new in orders:
            if new.increment_id is None:
                by_store[new.store.pk].append(new)
        numbers: dict[int, str] = {}
        for store_orders in by_store.values():
            for new, number in zip(
                store_orders, next_increment_ids(store_orders[0].store, "order", len(store_orders)), strict=True
            ):
                numbers[id(new)] = new.increment_prefix + number

        placed: list[Order] = []
        for new in orders:
            currency = new.currency or new.store.base_currency
            subtotal = sum((money(i.price * i.qty) for i in new.items), ZERO)
            tax = sum((money(i.tax_amount) for i in new.items), ZERO) + money(new.shipping_tax_amount)
            discount = sum((money(i.discount_amount) for i in new.items), ZERO)
            grand_total = subtotal + money(new.shipping_amount) + tax - discount
            billing, shipping = new.billing_address, new.shipping_address or new.billing_address
            placed.append(
                build_row(
                    Order,
                    increment_id=new.increment_id or numbers[id(new)],
                    store=new.store,
                    channel=new.channel,
                    external_order_number=new.external_order_number,
                    state=OrderState.NEW,
                    status=rules.DEFAULT_STATUS[OrderState.NEW],
                    customer=new.customer,
                    customer_is_guest=new.customer is None,
                    customer_email=new.customer_email,
                    customer_first_name=new.customer_first_name,
                    customer_last_name=new.customer_last_name,
                    customer_group=new.customer_group if new.customer else "not_logged_in",
                    billing_name=billing.name,
                    shipping_name=shipping.name,
                    order_currency=currency,
                    base_currency=new.store.base_currency,
                    subtotal=subtotal,
                    discount_amount=discount,
                    shipping_amount=money(new.shipping_amount),
                    shipping_tax_amount=money(new.shipping_tax_amount),
                    tax_amount=tax,
                    grand_total=grand_total,
                    base_grand_total=grand_total,
                    payment_method=new.payment_method,
                    payment_method_title=new.payment_method_title,
                    shipping_method=new.shipping_method,
                    shipping_description=new.shipping_description,
                    created_at=new.created_at or now,
                )
            )
        items_of: dict[int, list[OrderItem]] = {}
        for order, new in zip(placed, orders, strict=True):
            lines = [
                build_row(
                    OrderItem,
                    sku=i.sku,
                    name=i.name,
                    external_item_id=i.external_item_id,
                    gift_message=i.gift_message,
                    qty_ordered=i.qty,
                    # Paid by the channel already: invoiced in full as it is placed.
                    qty_invoiced=i.qty if invoice_offline else 0,
                    price=money(i.price),
                    original_price=money(i.price),
                    tax_amount=money(i.tax_amount),
                    tax_percent=i.tax_percent,
                    discount_amount=money(i.discount_amount),
                    row_total=money(i.price * i.qty),
                )
                for i in new.items
            ]
            items_of[id(order)] = lines
            if invoice_offline:
                order.total_invoiced = order.total_paid = order.grand_total
                order.shipping_invoiced = order.shipping_amount
            # State and status are known before the first write, so no second pass over the rows is needed.
            order.state = rules.derive_state(order, lines)
            order.status = new.status or rules.DEFAULT_STATUS[order.state]
            rules.set_awaiting(order, lines)
        insert_rows(Order, placed)

        addresses, items, comments, stock = [], [], [], defaultdict(int)
        for order, new in zip(placed, orders, strict=True):
            for kind, address in (
                (OrderAddress.Type.BILLING, new.billing_address),
                (OrderAddress.Type.SHIPPING, new.shipping_address or new.billing_address),
            ):
                addresses.append({"order": order, "address_type": kind, **vars(address)})
            for line in items_of[id(order)]:
                line.order = order
                items.append(line)
            for i in new.items:
                stock[i.sku] -= i.qty
            for text in [new.comment, *new.extra_comments]:
                if text:
                    comments.append({"order": order, "comment": text, "status": order.status, "created_by": user})
        # Addresses, comments and invoice items are never read back here: rows without model objects.
        insert_values(OrderAddress, addresses)
        insert_rows(OrderItem, items)
        move_stock(dict(stock))
        # A channel order that reserved its stock while not yet placed: the move above replaces the reservation.
        convert_stock_reservations(
            orders=[(new.channel, new.external_order_number) for new in orders if new.external_order_number], now=now
        )
        statistics.record_placed([(order, items_of[id(order)]) for order in placed])

        if invoice_offline:
            for invoice in _invoice_in_full(placed, items_of, user):
                comments.append(
                    {
                        "order": invoice.order,
                        "kind": OrderComment.Kind.INVOICE,
                        "comment": _("Invoiced %(amount)s %(currency)s offline (invoice #%(number)s).")
                        % {
                            "amount": invoice.grand_total,
                            "currency": invoice.order.order_currency,
                            "number": invoice.increment_id,
                        },
                        "status": invoice.order.status,
                        "created_by": user,
                    }
                )
        insert_values(OrderComment, comments)
        for order in placed:
            events.announce(events.OrderPlaced(order_id=order.pk, actor_id=actor_id(actor), origin=origin))
        return placed


def _invoice_in_full(placed: list[Order], items_of: dict[int, list[OrderItem]], user) -> list[Invoice]:
    by_store: dict[int, list[Order]] = defaultdict(list)
    for order in placed:
        by_store[order.store_id].append(order)
    invoices, invoice_items = [], []
    for store_orders in by_store.values():
        numbers = next_increment_ids(store_orders[0].store, "invoice", len(store_orders))
        for order, number in zip(store_orders, numbers, strict=True):
            lines = items_of[id(order)]
            invoice = build_row(
                Invoice,
                order=order,
                increment_id=number,
                state=Invoice.State.PAID,
                capture_case="offline",
                subtotal=order.subtotal,
                discount_amount=order.discount_amount,
                shipping_amount=order.shipping_amount,
                tax_amount=order.tax_amount,
                grand_total=order.grand_total,
                created_by=user,
            )
            invoices.append(invoice)
            for item in lines:
                invoice_items.append(
                    {
                        "invoice": invoice,
                        "order_item": item,
                        "qty": item.qty_ordered,
                        "price": item.price,
                        "row_total": item.row_total,
                        "tax_amount": share(item.tax_amount, 0, item.qty_ordered, item.qty_ordered),
                        "discount_amount": item.discount_amount,
                    }
                )
    insert_rows(Invoice, invoices)
    insert_values(InvoiceItem, invoice_items)
    return invoices
