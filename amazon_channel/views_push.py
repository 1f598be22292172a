"""Push pages: *Sent to Amazon* on the Commerce order, the outbox page across stores, Retry (one or many).

Thin views: parse, call one outbox service, flash, redirect. Reads come from amazon_channel.push_selectors.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from admin_ui import menu
from admin_ui.permissions import permission_required
from orders import view_blocks

from . import push_selectors
from .models import OutboundUpdate
from .services import outbox

RETRY_PERMISSION = "amazon_channel.retry_outboundupdate"
staff_required = staff_member_required(login_url="login")
PAGE_SIZES = (20, 50, 100, 200)


def describe_update(update: OutboundUpdate) -> str:
    """What the update tells Amazon, in the merchant's words."""
    payload = update.payload or {}
    if update.kind == OutboundUpdate.Kind.SHIPMENT:
        return _("Shipment #%(number)s") % {"number": payload.get("shipment_increment_id", update.shipment_id)}
    if update.kind == OutboundUpdate.Kind.REFUND:
        return _("Credit Memo #%(number)s") % {"number": payload.get("credit_memo_increment_id", update.credit_memo_id)}
    return _("Cancel (reason %(reason)s)") % {"reason": payload.get("reason", "")}


def _decorate(updates: list[OutboundUpdate]) -> list[OutboundUpdate]:
    for update in updates:
        update.description = describe_update(update)
        update.read_only = update.store.read_only_mode and update.state != OutboundUpdate.State.ACCEPTED
    return updates


def render_sent_to_amazon(request: HttpRequest, order) -> str | None:
    """View block "order_notices": one *Sent to Amazon* line per shipment / credit memo / cancel of the order."""
    if getattr(order, "channel", "") != "amazon":
        return None
    updates = _decorate(push_selectors.updates_for_order(order=order))
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


def render_shipment_sent_to_amazon(request: HttpRequest, shipment) -> str | None:
    """View block "shipment": the shipment's own *Sent to Amazon* line on its page."""
    return _render_document_line(request, push_selectors.update_for_document(shipment_id=shipment.pk))


def render_credit_memo_sent_to_amazon(request: HttpRequest, credit_memo) -> str | None:
    """View block "credit_memo": the refund's own *Sent to Amazon* line on its page."""
    return _render_document_line(request, push_selectors.update_for_document(credit_memo_id=credit_memo.pk))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@staff_required
