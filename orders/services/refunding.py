"""refund_order: a credit memo, for chosen quantities, shipping and adjustments, never above what was paid."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from .. import action_guards, events, rules
from ..models import ZERO, CreditMemo, CreditMemoItem, Order, OrderComment, OrderItem
from ._common import (
    OrderActionRefused,
    actor_id,
    actor_or_none,
    finish,
    lock_order,
    money,
    move_stock,
    next_increment_ids,
    parse_quantities,
    places_of,
    share,
)
from .notifying import notify_customer_after_commit


def _amount(value: Decimal | int | str | None, field: str, errors: dict[str, list[str]]) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter an amount.")]
        return ZERO
    if not amount.is_finite() or amount < 0:
        errors[field] = [_("The amount can't be negative.")]
        return ZERO
    if amount != money(amount):
        errors[field] = [_("Use at most two decimal places.")]
    return money(amount)


def refund_order(
    *,
    order: Order | int,
    actor: AbstractBaseUser | None,
    quantities: dict[int, int] | None = None,
    return_to_stock: bool | set[int] = False,
    refund_shipping: Decimal | None = None,
    adjustment_refund: Decimal = ZERO,
    adjustment_fee: Decimal = ZERO,
    comment: str = "",
    notify_customer: bool = False,
    channel_data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    origin: str = "admin",
) -> CreditMemo:
    """Refund offline. `quantities=None` refunds everything still refundable (and, then, the remaining shipping)."""
    errors: dict[str, list[str]] = {}
    adjustment_refund = _amount(adjustment_refund, "adjustment_refund", errors)
    adjustment_fee = _amount(adjustment_fee, "adjustment_fee", errors)
    shipping_asked = None if refund_shipping is None else _amount(refund_shipping, "refund_shipping", errors)
    if errors:
        raise OrderActionRefused(_("Check the amounts."), errors)

    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_creditmemo(order, items):
            raise OrderActionRefused(_("This order can't be refunded: nothing paid is left to refund."))
        refused = action_guards.refusal("creditmemo", order, origin)
        if refused:
            raise OrderActionRefused(refused)
        chosen = parse_quantities(
            items,
            quantities,
            rules.qty_to_refund,
            too_many=_("Only %(left)s left to refund for this item."),
            nothing=None,
        )
        full = all(chosen.get(i.pk, 0) == rules.qty_to_refund(i) for i in items)
        shipping_left = order.shipping_invoiced - order.shipping_refunded
        shipping = (shipping_left if full else ZERO) if shipping_asked is None else shipping_asked
        if shipping > shipping_left:
            raise OrderActionRefused(
                _("Check the amounts."),
                {"refund_shipping": [_("At most %(left)s of shipping can be refunded.") % {"left": shipping_left}]},
            )

        memo = CreditMemo(
            order=order,
            increment_id=next_increment_ids(order.store, "creditmemo")[0],
            state=CreditMemo.State.REFUNDED,
            adjustment_refund=adjustment_refund,
            adjustment_fee=adjustment_fee,
            channel_data=channel_data or {},
            email_sent=notify_customer,
            created_by=actor_or_none(actor),
        )
        lines, restock = [], {}
        for item in items:
            qty = chosen.get(item.pk, 0)
            if not qty:
                continue
            back = return_to_stock if isinstance(return_to_stock, bool) else item.pk in return_to_stock
            line = CreditMemoItem(
                order_item=item,
                qty=qty,
                price=item.price,
                row_total=item.price * qty,
                tax_amount=share(item.tax_amount, item.qty_refunded, qty, item.qty_ordered, places_of(order)),
                discount_amount=share(item.discount_amount, item.qty_refunded, qty, item.qty_ordered, places_of(order)),
                back_to_stock=back,
            )
            # A refund covers shipped units first (as Magento's qty to ship assumes); the rest will never ship.
            shipped_unrefunded = max(item.qty_shipped - (item.qty_refunded - item.qty_refunded_unshipped), 0)
            item.qty_refunded_unshipped += max(qty - shipped_unrefunded, 0)
            item.qty_refunded += qty
            item.amount_refunded += line.row_total
            item.tax_refunded += line.tax_amount
            item.discount_refunded += line.discount_amount
            if back:
                restock[item.sku] = restock.get(item.sku, 0) + qty
            lines.append(line)
        shipping_tax = _shipping_tax_share(order, shipping)
        memo.subtotal = sum((line.row_total for line in lines), ZERO)
        memo.tax_amount = sum((line.tax_amount for line in lines), ZERO) + shipping_tax
        memo.discount_amount = sum((line.discount_amount for line in lines), ZERO)
        memo.shipping_amount = shipping
        memo.grand_total = (
            memo.subtotal + shipping + memo.tax_amount - memo.discount_amount + adjustment_refund - adjustment_fee
        )
        if not lines and shipping == ZERO and adjustment_refund == ZERO and adjustment_fee == ZERO:
            raise OrderActionRefused(
                _("The credit memo is empty."), {"__all__": [_("Choose items, shipping or an amount to refund.")]}
            )
        if memo.grand_total < ZERO:
            # A total of zero is allowed, as in Magento (a free order returned to stock, a 100% restocking fee).
            raise OrderActionRefused(
                _("The credit memo's total can't be below zero."),
                {"__all__": [_("Choose items, shipping or an adjustment refund that add up to at least the fee.")]},
            )
        available = rules.refundable_amount(order)
        if memo.grand_total > available:
            raise OrderActionRefused(
                _("The most money available to refund is %(available)s %(currency)s; this credit memo is %(total)s.")
                % {"available": available, "currency": order.order_currency, "total": memo.grand_total},
                {"adjustment_refund": [_("The refund would be more than was paid.")]},
            )
        memo.save()
        for line in lines:
            line.credit_memo = memo
        CreditMemoItem.objects.bulk_create(lines)
        OrderItem.objects.bulk_update(
            [line.order_item for line in lines],
            ["qty_refunded", "qty_refunded_unshipped", "amount_refunded", "tax_refunded", "discount_refunded"],
        )
        move_stock(restock)
        order.total_refunded += memo.grand_total
        order.shipping_refunded += shipping
        order.adjustment_fee_kept += adjustment_fee
        finish(order, items, extra_fields=["total_refunded", "shipping_refunded", "adjustment_fee_kept"])
        OrderComment.objects.create(
            order=order,
            kind=OrderComment.Kind.CREDIT_MEMO,
            comment=comment
            or _("Refunded %(amount)s %(currency)s offline (credit memo #%(number)s).")
            % {"amount": memo.grand_total, "currency": order.order_currency, "number": memo.increment_id},
            status=order.status,
            is_customer_notified=notify_customer,
            created_by=actor_or_none(actor),
        )
        if notify_customer:
            notify_customer_after_commit(order, "credit_memo", memo)
        events.announce(
            events.OrderRefunded(
                order_id=order.pk,
                actor_id=actor_id(actor),
                origin=origin,
                credit_memo_id=memo.pk,
                channel_data=dict(memo.channel_data),
            )
        )
        return memo


def _shipping_tax_share(order: Order, shipping: Decimal) -> Decimal:
    if shipping <= ZERO or order.shipping_amount <= ZERO:
        return ZERO
    total = order.shipping_tax_amount
    before = money(total * order.shipping_refunded / order.shipping_amount, places_of(order))
    after = money(total * (order.shipping_refunded + shipping) / order.shipping_amount, places_of(order))
    return after - before
