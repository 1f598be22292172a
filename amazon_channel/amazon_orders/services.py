"""Changes staff make to an Amazon order from *Amazon Order Details*: its shipping address, a cancel request, and the
answer to a buyer's request to cancel."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import OrderAddress
from orders.services import NewAddress, OrderActionRefused, change_shipping_address

from .. import push
from ..core.actors import user_label
from ..core.address import AmazonAddress
from ..core.reasons import cancel_reason_label
from ..models import AmazonOrder, AmazonOrderStatus, BuyerCancelDecision, OutboundUpdate

_ADDRESS_FINAL = {AmazonOrderStatus.SHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED, AmazonOrderStatus.CANCELLED}


class AmazonOrderActionRefused(Exception):
    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


def update_shipping_address(
    *, amazon_order: AmazonOrder | int, address: AmazonAddress, actor: AbstractBaseUser | None
) -> AmazonOrder:
    """Correct the ship-to address: on the Amazon order (later imports keep the correction) and, through the orders
    app, on the linked Commerce order, which refuses once anything has shipped. Nothing changes when it refuses."""
    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    with transaction.atomic():
        # The Commerce order first: its row lock is always taken before the Amazon order's.
        commerce_order_id = AmazonOrder.objects.filter(pk=pk).values_list("commerce_order_id", flat=True).get()
        if commerce_order_id:
            try:
                change_shipping_address(
                    order=commerce_order_id,
                    address=_commerce_address(address, commerce_order_id),
                    actor=actor,
                    comment=_("Corrected on Amazon Order Details."),
                )
            except OrderActionRefused as exc:
                raise AmazonOrderActionRefused(exc.message, exc.field_errors) from None
        order = AmazonOrder.objects.select_for_update().get(pk=pk)
        if order.status in _ADDRESS_FINAL or push.shipment_blocks_cancel(amazon_order_id=order.pk):
            # Also for an order without a Commerce order: Amazon has it as shipped (or canceled) already.
            raise AmazonOrderActionRefused(
                _("Amazon order %(number)s is %(status)s: its shipping address can't be changed any more.")
                % {"number": order.amazon_order_id, "status": order.get_status_display()}
            )
        order.shipping_address = address.keeping_parts_of(AmazonAddress.from_json(order.shipping_address)).as_json()
        order.shipping_address_edited_at = timezone.now()
        order.order_notes = _("Shipping address changed by %(user)s.") % {"user": user_label(actor)}
        order.save(update_fields=["shipping_address", "shipping_address_edited_at", "order_notes", "updated_at"])
    return order


def _commerce_address(address: AmazonAddress, commerce_order_id: int) -> NewAddress:
    # The buyer's email stays as the import set it: Amazon's address has none.
    email = (
        OrderAddress.objects.filter(order_id=commerce_order_id, address_type=OrderAddress.Type.SHIPPING)
        .values_list("email", flat=True)
        .first()
    )
    return address.commerce_address(email=email or "")


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
        if push.shipment_blocks_cancel(amazon_order_id=order.pk):
            raise AmazonOrderActionRefused(push.cancel_refused_message())
        # One cancel per Amazon order, whichever page asked first (the outbox's rule).
        update = push.request_cancel_update(amazon_order=order, reason=reason, actor=actor)
        order.order_notes = _("Cancel requested by %(user)s (%(reason)s), waiting for Amazon.") % {
            "user": user_label(actor),
            "reason": cancel_reason_label(reason),
        }
        order.save(update_fields=["order_notes", "updated_at"])
        push.deliver_after_commit(update)
    return update


def _open_buyer_cancel_request(pk: int) -> AmazonOrder:
    """The Amazon order, locked, if the buyer's request to cancel it still waits for an answer; refused otherwise."""
    order = AmazonOrder.objects.select_for_update(of=("self",)).select_related("store", "commerce_order").get(pk=pk)
    if not order.buyer_cancel_requested or order.buyer_cancel_decision:
        raise AmazonOrderActionRefused(
            _("Amazon order %(number)s has no open cancel request from the buyer.") % {"number": order.amazon_order_id}
        )
    return order


def accept_buyer_cancel(*, amazon_order: AmazonOrder | int, actor: AbstractBaseUser | None) -> OutboundUpdate:
    """Accept the buyer's request: the order is canceled on Amazon through the acknowledgement feed (reason
    BuyerCanceled), the same outbox path as *Cancel Order*; the Commerce order follows when Amazon has canceled it."""
    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    with transaction.atomic():
        order = _open_buyer_cancel_request(pk)
        update = request_amazon_cancel(amazon_order=order, reason="BuyerCanceled", actor=actor)
        AmazonOrder.objects.filter(pk=pk).update(
            buyer_cancel_decision=BuyerCancelDecision.ACCEPTED,
            buyer_cancel_decided_at=timezone.now(),
            order_notes=_("Buyer's cancel request accepted by %(user)s, waiting for Amazon.")
            % {"user": user_label(actor)},
            updated_at=timezone.now(),
        )
    return update


def decline_buyer_cancel(*, amazon_order: AmazonOrder | int, actor: AbstractBaseUser | None) -> AmazonOrder:
    """Decline the buyer's request. SP-API has no call to decline it: this only records the answer (the order stays
    to be shipped as usual); the buyer is told through Amazon's Buyer-Seller Messaging, not by us."""
    pk = amazon_order.pk if isinstance(amazon_order, AmazonOrder) else amazon_order
    with transaction.atomic():
        order = _open_buyer_cancel_request(pk)
        order.buyer_cancel_decision = BuyerCancelDecision.DECLINED
        order.buyer_cancel_decided_at = timezone.now()
        order.order_notes = _("Buyer's cancel request declined by %(user)s (recorded here only).") % {
            "user": user_label(actor)
        }
        order.save(update_fields=["buyer_cancel_decision", "buyer_cancel_decided_at", "order_notes", "updated_at"])
    return order
