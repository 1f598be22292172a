"""Changes staff make to an Amazon order from *Amazon Order Details*: its shipping address, and a cancel request."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import push
from ..core.actors import user_label
from ..models import AmazonOrder, AmazonOrderStatus, OutboundUpdate

ADDRESS_KEYS = ("name", "address_lines", "city", "state_or_region", "postal_code", "country_code", "phone")


class AmazonOrderActionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def update_shipping_address(
    *, amazon_order: AmazonOrder | int, address: dict, actor: AbstractBaseUser | None
) -> AmazonOrder:
    """Correct the ship-to address (kept on the Amazon order and on the linked Commerce order's shipping address)."""
    from orders.models import OrderAddress

    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    order = AmazonOrder.objects.select_for_update().get(pk=pk)
    merged = {**(order.shipping_address or {}), **{k: address.get(k, "") for k in ADDRESS_KEYS}}
    order.shipping_address = merged
    order.shipping_address_edited_at = timezone.now()
    order.order_notes = _("Shipping address changed by %(user)s.") % {"user": user_label(actor)}
    order.save(update_fields=["shipping_address", "shipping_address_edited_at", "order_notes", "updated_at"])
    if order.commerce_order_id:
        first, _sep, last = merged["name"].partition(" ")
        OrderAddress.objects.filter(order_id=order.commerce_order_id, address_type=OrderAddress.Type.SHIPPING).update(
            first_name=first,
            last_name=last,
            street="\n".join(merged["address_lines"]),
            city=merged["city"],
            region=merged["state_or_region"],
            postcode=merged["postal_code"],
            country_code=merged["country_code"],
            telephone=merged["phone"],
        )
    return order


def request_amazon_cancel(
    *, amazon_order: AmazonOrder | int, reason: str, actor: AbstractBaseUser | None
) -> OutboundUpdate:
    """Ask Amazon to cancel the whole order with a reason; the push outbox delivers it (pending until then).

    Amazon only accepts a seller's cancel while the order is Unshipped, so anything else is refused here. Asking
    twice returns the request already queued rather than a second one.
    """
    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    with transaction.atomic():
        order = AmazonOrder.objects.select_for_update(of=("self",)).select_related("store", "commerce_order").get(pk=pk)
        if order.status != AmazonOrderStatus.UNSHIPPED:
            raise AmazonOrderActionRefused(
                _("Amazon order %(number)s is %(status)s: only an Unshipped order can be canceled.")
                % {"number": order.amazon_order_id, "status": order.get_status_display()}
            )
        # One cancel per Amazon order, whichever page asked first (the outbox's rule).
        update = push.request_cancel_update(amazon_order=order, reason=reason, actor=actor)
        order.order_notes = _("Cancel requested by %(user)s (%(reason)s), waiting for Amazon.") % {
            "user": user_label(actor),
            "reason": reason,
        }
        order.save(update_fields=["order_notes", "updated_at"])
        push.deliver_after_commit(update)
    return update
