"""Amazon-side changes brought to the Commerce order: Amazon canceled the order, or shipped (part of) it."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from orders import rules
from orders.models import Order, OrderState, ShipmentTrack
from orders.services import OrderActionRefused, TrackInput, cancel_order, refund_order, ship_order

from ..core.carriers import commerce_carrier_code
from ..core.channel import FROM_AMAZON
from ..core.reasons import cancel_reason_label
from ..models import AmazonOrder, AmazonOrderItem, AmazonOrderStatus
from .result import ImportResult

logger = logging.getLogger(__name__)


def reconcile(
    *,
    rows: list[AmazonOrder],
    items_of: dict[str, list[AmazonOrderItem]],
    actor: AbstractBaseUser | None,
    result: ImportResult,
) -> dict[int, AmazonOrder]:
    """Amazon canceled an order, or shipped (part of) it: reflect that on the Commerce order, told with
    origin FROM_AMAZON so the channel does not echo it back to Amazon. Repeats are no-ops."""
    candidates = [
        row
        for row in rows
        if row.status in {AmazonOrderStatus.CANCELLED, AmazonOrderStatus.SHIPPED}
        or any(item.quantity_shipped for item in items_of.get(row.amazon_order_id, []))
    ]
    if not candidates:
        return {}
    orders = {
        order.pk: order
        for order in Order.objects.filter(pk__in=[row.commerce_order_id for row in candidates]).prefetch_related(
            "items"
        )
    }
    touched = {}
    for row in candidates:
        order = orders.get(row.commerce_order_id)
        if order is None or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
            continue
        items = list(order.items.all())
        try:
            with transaction.atomic():
                note = _apply_amazon_state(row, order, items, items_of.get(row.amazon_order_id, []), actor, result)
        except OrderActionRefused as exc:
            note = _("Amazon says %(status)s, but the Commerce order could not follow: %(reason)s") % {
                "status": row.get_status_display(),
                "reason": exc,
            }
        except Exception as exc:
            logger.exception("Amazon change to order %s could not be applied", row.amazon_order_id)
            note = _("Amazon says %(status)s, but the Commerce order could not follow: %(reason)s") % {
                "status": row.get_status_display(),
                "reason": exc,
            }
        if note:
            row.order_notes = note
            touched[id(row)] = row
    return touched


def _apply_amazon_state(
    row: AmazonOrder,
    order: Order,
    items: list,
    amazon_items: list[AmazonOrderItem],
    actor: AbstractBaseUser | None,
    result: ImportResult,
) -> str:
    if order.state == OrderState.HOLDED:
        return ""  # staff put it on hold on purpose; Amazon's change waits until they release it
    if row.status == AmazonOrderStatus.CANCELLED:
        reason = cancel_reason_label(row.cancellation_reason) if row.cancellation_reason else _("canceled on Amazon")
        if order.total_invoiced > 0 and rules.can_creditmemo(order, items):
            refund_order(
                order=order,
                actor=actor,
                return_to_stock=True,
                comment=_("Amazon canceled the order (%(reason)s): refunded offline.") % {"reason": reason},
                channel_data={"amazon_cancellation_reason": reason},
                origin=FROM_AMAZON,
            )
            result.commerce_orders_refunded += 1
            return _("Canceled on Amazon (%(reason)s); Commerce order #%(number)s refunded.") % {
                "reason": reason,
                "number": order.increment_id,
            }
        if rules.can_cancel(order, items):
            cancel_order(
                order=order,
                actor=actor,
                comment=_("Amazon canceled the order (%(reason)s).") % {"reason": reason},
                channel_data={"amazon_cancellation_reason": reason},
                origin=FROM_AMAZON,
            )
            result.commerce_orders_canceled += 1
            return _("Canceled on Amazon (%(reason)s); Commerce order #%(number)s canceled.") % {
                "reason": reason,
                "number": order.increment_id,
            }
        return ""
    shipped_at_amazon = {item.order_item_id: item.quantity_shipped for item in amazon_items}
    quantities = {}
    for item in items:
        if row.status == AmazonOrderStatus.SHIPPED:
            target = item.qty_ordered  # all of it, whether or not Amazon filled in quantityShipped
        else:
            target = shipped_at_amazon.get(item.external_item_id, 0)
        more = min(target - item.qty_shipped, rules.qty_to_ship(item))
        if more > 0:
            quantities[item.pk] = more
    if not quantities or not rules.can_ship(order, items):
        return ""
    known = set(ShipmentTrack.objects.filter(shipment__order=order).values_list("track_number", flat=True))
    tracks = [track for track in tracks_from_packages(row.packages) if track.number not in known]
    ship_order(
        order=order,
        actor=actor,
        quantities=quantities,
        tracks=tracks,
        comment=_("Shipped on Amazon (%(channel)s).") % {"channel": row.get_fulfilled_by_display()},
        origin=FROM_AMAZON,
    )
    result.commerce_orders_shipped += 1
    return _("Shipped on Amazon; shipment recorded on Commerce order #%(number)s.") % {"number": order.increment_id}


def tracks_from_packages(packages: list[dict]) -> list[TrackInput]:
    """Amazon's packages as Commerce tracks, one per tracking number."""
    tracks, seen = [], set()
    for package in packages or []:
        number = (package.get("tracking_number") or "").strip()
        if not number or number in seen:
            continue
        seen.add(number)
        carrier = (package.get("carrier") or "").strip()
        tracks.append(
            TrackInput(carrier_code=commerce_carrier_code(carrier), title=carrier or _("Amazon"), number=number)
        )
    return tracks
