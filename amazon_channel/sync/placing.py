"""Placing the Commerce orders of Amazon orders that became importable: one `create_orders` call a page, exactly one
Commerce order per Amazon order (the orders' unique constraint), a failing order recorded and retried, never
blocking the others."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from orders.models import Order
from orders.selectors import stock_levels
from orders.services import (
    BuyerInput,
    NewAddress,
    NewItem,
    NewOrder,
    OrderActionRefused,
    create_orders,
    find_or_create_customers,
)

from ..core.address import AmazonAddress, split_name
from ..core.channel import (
    CHANNEL,
    FROM_AMAZON,
    PAYMENT_METHOD,
    PAYMENT_TITLE,
    REPLACEMENT_PAYMENT_METHOD,
    REPLACEMENT_PAYMENT_TITLE,
)
from ..core.communication import record_communication
from ..models import ZERO, AmazonOrder, AmazonOrderItem, AmazonStore
from .result import ImportRefused, ImportResult

logger = logging.getLogger(__name__)

MISSING_BUYER_NAME = "Amazon Customer"


def create_commerce_orders(
    *,
    store: AmazonStore,
    rows: list[AmazonOrder],
    items_of: dict[str, list[AmazonOrderItem]],
    actor: AbstractBaseUser | None,
    result: ImportResult,
) -> None:
    prepared: list[tuple[AmazonOrder, NewOrder]] = []
    for row in rows:
        try:
            prepared.append((row, build_new_order(store=store, row=row, items=items_of[row.amazon_order_id])))
        except ImportRefused as exc:
            _fail(store, row, exc.message, result)
    if not prepared:
        return
    _note_stock(prepared)
    _attach_customers(store, prepared)
    try:
        with transaction.atomic():
            placed = create_orders(
                orders=[new for _row, new in prepared], actor=actor, invoice_offline=True, origin=FROM_AMAZON
            )
    except (IntegrityError, OrderActionRefused):
        # One duplicate (another worker, a recover) or one bad order: place them one by one so only it fails.
        for row, new in prepared:
            _create_one(store, row, new, actor, result)
        return
    for (row, _new), order in zip(prepared, placed, strict=True):
        _linked(row, order, result)


def _create_one(
    store: AmazonStore, row: AmazonOrder, new: NewOrder, actor: AbstractBaseUser | None, result: ImportResult
) -> None:
    try:
        with transaction.atomic():
            (order,) = create_orders(orders=[new], actor=actor, invoice_offline=True, origin=FROM_AMAZON)
    except IntegrityError:
        order = Order.objects.filter(channel=CHANNEL, external_order_number=row.amazon_order_id).first()
        if order is None:  # not ours: e.g. the Amazon number is already some other order's increment id
            _fail(store, row, _("The Commerce order could not be created: its order number is already taken."), result)
            return
        linked_elsewhere = AmazonOrder.objects.filter(commerce_order_id=order.pk).exclude(
            store=store,
            amazon_order_id=row.amazon_order_id,  # the row may be unsaved (a page's bulk upsert)
        )
        if linked_elsewhere.exists():
            # Already another store's (the same order seen by two stores): linking it too would break the one-to-one
            # link and with it the whole page, so only this order is refused.
            _fail(
                store,
                row,
                _("Commerce order #%(number)s is already linked to another store's Amazon order.")
                % {"number": order.increment_id},
                result,
            )
            return
        row.commerce_order_id = order.pk  # someone else created it first: link, never a second one
        row.import_error = ""
        row.order_notes = _("Linked to Commerce order #%(number)s.") % {"number": order.increment_id}
        return
    except OrderActionRefused as exc:
        _fail(store, row, str(exc.message if hasattr(exc, "message") else exc), result)
        return
    except Exception as exc:
        logger.exception("Amazon order %s could not be imported", row.amazon_order_id)
        _fail(store, row, str(exc) or type(exc).__name__, result)
        return
    _linked(row, order, result)


def _linked(row: AmazonOrder, order: Order, result: ImportResult) -> None:
    row.commerce_order_id = order.pk
    row.import_error = ""
    row.order_notes = _("Imported as Commerce order #%(number)s.") % {"number": order.increment_id}
    result.commerce_orders_created += 1
    result.failed.pop(row.amazon_order_id, None)


def _fail(store: AmazonStore, row: AmazonOrder, reason: str, result: ImportResult) -> None:
    row.import_error = reason
    row.import_attempts += 1
    row.order_notes = _("Not imported: %(reason)s") % {"reason": reason}
    result.failed[row.amazon_order_id] = reason
    record_communication(
        store=store, operation="importOrder", code="ImportFailed", message=reason, amazon_order_id=row.amazon_order_id
    )


def build_new_order(*, store: AmazonStore, row: AmazonOrder, items: list[AmazonOrderItem]) -> NewOrder:
    """The Commerce order for an Amazon order, per the store's settings. Missing buyer data (Amazon withholds it,
    e.g. for Amazon-fulfilled orders) never blocks the import: it falls back and says so on the order."""
    if not items:
        raise ImportRefused(_("Amazon sent the order without items."))
    # Amazon charges nothing for a replacement or exchange: the Commerce order takes no payment, whatever prices the
    # items carry (they are the original's to credit, not this order's).
    free = bool(row.replaces_amazon_order_id)
    new_items = []
    for item in items:
        if item.unit_price is None and item.item_price is None:
            raise ImportRefused(
                _("Amazon sent no price for item %(sku)s yet.") % {"sku": item.seller_sku or item.order_item_id}
            )
        qty = item.quantity_ordered
        if qty <= 0:
            continue  # a line Amazon canceled before payment
        unit = item.unit_price if item.unit_price is not None else (item.item_price / qty).quantize(Decimal("0.01"))
        new_items.append(
            NewItem(
                sku=item.seller_sku or item.asin or item.order_item_id,
                name=item.title or item.seller_sku or item.asin or item.order_item_id,
                qty=qty,
                price=ZERO if free else unit,
                tax_amount=ZERO if free else item.item_tax or ZERO,
                discount_amount=ZERO if free else item.promotion_discount or ZERO,
                external_item_id=item.order_item_id,
                gift_message=item.gift_message,
            )
        )
    if not new_items:
        raise ImportRefused(_("Every item of the order has quantity 0."))
    notes: list[str] = []
    address = AmazonAddress.from_json(row.shipping_address) or AmazonAddress()
    recipient_name = address.name.strip()
    buyer_name = (row.buyer_name or "").strip()
    if not buyer_name:
        buyer_name = recipient_name or MISSING_BUYER_NAME
        notes.append(_("Amazon did not share the buyer's name; the order uses %(name)s.") % {"name": buyer_name})
    email = (row.buyer_email or "").strip()
    if not email:
        email = _fallback_email(row)
        notes.append(_("Amazon did not share the buyer's email; the order uses %(email)s.") % {"email": email})
    if not row.shipping_address:
        notes.append(_("Amazon did not share the shipping address; the buyer's name is used without an address."))
    first, last = split_name(buyer_name)
    shipping = address.commerce_address(email=email, name=buyer_name)
    billing = NewAddress(**{**vars(shipping), "first_name": first, "last_name": last, "company": row.buyer_company})
    shipping_amount = ZERO if free else sum((item.shipping_price for item in items), ZERO)
    shipping_tax = ZERO if free else sum((item.shipping_tax for item in items), ZERO)
    if free:
        notes.append(
            _("%(kind)s for Amazon order %(number)s: Amazon charged the buyer nothing, so no payment was taken.")
            % {"kind": row.get_association_type_display(), "number": row.replaces_amazon_order_id}
        )
    level = row.ship_service_level or _("Standard")
    comment = _("Imported from Amazon: order %(number)s (%(channel)s, marketplace %(marketplace)s).") % {
        "number": row.amazon_order_id,
        "channel": row.get_fulfilled_by_display(),
        "marketplace": row.marketplace_id or store.marketplace_id,
    }
    return NewOrder(
        store=store.commerce_store,
        items=new_items,
        billing_address=billing,
        shipping_address=shipping,
        channel=CHANNEL,
        external_order_number=row.amazon_order_id,
        increment_id=row.amazon_order_id if store.order_number_source == AmazonStore.OrderNumberSource.AMAZON else None,
        increment_prefix=(
            store.amazon_order_prefix
            if row.fulfilled_by == AmazonOrder.FulfilledBy.AMAZON
            else store.merchant_order_prefix
        ),
        customer_email=email,
        customer_first_name=first,
        customer_last_name=last,
        currency=row.currency or None,
        shipping_amount=shipping_amount,
        shipping_tax_amount=shipping_tax,
        payment_method=REPLACEMENT_PAYMENT_METHOD if free else PAYMENT_METHOD,
        payment_method_title=REPLACEMENT_PAYMENT_TITLE if free else PAYMENT_TITLE,
        shipping_method="amazon_" + "".join(ch if ch.isalnum() else "_" for ch in level.lower())[:50],
        shipping_description=f"Amazon {level}",
        created_at=row.purchase_date,
        status=(
            store.processing_order_status
            if store.order_status_mode == AmazonStore.OrderStatusMode.CUSTOM and store.processing_order_status
            else None
        ),
        comment=comment,
        extra_comments=notes,
    )


def _note_stock(prepared: list[tuple[AmazonOrder, NewOrder]]) -> None:
    """An item whose SKU the catalogue doesn't know, or hasn't enough salable stock of, never blocks the import (the
    item is placed from Amazon's data, and stock goes below zero): the order says so, so staff can act. Salable is
    what is in stock less what other orders' reservations hold (the order's own reservation is its stock). One query
    a page."""
    skus = {item.sku for _row, new in prepared for item in new.items}
    numbers = [new.external_order_number for _row, new in prepared if new.external_order_number]
    levels = stock_levels(skus=skus, excluding_orders=(CHANNEL, numbers))
    wanted: dict[str, int] = {}
    for _row, new in prepared:
        for item in new.items:
            wanted[item.sku] = wanted.get(item.sku, 0) + item.qty
            level = levels.get(item.sku)
            if level is None:
                new.extra_comments.append(
                    _("SKU %(sku)s is not in the catalogue; the item was created from Amazon's data.")
                    % {"sku": item.sku}
                )
            elif level.salable < wanted[item.sku]:
                left = max(level.salable - wanted[item.sku] + item.qty, 0)
                if level.reserved:
                    new.extra_comments.append(
                        _(
                            "SKU %(sku)s is out of stock (%(left)s salable, %(reserved)s reserved for pending "
                            "orders); the order was imported anyway."
                        )
                        % {"sku": item.sku, "left": left, "reserved": level.reserved}
                    )
                else:
                    new.extra_comments.append(
                        _("SKU %(sku)s is out of stock (%(left)s in stock); the order was imported anyway.")
                        % {"sku": item.sku, "left": left}
                    )


def _attach_customers(store: AmazonStore, prepared: list[tuple[AmazonOrder, NewOrder]]) -> None:
    """*Build New Customer Account*: one customer account per buyer email, found or created in bulk by the orders
    app. A buyer the orders app refuses an account (an unusable email) is placed as a guest."""
    if store.customer_creation != AmazonStore.CustomerCreation.BUILD:
        return
    buyers = [
        BuyerInput(email=new.customer_email, first_name=new.customer_first_name, last_name=new.customer_last_name)
        for _row, new in prepared
        if new.customer_email
    ]
    try:
        customers = find_or_create_customers(buyers=buyers)
    except OrderActionRefused as exc:
        refused = {int(key.removeprefix("buyer_")) for key in exc.field_errors if key.startswith("buyer_")}
        customers = find_or_create_customers(buyers=[b for n, b in enumerate(buyers) if n not in refused])
    for _row, new in prepared:
        customer = customers.get(new.customer_email.lower())
        if customer is not None:
            new.customer = customer
            new.customer_group = customer.group


def _fallback_email(row: AmazonOrder) -> str:
    return f"{row.amazon_order_id.lower()}@amazon-buyer.invalid"
