"""What the push adds to other pages: a *Sent to Amazon* line per update on the Commerce order and on its shipment
and credit memo pages, Amazon's adjustment reason on the New Credit Memo form of Amazon orders, and the *Updates to
Amazon* page in the menu."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from admin_ui import menu
from orders import view_blocks
from orders.models import CreditMemo, Order, Shipment

from ..core.channel import is_amazon_order
from ..core.permissions import RETRY_UPDATE, VIEW_UPDATE
from ..core.reasons import ADJUSTMENT_REASON_CHOICES, DEFAULT_ADJUSTMENT_REASON, cancel_reason_label
from ..models import OutboundUpdate, PickupStatus
from . import selectors
from .recording import ADJUSTMENT_REASON_KEY

RETRY_PERMISSION = RETRY_UPDATE


def describe_update(update: OutboundUpdate) -> str:
    """What the update tells Amazon, in the merchant's words."""
    payload = update.payload or {}
    if update.kind == OutboundUpdate.Kind.SHIPMENT:
        return _("Shipment #%(number)s") % {"number": payload.get("shipment_increment_id", update.shipment_id)}
    if update.kind == OutboundUpdate.Kind.REFUND:
        return _("Credit Memo #%(number)s") % {"number": payload.get("credit_memo_increment_id", update.credit_memo_id)}
    if update.kind == OutboundUpdate.Kind.VAT_INVOICE:
        if payload.get("document") == "credit_memo":
            return _("VAT credit note #%(number)s") % {"number": payload.get("number", "")}
        return _("VAT invoice #%(number)s") % {"number": payload.get("number", "")}
    if update.kind == OutboundUpdate.Kind.PICKUP_STATUS:
        status = payload.get("shipment_status", "")
        label = PickupStatus(status).label if status in PickupStatus.values else status
        return _("Pickup status %(status)s") % {"status": label}
    if update.kind == OutboundUpdate.Kind.ORDER_NUMBER:
        return _("Order number %(number)s as the seller order id") % {"number": payload.get("merchant_order_id", "")}
    return _("Cancel (reason %(reason)s)") % {"reason": cancel_reason_label(payload.get("reason", ""))}


def _decorate(updates: list[OutboundUpdate]) -> list[OutboundUpdate]:
    for update in updates:
        update.description = describe_update(update)
        update.read_only = update.store.read_only_mode and update.state != OutboundUpdate.State.ACCEPTED
    return updates


def render_sent_to_amazon(request: HttpRequest, order: Order) -> str | None:
    """View block "order_notices": one *Sent to Amazon* line per shipment / credit memo / cancel of the order."""
    if not is_amazon_order(order):
        return None
    updates = _decorate(selectors.updates_for_order(order=order))
    if not updates:
        return None
    return render_to_string(
        "amazon_channel/push/order_block.html",
        {
            "updates": updates,
            "can_retry": request.user.has_perm(RETRY_PERMISSION),
            "next": request.get_full_path(),
        },
        request=request,
    )


def _render_document_line(request: HttpRequest, update: OutboundUpdate | None) -> str | None:
    if update is None:
        return None
    [update] = _decorate([update])
    return render_to_string(
        "amazon_channel/push/order_block.html",
        {"updates": [update], "can_retry": request.user.has_perm(RETRY_PERMISSION), "next": request.get_full_path()},
        request=request,
    )


def render_shipment_sent_to_amazon(request: HttpRequest, shipment: Shipment) -> str | None:
    """View block "shipment": the shipment's own *Sent to Amazon* line on its page."""
    return _render_document_line(request, selectors.update_for_document(shipment_id=shipment.pk))


def render_credit_memo_sent_to_amazon(request: HttpRequest, credit_memo: CreditMemo) -> str | None:
    """View block "credit_memo": the refund's own *Sent to Amazon* line on its page."""
    return _render_document_line(request, selectors.update_for_document(credit_memo_id=credit_memo.pk))


class AmazonAdjustmentReasonMixin(forms.Form):
    """Added to the New Credit Memo form of an Amazon order: the reason Amazon shows the buyer for the refund."""

    amazon_adjustment_reason = forms.ChoiceField(
        label=gettext_lazy("Amazon Adjustment Reason"),
        choices=ADJUSTMENT_REASON_CHOICES,
        initial=DEFAULT_ADJUSTMENT_REASON,
        required=False,  # none chosen: the outbox sends the default, CustomerReturn
    )

    def extension_data(self) -> dict[str, str]:
        reason = self.cleaned_data.get("amazon_adjustment_reason")
        return {ADJUSTMENT_REASON_KEY: reason} if reason else {}


def credit_memo_form_extension(order: Order) -> type | None:
    return AmazonAdjustmentReasonMixin if is_amazon_order(order) else None


def register() -> None:
    """Called when the app is ready."""
    view_blocks.register("order_notices", render_sent_to_amazon)
    view_blocks.register("shipment", render_shipment_sent_to_amazon)
    view_blocks.register("credit_memo", render_credit_memo_sent_to_amazon)
    view_blocks.register_form_extension("credit_memo", credit_memo_form_extension)
    menu.register(
        "channels", gettext_lazy("Updates to Amazon"), "amazon_channel:push_outbox", permission=VIEW_UPDATE, order=30
    )
