"""invoice_order: bill all or part of an order, captured offline (the money is already with the merchant)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events, rules
from ..models import ZERO, Invoice, InvoiceItem, Order, OrderComment, OrderItem
from ._common import (
    OrderActionRefused,
    actor_id,
    actor_or_none,
    finish,
    lock_order,
    next_increment_ids,
    parse_quantities,
    places_of,
    share,
)
from .notifying import notify_customer_after_commit


def invoice_order(
    *,
    order: Order | int,
    actor: AbstractBaseUser | None,
    quantities: dict[int, int] | None = None,
    comment: str = "",
    notify_customer: bool = False,
    expected_version: int | None = None,
    origin: str = "admin",
) -> Invoice:
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_invoice(order, items):
            raise OrderActionRefused(_("This order can't be invoiced: there is nothing left to invoice."))
        chosen = parse_quantities(
            items,
            quantities,
            rules.qty_to_invoice,
            too_many=_("Only %(left)s left to invoice for this item."),
            nothing=_("There is nothing to invoice: choose at least one item."),
        )
        return _create_invoice(order, items, chosen, actor, comment, notify_customer, origin)


def _create_invoice(order, items, chosen, actor, comment, notify_customer, origin) -> Invoice:
    invoice = Invoice(
        order=order,
        increment_id=next_increment_ids(order.store, "invoice")[0],
        capture_case="offline",
        state=Invoice.State.PAID,
        created_by=actor_or_none(actor),
        email_sent=notify_customer,
    )
    lines = []
    for item in items:
        qty = chosen.get(item.pk, 0)
        if not qty:
            continue
        line = InvoiceItem(
            order_item=item,
            qty=qty,
            price=item.price,
            row_total=item.price * qty,
            tax_amount=share(item.tax_amount, item.qty_invoiced, qty, item.qty_ordered, places_of(order)),
            discount_amount=share(item.discount_amount, item.qty_invoiced, qty, item.qty_ordered, places_of(order)),
        )
        item.qty_invoiced += qty
        lines.append(line)
    # Shipping is billed in full on the first invoice, as Magento does.
    shipping = order.shipping_amount - order.shipping_invoiced
    shipping_tax = order.shipping_tax_amount if order.shipping_invoiced == ZERO and shipping > ZERO else ZERO
    invoice.subtotal = sum((line.row_total for line in lines), ZERO)
    invoice.tax_amount = sum((line.tax_amount for line in lines), ZERO) + shipping_tax
    invoice.discount_amount = sum((line.discount_amount for line in lines), ZERO)
    invoice.shipping_amount = shipping
    invoice.grand_total = invoice.subtotal + shipping + invoice.tax_amount - invoice.discount_amount
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceItem.objects.bulk_create(lines)
    OrderItem.objects.bulk_update([line.order_item for line in lines], ["qty_invoiced"])

    order.total_invoiced += invoice.grand_total
    order.total_paid += invoice.grand_total
    order.shipping_invoiced += shipping
    finish(order, items, extra_fields=["total_invoiced", "total_paid", "shipping_invoiced"])
    OrderComment.objects.create(
        order=order,
        kind=OrderComment.Kind.INVOICE,
        comment=comment
        or _("Invoiced %(amount)s %(currency)s offline (invoice #%(number)s).")
        % {"amount": invoice.grand_total, "currency": order.order_currency, "number": invoice.increment_id},
        status=order.status,
        is_customer_notified=notify_customer,
        created_by=actor_or_none(actor),
    )
    if notify_customer:
        notify_customer_after_commit(order, "invoice", invoice)
    events.announce(
        events.OrderInvoiced(order_id=order.pk, actor_id=actor_id(actor), origin=origin, invoice_id=invoice.pk)
    )
    return invoice
