"""cancel_order, hold_order, unhold_order."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from .. import action_guards, events, rules
from ..models import ZERO, Order, OrderComment, OrderItem, OrderState
from . import statistics
from ._common import OrderActionRefused, actor_id, actor_or_none, finish, lock_order, move_stock, places_of, share


def cancel_order(
    *,
    order: Order | int,
    actor: AbstractBaseUser | None,
    comment: str = "",
    channel_data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    origin: str = "admin",
) -> Order:
    """Cancel what is neither invoiced nor shipped; return those units to stock."""
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_cancel(order, items):
            raise OrderActionRefused(_cancel_refusal(order, items))
        refused = action_guards.refusal("cancel", order, origin)
        if refused:
            raise OrderActionRefused(refused)
        before = statistics.contribution(order, items)
        canceled_amount = ZERO
        restock: dict[str, int] = {}
        for item in items:
            qty = rules.qty_to_cancel(item)
            if not qty:
                continue
            canceled_amount += (
                item.price * qty
                + share(item.tax_amount, item.qty_canceled, qty, item.qty_ordered, places_of(order))
                - share(item.discount_amount, item.qty_canceled, qty, item.qty_ordered, places_of(order))
            )
            item.qty_canceled += qty
            restock[item.sku] = restock.get(item.sku, 0) + qty
        if order.shipping_invoiced == ZERO:
            canceled_amount += order.shipping_amount + order.shipping_tax_amount
        OrderItem.objects.bulk_update(items, ["qty_canceled"])
        move_stock(restock)
        order.total_canceled += canceled_amount
        finish(order, items, extra_fields=["total_canceled"])
        # Canceled units leave the bestsellers; a wholly canceled order leaves the revenue too (same transaction).
        statistics.record_change(before, statistics.contribution(order, items))
        OrderComment.objects.create(
            order=order,
            comment=comment or _("Order canceled."),
            status=order.status,
            created_by=actor_or_none(actor),
        )
        events.announce(
            events.OrderCanceled(
                order_id=order.pk, actor_id=actor_id(actor), origin=origin, channel_data=dict(channel_data or {})
            )
        )
        return order


def _cancel_refusal(order: Order, items: list[OrderItem]) -> str:
    if order.state == OrderState.HOLDED:
        return _("This order is on hold: release the hold before cancelling it.")
    if order.state == OrderState.CANCELED:
        return _("This order is already canceled.")
    if any(i.qty_shipped for i in items):
        return _("This order can't be canceled: it has been shipped. Create a credit memo instead.")
    return _("This order can't be canceled: everything on it has been invoiced. Create a credit memo instead.")


def hold_order(
    *, order: Order | int, actor: AbstractBaseUser | None, expected_version: int | None = None, origin: str = "admin"
) -> Order:
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_hold(order, items):
            raise OrderActionRefused(_("This order can't be put on hold in its current state."))
        order.hold_before_state, order.hold_before_status = order.state, order.status
        order.state = OrderState.HOLDED
        order.status = rules.DEFAULT_STATUS[OrderState.HOLDED]
        was_invoice, was_shipment = order.needs_invoice, order.needs_shipment
        rules.set_awaiting(order, items)  # held: awaits nobody
        statistics.record_awaiting(order, was_invoice=was_invoice, was_shipment=was_shipment)
        order.version += 1
        order.save(
            update_fields=[
                "hold_before_state",
                "hold_before_status",
                "state",
                "status",
                "needs_invoice",
                "needs_shipment",
                "version",
                "updated_at",
            ]
        )
        OrderComment.objects.create(
            order=order, comment=_("Order put on hold."), status=order.status, created_by=actor_or_none(actor)
        )
        events.announce(events.OrderHeld(order_id=order.pk, actor_id=actor_id(actor), origin=origin))
        return order


def unhold_order(
    *, order: Order | int, actor: AbstractBaseUser | None, expected_version: int | None = None, origin: str = "admin"
) -> Order:
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_unhold(order, items):
            raise OrderActionRefused(_("This order is not on hold."))
        order.state = order.hold_before_state or OrderState.NEW
        order.status = order.hold_before_status or rules.DEFAULT_STATUS[order.state]
        order.hold_before_state = order.hold_before_status = ""
        finish(order, items, extra_fields=["hold_before_state", "hold_before_status"])
        OrderComment.objects.create(
            order=order, comment=_("Hold released."), status=order.status, created_by=actor_or_none(actor)
        )
        events.announce(events.OrderUnheld(order_id=order.pk, actor_id=actor_id(actor), origin=origin))
        return order
