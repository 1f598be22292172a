"""In-store pickup (program IN_STORE_PICK_UP): *Ready for Pickup*, then *Picked Up* or *Refused Pickup*, sent with
v0 updateShipmentStatus through the outbox, never as a carrier shipment.

A press records the requested status on the Amazon order and writes its `OutboundUpdate` in one transaction; a
worker claims it (the shipments' lease) and sends it. Re-sending is safe: Amazon answers the same status again with
204. When Amazon accepts *Picked Up* the Commerce order is shipped without a package, and *Refused Pickup* cancels
(or refunds) it, both with origin FROM_AMAZON so nothing echoes back.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import rules
from orders.models import Order, OrderState
from orders.services import OrderActionRefused, cancel_order, refund_order, ship_order

from ..core import client as clients
from ..core.channel import FROM_AMAZON
from ..models import AmazonOrder, AmazonOrderStatus, OutboundUpdate, PickupStatus
from ..spapi import SpApiClient
from . import transitions
from .outcome import DeliveryResult, comment_on_order
from .shipments import SENDING_LEASE, after_error, claim_update, held

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

# What may follow each status (ReadyForPickup first; PickedUp or RefusedPickup after it; nothing after those).
NEXT: dict[str, tuple[str, ...]] = {
    "": (PickupStatus.READY_FOR_PICKUP,),
    PickupStatus.READY_FOR_PICKUP: (PickupStatus.PICKED_UP, PickupStatus.REFUSED_PICKUP),
    PickupStatus.PICKED_UP: (),
    PickupStatus.REFUSED_PICKUP: (),
}
OPEN_STATUSES = {AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED}


class PickupRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def waiting_pickup_update(amazon_order: AmazonOrder) -> OutboundUpdate | None:
    """The pickup status sent but not accepted yet (the next one waits for it: Amazon takes them in order)."""
    return (
        OutboundUpdate.objects.filter(amazon_order=amazon_order, kind=Kind.PICKUP_STATUS)
        .exclude(state=State.ACCEPTED)
        .order_by("-pk")
        .first()
    )


def allowed_pickup_statuses(amazon_order: AmazonOrder) -> tuple[str, ...]:
    """The buttons to show: none for other orders, orders Amazon closed, or while the last press waits for Amazon."""
    if not amazon_order.is_in_store_pickup or amazon_order.status not in OPEN_STATUSES:
        return ()
    if waiting_pickup_update(amazon_order) is not None:
        return ()
    return NEXT.get(amazon_order.pickup_status, ())


def request_pickup_status(
    *, amazon_order: AmazonOrder | int, status: str, actor: AbstractBaseUser | None
) -> OutboundUpdate:
    """Record the pickup status a person pressed and queue it for Amazon; refused (nothing changed) out of order."""
    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    with transaction.atomic():
        order = AmazonOrder.objects.select_for_update().select_related("store").get(pk=pk)
        if status not in PickupStatus.values:
            raise PickupRefused(_("Unknown pickup status."))
        if not order.is_in_store_pickup:
            raise PickupRefused(
                _("Order %(number)s is not an in-store pickup order.") % {"number": order.amazon_order_id}
            )
        if status not in allowed_pickup_statuses(order):
            raise PickupRefused(_pickup_refusal(order, status))
        order.pickup_status = status
        order.save(update_fields=["pickup_status", "updated_at"])
        update = OutboundUpdate.objects.create(
            idempotency_key=f"pickup:{order.pk}:{status}",
            store=order.store,
            amazon_order=order,
            kind=Kind.PICKUP_STATUS,
            payload={
                "amazon_order_id": order.amazon_order_id,
                "marketplace_id": order.marketplace_id or order.store.marketplace_id,
                "shipment_status": status,
            },
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        from .scheduling import deliver_after_commit

        deliver_after_commit(update)
    return update


def _pickup_refusal(order: AmazonOrder, status: str) -> str:
    label = PickupStatus(status).label
    if waiting_pickup_update(order) is not None:
        return _("%(status)s can't be sent yet: Amazon has not accepted the last pickup status.") % {"status": label}
    if order.status not in OPEN_STATUSES:
        return _("%(status)s can't be sent: the order is %(amazon_status)s on Amazon.") % {
            "status": label,
            "amazon_status": order.get_status_display(),
        }
    if order.pickup_status:
        return _("%(status)s can't follow %(current)s.") % {
            "status": label,
            "current": PickupStatus(order.pickup_status).label,
        }
    return _("Mark the order Ready for Pickup first.")


def deliver_pickup_status(
    *, update_id: int, client: SpApiClient | None = None, now: datetime | None = None
) -> DeliveryResult:
    """Send one pickup status; when Amazon accepts it, the Commerce order follows."""
    now = now or timezone.now()
    token = claim_update(update_id=update_id, now=now)
    update = OutboundUpdate.objects.select_related("store", "amazon_order").get(pk=update_id)
    if token is None:
        return DeliveryResult(update_id, update.state, _("not due or taken by another worker"))
    client = client or clients.client_for_store(update.store)
    payload = update.payload
    try:
        client.update_shipment_status(
            payload["amazon_order_id"],
            marketplace_id=payload["marketplace_id"],
            shipment_status=payload["shipment_status"],
        )
    except Exception as exc:
        return after_error(update=update, token=token, exc=exc, now=now)
    label = PickupStatus(payload["shipment_status"]).label
    with transaction.atomic():
        locked = held(update_id, token)
        if locked is None:
            return DeliveryResult(update_id, State.SENDING, _("lease lost"))
        message = _("Amazon accepted the pickup status %(status)s.") % {"status": label}
        transitions.move(
            locked,
            State.ACCEPTED,
            accepted_at=now,
            next_attempt_at=None,
            last_response=message,
            **SENDING_LEASE.released(),
        )
        comment_on_order(update=locked, text=_("Sent to Amazon: %(status)s.") % {"status": label})
    note = follow_pickup_on_commerce_order(update=locked)
    if note:
        AmazonOrder.objects.filter(pk=locked.amazon_order_id).update(order_notes=note, updated_at=now)
    return DeliveryResult(update_id, State.ACCEPTED, message)


def follow_pickup_on_commerce_order(*, update: OutboundUpdate) -> str:
    """Picked Up: the Commerce order is shipped without a package (as a shipment Amazon reports is mirrored).
    Refused Pickup: Amazon cancels the order for the buyer (the sandbox does, with reason BuyerCanceled), so the
    Commerce order is canceled, or refunded offline when already invoiced, as an Amazon cancel is at import. Returns
    a note when the Commerce order could not follow (e.g. on hold); a person then acts on it."""
    order_id = update.amazon_order.commerce_order_id
    status = update.payload["shipment_status"]
    if not order_id or status == PickupStatus.READY_FOR_PICKUP:
        return ""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.state in {OrderState.CANCELED, OrderState.CLOSED, OrderState.HOLDED}:
        return ""
    actor = update.created_by
    try:
        with transaction.atomic():
            items = list(order.items.all())
            if status == PickupStatus.PICKED_UP:
                quantities = {item.pk: rules.qty_to_ship(item) for item in items if rules.qty_to_ship(item) > 0}
                if quantities and rules.can_ship(order, items):
                    ship_order(
                        order=order,
                        actor=actor,
                        quantities=quantities,
                        comment=_("The buyer picked the order up at the store."),
                        origin=FROM_AMAZON,
                    )
            elif order.total_invoiced > 0 and rules.can_creditmemo(order, items):
                refund_order(
                    order=order,
                    actor=actor,
                    return_to_stock=True,
                    comment=_("The buyer refused the pickup; Amazon canceled the order: refunded offline."),
                    origin=FROM_AMAZON,
                )
            elif rules.can_cancel(order, items):
                cancel_order(
                    order=order,
                    actor=actor,
                    comment=_("The buyer refused the pickup; Amazon canceled the order."),
                    origin=FROM_AMAZON,
                )
    except OrderActionRefused as exc:
        return _("Amazon accepted %(status)s, but the Commerce order could not follow: %(reason)s") % {
            "status": PickupStatus(status).label,
            "reason": exc,
        }
    return ""
