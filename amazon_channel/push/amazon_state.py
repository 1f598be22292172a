"""What Amazon's acceptance of an update means for the Amazon order at once: accepted shipments ship its items
(Shipped / Partially Shipped), an accepted cancel cancels it. The next import brings Amazon's own copy, which agrees;
until then the order shows what Amazon confirmed and when, instead of its state before the update."""

from __future__ import annotations

import copy
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from admin_ui.formatting import format_datetime

from ..core import statistics
from ..models import AmazonOrder, AmazonOrderItem, AmazonOrderStatus, AmazonOrderStatusChange, OutboundUpdate

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

# A shipment in these states is at Amazon or on its way there: Amazon refuses a cancel after it (18047).
SHIPMENT_UNDER_WAY = (State.PENDING, State.SENDING, State.AWAITING_RESULT, State.ACCEPTED)
_SHIPPABLE = {AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED}


def shipments_under_way(amazon_order_ids: QuerySet | list[int]) -> QuerySet[OutboundUpdate]:
    return OutboundUpdate.objects.filter(
        amazon_order_id__in=amazon_order_ids, kind=Kind.SHIPMENT, state__in=SHIPMENT_UNDER_WAY
    )


def shipment_blocks_cancel(*, amazon_order_id: int) -> bool:
    """A shipment of this order is pending, being sent or accepted: a cancel would be rejected by Amazon."""
    return shipments_under_way([amazon_order_id]).exists()


def cancel_refused_message() -> str:
    return _(
        "A shipment of this order has been sent to Amazon (or is on its way): Amazon does not cancel an order once "
        "it has shipped. Create a credit memo instead."
    )


# Amazon charges the buyer at shipment: before any, there is nothing to refund (Amazon rejects it: 18090).
NOT_CHARGED = {AmazonOrderStatus.PENDING, AmazonOrderStatus.PENDING_AVAILABILITY, AmazonOrderStatus.UNSHIPPED}


def nothing_charged(amazon_order: AmazonOrder) -> bool:
    """Amazon has charged the buyer nothing yet: the order is not shipped there and no shipment is on its way (a
    refund after a pending shipment waits for it, see feeds.shipments_on_their_way)."""
    return amazon_order.status in NOT_CHARGED and not shipment_blocks_cancel(amazon_order_id=amazon_order.pk)


def credit_memo_refused_message() -> str:
    return _(
        "Amazon charges the buyer only when the order ships, and nothing of this order has shipped: there is nothing "
        "to refund yet (Amazon would reject it, 18090). To not ship it, use Cancel Order on Amazon Order Details."
    )


def _record_status(order: AmazonOrder, status: str, *, now: datetime, note: str) -> list[str]:
    fields = ["order_notes", "updated_at"]
    if order.status != status:
        AmazonOrderStatusChange.objects.create(
            amazon_order=order, from_status=order.status, to_status=status, amazon_updated_at=now
        )
        before = copy.copy(order)
        order.status = status
        fields.append("status")
        statistics.record_changes([(before, order)])  # the caller saves the locked row in this transaction
    order.order_notes = note
    return fields


def reflect_accepted_shipment(*, update: OutboundUpdate, now: datetime) -> None:
    """Amazon confirmed every package of `update`: its items are shipped on the Amazon order now.

    Each item's shipped quantity is what all accepted shipments of the order hold (never less than what an import
    already read from Amazon, never more than ordered), so applying one twice changes nothing.
    """
    order = AmazonOrder.objects.select_for_update().get(pk=update.amazon_order_id)
    if order.status not in _SHIPPABLE:
        return  # Amazon's own copy already says Shipped (or the order is canceled): nothing to bring forward
    accepted = OutboundUpdate.objects.filter(
        Q(state=State.ACCEPTED) | Q(pk=update.pk), amazon_order_id=order.pk, kind=Kind.SHIPMENT
    ).values_list("payload", flat=True)
    confirmed: dict[str, int] = {}
    for payload in accepted:
        for package in payload.get("packages", []):
            for item_id, qty in package.get("items", []):
                confirmed[item_id] = confirmed.get(item_id, 0) + int(qty)
    items = list(order.items.all())
    for item in items:
        item.quantity_shipped = min(
            item.quantity_ordered, max(item.quantity_shipped, confirmed.get(item.order_item_id, 0))
        )
    AmazonOrderItem.objects.bulk_update(items, ["quantity_shipped"])
    order.items_shipped = sum(i.quantity_shipped for i in items)
    order.items_unshipped = sum(i.quantity_ordered for i in items) - order.items_shipped
    status = AmazonOrderStatus.SHIPPED if order.items_unshipped == 0 else AmazonOrderStatus.PARTIALLY_SHIPPED
    label = AmazonOrderStatus(status).label
    note = _("%(status)s: confirmed by Amazon at %(when)s.") % {"status": label, "when": format_datetime(now)}
    fields = _record_status(order, status, now=now, note=note)
    order.save(update_fields=[*fields, "items_shipped", "items_unshipped"])


def reflect_accepted_cancel(*, update: OutboundUpdate, now: datetime) -> None:
    """Amazon accepted the cancel: the Amazon order is Canceled now."""
    order = AmazonOrder.objects.select_for_update().get(pk=update.amazon_order_id)
    if order.status == AmazonOrderStatus.CANCELLED:
        return
    note = _("%(status)s: confirmed by Amazon at %(when)s.") % {
        "status": AmazonOrderStatus.CANCELLED.label,
        "when": format_datetime(now),
    }
    order.save(update_fields=_record_status(order, AmazonOrderStatus.CANCELLED, now=now, note=note))


def latest_confirmation(amazon_order: AmazonOrder) -> OutboundUpdate | None:
    """The accepted update behind the order's status (a shipment for Shipped / Partially Shipped, the cancel for
    Canceled), from the prefetched `outbound_updates` (newest first): the detail page says "confirmed by Amazon at"."""
    if amazon_order.status == AmazonOrderStatus.CANCELLED:
        kind = Kind.CANCEL
    elif amazon_order.status in {AmazonOrderStatus.SHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED}:
        kind = Kind.SHIPMENT
    else:
        return None
    accepted = [u for u in amazon_order.outbound_updates.all() if u.kind == kind and u.state == State.ACCEPTED]
    return max(accepted, key=lambda u: u.accepted_at, default=None) if accepted else None