@permission_required(RETRY_PERMISSION)
def retry_update(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(OutboundUpdate.objects.select_related("amazon_order"), pk=pk)
    if outbox.retry_update(update=update, actor=request.user):
        messages.success(request, _("%(what)s will be sent to Amazon again.") % {"what": describe_update(update)})
    else:
        update.refresh_from_db()
        messages.error(
            request,
            _("%(what)s was not queued again: %(why)s")
            % {"what": describe_update(update), "why": update.last_response or update.get_state_display()},
        )
    return HttpResponseRedirect(_safe_next(request, reverse("amazon_channel:push_outbox")))


class OutboxFilterForm(forms.Form):
    store = forms.TypedChoiceField(label=gettext_lazy("Store"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Update"), required=False)
    q = forms.CharField(label=gettext_lazy("Order Number"), required=False, max_length=64)
    page_size = forms.TypedChoiceField(
        label=gettext_lazy("Per page"),
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(n, n) for n in PAGE_SIZES],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All stores"))] + [
            (s.pk, s.name) for s in push_selectors.stores_for_filter()
        ]
        self.fields["state"].choices = [("", _("Pending and failed")), *list(OutboundUpdate.State.choices)]
        self.fields["kind"].choices = [("", _("All updates")), *list(OutboundUpdate.Kind.choices)]


@staff_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    """Channel page: updates not yet accepted by Amazon across stores, filterable, with bulk retry."""
    form = OutboxFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = push_selectors.OutboxFilters(
        store_id=data.get("store"), state=data.get("state", ""), kind=data.get("kind", ""), search=data.get("q", "")
    )
    page_size = data.get("page_size") or PAGE_SIZES[0]
    page = Paginator(push_selectors.outbox_updates(filters=filters), page_size).get_page(request.GET.get("page"))
    _decorate(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "amazon_channel/push/outbox.html",
        {
            "form": form,
            "page": page,
            "updates": page.object_list,
            "query": query.urlencode(),
            "can_retry": request.user.has_perm(RETRY_PERMISSION),
        },
    )


@require_POST
@staff_required
@permission_required(RETRY_PERMISSION)
def retry_updates(request: HttpRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("update") if pk.isdigit()]
    if not ids:
        messages.error(request, _("Choose the updates to send again."))
    else:
        queued = outbox.retry_updates(updates=ids, actor=request.user)
        refused = len(ids) - queued
        messages.success(request, _("%(count)s update(s) will be sent to Amazon again.") % {"count": queued})
        if refused:
            messages.warning(
                request,
                _("%(count)s update(s) were not queued: only failed updates can be retried.") % {"count": refused},
            )
    return HttpResponseRedirect(_safe_next(request, reverse("amazon_channel:push_outbox")))


def register_ui() -> None:
    """Called when the app is ready: the *Sent to Amazon* block on the Commerce order, the adjustment reason on the
    New Credit Memo form of Amazon orders, and the outbox page in the menu."""
    view_blocks.register("order_notices", render_sent_to_amazon)
    view_blocks.register("shipment", render_shipment_sent_to_amazon)
    view_blocks.register("credit_memo", render_credit_memo_sent_to_amazon)
    view_blocks.register_form_extension("credit_memo", credit_memo_form_extension)
    menu.register("channels", gettext_lazy("Updates to Amazon"), "amazon_channel:push_outbox", order=30)


ADJUSTMENT_REASON_LABELS = {
    "CustomerReturn": gettext_lazy("Customer Return"),
    "NoInventory": gettext_lazy("No Inventory"),
    "GeneralAdjustment": gettext_lazy("General Adjustment"),
    "CouldNotShip": gettext_lazy("Could Not Ship"),
    "DifferentItem": gettext_lazy("Different Item"),
    "Abandoned": gettext_lazy("Abandoned"),
    "CustomerCancel": gettext_lazy("Customer Cancel"),
    "PriceError": gettext_lazy("Price Error"),
    "ProductOutofStock": gettext_lazy("Product Out of Stock"),
    "CustomerAddressIncorrect": gettext_lazy("Customer Address Incorrect"),
    "Exchange": gettext_lazy("Exchange"),
    "Other": gettext_lazy("Other"),
    "CarrierCreditDecision": gettext_lazy("Carrier Credit Decision"),
    "RiskAssessmentInformationNotValid": gettext_lazy("Risk Assessment Information Not Valid"),
    "CarrierCoverageFailure": gettext_lazy("Carrier Coverage Failure"),
    "TransactionRecord": gettext_lazy("Transaction Record"),
    "Undeliverable": gettext_lazy("Undeliverable"),
    "RefusedDelivery": gettext_lazy("Refused Delivery"),
}


class AmazonAdjustmentReasonMixin(forms.Form):
    """Added to the New Credit Memo form of an Amazon order: the reason Amazon shows the buyer for the refund."""

    amazon_adjustment_reason = forms.ChoiceField(
        label=gettext_lazy("Amazon Adjustment Reason"),
        choices=[(code, ADJUSTMENT_REASON_LABELS[code]) for code in outbox.ADJUSTMENT_REASONS],
        initial=outbox.DEFAULT_ADJUSTMENT_REASON,
        required=False,  # none chosen: the outbox sends the default, CustomerReturn
    )

    def extension_data(self) -> dict[str, str]:
        reason = self.cleaned_data.get("amazon_adjustment_reason")
        return {outbox.ADJUSTMENT_REASON_KEY: reason} if reason else {}


def credit_memo_form_extension(order) -> type | None:
    return AmazonAdjustmentReasonMixin if getattr(order, "channel", "") == "amazon" else None
